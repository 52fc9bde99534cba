// Bundle assignment: the containers are spread over the bundle's nodes like clone instances
// (at most replicas-per-host on one node); each replica's IP and connection follow its
// container (colocations made with the internal constraints); each replica's instance of the
// inner primitive goes to the replica's guest node, and only then is the inner clone itself
// assigned (its instances are already placed: that settles promotion).
import { INFINITY } from "../cib/score.js";
import { newColocation } from "./constraints.js";
import { assign, assignInstances, assignTo, connectionAssigned, showScoresTree, type ScoreLog } from "./assign.js";
import { Role, type Colocation, type Node, type Resource, type WorkingSet } from "./types.js";

export function assignBundle(ws: WorkingSet, rsc: Resource, prefer: Node | null, log: ScoreLog): Node | null {
  if (!rsc.provisional || rsc.allocating) return null;
  rsc.allocating = true;
  const data = rsc.bundle!;
  showScoresTree(log, "pcmk__bundle_allocate", rsc);
  assignInstances(
    ws,
    rsc,
    data.list.map((r) => r.container),
    data.replicas,
    data.replicasPerHost,
    log,
  );
  for (const r of data.list) {
    if (r.ip) assign(ws, r.ip, prefer, log);
    const host = r.container.assigned;
    if (r.remote && host && host.kind !== "cluster" && host.remoteRsc) {
      // pacemaker-remoted takes one connection: a bundle on a remote node connects through
      // the cluster node that holds that node's own connection.
      newColocation(ws, "child-remote-with-docker-remote", undefined, INFINITY, r.remote, host.remoteRsc, undefined, undefined, true);
    }
    if (r.remote) {
      assign(ws, r.remote, prefer, log);
      connectionAssigned(r.remote);
    }
    if (r.child && r.node) {
      for (const [node, w] of r.child.allowed) {
        if (node !== r.node) r.child.allowed.set(node, -INFINITY);
        else if (w > -INFINITY) r.child.allowed.set(node, INFINITY);
      }
      const inner = r.child.parent!;
      inner.allocating = true;
      assign(ws, r.child, r.node, log);
      inner.allocating = false;
    }
  }
  if (data.inner) {
    const guests = new Set(data.list.map((r) => r.node));
    for (const node of data.inner.allowed.keys()) data.inner.allowed.set(node, guests.has(node) ? 0 : -INFINITY);
    assign(ws, data.inner, prefer, log);
  }
  rsc.allocating = false;
  rsc.provisional = false;
  return null;
}

/** "Dependent with bundle": a collective dependent's instance pairs with the bundle's
 *  container on (or best for) its node; a primitive may only go where a container runs
 *  (mandatory), or gets each container's preference. */
export function bundleColocationScore(ws: WorkingSet, dependent: Resource, primary: Resource, c: Colocation, apply: (d: Resource, p: Resource, c: Colocation) => void): void {
  if (primary.provisional) return;
  const data = primary.bundle!;
  if (c.dependent.kind === "clone" || c.dependent.kind === "bundle") {
    const pair = compatibleContainer(dependent, primary);
    if (pair) apply(dependent, pair, c);
    else if (c.score >= INFINITY) assignTo(ws, dependent, null, true);
    return;
  }
  if (c.score < INFINITY) {
    for (const r of data.list) apply(dependent, r.container, c);
    return;
  }
  const allowed = new Set<Node>();
  for (const r of data.list) {
    const chosen = r.container.assigned;
    if (!chosen || r.container.blocked) continue;
    if (c.primaryRole >= Role.Promoted && (!r.child || r.child.nextRole < Role.Promoted)) continue;
    allowed.add(chosen);
  }
  for (const n of [...dependent.allowed.keys()]) if (!allowed.has(n)) dependent.allowed.set(n, -INFINITY);
}

/** The bundle's container placed on the dependent's node, or on its best allowed node. */
function compatibleContainer(dependent: Resource, bundle: Resource): Resource | undefined {
  const onNode = (node: Node) => bundle.bundle!.list.find((r) => r.container.assigned === node)?.container;
  if (dependent.assigned) return onNode(dependent.assigned);
  const nodes = [...dependent.allowed].sort((a, b) => b[1] - a[1] || (a[0].uname < b[0].uname ? -1 : a[0].uname > b[0].uname ? 1 : 0));
  for (const [node] of nodes) {
    const found = onNode(node);
    if (found) return found;
  }
  return undefined;
}
