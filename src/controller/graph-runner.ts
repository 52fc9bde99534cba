// Executes one transition graph: fires synapses when their inputs have completed, within the
// batch and per-node limits, hands rsc_ops to the dispatcher, records every result, and stops
// firing when something unexpected happens (abort). It never decides what to do next: the
// planner computes the next graph once this one is done.
//
//   ready synapses ──fire──► pseudo_event: completes at once
//        ▲                   crm_event:    clear_failcount / lrm_delete / probe_again → recorder
//        │                                 stonith of a cluster node → fails (no fencing here)
//        │                   rsc_op:       dispatcher.run ─┬─ outcome ─────────────┐
//        │                                                 └─ deadline passed ─────┤ (TIMEOUT)
//        │                                                                         ▼
//        └──── inputs completed ◄──── recorded (one CIB commit per batch) ◄── recorder.submit
//                                      failed / unexpected result → abort: fire nothing new,
//                                      wait for what is in flight, report
import type { GraphAction, Synapse, TransitionGraph } from "../scheduler/graph/types.js";
import { transitionKey } from "../cib/history.js";
import { ExecStatus, OcfRc } from "../executor/codes.js";
import type { ActionDispatcher, ActionOutcome, DispatchResource } from "./action-dispatch.js";
import type { NodeTarget, RecordItem, ResultRecorder } from "./result-recorder.js";

export interface GraphRunnerOptions {
  graph: TransitionGraph;
  /** The transition's number (the graph's transitionId). */
  transitionId: number;
  /** The controller's UUID, the last part of every transition key. */
  uuid: string;
  dispatcher: ActionDispatcher;
  recorder: ResultRecorder;
  /** Names of cluster nodes (not guests or remote nodes). */
  clusterNodes: Set<string>;
  /** Node id → name, for the nodes an action takes down (`<downed>`). */
  nodeNames: Map<string, string>;
  /** Actions in flight per node (on_node); at least 1. */
  nodeActionLimit: number;
  /** Actions in flight in the whole graph; 0 = no limit beyond the per-node one. */
  batchLimit: number;
  /** Added to each action's own timeout to make the controller's deadline. */
  clusterDelayMs: number;
  log: (message: string) => void;
}

export interface InFlightAction {
  id: number;
  operationKey: string;
  node?: string;
  /** Epoch milliseconds when it was fired. */
  since: number;
}

export interface RunResult {
  /** complete: every synapse fired; aborted: stopped early; incomplete: some synapse could
   *  never fire (its inputs are not in the graph or never completed) without an abort. */
  state: "complete" | "aborted" | "incomplete";
  reason?: string;
  /** Actions that did something (rsc_ops and crm_events; pseudo-events do not count). */
  actions: number;
  failed: number;
  /** Cluster nodes whose fencing was asked for and could not be done. */
  fencingFailed: string[];
  unfired: number;
}

type State = "waiting" | "running" | "done";

export class GraphRunner {
  private readonly synapses: Synapse[];
  private readonly waiting: number[];
  private readonly dependents = new Map<number, number[]>();
  private readonly actionState = new Map<number, State>();
  private readonly fired: boolean[];
  private ready: number[] = [];
  private readonly running = new Map<number, InFlightAction>();
  private readonly perNode = new Map<string, number>();
  private abortReason?: string;
  private actions = 0;
  private failed = 0;
  private readonly fencingFailed: string[] = [];
  /** Pseudo-events fired whose completion has not been processed yet. */
  private pseudoPending = 0;
  private finish?: (r: RunResult) => void;
  private started = false;

  constructor(private readonly o: GraphRunnerOptions) {
    this.synapses = o.graph.synapses;
    this.waiting = this.synapses.map((s) => s.inputs.length);
    this.fired = this.synapses.map(() => false);
    this.synapses.forEach((s, i) => {
      for (const a of s.actions) this.actionState.set(a.id, "waiting");
      for (const input of s.inputs) {
        const list = this.dependents.get(input.id);
        if (list) list.push(i);
        else this.dependents.set(input.id, [i]);
      }
    });
  }

  get aborted(): string | undefined {
    return this.abortReason;
  }

  inFlight(): InFlightAction[] {
    return [...this.running.values()];
  }

