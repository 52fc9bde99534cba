// Routing: an action aimed at a guest or remote node is executed by the cluster node that
// holds the node's connection (the graph's router_node); resources in a guest also learn the
// cluster node their container runs on (CRM_meta_physical_host).
import type { Action, Node } from "./types.js";

/** Tasks that must happen before a moving connection leaves its current node. */
const BEFORE_MOVE = new Set(["cancel", "stop", "demote", "migrate_from", "migrate_to"]);

/** The cluster node relaying this action, or undefined for actions on cluster nodes. */
export function routerNode(a: Action): Node | undefined {
  const node = a.node;
  if (!node || node.kind === "cluster" || a.task === "stonith") return undefined;
  const conn = node.remoteRsc;
  if (!conn) return undefined;
  const began = conn.runningOn[0];
  const ended = conn.assigned ?? undefined;
  if (!began) return ended;
  if (!ended) return began;
  if (began === ended) return began;
  // The connection moves in this transition: stops go through where it was, the rest
  // through where it goes, unless a remote connection is mid-migration (then all via target).
  const partialMigration = !conn.container && conn.partialMigrationTarget !== undefined;
  const task = a.task === "notify" ? (a.meta.get("notify_operation") ?? a.task) : a.task;
  if (BEFORE_MOVE.has(task) && !partialMigration) return began;
  return ended;
}

/** For actions of resources in a guest: the cluster node hosting the guest's container. */
export function physicalHost(a: Action): Node | undefined {
  const node = a.node;
  if (!a.rsc || !node || node.kind !== "guest") return undefined;
  const container = node.remoteRsc?.container;
  if (!container) return undefined;
  const task = a.task === "notify" ? (a.meta.get("notify_operation") ?? a.task) : a.task;
  if (task === "stop" || task === "stopped" || task === "demote" || task === "demoted") return container.runningOn[0];
  return container.assigned ?? undefined;
}

/** A connection's stop takes its node down, unless the connection is migrating away. */
export function downedByConnectionStop(a: Action): Node | undefined {
  const conn = a.rsc;
  // (An implied stop is a pseudo-action: the fencing that implies it reports the node down.)
  if (!conn?.remoteNode || a.task !== "stop" || a.pseudo) return undefined;
  if (a.before.some((b) => b.action.rsc === conn && b.action.task === "migrate_from")) return undefined;
  return conn.remoteNode;
}
