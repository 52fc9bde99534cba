// Fencing a guest or remote node. A remote node is fenced for real (a fencing op through a
// fence device); a guest is "fenced" by recovering its container: the container is marked
// failed, and a pseudo fencing event — ordered after the container stops — stands for the
// moment the guest is known to be down, so that stops on the guest can be implied by it.
import { Ord, type Action, type Node, type WorkingSet } from "./types.js";
import { customAction } from "./actions.js";
import { orderActions } from "./ordering.js";
import { canFence, fenceOp } from "./unpack-nodes.js";

/** Pacemaker's pe_fence_node for a guest or remote node. */
export function fenceRemoteNode(ws: WorkingSet, node: Node, reason: string): void {
  const conn = node.remoteRsc;
  if (node.kind === "guest") {
    const container = conn?.container;
    if (!container || container.failed) return;
    // An unmanaged container is left alone: the guest cannot be recovered.
    if (!container.managed) return;
    // The guest is not marked unclean: it may run resources again once recovered.
    node.requiresReset = true;
    container.failed = true;
    container.needsStop = true;
    return;
  }
  if (!conn || conn.managed) node.requiresReset = true;
  node.unclean = true;
  node.fenceReason ??= reason;
  fenceOp(ws, node, true, reason);
}

/** A guest can be fenced when every node its container runs on is online or fenceable. */
export function canFenceGuest(ws: WorkingSet, node: Node): boolean {
  const container = node.remoteRsc?.container;
  if (!container) return false;
  return container.runningOn.every((h) => h.online || canFence(ws, h));
}

/** The pseudo fencing event of a guest whose container is being recovered; the caller orders
 *  the guest's actions against it as for a real fencing op. */
export function fenceGuest(ws: WorkingSet, node: Node): Action {
  const container = node.remoteRsc!.container!;
  const stop = container.actions.find((a) => a.task === "stop");
  const how = container.actions.some((a) => a.task === "start") ? "reboot" : "off";
  const key = `stonith-${node.uname}-${how}`;
  let op = ws.actions.find((a) => a.key === key);
  if (!op) {
    op = customAction(ws, undefined, key, "stonith", node, false, { pseudo: true });
    op.meta.set("on_node", node.uname);
    op.meta.set("on_node_uuid", node.id);
    op.meta.set("stonith_action", how);
  }
  op.optional = false;
  op.pseudo = true;
  op.runnable = true;
  op.reason ??= "guest is unclean";
  op.guestContainer = container;
  if (stop && stop.pseudo && stop.node) {
    // The container's stop is itself implied by fencing its host.
    orderActions(fenceOp(ws, stop.node, true, "node is unclean"), op, Ord.runnableLeft | Ord.impliesThen);
  } else if (stop) {
    orderActions(stop, op, Ord.runnableLeft | Ord.impliesThen);
  } else {
    // No container stop: order after the connection's stop, if any (a re-probe may follow it).
    const connStop = node.remoteRsc!.actions.find((a) => a.task === "stop");
    if (connStop) orderActions(connStop, op, Ord.optional);
  }
  return op;
}