  /** Stop firing; what is in flight completes and is recorded. The first reason is kept. */
  abort(reason: string): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.o.log(`transition ${this.o.transitionId}: aborted: ${reason}${this.running.size > 0 ? ` (waiting for ${this.running.size} action(s) in flight)` : ""}`);
    this.settle();
  }

  run(): Promise<RunResult> {
    if (this.started) throw new Error("a graph runs once");
    this.started = true;
    return new Promise<RunResult>((resolve) => {
      this.finish = resolve;
      this.synapses.forEach((_, i) => {
        if (this.waiting[i] === 0) this.ready.push(i);
      });
      this.pump();
    });
  }

  // --- firing ----------------------------------------------------------------------------

  private pump(): void {
    while (this.abortReason === undefined) {
      const i = this.nextReady();
      if (i === undefined) break;
      this.fire(i);
    }
    this.settle();
  }

  /** The first ready synapse whose actions fit in the limits (graph order). */
  private nextReady(): number | undefined {
    if (this.o.batchLimit > 0 && this.running.size >= this.o.batchLimit) {
      // Pseudo-events cost nothing: let them through even when the batch is full.
      const j = this.ready.findIndex((i) => this.synapses[i].actions.every((a) => a.kind === "pseudo_event"));
      return j < 0 ? undefined : this.ready.splice(j, 1)[0];
    }
    const limit = Math.max(1, this.o.nodeActionLimit);
    const j = this.ready.findIndex((i) =>
      this.synapses[i].actions.every((a) => a.kind === "pseudo_event" || (this.perNode.get(a.onNode ?? "") ?? 0) < limit),
    );
    return j < 0 ? undefined : this.ready.splice(j, 1)[0];
  }

  private fire(i: number): void {
    this.fired[i] = true;
    for (const action of this.synapses[i].actions) {
      this.actionState.set(action.id, "running");
      if (action.kind === "pseudo_event") {
        this.pseudoPending++;
        this.pseudo(action);
        continue;
      }
      const node = action.onNode ?? "";
      this.perNode.set(node, (this.perNode.get(node) ?? 0) + 1);
      this.running.set(action.id, { id: action.id, operationKey: action.operationKey, node: action.onNode, since: Date.now() });
      this.actions++;
      const work = action.kind === "crm_event" ? this.clusterEvent(action) : this.resourceOp(action);
      work.then(
        (ok) => this.completed(action, ok),
        (err: unknown) => {
          this.o.log(`transition ${this.o.transitionId}: ${action.operationKey}: internal error: ${err instanceof Error ? err.stack : String(err)}`);
          this.completed(action, false);
        },
      );
    }
  }

  private completed(action: GraphAction, ok: boolean): void {
    if (action.kind === "pseudo_event") {
      this.pseudoPending--;
    } else {
      this.running.delete(action.id);
      const node = action.onNode ?? "";
      this.perNode.set(node, (this.perNode.get(node) ?? 1) - 1);
    }
    this.actionState.set(action.id, "done");
    if (!ok) {
      this.failed++;
      this.abort(`${action.operationKey}${action.onNode ? ` on ${action.onNode}` : ""} did not have the expected result`);
    }
    for (const d of this.dependents.get(action.id) ?? []) {
      if (--this.waiting[d] === 0 && !this.fired[d]) this.ready.push(d);
    }
    if (this.ready.length > 1) this.ready.sort((a, b) => a - b);
    this.pump();
  }

  /** Resolve the run once nothing is in flight and nothing more will fire. */
  private settle(): void {
    if (!this.finish || this.running.size > 0 || this.pseudoPending > 0) return;
    if (this.abortReason === undefined && this.ready.length > 0) return;
    const unfired = this.fired.filter((f) => !f).length;
    const state = this.abortReason !== undefined ? "aborted" : unfired > 0 ? "incomplete" : "complete";
    const finish = this.finish;
    this.finish = undefined;
    finish({ state, reason: this.abortReason, actions: this.actions, failed: this.failed, fencingFailed: this.fencingFailed, unfired });
  }

  // --- the three kinds of action ---------------------------------------------------------

  private pseudo(action: GraphAction): void {
    if (action.operation !== "stonith" || action.onNode === undefined) {
      // Completed at once, but outside the firing loop (no recursion through long chains).
      queueMicrotask(() => this.completed(action, true));
      return;
    }
    // A guest's fencing is implied by recovering its container: once it is "done", nothing
    // that ran inside the guest runs any more, and its history must say so.
    this.o.recorder.submit({ kind: "node-down", ...this.target(action), origin: "pseudo-fencing" }).then(
      () => {
        this.o.log(`${this.tag}: ${action.onNode} fenced by recovering its container: its resources are recorded as stopped`);
        this.completed(action, true);
      },
      (err: unknown) => {
        this.o.log(`${this.tag}: ${action.operationKey}: recording failed: ${err instanceof Error ? err.message : String(err)}`);
        this.completed(action, false);
      },
    );
  }

  private async clusterEvent(action: GraphAction): Promise<boolean> {
    const t = this.tag;
    const node = action.onNode;
    if (node === undefined) throw new Error(`${action.operationKey}: ${action.operation} event without on_node`);
    switch (action.operation) {
      case "stonith": {
        const how = action.attributes.CRM_meta_stonith_action ?? "reboot";
        this.fencingFailed.push(node);
        this.o.log(`${t}: fencing ${node} (${how}) → failed: pacerd runs no fence devices in single-host mode; fix the node by hand and clean it up`);
        return false;
      }
      case "clear_failcount": {
        const p = action.primitive;
        if (!p) throw new Error(`${action.operationKey}: clear_failcount without a <primitive>`);
        await this.o.recorder.submit({ kind: "clear-failcount", ...this.target(action), rscId: p.id });
        this.o.log(`${t}: clear fail count of ${p.id} on ${node} → done`);
        return true;
      }
      case "lrm_delete": {
        const p = action.primitive;
        if (!p) throw new Error(`${action.operationKey}: lrm_delete without a <primitive>`);
        await this.o.recorder.submit({ kind: "forget-resource", ...this.target(action), rscId: p.id, longId: p.longId });
        this.o.log(`${t}: forget history of ${p.id} on ${node} → done`);
        return true;
      }
      case "do_shutdown":
        // In single-host mode nothing else leaves: the daemon itself is the node.
        this.o.log(`${t}: shutdown of ${node} → done (its resources are stopped)`);
        return true;
      default:
        this.o.log(`${t}: unknown cluster event ${action.operation} on ${node} → failed`);
        return false;
    }
  }

  private async resourceOp(action: GraphAction): Promise<boolean> {
    const t = this.tag;
    if (action.operation === "probe_again") {
      if (action.onNode === undefined) throw new Error(`${action.operationKey}: probe_again without on_node`);
      await this.o.recorder.submit({ kind: "forget-node-history", ...this.target(action) });
      this.o.log(`${t}: probe everything on ${action.onNode} again → done`);
      return true;
    }
    const p = action.primitive;
    if (!p) throw new Error(`${action.operationKey}: resource operation without a <primitive>`);
    if (action.onNode === undefined) throw new Error(`${action.operationKey}: resource operation without on_node`);
    const attrs = action.attributes;
    const targetRc = intAttr(attrs.CRM_meta_op_target_rc, 0);
    const intervalMs = intAttr(attrs.CRM_meta_interval, 0);
    const key = transitionKey(action.id, this.o.transitionId, targetRc, this.o.uuid);
    const deadlineMs = intAttr(attrs.CRM_meta_timeout, 20_000) + intAttr(attrs.CRM_meta_start_delay, 0) + this.o.clusterDelayMs;
    const started = Date.now();
    const resource: DispatchResource = { id: p.id, class: p.class, type: p.type };
    if (p.provider !== undefined) resource.provider = p.provider;
    if (p.longId !== undefined) resource.longId = p.longId;
    const target = this.target(action);

    // record-pending: the history says "in progress" while a one-shot action runs (status
    // shows Starting/Stopping). The recorder keeps order, so the result always lands after.
    let pending: Promise<void> | undefined;
    if (attrs.CRM_meta_record_pending === "true" && intervalMs === 0 && !["cancel", "delete", "notify"].includes(action.operation) && targetRc !== 7) {
      pending = this.o.recorder.submit({
        kind: "operation", ...target, resource, task: action.operation, intervalMs, params: attrs, transitionKey: key, targetRc,
        outcome: { callId: -1, rc: OcfRc.UNKNOWN, opStatus: ExecStatus.PENDING, lastRcChange: Math.floor(started / 1000), execTimeMs: 0, queueTimeMs: 0 },
      });
      pending.catch((err: unknown) => this.o.log(`${this.tag}: recording ${action.operationKey} as pending failed: ${err instanceof Error ? err.message : String(err)}`));
    }

    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ActionOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            callId: 0,
            rc: OcfRc.UNKNOWN_ERROR,
            opStatus: ExecStatus.TIMEOUT,
            exitReason: `no result within ${deadlineMs} ms (the action's timeout plus cluster-delay)`,
            lastRcChange: Math.floor(Date.now() / 1000),
            execTimeMs: deadlineMs,
            queueTimeMs: 0,
          }),
        deadlineMs,
      );
    });
    let outcome: ActionOutcome;
    try {
      outcome = await Promise.race([this.o.dispatcher.run(action, key), late]);
    } finally {
      clearTimeout(timer);
    }

    await pending?.catch(() => undefined);
    const items: RecordItem[] = [];
    if (action.operation === "cancel") {
      if (outcome.opStatus === ExecStatus.DONE) items.push({ kind: "cancelled", ...target, rscId: p.id, task: attrs.CRM_meta_operation ?? "monitor", intervalMs });
    } else if (action.operation === "delete") {
      if (outcome.opStatus === ExecStatus.DONE) items.push({ kind: "forget-resource", ...target, rscId: p.id, longId: p.longId });
    } else {
      items.push({
        kind: "operation",
        ...target,
        resource,
        task: action.operation,
        intervalMs,
        params: attrs,
        transitionKey: key,
        targetRc,
        outcome,
        failedStartOffset: this.o.graph.failedStartOffset,
        failedStopOffset: this.o.graph.failedStopOffset,
      });
    }
    const expected = outcome.opStatus === ExecStatus.DONE && (outcome.rc === targetRc || action.operation === "notify");
    const ignored = !expected && attrs.CRM_meta_on_fail === "ignore";
    // Stopping a connection takes its guest or remote node down: nothing runs there now.
    if (expected && action.downed) {
      for (const id of action.downed) {
        const name = this.o.nodeNames.get(id) ?? id;
        items.push({ kind: "node-down", node: name, nodeId: id, remote: !this.o.clusterNodes.has(name), origin: "remote-node-down" });
      }
    }
    await Promise.all(items.map((item) => this.o.recorder.submit(item)));
    this.o.log(`${t}: ${describeAction(action, intervalMs)} → ${describeOutcome(outcome, targetRc, Date.now() - started)}${ignored ? " (on-fail=ignore)" : ""}`);
    return expected || ignored;
  }

  private target(action: GraphAction): NodeTarget {
    const node = action.onNode!;
    // Guest and remote nodes are recorded under their name as id (as Pacemaker does).
    const remote = action.routerNode !== undefined || !this.o.clusterNodes.has(node);
    return { node, nodeId: remote ? node : action.onNodeUuid ?? node, remote };
  }

  private get tag(): string {
    return `transition ${this.o.transitionId}`;
  }
}

