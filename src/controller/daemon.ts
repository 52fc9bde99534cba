// pacerd: the state directory's CIB, the cluster layer, the local API and the transition
// engine (planner → graph runner → dispatcher → recorder), wired together. See README.md.
import { parseXml, XmlParseError } from "../cib/xml.js";
import type { ClusterLayer } from "../cluster/cluster-layer.js";
import { SingleHostCluster } from "../cluster/single-host.js";
import { CibRefusedError } from "./cib-validate.js";
import { CibStore, type CibStoreOptions, type CommitResult } from "./cib-store.js";
import { formatVersion } from "./cib-version.js";
import { ApiFailure, ApiServer } from "./api-server.js";
import { DEFAULT_SOCKET, type StatusResult, type CibGetResult, type CibReplaceResult, type CibVerifyResult, type PingResult } from "./api-protocol.js";
import { ensureNodeConfigured, setClusterView, setNodeState } from "./node-membership.js";
import type { ActionDispatcher } from "./action-dispatch.js";
import { createRouter } from "./router.js";
import { AgentInfoCache } from "./agent-info.js";
import { ResultRecorder } from "./result-recorder.js";
import { Planner, type EngineStatus } from "./planner.js";
import { Executor } from "../executor/executor.js";
import { defaultPaths, type AgentPaths } from "../executor/agent.js";
import type { XmlElement } from "../cib/xml.js";

export interface DaemonOptions {
  stateDir?: string;
  socketPath?: string;
  nodeName?: string;
  /** Defaults to the single-host layer. */
  cluster?: ClusterLayer;
  store?: Omit<CibStoreOptions, "stateDir" | "origin">;
  log?: (message: string) => void;
  /** Carries out resource actions (default: the Router — the local executor plus the
   *  connections to guest and remote nodes). pacerd closes it when it stops. */
  dispatcher?: ActionDispatcher;
  /** The authkey for guest and remote connections (default: PCMK_authkey_location, else
   *  /etc/pacemaker/authkey; read at each connection). */
  authkeyPath?: string;
  /** Agent search paths for the default local executor and for agent meta-data. */
  agentPaths?: Partial<AgentPaths>;
  /** Run no transitions (the store and the API only). */
  noEngine?: boolean;
}

export interface StopOptions {
  /** Stop every resource first (stop-all-resources semantics, not written into the CIB). */
  stopResources?: boolean;
  /** Bound on waiting for transitions and in-flight actions (default 120 s). */
  timeoutMs?: number;
}

const CLIENT = "pacerd";

export class Daemon {
  private readonly api: ApiServer;
  /** The transition engine (absent with noEngine). */
  planner?: Planner;
  dispatcher?: ActionDispatcher;
  recorder?: ResultRecorder;

  private constructor(
    readonly store: CibStore,
    readonly cluster: ClusterLayer,
    readonly socketPath: string,
    private readonly log: (message: string) => void,
  ) {
    this.api = new ApiServer(this.handlers(), log);
  }

  static async start(options: DaemonOptions = {}): Promise<Daemon> {
    // PACER_LOG_TIME=1 puts a wall-clock time on every line (timing a busy start).
    const stamp = process.env.PACER_LOG_TIME ? () => `${new Date().toISOString().slice(11, 23)} ` : () => "";
    const log = options.log ?? ((m: string) => process.stderr.write(`${stamp()}pacerd: ${m}\n`));
    const cluster = options.cluster ?? new SingleHostCluster({ nodeName: options.nodeName });
    const store = await CibStore.open({ ...options.store, stateDir: options.stateDir, origin: cluster.localNode().name, log });
    let daemon: Daemon | undefined;
    try {
      await cluster.start();
      const me = cluster.localNode();
      // Membership first, so the CIB says who is up before anyone asks.
      await store.update((cib) => ensureNodeConfigured(cib, me), { client: CLIENT });
      await store.update((cib) => {
        setNodeState(cib, me, true, "pacerd-start");
        setClusterView(cib, cluster.membership());
        // A new executor knows nothing yet: what runs is learnt again through probes, as
        // when a Pacemaker node rejoins (its history and transient attributes start empty).
        if (!options.noEngine) forgetNodeStatus(cib, me.id);
      }, { client: CLIENT });
      const socketPath = options.socketPath ?? DEFAULT_SOCKET;
      daemon = new Daemon(store, cluster, socketPath, log);
      await daemon.api.listen(socketPath);
      if (!options.noEngine) {
        const paths: AgentPaths = { ...defaultPaths, ...options.agentPaths };
        daemon.dispatcher = options.dispatcher ?? createRouter({ localNode: me.name, executor: new Executor({ paths }), authkeyPath: options.authkeyPath, log });
        daemon.recorder = new ResultRecorder(store, new AgentInfoCache(paths, log), log);
        daemon.planner = new Planner({ store, dispatcher: daemon.dispatcher, recorder: daemon.recorder, log });
        daemon.planner.start();
      }
      log(`node ${me.name} (id ${me.id}) up; CIB ${formatVersion(store.version)} from ${store.loadedFrom === "file" ? store.path : "a fresh empty CIB"}; API on ${socketPath}`);
      return daemon;
    } catch (err) {
      await daemon?.planner?.stop({ timeoutMs: 5000 });
      await daemon?.dispatcher?.close();
      await daemon?.api.close();
      await cluster.stop();
      await store.close();
      throw err;
    }
  }

