// Bundle actions and internal orderings. A bundle brackets its containers' starts and stops
// with its own pseudo-actions (start/running, stop/stopped; promote/promoted and
// demote/demoted when the inner primitive is promotable), as a clone does for its instances;
// the inner clone's brackets nest inside the bundle's. Each replica's IP starts before its
// container, the connection after it (containers.ts), and the instance after both
// (remote-ordering.ts: resources on a guest node).
import { INFINITY } from "../cib/score.js";
import { customAction, findActions, opKey } from "./actions.js";
import { newColocation } from "./constraints.js";
import { newOrdering } from "./ordering.js";
import { Ord, type Action, type Node, type Resource, type WorkingSet } from "./types.js";

function pseudo(ws: WorkingSet, rsc: Resource, task: string, optional: boolean): Action {
  const a = customAction(ws, rsc, opKey(rsc.id, task), task, null, optional, { pseudo: true });
  a.pseudo = true;
  a.runnable = true;
  return a;
}

/** Whether any of these resources starts, stops, or is active now. */
function status(list: Resource[]): { starting: boolean; stopping: boolean; active: boolean } {
  const st = { starting: false, stopping: false, active: false };
  for (const r of list) {
    if (r.runningOn.length) st.active = true;
    for (const a of r.actions) {
      if (a.optional) continue;
      if (!a.pseudo && !a.runnable) continue;
      if (a.task === "stop") st.stopping = true;
      else if (a.task === "start" && a.runnable) st.starting = true;
    }
  }
  return st;
}

/** Actions of a bundle: per replica those of its IP, container and connection; the bundle's
 *  brackets (summarising the containers); then the inner clone's. `create` makes one
 *  resource's actions (create-actions.ts). */
export function createBundleActions(ws: WorkingSet, rsc: Resource, create: (r: Resource) => void): void {
  const data = rsc.bundle!;
  for (const r of data.list) {
    if (r.ip) create(r.ip);
    create(r.container);
    if (r.remote) create(r.remote);
  }
  const st = status(data.list.map((r) => r.container));
  pseudo(ws, rsc, "start", !st.starting);
  const running = pseudo(ws, rsc, "running", !st.starting);
  running.priority = INFINITY;
  running.runnable = st.active || st.starting;
  pseudo(ws, rsc, "stop", !st.stopping);
  const stopped = pseudo(ws, rsc, "stopped", !st.stopping);
  stopped.priority = INFINITY;
  if (data.inner) {
    create(data.inner);
    if (data.inner.clone!.promotable) {
      pseudo(ws, rsc, "promote", true);
      pseudo(ws, rsc, "promoted", true).priority = INFINITY;
      pseudo(ws, rsc, "demote", true);
      pseudo(ws, rsc, "demoted", true).priority = INFINITY;
    }
  }
}

/** The orderings and colocations inside a bundle. `internal` makes a member's own. */
export function bundleInternalOrderings(ws: WorkingSet, rsc: Resource, internal: (r: Resource) => void): void {
  const data = rsc.bundle!;
  const order = (first: Resource, ft: string, then: Resource, tt: string, flags: number) => newOrdering(ws, { rsc: first, task: ft }, { rsc: then, task: tt }, flags);
  const inner = data.inner;
  if (inner) {
    order(rsc, "start", inner, "start", Ord.impliesFirstPrinted);
    order(inner, "running", rsc, "running", Ord.impliesThenPrinted);
    order(rsc, "stop", inner, "stop", Ord.impliesFirstPrinted);
    order(inner, "stopped", rsc, "stopped", Ord.impliesThenPrinted);
  }
  for (const r of data.list) {
    internal(r.container);
    order(rsc, "start", r.container, "start", Ord.runnableLeft | Ord.impliesFirstPrinted);
    order(r.container, "start", rsc, "running", Ord.impliesThenPrinted);
    // The bundle's stop also brackets the replica's instance directly.
    if (r.child) order(rsc, "stop", r.child, "stop", Ord.impliesFirstPrinted);
    order(rsc, "stop", r.container, "stop", Ord.impliesFirstPrinted);
    order(r.container, "stop", rsc, "stopped", Ord.impliesThenPrinted);
    if (r.ip) {
      internal(r.ip);
      order(r.ip, "start", r.container, "start", Ord.runnableLeft | Ord.preserve);
      order(r.container, "stop", r.ip, "stop", Ord.impliesFirst | Ord.preserve);
      newColocation(ws, "ip-with-docker", undefined, INFINITY, r.ip, r.container, undefined, undefined, true);
    }
    // The connection's orderings and colocation with its container are those of any guest.
    if (r.remote) internal(r.remote);
  }
  if (inner) {
    internal(inner);
    if (inner.clone!.promotable) {
      order(rsc, "demoted", rsc, "start", Ord.optional);
      order(rsc, "running", rsc, "promote", Ord.optional);
      order(rsc, "demoted", rsc, "promote", Ord.optional);
      order(rsc, "stopped", rsc, "promote", Ord.optional);
      order(rsc, "demote", rsc, "demoted", Ord.runnableLeft);
      order(inner, "demoted", rsc, "demoted", Ord.impliesThenPrinted);
      order(rsc, "demote", inner, "demote", Ord.impliesFirstPrinted);
      order(inner, "promoted", rsc, "promoted", Ord.impliesThenPrinted);
      order(rsc, "promote", inner, "promote", Ord.impliesFirstPrinted);
    }
  }
}

/** Probes of a bundle on one node, replica by replica: IP, the instance (on its own guest
 *  node only), container, connection. `probe` probes one resource (create-actions.ts). */
export function probeBundle(ws: WorkingSet, rsc: Resource, node: Node, probe: (r: Resource, n: Node) => boolean): boolean {
  const data = rsc.bundle!;
  let any = false;
  for (const r of data.list) {
    if (r.ip && probe(r.ip, node)) any = true;
    if (r.child && r.node === node && probe(r.child, node)) any = true;
    if (probe(r.container, node)) {
      any = true;
      // With one replica per host (no own addresses, so the same ports), no container
      // starts on a node before the others are known not to run there.
      if (data.replicasPerHost === 1) {
        for (const other of data.list) {
          if (other === r) continue;
          newOrdering(ws, { rsc: r.container, task: opKey(r.container.id, "monitor", 0) }, { rsc: other.container, task: "start" }, Ord.optional | Ord.sameNode);
        }
      }
    }
    if (r.remote && probe(r.remote, node)) {
      // The connection's address may be its host's name: probe it once the container runs.
      for (const p of findActions(r.remote.actions, opKey(r.remote.id, "monitor", 0), node)) {
        any = true;
        newOrdering(ws, { rsc: r.container, task: "start" }, { rsc: r.remote, action: p }, Ord.probe);
      }
    }
  }
  return any;
}