function intAttr(v: string | undefined, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : fallback;
}

const RC_NAMES: Record<number, string> = {
  0: "ok",
  1: "error",
  2: "invalid parameter",
  3: "unimplemented",
  4: "insufficient privileges",
  5: "not installed",
  6: "not configured",
  7: "not running",
  8: "promoted",
  9: "failed promoted",
};
const STATUS_NAMES: Record<number, string> = {
  1: "cancelled",
  2: "timed out",
  3: "not supported",
  4: "error",
  5: "hard error",
  6: "fatal error",
  7: "not installed",
  8: "not connected",
  9: "invalid",
};

function describeAction(action: GraphAction, intervalMs: number): string {
  const p = action.primitive!;
  const name = p.longId ?? p.id;
  const what = action.operation === "monitor" && intervalMs === 0 ? "probe" : intervalMs > 0 ? `${action.operation} (every ${intervalMs} ms)` : action.operation;
  return `${what} ${name} on ${action.onNode}`;
}

function describeOutcome(o: ActionOutcome, targetRc: number, ms: number): string {
  const rc = `rc ${o.rc}${RC_NAMES[o.rc] !== undefined && o.rc !== 0 ? ` ${RC_NAMES[o.rc]}` : ""}`;
  const reason = o.exitReason ? `: ${o.exitReason}` : "";
  if (o.opStatus !== ExecStatus.DONE) return `failed (${STATUS_NAMES[o.opStatus] ?? `op-status ${o.opStatus}`}, ${rc}, ${ms} ms${reason})`;
  if (o.rc !== targetRc) return `unexpected (${rc}, expected ${targetRc}, ${ms} ms${reason})`;
  return `${RC_NAMES[o.rc] ?? `rc ${o.rc}`} (rc ${o.rc}, ${ms} ms)`;
}