  /**
   * Stop: fire no new actions, let those in flight finish and be recorded (bounded), cancel
   * recurring monitors and close the executors — resources keep running unless
   * `stopResources` (a restarted pacerd finds them through probes) — then stop serving,
   * record this node as cleanly down and release the state directory.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.planner) {
      await this.planner.stop({ stopResources: options.stopResources, timeoutMs: options.timeoutMs });
      if (options.stopResources) this.log(`resources stopped: ${describeEngine(this.planner.status())}`);
    }
    await this.dispatcher?.close();
    await this.api.close();
    const me = this.cluster.localNode();
    await this.cluster.stop();
    await this.store.update((cib) => {
      setNodeState(cib, me, false, "pacerd-stop");
      setClusterView(cib, this.cluster.membership());
    }, { client: CLIENT });
    await this.store.close();
  }

  private handlers() {
    return {
      ping: (): PingResult => {
        const me = this.cluster.localNode();
        const view = this.cluster.membership();
        return { node: me.name, nodeId: me.id, infrastructure: this.cluster.infrastructure, dc: this.cluster.isDc(), quorate: view.quorate, version: formatVersion(this.store.version), pid: process.pid };
      },
      status: (): StatusResult => {
        if (!this.planner) throw new ApiFailure({ code: "bad-request", message: "this pacerd runs no transition engine" });
        return this.planner.status();
      },
      "cib.get": (): CibGetResult => ({ xml: this.store.text(), version: formatVersion(this.store.version) }),
      "cib.verify": (args: Record<string, unknown>): CibVerifyResult => {
        const xml = requireString(args, "xml");
        try {
          return { problems: this.store.check(parseXml(xml, "CIB")).map((p) => p.message) };
        } catch (err) {
          if (err instanceof XmlParseError) return { problems: [err.message] };
          throw err;
        }
      },
      "cib.replace": async (args: Record<string, unknown>): Promise<CibReplaceResult> => {
        const xml = requireString(args, "xml");
        const user = typeof args.user === "string" ? args.user : undefined;
        let result: CommitResult;
        try {
          const source = { client: typeof args.client === "string" ? args.client : "pacer", user };
          // section "configuration": the client edited the configuration only; the status
          // it fetched may be older than the live one (results keep coming) and is not used.
          result = args.section === "configuration" ? await this.store.replaceConfiguration(xml, source) : await this.store.replace(xml, source);
        } catch (err) {
          if (err instanceof CibRefusedError) {
            throw new ApiFailure({ code: "refused", message: `${err.what} refused`, problems: err.problems.map((p) => p.message) });
          }
          throw err;
        }
        return { kind: result.kind, previous: formatVersion(result.previous), version: formatVersion(result.version) };
      },
    };
  }
}

/** Drop a node's resource history and transient attributes (kept: its node_state). */
function forgetNodeStatus(cib: XmlElement, nodeId: string): void {
  const status = cib.children.find((c) => c.name === "status");
  const state = status?.children.find((c) => c.name === "node_state" && c.attrs.id === nodeId);
  if (state) state.children = state.children.filter((c) => c.name !== "lrm" && c.name !== "transient_attributes");
}

function describeEngine(s: EngineStatus): string {
  const t = s.transition;
  return t ? `last transition ${t.id} ${t.state}, ${t.graphActions} action(s) planned` : "no transition ran";
}

function requireString(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== "string") throw new ApiFailure({ code: "bad-request", message: `argument "${name}" (a string) is required` });
  return v;
}
