// The transition engine's loop: something changed → snapshot the CIB → schedule → run the
// graph → record → (maybe) again. Runs are coalesced: whatever arrives while a transition
// is planned or running aborts it (if running) and leads to exactly one more run.
//
//   triggers: CIB commit (not our own) ─┐
//             dispatcher event ─────────┼──► request(reason) ──► loop: while pending { transition() }
//             recheck timer ────────────┘        │ running? abort it
//   transition(): snapshot → parseCib → schedule(model, now) → GraphRunner.run()
//     complete and did something → plan again (to confirm nothing is left: the next graph is
//     normally empty); aborted → plan again; empty graph → idle until the next trigger or the
//     recheck timer (the graph's recheck-by, cluster-recheck-interval).
// Our own status commits (update-client "pacerd-engine") do not trigger: the graph caused
// them and the run's end decides whether to plan again.
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import type { XmlElement } from "../cib/xml.js";
import { child, element } from "../cib/xml.js";
import { parseCib } from "../cib/model-parse.js";
import { parseInterval } from "../cib/duration.js";
import { schedule } from "../scheduler/schedule.js";
import type { ActionDispatcher, DispatchEvent } from "./action-dispatch.js";
import type { CibStore } from "./cib-store.js";
import { GraphRunner, type InFlightAction, type RunResult } from "./graph-runner.js";
import { RECORDER_CLIENT, type ResultRecorder } from "./result-recorder.js";
import { recordRemoteNodeStates } from "./remote-node-state.js";

export interface PlannerOptions {
  store: CibStore;
  dispatcher: ActionDispatcher;
  recorder: ResultRecorder;
  log?: (message: string) => void;
  /** The controller's UUID in transition keys (default: a new random one). */
  uuid?: string;
  /** Default node-action-limit when the CIB sets none (default 2 × cores). */
  defaultNodeActionLimit?: number;
}

export interface TransitionInfo {
  id: number;
  /** Epoch ms. */
  startedAt: number;
  finishedAt?: number;
  /** Actions in the graph (pseudo-events included). */
  graphActions: number;
  /** running while the graph executes; else how it ended. */
  state: "running" | RunResult["state"];
  reason?: string;
  actions?: number;
  failed?: number;
  /** The scheduler's Transition Summary for this graph. */
  summary: string[];
}

export interface EngineStatus {
  state: "idle" | "planning" | "running" | "stopped";
  transition?: TransitionInfo;
  inFlight: InFlightAction[];
  /** Epoch ms of the next timed re-plan, if one is armed. */
  recheckAt?: number;
  commits: number;
  recorded: number;
}

/** Without an outside change, the same graph this many times in a row (or this many
 *  transitions in all) means the plan does not converge: stop re-planning until something
 *  else happens. Aborted transitions are progress (each brought news), so the count is of
 *  identical graphs: a cold start of 100 guests legitimately aborts dozens of times. */
const MAX_SAME_GRAPH = 10;
const MAX_SELF_TRIGGERED = 1000;
const DEFAULT_RECHECK_MS = 15 * 60_000;
const MAX_SUMMARY_LINES = 30;
const FENCING_RETRY_MS = 30_000;

