// The `container` meta attribute: a resource (the "filler") that lives inside another (its
// container). Fillers follow their container, start after it and stop before it, are never
// probed (their state is the container's business), and a failure of a filler is recovered
// by restarting the container (on-fail defaults to restart-container).
import { CibError } from "../cib/errors.js";
import { INFINITY } from "../cib/score.js";
import { newColocation } from "./constraints.js";
import { newOrdering } from "./ordering.js";
import { bundleOf } from "./bundle-unpack.js";
import { Ord, type Resource, type WorkingSet } from "./types.js";

/** Link every primitive naming a `container` to that resource (both directions). */
export function setupContainers(ws: WorkingSet): void {
  const visit = (rsc: Resource): void => {
    if (rsc.children.length) {
      rsc.children.forEach(visit);
      return;
    }
    const id = rsc.meta.get("container");
    // A group's `container` reaches its members, the container among them: skip it there.
    if (id === undefined || id === rsc.id || id === rsc.def.id) return;
    const container = ws.rscById.get(id);
    if (!container) throw new CibError(`resource ${rsc.id}: its container '${id}' is not a configured resource`, rsc.def.el);
    rsc.container = container;
    container.fillers.push(rsc);
  };
  ws.resources.forEach(visit);
}

/** Resources that live inside a guest's container run on that guest, nowhere else. */
export function guestOf(ws: WorkingSet, container: Resource): Resource | undefined {
  if (container.remoteNode) return container;
  return container.fillers.find((f) => f.remoteNode?.kind === "guest");
}

/** Colocation and orderings between a filler (or a guest's connection) and its container;
 *  connections and fence devices stay off remote and guest nodes. */
export function containerConstraints(ws: WorkingSet, rsc: Resource): void {
  containerLinks(ws, rsc);
  if (rsc.remoteNode || rsc.agentClass === "stonith") avoidRemoteNodes(ws, rsc);
}

function containerLinks(ws: WorkingSet, rsc: Resource): void {
  const container = rsc.container;
  if (!container) return;
  let guest: Resource | undefined;
  // A bundle's resources may run on remote nodes (nested remotes), a guest's may not.
  const bundled = bundleOf(rsc) !== undefined;
  if (rsc.remoteNode) {
    // The guest's container must not itself run on a remote or guest node.
    if (!bundled) avoidRemoteNodes(ws, container);
    newOrdering(ws, { rsc: container, task: `${container.id}_monitor_0` }, { rsc, task: "stop" }, Ord.optional);
  } else {
    guest = guestOf(ws, container);
  }
  if (guest?.remoteNode) {
    // A resource in a guest's container is really a resource on the guest node.
    for (const node of rsc.allowed.keys()) if (node.remoteRsc !== guest) rsc.allowed.set(node, -INFINITY);
    return;
  }
  newOrdering(ws, { rsc: container, task: "start" }, { rsc, task: "start" }, Ord.impliesThen | Ord.runnableLeft);
  newOrdering(ws, { rsc, task: "stop" }, { rsc: container, task: "stop" }, Ord.impliesFirst);
  // A bundle's connection only prefers its container's node (highly, not absolutely): it
  // stays placed, and its start unrunnable, when the container cannot run.
  newColocation(ws, "resource-with-container", undefined, bundled ? 10000 : INFINITY, rsc, container, undefined, undefined, true);
}

/** Remote connections, fence devices and guest containers never run on remote or guest nodes. */
export function avoidRemoteNodes(ws: WorkingSet, rsc: Resource): void {
  for (const node of rsc.allowed.keys()) if (node.kind !== "cluster") rsc.allowed.set(node, -INFINITY);
}
