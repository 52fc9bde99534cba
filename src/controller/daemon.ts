// pacerd's skeleton: the state directory's CIB, the cluster layer, and the local API,
// wired together. The transition engine plugs in at `store.onCommit` (see README.md);
// until it lands, pacerd keeps and serves the CIB and records its own membership.
import { parseXml, XmlParseError } from "../cib/xml.js";
import type { ClusterLayer } from "../cluster/cluster-layer.js";
import { SingleHostCluster } from "../cluster/single-host.js";
import { CibRefusedError } from "./cib-validate.js";
import { CibStore, type CibStoreOptions, type CommitResult } from "./cib-store.js";
import { formatVersion } from "./cib-version.js";
import { ApiFailure, ApiServer } from "./api-server.js";
import { DEFAULT_SOCKET, type CibGetResult, type CibReplaceResult, type CibVerifyResult, type PingResult } from "./api-protocol.js";
import { ensureNodeConfigured, setClusterView, setNodeState } from "./node-membership.js";

export interface DaemonOptions {
  stateDir?: string;
  socketPath?: string;
  nodeName?: string;
  /** Defaults to the single-host layer. */
  cluster?: ClusterLayer;
  store?: Omit<CibStoreOptions, "stateDir" | "origin">;
  log?: (message: string) => void;
}

const CLIENT = "pacerd";

export class Daemon {
  private readonly api: ApiServer;

  private constructor(
    readonly store: CibStore,
    readonly cluster: ClusterLayer,
    readonly socketPath: string,
    log: (message: string) => void,
  ) {
    this.api = new ApiServer(this.handlers(), log);
  }

  static async start(options: DaemonOptions = {}): Promise<Daemon> {
    const log = options.log ?? ((m: string) => process.stderr.write(`pacerd: ${m}\n`));
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
      }, { client: CLIENT });
      const socketPath = options.socketPath ?? DEFAULT_SOCKET;
      daemon = new Daemon(store, cluster, socketPath, log);
      await daemon.api.listen(socketPath);
      log(`node ${me.name} (id ${me.id}) up; CIB ${formatVersion(store.version)} from ${store.loadedFrom === "file" ? store.path : "a fresh empty CIB"}; API on ${socketPath}`);
      return daemon;
    } catch (err) {
      await daemon?.api.close();
      await cluster.stop();
      await store.close();
      throw err;
    }
  }

  /** Stop serving, record this node as cleanly down, release the state directory. */
  async stop(): Promise<void> {
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
          result = await this.store.replace(xml, { client: typeof args.client === "string" ? args.client : "pacer", user });
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

function requireString(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== "string") throw new ApiFailure({ code: "bad-request", message: `argument "${name}" (a string) is required` });
  return v;
}