export class Planner {
  readonly uuid: string;
  private readonly log: (message: string) => void;
  private pending = false;
  private reasons: string[] = [];
  private looping?: Promise<void>;
  private runner?: GraphRunner;
  private planning = false;
  private stopped = false;
  private stopAll = false;
  private nextId = 0;
  private last?: TransitionInfo;
  private timer?: NodeJS.Timeout;
  private recheckAt?: number;
  private selfTriggered = 0;
  private lastFingerprint = "";
  private sameGraph = 0;
  private nodeIds = new Map<string, string>();
  private clusterNodes = new Set<string>();
  private unsubscribe?: () => void;
  private readonly onEvent = (e: DispatchEvent) => this.dispatchEvent(e);
  private readonly onNode = (node: string, up: boolean) => this.connectionChanged(node, up);
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: PlannerOptions) {
    this.uuid = o.uuid ?? randomUUID();
    this.log = o.log ?? (() => {});
  }

  start(): void {
    this.unsubscribe = this.o.store.onCommit((cib, result) => {
      if (cib.attrs["update-client"] === RECORDER_CLIENT) return;
      this.request(`CIB ${result.kind} change (${cib.attrs["update-client"] ?? "unknown client"})`, true);
    });
    this.o.dispatcher.on("event", this.onEvent);
    // Routers say when a guest's or remote node's connection comes up or goes away.
    (this.o.dispatcher as unknown as NodeEvents).on("node", this.onNode);
    this.request("start-up", true);
  }

  /** Plan (again) as soon as possible; a running transition is aborted. */
  request(reason: string, external = false): void {
    if (this.stopped) return;
    if (external) {
      this.selfTriggered = 0;
      this.sameGraph = 0;
    }
    this.pending = true;
    this.reasons.push(reason);
    this.runner?.abort(reason);
    if (!this.looping) this.looping = this.loop();
  }

  status(): EngineStatus {
    return {
      state: this.stopped ? "stopped" : this.runner ? "running" : this.planning || this.pending ? "planning" : "idle",
      ...(this.last ? { transition: { ...this.last } } : {}),
      inFlight: this.runner?.inFlight() ?? [],
      ...(this.recheckAt !== undefined ? { recheckAt: this.recheckAt } : {}),
      commits: this.o.recorder.stats.commits,
      recorded: this.o.recorder.stats.items,
    };
  }

  /** Resolves once no transition runs and none is pending (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (!this.looping) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stop. With `stopResources`, first run transitions as if stop-all-resources were set
   * (without writing it into the CIB) until nothing is left to do or `timeoutMs` passes.
   * Then fire nothing new and wait (bounded) for what is in flight to be recorded.
   */
  async stop(options: { stopResources?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    if (options.stopResources && !this.stopped) {
      this.stopAll = true;
      this.request("stopping all resources before exit", true);
      await withDeadline(this.whenIdle(), deadline - Date.now());
    }
    this.stopped = true;
    this.unsubscribe?.();
    this.o.dispatcher.off("event", this.onEvent);
    (this.o.dispatcher as unknown as NodeEvents).off("node", this.onNode);
    clearTimeout(this.timer);
    this.recheckAt = undefined;
    this.runner?.abort("pacerd is stopping");
    if (this.looping && !(await withDeadline(this.looping, Math.max(0, deadline - Date.now())))) {
      this.log(`stopping without waiting any longer for ${this.runner?.inFlight().length ?? 0} action(s) in flight`);
    }
    await this.o.recorder.idle();
  }

  // --- the loop --------------------------------------------------------------------------

  private async loop(): Promise<void> {
    try {
      while (this.pending && !this.stopped) {
        this.pending = false;
        const reasons = this.reasons.splice(0);
        try {
          await this.transition(reasons);
        } catch (err) {
          // A scheduler bug must not kill the daemon: log it and wait for the next change.
          this.log(`planning failed: ${err instanceof Error ? err.stack : String(err)}`);
        }
      }
    } finally {
      this.looping = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async transition(reasons: string[]): Promise<void> {
    this.planning = true;
    let graphRun: Promise<RunResult>;
    const id = this.nextId++;
    const started = Date.now();
    let info: TransitionInfo;
    try {
      let cib = this.o.store.snapshot();
      // Guest and remote nodes whose connection is up (or no longer up) are recorded first,
      // so that the plan sees them as they are.
      const connected = this.o.dispatcher.connectedNodes();
      if (recordRemoteNodeStates(cib, connected)) {
        await this.o.store.update((draft) => void recordRemoteNodeStates(draft, connected), { client: RECORDER_CLIENT });
        cib = this.o.store.snapshot();
      }
      if (this.stopAll) forceStopAll(cib);
      const model = parseCib(cib);
      const res = schedule(model, Math.floor(started / 1000), { scores: false });
      const graph = res.graph;
      graph.transitionId = id;
      this.nodeIds = new Map(model.nodes.map((n) => [n.uname, n.id]));
      this.clusterNodes = new Set(model.nodes.filter((n) => n.type !== "remote" && n.type !== "ping").map((n) => n.uname));
      this.armRecheck(graph.recheckBy, res.ws.options.get("cluster-recheck-interval") ?? "15min");
      const graphActions = graph.synapses.reduce((n, s) => n + s.actions.length, 0);
      const fingerprint = graph.synapses.map((s) => s.actions.map((a) => `${a.operationKey}@${a.onNode ?? ""}`).join(",")).join(";");
      this.sameGraph = fingerprint === this.lastFingerprint ? this.sameGraph + 1 : 0;
      this.lastFingerprint = fingerprint;
      info = { id, startedAt: started, graphActions, state: "running", summary: res.summaryLines };
      this.last = info;
      if (graphActions === 0) {
        Object.assign(info, { state: "complete", finishedAt: Date.now(), actions: 0, failed: 0 });
        this.selfTriggered = 0;
        this.log(`transition ${id}: nothing to do (${reasons.join("; ")})`);
        return;
      }
      this.log(`transition ${id}: ${graphActions} action(s) planned in ${Date.now() - started} ms (${reasons.join("; ")})`);
      // The summary, bounded: a cold start of 100 guests would log a thousand lines per plan.
      const summary = res.summaryLines.filter((l) => l.trim().startsWith("*"));
      for (const line of summary.slice(0, MAX_SUMMARY_LINES)) this.log(`transition ${id}: ${line.trim().slice(2)}`);
      if (summary.length > MAX_SUMMARY_LINES) this.log(`transition ${id}: ... and ${summary.length - MAX_SUMMARY_LINES} more (pacer status --json: engine.transition.summary)`);
      const cores = availableParallelism();
      const nodeLimit = positiveInt(res.ws.options.get("node-action-limit")) || this.o.defaultNodeActionLimit || Math.max(1, 2 * cores);
      this.runner = new GraphRunner({
        graph,
        transitionId: id,
        uuid: this.uuid,
        dispatcher: this.o.dispatcher,
        recorder: this.o.recorder,
        clusterNodes: this.clusterNodes,
        nodeNames: new Map(model.nodes.map((n) => [n.id, n.uname])),
        nodeActionLimit: nodeLimit,
        batchLimit: positiveInt(graph.batchLimit),
        clusterDelayMs: parseInterval(graph.clusterDelay) ?? 60_000,
        log: this.log,
      });
      // Something may have arrived while we planned: the graph is stale before it starts.
      if (this.stopped) this.runner.abort("pacerd is stopping");
      else if (this.pending) this.runner.abort(this.reasons[this.reasons.length - 1] ?? "changed while planning");
      graphRun = this.runner.run();
    } finally {
      this.planning = false;
    }
    const result = await graphRun;
    this.runner = undefined;
    Object.assign(info, { state: result.state, reason: result.reason, finishedAt: Date.now(), actions: result.actions, failed: result.failed });
    this.log(
      `transition ${id}: ${result.state}${result.reason ? ` (${result.reason})` : ""}: ${result.actions} action(s), ${result.failed} failed, ${Date.now() - started} ms${result.unfired > 0 ? `, ${result.unfired} synapse(s) not fired` : ""}`,
    );
    if (this.stopped) return;
    if (result.fencingFailed.length > 0 && result.failed === result.fencingFailed.length && !this.pending) {
      // Fencing cannot succeed here; planning again at once would only ask again.
      this.armTimer(FENCING_RETRY_MS, "retry after failed fencing");
      return;
    }
    if (result.state === "aborted" || result.actions > 0) {
      if (this.sameGraph + 1 >= MAX_SAME_GRAPH || ++this.selfTriggered > MAX_SELF_TRIGGERED) {
        this.log(
          this.sameGraph + 1 >= MAX_SAME_GRAPH
            ? `the same graph ran ${MAX_SAME_GRAPH} times in a row without settling; waiting for a change or the recheck timer before planning again`
            : `${MAX_SELF_TRIGGERED} transitions in a row without settling; waiting for a change or the recheck timer before planning again`,
        );
        return;
      }
      this.pending = true;
      if (this.reasons.length === 0) this.reasons.push(`transition ${id} ${result.state === "aborted" ? "aborted" : "done"}`);
    }
  }

  /**
   * Recorded at once, before any result of an action on that node: a connection that comes
   * up may reach a restarted executor, so the node's history starts over (what runs there is
   * learnt again through probes), as Pacemaker does when a remote node comes up. Not a
   * trigger by itself: the connection start (or probe) that made it happen is in a graph.
   */
  private connectionChanged(node: string, up: boolean): void {
    if (this.stopped) return;
    this.log(`${node}: connection ${up ? "up: its history starts over" : "down"}`);
    this.o.recorder.submit({ kind: "remote-connection", node, nodeId: node, remote: true, up }).catch((err: unknown) => {
      this.log(`recording ${node}'s connection ${up ? "up" : "down"} failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  private dispatchEvent(e: DispatchEvent): void {
    if (this.stopped) return;
    if (e.kind === "connection-lost") {
      this.request(`connection to ${e.node} lost: ${e.reason}`, true);
      return;
    }
    const remote = !this.clusterNodes.has(e.node);
    const targetRc = Number.parseInt(e.transitionKey.split(":")[2] ?? "0", 10) || 0;
    const what = `${e.resource.id}_${e.task}_${e.intervalMs} on ${e.node}: rc ${e.outcome.rc}, op-status ${e.outcome.opStatus}`;
    this.log(`recurring ${what}`);
    this.o.recorder
      .submit({
        kind: "operation",
        node: e.node,
        nodeId: remote ? e.node : this.nodeIds.get(e.node) ?? e.node,
        remote,
        resource: e.resource,
        task: e.task,
        intervalMs: e.intervalMs,
        params: e.params,
        transitionKey: e.transitionKey,
        targetRc,
        outcome: e.outcome,
      })
      .then(
        () => this.request(`recurring ${what}`, true),
        (err: unknown) => {
          this.log(`recording recurring ${what} failed: ${err instanceof Error ? err.message : String(err)}`);
          this.request(`recurring ${what}`, true);
        },
      );
  }

  private armRecheck(recheckBy: string | undefined, interval: string): void {
    let delay = parseInterval(interval) ?? DEFAULT_RECHECK_MS;
    if (delay === 0) delay = Number.POSITIVE_INFINITY;
    if (recheckBy !== undefined) {
      const at = Number.parseInt(recheckBy, 10) * 1000;
      if (Number.isFinite(at)) delay = Math.min(delay, Math.max(1000, at - Date.now()));
    }
    if (!Number.isFinite(delay)) {
      clearTimeout(this.timer);
      this.recheckAt = undefined;
      return;
    }
    this.armTimer(delay, "recheck timer");
  }

  private armTimer(delay: number, reason: string): void {
    clearTimeout(this.timer);
    this.recheckAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.recheckAt = undefined;
      this.request(reason, true);
    }, delay);
    this.timer.unref();
  }
}

interface NodeEvents {
  on(event: "node", listener: (node: string, up: boolean) => void): unknown;
  off(event: "node", listener: (node: string, up: boolean) => void): unknown;
}

/** Plan as if stop-all-resources=true, in this copy only. */
function forceStopAll(cib: XmlElement): void {
  const configuration = child(cib, "configuration");
  if (!configuration) return;
  let crm = child(configuration, "crm_config");
  if (!crm) {
    crm = element("crm_config");
    configuration.children.unshift(crm);
  }
  // A set of its own, scored above any other, so it wins over a configured value.
  crm.children.unshift(
    element("cluster_property_set", { id: "pacerd-exit-stop-all", score: "INFINITY" }, [
      element("nvpair", { id: "pacerd-exit-stop-all-resources", name: "stop-all-resources", value: "true" }),
    ]),
  );
}

function positiveInt(v: string | undefined): number {
  const n = Number.parseInt(v ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

async function withDeadline(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, ms))));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
