// The router: the ActionDispatcher pacerd runs graphs with. It decides *where* each rsc_op
// runs and hands it to the dispatcher for that place:
//
//   primitive is ocf:pacemaker:remote ─────────────► ConnectionManager (connect / poke / disconnect)
//   on_node = this host ───────────────────────────► local dispatcher (the local Executor)
//   on_node = guest or remote node N (router_node = this host)
//        N connected ──► N's dispatcher (an ExecutorDispatch over N's RemoteClient)
//        not connected ─► outcome op-status NOT_CONNECTED, nothing run
//
// A node's dispatcher is made when its connection comes up and dropped when it goes down;
// actions still waiting on it then complete with NOT_CONNECTED (as Pacemaker records them),
// and the connection's own failure reaches the engine as DispatchEvents.
import { EventEmitter } from "node:events";
import type { ExecutorApi } from "../executor/api.js";
import { ExecStatus } from "../executor/codes.js";
import type { GraphAction } from "../scheduler/graph/types.js";
import type { ActionDispatcher, ActionOutcome, DispatchEvent } from "./action-dispatch.js";
import { notRun } from "./action-dispatch.js";
import { isConnectionResource } from "./connection-target.js";
import { ConnectionManager as Connections, type ConnectionManagerOptions } from "./connections.js";
import { ExecutorDispatch, localOnlyDispatcher } from "./executor-dispatch.js";

/** What the router needs of a node's dispatcher. */
export type NodeDispatcher = Pick<ActionDispatcher, "run" | "on" | "off" | "close">;

export interface RouterOptions {
  /** This host's node name (actions whose on_node is this run locally). */
  localNode: string;
  /** The dispatcher over this host's Executor. */
  local: NodeDispatcher;
  connections: Connections;
  /** Makes the dispatcher for a node whose connection just came up (default: an
   *  ExecutorDispatch over the connection). */
  remoteDispatcher?: (node: string, executor: ExecutorApi) => NodeDispatcher;
  log?: (message: string) => void;
}

interface Remote {
  dispatcher: NodeDispatcher;
  /** Actions waiting on this node: settle them when the connection goes away. */
  inFlight: Set<(o: ActionOutcome) => void>;
}

export interface RouterEvents {
  event: [DispatchEvent];
  /** A guest's or remote node's connection came up (true) or went away (false): the
   *  daemon records it in the node's node_state (recordRemoteNodeStates). */
  node: [name: string, connected: boolean];
}

export class Router extends EventEmitter<RouterEvents> implements ActionDispatcher {
  private readonly remotes = new Map<string, Remote>();
  private readonly log: (m: string) => void;
  private readonly forward = (e: DispatchEvent) => this.emit("event", e);
  private readonly onUp = (node: string, executor: ExecutorApi) => this.attach(node, executor);
  private readonly onDown = (node: string, reason: string | undefined) => this.detach(node, reason);
  private closed = false;

  constructor(private readonly options: RouterOptions) {
    super();
    this.log = options.log ?? (() => {});
    options.local.on("event", this.forward);
    options.connections.on("event", this.forward);
    options.connections.on("up", this.onUp);
    options.connections.on("down", this.onDown);
  }

  get localNode(): string {
    return this.options.localNode;
  }

  connectedNodes(): string[] {
    return this.options.connections.connected();
  }

  run(action: GraphAction, transitionKey: string): Promise<ActionOutcome> {
    const where = `action ${action.id} (${action.operationKey})`;
    if (action.kind !== "rsc_op") return Promise.reject(new Error(`${where}: only rsc_op actions are routed (got ${action.kind})`));
    if (!action.primitive) return Promise.reject(new Error(`${where}: resource operation without a <primitive>`));
    const node = action.onNode;
    if (!node) return Promise.reject(new Error(`${where}: no on_node`));
    if (isConnectionResource(action.primitive)) {
      if (node !== this.localNode) return Promise.resolve(notConnected(`${where}: the connection is held by ${node}, not by this host (${this.localNode})`));
      return this.options.connections.run(action, transitionKey);
    }
    if (node === this.localNode && (action.routerNode === undefined || action.routerNode === this.localNode)) return this.options.local.run(action, transitionKey);
    if (action.routerNode !== undefined && action.routerNode !== this.localNode) {
      return Promise.resolve(notConnected(`${where}: ${node} is reached through ${action.routerNode}, not through this host (${this.localNode})`));
    }
    const remote = this.remotes.get(node);
    if (!remote) return Promise.resolve(notConnected(`${where}: ${node} is not connected`));
    return this.runRemote(remote, node, action, transitionKey);
  }

  private runRemote(remote: Remote, node: string, action: GraphAction, transitionKey: string): Promise<ActionOutcome> {
    return new Promise<ActionOutcome>((resolve, reject) => {
      let settled = false;
      const settle = (o: ActionOutcome) => {
        if (settled) return;
        settled = true;
        remote.inFlight.delete(settle);
        resolve(o);
      };
      remote.inFlight.add(settle);
      remote.dispatcher.run(action, transitionKey).then(settle, (err: unknown) => {
        if (settled) return;
        settled = true;
        remote.inFlight.delete(settle);
        reject(err);
      });
    });
  }

  private attach(node: string, executor: ExecutorApi): void {
    if (this.closed) return;
    this.detach(node, "replaced by a new connection");
    const dispatcher = this.options.remoteDispatcher ? this.options.remoteDispatcher(node, executor) : new ExecutorDispatch(executor, { node, log: this.log });
    dispatcher.on("event", this.forward);
    this.remotes.set(node, { dispatcher, inFlight: new Set() });
    this.log(`routing actions for ${node} through its connection`);
    this.emit("node", node, true);
  }

  private detach(node: string, reason: string | undefined): void {
    const remote = this.remotes.get(node);
    if (!remote) return;
    this.remotes.delete(node);
    remote.dispatcher.off("event", this.forward);
    const why = reason ?? `the connection to ${node} was stopped`;
    for (const settle of [...remote.inFlight]) settle(notConnected(`${why} (the action's result is unknown)`));
    void remote.dispatcher.close().catch((err: unknown) => this.log(`closing the dispatcher of ${node}: ${(err as Error).message}`));
    if (!this.closed) this.emit("node", node, false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.connections.off("up", this.onUp);
    await this.options.connections.close();
    for (const node of [...this.remotes.keys()]) this.detach(node, "the controller is shutting down");
    this.options.connections.off("down", this.onDown);
    this.options.connections.off("event", this.forward);
    this.options.local.off("event", this.forward);
    await this.options.local.close();
  }
}

/** An action that could not reach its node: not run, result unknown (op-status 8). */
function notConnected(reason: string): ActionOutcome {
  return notRun(ExecStatus.NOT_CONNECTED, reason);
}

export interface DefaultRouterOptions extends Pick<ConnectionManagerOptions, "authkeyPath" | "env"> {
  localNode: string;
  /** This host's executor (pacerd's local Executor). */
  executor: ExecutorApi & { shutdown?(): void };
  log?: (message: string) => void;
}

/** pacerd's dispatcher: the local Executor plus a connection manager for guests and remote nodes. */
export function createRouter(o: DefaultRouterOptions): Router {
  return new Router({
    localNode: o.localNode,
    local: localOnlyDispatcher(o.localNode, o.executor, o.log),
    connections: new Connections({ authkeyPath: o.authkeyPath, env: o.env, log: o.log }),
    log: o.log,
  });
}
