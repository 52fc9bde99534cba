// What the controller needs from the cluster layer, and nothing more: who the members are,
// which one is this process, which one decides (the DC), whether the partition may act
// (quorum), and a way to talk to the other controllers. The single-host layer answers all
// of it locally; a Corosync layer answers it from CPG and votequorum (see README.md).

/** A cluster node as the membership layer sees it. Guest and remote nodes are not members. */
export interface ClusterNode {
  /**
   * Stable node id, as written in the CIB (`<node id>`, `<node_state id>`): Corosync's
   * nodeid in decimal. The single-host layer uses "1", like a one-node Corosync cluster.
   */
  id: string;
  /** Node name (`uname` in the CIB). */
  name: string;
  /** Part of the current membership (the CIB's `in_ccm`). */
  member: boolean;
}

/** One view of the membership. Every member sees the same sequence of views. */
export interface Membership {
  /** Grows with every change, so a handler can tell a stale view from the current one. */
  view: number;
  /** Every node known so far, members first; lost nodes stay listed with member=false. */
  nodes: ClusterNode[];
  /** Whether this partition has quorum (may run resources, per no-quorum-policy). */
  quorate: boolean;
  /** Id of the Designated Controller, the one node that schedules; undefined while unknown. */
  dc: string | undefined;
}

/** A message between controllers. Payloads are JSON values; they arrive as copies. */
export interface ClusterMessage {
  from: string;
  /** What the message is about (e.g. "cib-diff", "join-offer"); receivers switch on it. */
  topic: string;
  payload: unknown;
}

export type ClusterEvent =
  | { type: "membership"; membership: Membership; joined: string[]; left: string[] }
  | { type: "message"; message: ClusterMessage };

export type ClusterListener = (event: ClusterEvent) => void;

/** Everyone: deliver to every member, this node included. */
export const ALL = "*";

export interface ClusterLayer {
  /** "single-host" or "corosync": shown in status, like Pacemaker's cluster-infrastructure. */
  readonly infrastructure: string;
  /** Join the cluster. Resolves once the first membership view is known (and delivered). */
  start(): Promise<void>;
  /** Leave the cluster; no events are delivered afterwards. */
  stop(): Promise<void>;
  /** This node. */
  localNode(): ClusterNode;
  /** The current membership view. */
  membership(): Membership;
  /** Is this node the DC in the current view? */
  isDc(): boolean;
  /**
   * Send `payload` to one node (by id) or to ALL members. Messages to ALL reach every member,
   * the sender included, in the same order everywhere, and in order with membership events
   * (a message sent before a node left is delivered before the view without it).
   * Rejects when the destination is not a member or the payload is not JSON.
   */
  send(to: string, topic: string, payload: unknown): Promise<void>;
  /** Subscribe to membership changes and messages; returns the unsubscribe function. */
  on(listener: ClusterListener): () => void;
}

export class ClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClusterError";
  }
}
