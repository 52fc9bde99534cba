// The cluster layer of a one-host cluster: this host is the only member, always quorate,
// always the DC. Messages to ALL or to this node come back to it — asynchronously and in
// order, and as copies, as they would over the wire — so the controller runs the same code
// paths as in a multi-host cluster.
import {
  ALL,
  ClusterError,
  type ClusterEvent,
  type ClusterLayer,
  type ClusterListener,
  type ClusterNode,
  type Membership,
} from "./cluster-layer.js";
import { localNodeName } from "./node-name.js";

export interface SingleHostOptions {
  /** Node name; default: `uname -n`. */
  nodeName?: string;
  /** Node id; default "1", as Corosync numbers a one-node cluster. */
  nodeId?: string;
  /** Where a listener's exception goes (default: stderr); delivery goes on regardless. */
  onListenerError?: (err: unknown, event: ClusterEvent) => void;
}

export class SingleHostCluster implements ClusterLayer {
  readonly infrastructure = "single-host";
  private readonly node: ClusterNode;
  private view: Membership;
  private readonly listeners = new Set<ClusterListener>();
  private readonly pending: { event: ClusterEvent; done: () => void }[] = [];
  private readonly onListenerError: (err: unknown, event: ClusterEvent) => void;
  private draining = false;
  private state: "new" | "running" | "stopped" = "new";

  constructor(options: SingleHostOptions = {}) {
    const id = options.nodeId ?? "1";
    if (!/^[1-9]\d{0,9}$/.test(id)) throw new ClusterError(`node id "${id}" is not a positive integer`);
    this.node = { id, name: localNodeName(options.nodeName), member: false };
    this.view = { view: 0, nodes: [{ ...this.node }], quorate: false, dc: undefined };
    this.onListenerError =
      options.onListenerError ?? ((err, event) => process.stderr.write(`pacer: cluster ${event.type} handler failed: ${err instanceof Error ? err.stack : String(err)}\n`));
  }

  async start(): Promise<void> {
    if (this.state !== "new") throw new ClusterError(`cannot start the cluster layer: it is ${this.state}`);
    this.state = "running";
    this.node.member = true;
    this.view = { view: 1, nodes: [{ ...this.node }], quorate: true, dc: this.node.id };
    await this.deliver({ type: "membership", membership: copy(this.view), joined: [this.node.id], left: [] });
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    this.node.member = false;
    this.view = { ...copy(this.view), quorate: false, dc: undefined, nodes: [{ ...this.node }] };
  }

  localNode(): ClusterNode {
    return { ...this.node };
  }

  membership(): Membership {
    return copy(this.view);
  }

  isDc(): boolean {
    return this.view.dc === this.node.id;
  }

  async send(to: string, topic: string, payload: unknown): Promise<void> {
    if (this.state !== "running") throw new ClusterError(`cannot send "${topic}": the cluster layer is not running`);
    if (to !== ALL && to !== this.node.id) throw new ClusterError(`cannot send "${topic}" to node ${to}: not a member`);
    let wire: string;
    try {
      wire = JSON.stringify(payload);
    } catch (err) {
      throw new ClusterError(`cannot send "${topic}": the payload is not JSON (${(err as Error).message})`);
    }
    if (wire === undefined) throw new ClusterError(`cannot send "${topic}": the payload is not JSON`);
    await this.deliver({ type: "message", message: { from: this.node.id, topic, payload: JSON.parse(wire) } });
  }

  on(listener: ClusterListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queue an event; resolves once it has been handed to every listener (or dropped by stop). */
  private deliver(event: ClusterEvent): Promise<void> {
    return new Promise((resolve) => {
      this.pending.push({ event, done: resolve });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    });
  }

  private drain(): void {
    while (this.pending.length > 0) {
      const { event, done } = this.pending.shift()!;
      if (this.state === "running") {
        for (const listener of [...this.listeners]) {
          try {
            listener(event);
          } catch (err) {
            // A failing handler must not keep the event from the others, nor stop delivery.
            this.onListenerError(err, event);
          }
        }
      }
      done();
    }
    this.draining = false;
  }
}

function copy(m: Membership): Membership {
  return { ...m, nodes: m.nodes.map((n) => ({ ...n })) };
}
