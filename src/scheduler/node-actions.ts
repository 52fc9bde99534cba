// Cluster-wide actions for nodes: fencing of unclean nodes (stops of what ran there become
// pseudo-actions implied by the fencing) and `do_shutdown` for nodes asked to leave; the DC's
// own fencing or shutdown comes last, and without concurrent fencing the fencing ops form a chain.
import { Ord, type Action, type Node, type Resource, type WorkingSet } from "./types.js";
import { customAction, findActions, opKey } from "./actions.js";
import { newOrdering, orderActions } from "./ordering.js";
import { canFence, fenceOp } from "./unpack-nodes.js";
import { canFenceGuest, fenceGuest } from "./guest-fencing.js";
import { notifyStopImpliedByFencing } from "./notifications.js";
import { isTrue } from "../cib/model-parse.js";

function anyManaged(ws: WorkingSet): boolean {
  const visit = (r: Resource): boolean => (r.children.length ? r.children.some(visit) : r.managed);
  return ws.resources.some(visit);
}

export function scheduleFencingAndShutdowns(ws: WorkingSet): void {
  let dcDown: Action | undefined;
  const fencings: Action[] = [];
  const shutdowns: Action[] = [];
  const haveManaged = anyManaged(ws);
  const concurrent = /^(true|on|yes|y|1)$/i.test(ws.options.get("concurrent-fencing") ?? "false");
  for (const node of ws.nodes) {
    if (node.kind === "guest") {
      // A guest is "fenced" by recovering its container (a pseudo fencing event).
      if (node.requiresReset && haveManaged && canFenceGuest(ws, node)) orderVsFence(ws, fenceGuest(ws, node));
      continue;
    }
    if (haveManaged && node.unclean && canFence(ws, node)) {
      const f = fenceOp(ws, node, false, "node is unclean");
      orderVsFence(ws, f);
      if (node.isDc) dcDown = f;
      else {
        if (!concurrent && fencings.length) orderActions(fencings[0], f, Ord.optional);
        fencings.unshift(f);
      }
    } else if (node.kind === "cluster" && node.online && node.shutdown) {
      const down = shutdownAction(ws, node);
      if (node.isDc) dcDown = down;
      else shutdowns.unshift(down);
    }
  }
  if (dcDown) {
    if (dcDown.task === "do_shutdown") for (const d of shutdowns) orderActions(d, dcDown, Ord.optional);
    if (concurrent) for (const f of fencings) orderActions(f, dcDown, Ord.optional);
    else if (fencings.length) orderActions(fencings[0], dcDown, Ord.optional);
  }
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

function leaves(r: Resource): Resource[] {
  return r.children.length ? r.children.flatMap(leaves) : [r];
}

function topOf(r: Resource): Resource {
  let t = r;
  while (t.parent && t.parent.kind !== "bundle") t = t.parent;
  return t;
}

/** Starts wait for fencing where the resource might still be active; stops on the fenced node
 *  are implied by the fencing (pseudo-actions ordered after it). */
function orderVsFence(ws: WorkingSet, stonith: Action): void {
  const target = stonith.node!;
  for (const top of ws.resources) {
    for (const rsc of leaves(top)) {
      if (!rsc.managed) continue;
      for (const a of [...rsc.actions].reverse()) {
        if (a.task !== "start" && a.task !== "promote") continue;
        if (rsc.requires === "fencing") orderActions(stonith, a, Ord.optional);
        else if (rsc.requires === "quorum" && a.task === "start" && rsc.allowed.has(target) && !rsc.knownOn.has(target)) {
          orderActions(stonith, a, Ord.optional | Ord.runnableLeft);
        }
      }
      const stops = findActions(rsc.actions, opKey(rsc.id, "stop"), target);
      const implicit = rsc.requires === "fencing" || target.kind === "guest";
      // (Pacemaker keeps action lists newest first: its "first" stop is the newest one.)
      const parentStop = stops.length && implicit ? [...topOf(rsc).actions].reverse().find((x) => x.task === "stop") : undefined;
      // Inside a bundle, fencing before the stop would loop through the container's
      // recovery: the stop follows the bundle's own stop instead.
      const bundle = topOf(rsc).parent?.kind === "bundle" ? topOf(rsc).parent : undefined;
      const bundleStop = bundle ? [...bundle.actions].reverse().find((x) => x.task === "stop") : undefined;
      for (const stop of stops) {
        stop.pseudo = true;
        stop.runnable = true;
        if (implicit) {
          if (!bundle) orderActions(stonith, stop, Ord.preserve);
          else if (bundleStop) orderActions(bundleStop, stop, Ord.preserve);
          if (parentStop && parentStop !== stop) orderActions(stonith, parentStop, Ord.preserve);
        }
        if (isTrue(rsc.meta.get("notify"))) notifyStopImpliedByFencing(ws, stop, rsc, stonith);
      }
      for (const demote of findActions(rsc.actions, opKey(rsc.id, "demote"), target)) {
        demote.pseudo = true;
        demote.runnable = true;
        if (implicit) orderActions(stonith, demote, Ord.preserve);
      }
    }
  }
}

/** Transition Summary lines for node actions that have a reason (fencing). */
export function nodeActionLines(ws: WorkingSet): string[] {
  const out: string[] = [];
  for (const a of [...ws.actions].reverse()) {
    if (a.rsc || a.optional || a.reason === undefined || !a.node) continue;
    const guest = a.guestContainer ? ` (resource: ${a.guestContainer.id})` : "";
    if (a.task === "stonith") out.push(`  * Fence (${a.meta.get("stonith_action") ?? "reboot"}) ${a.node.uname}${guest} '${a.reason}'`);
    else if (a.task === "do_shutdown") out.push(`  * Shutdown ${a.node.uname}`);
  }
  return out;
}
