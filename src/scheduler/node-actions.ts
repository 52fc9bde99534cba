// Cluster-wide actions for nodes: a node asked to shut down gets a `do_shutdown` event once
// every resource stop scheduled on it has happened (the DC's own shutdown comes last).
import { Ord, type Action, type Node, type WorkingSet } from "./types.js";
import { customAction } from "./actions.js";
import { newOrdering } from "./ordering.js";

export function scheduleShutdowns(ws: WorkingSet): void {
  let dcDown: Action | undefined;
  const downs: Action[] = [];
  for (const node of ws.nodes) {
    if (node.kind !== "cluster") continue;
    if (node.unclean) continue;
    if (!node.online || !node.shutdown) continue;
    const down = shutdownAction(ws, node);
    if (node.isDc) dcDown = down;
    else downs.push(down);
  }
  if (dcDown) for (const d of downs) newOrdering(ws, { action: d }, { action: dcDown }, Ord.optional);
}

function shutdownAction(ws: WorkingSet, node: Node): Action {
  const a = customAction(ws, undefined, `do_shutdown-${node.uname}`, "do_shutdown", node, false);
  a.meta.set("op_no_wait", "true");
  for (const stop of [...ws.actions].reverse()) {
    if (!stop.rsc || stop.node !== node || stop.task !== "stop") continue;
    if (node.maintenance || stop.rsc.meta.get("maintenance") === "true") continue;
    if (!stop.rsc.managed && !stop.rsc.blocked) continue;
    stop.optional = false;
    newOrdering(ws, { action: stop, rsc: stop.rsc }, { action: a }, Ord.optional | Ord.runnableLeft);
  }
  return a;
}
