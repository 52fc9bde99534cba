// Actions on guest and remote nodes travel over the node's connection, so they are ordered
// against it: starts after the connection starts, stops before it stops (or, when the
// connection cannot come back, the node is fenced and the stops are implied). The connection's
// state decides which.
import { Ord, Role, type Action, type Node, type Resource, type WorkingSet } from "./types.js";
import { opKey } from "./actions.js";
import { newOrdering } from "./ordering.js";
import { fenceRemoteNode } from "./guest-fencing.js";

/** What the connection of a remote node will do in this transition. */
type ConnectionState = "unknown" | "alive" | "resting" | "failed" | "stopped";

function connectionState(node: Node): ConnectionState {
  const conn = node.remoteRsc!;
  const current = conn.runningOn[0];
  if (conn.nextRole === Role.Stopped || !conn.assigned) {
    if (current?.unclean) return "failed";
    if (!conn.failed) return "stopped";
    // Whether a failed connection with a reconnect interval recovers is only known later.
    if (conn.nextRole === Role.Stopped && conn.reconnectMs > 0 && node.remoteWasFenced && !node.shutdown) return "unknown";
    return "failed";
  }
  if (!current) return "unknown";
  if (current.unclean || !current.online) return "resting";
  if (conn.runningOn.length > 1 && conn.partialMigrationSource && conn.partialMigrationTarget) return "resting";
  return "alive";
}

function startThen(ws: WorkingSet, first: Resource, then: Action, extra: number): void {
  newOrdering(ws, { rsc: first, task: opKey(first.id, "start") }, { rsc: then.rsc, action: then }, Ord.preserve | Ord.runnableLeft | extra);
}

function thenStop(ws: WorkingSet, first: Action, then: Resource, extra: number): void {
  newOrdering(ws, { rsc: first.rsc, action: first }, { rsc: then, task: opKey(then.id, "stop") }, Ord.preserve | extra);
}

/** Pacemaker's pcmk__order_remote_connection_actions. */
export function orderRemoteConnectionActions(ws: WorkingSet): void {
  if (!ws.nodes.some((n) => n.kind !== "cluster")) return;
  // (Newest first, as Pacemaker keeps its action list: it decides which fencing comes first.)
  for (const action of [...ws.actions].reverse()) {
    const rsc = action.rsc;
    if (!rsc) continue;
    if (rsc.remoteNode && action.task === "clear_failcount") {
      // Forget the connection's failures before starting it again.
      newOrdering(ws, { rsc, action }, { rsc, task: opKey(rsc.id, "start") }, Ord.optional);
      continue;
    }
    const node = action.node;
    if (!node || node.kind === "cluster" || action.pseudo) continue;
    const conn = node.remoteRsc;
    if (!conn) continue;
    if (action.task === "start") {
      // Moving onto a remote node: keep the old copy until the connection is up.
      for (const other of rsc.actions) {
        if (other.node && other.node !== node && other.task === "stop") newOrdering(ws, { rsc: conn, task: opKey(conn.id, "start") }, { rsc, action: other }, Ord.optional);
      }
    }
    if (conn.container) containerOrdering(ws, action, node, conn, conn.container);
    else remoteOrdering(ws, action, node, conn);
  }
}

/** Migrations travel over the connection that is there now, like stops (see routing.ts). */
function orderingTask(action: Action): string {
  return action.task === "migrate_to" || action.task === "migrate_from" ? "stop" : action.task;
}

function remoteOrdering(ws: WorkingSet, action: Action, node: Node, conn: Resource): void {
  const state = connectionState(node);
  switch (orderingTask(action)) {
    case "start":
    case "promote":
      startThen(ws, conn, action, state === "failed" ? Ord.impliesThen : Ord.none);
      break;
    case "stop":
      // A connection that comes back (moved, recovered) does not force a stop of what runs
      // behind it (observed: crm_simulate only re-runs the recurring monitors).
      if (state === "alive") thenStop(ws, action, conn, Ord.none);
      else if (state === "failed") fenceRemoteNode(ws, node, "resources are active but connection is unrecoverable");
      else if (conn.nextRole === Role.Stopped) thenStop(ws, action, conn, Ord.impliesFirst);
      else startThen(ws, conn, action, Ord.none);
      break;
    case "demote":
      if (state === "resting" || state === "unknown") startThen(ws, conn, action, Ord.none);
      break;
    default:
      if (action.interval > 0) {
        startThen(ws, conn, action, Ord.impliesThen);
      } else {
        if (action.task === "monitor" && state === "failed") fenceRemoteNode(ws, node, "resources are in unknown state and connection is unrecoverable");
        if (conn.runningOn.length && state === "stopped") thenStop(ws, action, conn, Ord.runnableLeft);
        else startThen(ws, conn, action, Ord.none);
      }
  }
}

/** A connection live-migrating in this transition keeps what runs behind it. */
function migrating(conn: Resource): boolean {
  return conn.actions.some((a) => a.task === "migrate_from" || a.task === "migrate_to");
}

function containerOrdering(ws: WorkingSet, action: Action, node: Node, conn: Resource, container: Resource): void {
  if (container.failed) fenceRemoteNode(ws, node, "container failed");
  switch (orderingTask(action)) {
    case "start":
    case "promote":
      // A recovered container forces what runs in it to restart.
      startThen(ws, container, action, Ord.impliesThen);
      startThen(ws, conn, action, Ord.none);
      break;
    case "stop":
    case "demote":
      // With a failed container these are implied by the guest's pseudo fencing.
      if (!container.failed) thenStop(ws, action, conn, migrating(conn) ? Ord.none : Ord.impliesFirst);
      break;
    default:
      startThen(ws, conn, action, action.interval > 0 ? Ord.impliesThen : Ord.none);
  }
}
