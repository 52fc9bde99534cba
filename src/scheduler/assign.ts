// Phase 7: assignment. Resources are assigned in working-set order; each first assigns the
// primaries it is colocated with, folds their placement into its own node weights, adds the
// (attenuated) preferences of resources colocated with it, then takes the best node.
import { INFINITY, addScores, parseScore } from "../cib/score.js";
import { Role, type Colocation, type Node, type Resource, type WorkingSet } from "./types.js";
import { canRunResources } from "./unpack-nodes.js";
import { resourceLocation } from "./location.js";
import { groupColocated } from "./constraints.js";
import { assignBundle, bundleColocationScore } from "./bundle-assign.js";
import { compatibleMember } from "./interleave.js";

export interface ScoreLog {
  lines: string[];
  /** Off unless allocation scores are asked for (-s): one line per resource and node. */
  enabled: boolean;
}

export function assignAll(ws: WorkingSet, log: ScoreLog): void {
  if (ws.placementStrategy !== "default") ws.resources = sortForUtilization(ws);
  // Remote connections first (a migrating one prefers its migration target): the nodes they
  // create must be known before anything is placed on them.
  for (const r of ws.resources) {
    if (!r.remoteNode) continue;
    assign(ws, r, r.partialMigrationTarget ?? null, log);
    connectionAssigned(r);
  }
  for (const r of ws.resources) if (!r.remoteNode) assign(ws, r, null, log);
}

/** Once its connection is placed, a remote node will be up (and need not be fenced just for
 *  being unseen), or it is going away. */
export function connectionAssigned(conn: Resource): void {
  const node = conn.remoteNode!;
  if (conn.assigned && conn.nextRole !== Role.Stopped) {
    node.online = true;
    if (!node.bundleReplica) node.weight = 0;
    if (node.unseen && !conn.failed) node.unclean = false;
  } else {
    node.shutdown = true;
  }
}

// ---- utilization ----

/** With a placement strategy, resources are assigned by priority, then by how strongly they
 *  prefer their current node, then by their best score on each node in node order. */
function sortForUtilization(ws: WorkingSet): Resource[] {
  const nodes = [...ws.nodes].sort((a, b) => {
    const wa = available(a) ? a.weight : -INFINITY;
    const wb = available(b) ? b.weight : -INFINITY;
    if (wa !== wb) return wb - wa;
    if (ws.placementStrategy === "balanced") {
      const c = compareCapacity(a, b);
      if (c !== 0) return c;
    }
    return a.uname < b.uname ? -1 : a.uname > b.uname ? 1 : 0;
  });
  const tables = new Map<Resource, Map<Node, number>>();
  const table = (r: Resource) => {
    let t = tables.get(r);
    if (!t) {
      t = addColocatedNodeScores(r, r.id, new Map(), "#uname", 1, { init: true, forward: true });
      tables.set(r, t);
    }
    return t;
  };
  const weight = (n: Node | undefined, t: Map<Node, number>) => (n ? t.get(n) ?? -INFINITY : -INFINITY);
  const cmp = (a: Resource, b: Resource): number => {
    if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
    const ta = table(a);
    const tb = table(b);
    const wa = weight(currentNode(a), ta);
    const wb = weight(currentNode(b), tb);
    if (wa !== wb) return wa > wb ? -1 : 1;
    for (const n of nodes) {
      const x = weight(n, ta);
      const y = weight(n, tb);
      if (x !== y) return x > y ? -1 : 1;
    }
    return 0;
  };
  return mergeSort(ws.resources, cmp);
}

function currentNode(r: Resource): Node | undefined {
  if (r.kind === "group") {
    for (const c of r.children) if (c.runningOn.length) return c.runningOn[0];
    return undefined;
  }
  return r.runningOn[0];
}

/** A stable merge sort (GLib's g_list_sort is one). */
function mergeSort<T>(list: T[], cmp: (a: T, b: T) => number): T[] {
  if (list.length <= 1) return [...list];
  const mid = Math.floor(list.length / 2);
  const a = mergeSort(list.slice(0, mid), cmp);
  const b = mergeSort(list.slice(mid), cmp);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(cmp(a[i], b[j]) <= 0 ? a[i++] : b[j++]);
  return out.concat(a.slice(i), b.slice(j));
}

function colocatedResources(rsc: Resource, orig: Resource, list: Resource[]): Resource[] {
  if (list.includes(rsc)) return list;
  list.push(rsc);
  for (const c of rsc.thisWith) {
    if (c.primary === orig) continue;
    if (c.score === INFINITY && previewAffects(rsc, c.primary, c)) colocatedResources(c.primary, orig, list);
  }
  for (const c of rsc.withThis) {
    if (c.dependent === orig) continue;
    if (c.score === INFINITY && previewAffects(c.dependent, rsc, c)) colocatedResources(c.dependent, orig, list);
  }
  return list;
}

function previewAffects(dependent: Resource, primary: Resource, c: Colocation): boolean {
  if (c.score > 0 && c.dependentRole !== Role.Unknown && c.dependentRole !== dependent.nextRole) return false;
  if (c.score > 0 && c.primaryRole !== Role.Unknown && c.primaryRole !== primary.nextRole) return false;
  return true;
}

function addUtil(into: Map<string, number>, r: Resource): void {
  if (r.kind === "group") {
    for (const c of r.children) addUtil(into, c);
    return;
  }
  for (const [k, v] of r.utilization) into.set(k, (into.get(k) ?? 0) + v);
}

function enoughCapacity(node: Node, need: Map<string, number>): boolean {
  for (const [k, v] of need) if (v > (node.utilization.get(k) ?? 0)) return false;
  return true;
}

function banInsufficientCapacity(ws: WorkingSet, rsc: Resource): void {
  if (ws.placementStrategy === "default") return;
  const rscs = colocatedResources(rsc, rsc, []);
  const total = new Map<string, number>();
  for (const r of rscs) if (r.provisional) addUtil(total, r);
  let anyCapable = false;
  for (const [n, w] of rsc.allowed) {
    if (!available(n) || w < 0) continue;
    if (enoughCapacity(n, total)) anyCapable = true;
  }
  const need = anyCapable ? total : rsc.utilization;
  for (const [n, w] of [...rsc.allowed]) {
    if (available(n) && w >= 0 && !enoughCapacity(n, need)) resourceLocation(ws, rsc, n, -INFINITY, "__limit_utilization__");
  }
}

export function assign(ws: WorkingSet, rsc: Resource, prefer: Node | null, log: ScoreLog): Node | null {
  if (rsc.kind === "group") return assignGroup(ws, rsc, prefer, log);
  if (rsc.kind === "clone") return assignClone(ws, rsc, prefer, log);
  if (rsc.kind === "bundle") return assignBundle(ws, rsc, prefer, log);
  return assignPrimitive(ws, rsc, prefer, log);
}

// ---- clones ----

export function showScoresTree(log: ScoreLog, fn: string, rsc: Resource): void {
  if (rsc.orphan) return;
  showScores(log, fn, rsc);
  for (const c of rsc.children) showScoresTree(log, fn, c);
}

/** Where an instance (primitive or group) has been assigned. */
function instanceLocation(inst: Resource): Node | undefined {
  if (inst.kind === "primitive") return inst.assigned ?? undefined;
  for (const c of inst.children) if (c.assigned) return c.assigned;
  return undefined;
}

function leavesOf(r: Resource): Resource[] {
  return r.children.length ? r.children.flatMap(leavesOf) : [r];
}

function instanceCurrent(r: Resource): { node: Node | undefined; count: number } {
  const nodes = new Set<Node>();
  for (const l of leavesOf(r)) for (const n of l.runningOn) nodes.add(n);
  return { node: [...nodes][0], count: nodes.size };
}

function compareInstances(clone: Resource, a: Resource, b: Resource): number {
  const ca = instanceCurrent(a);
  const cb = instanceCurrent(b);
  if (ca.count > 0 && cb.count > 0) {
    if (ca.count < cb.count) return -1;
    if (ca.count > cb.count) return 1;
  }
  let n1 = ca.node;
  let n2 = cb.node;
  let can1 = true;
  let can2 = true;
  if (n1) {
    const w = a.allowed.get(n1);
    if (w === undefined || w < 0) {
      n1 = undefined;
      can1 = false;
    }
  }
  if (n2) {
    const w = b.allowed.get(n2);
    if (w === undefined || w < 0) {
      n2 = undefined;
      can2 = false;
    }
  }
  if (can1 && !can2) return -1;
  if (!can1 && can2) return 1;
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  if (!n1 && !n2) return 0;
  if (!n1) return 1;
  if (!n2) return -1;
  const av1 = available(n1);
  const av2 = available(n2);
  if (av1 && !av2) return -1;
  if (!av1 && av2) return 1;
  const t1 = clone.allowed.has(n1) ? n1 : undefined;
  const t2 = clone.allowed.has(n2) ? n2 : undefined;
  if (!t1 && !t2) return 0;
  if (!t1) return 1;
  if (!t2) return -1;
  const cnt = clone.instanceCount!;
  const k1 = cnt.get(t1) ?? 0;
  const k2 = cnt.get(t2) ?? 0;
  if (k1 !== k2) return k1 < k2 ? -1 : 1;
  const f1 = leavesOf(a).some((l) => l.failed);
  const f2 = leavesOf(b).some((l) => l.failed);
  if (f1 && !f2) return 1;
  if (!f1 && f2) return -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function addToAll(rsc: Resource, node: Node, score: number): void {
  const cur = rsc.allowed.get(node);
  if (cur !== undefined) rsc.allowed.set(node, addScores(cur, score));
  for (const c of rsc.children) addToAll(c, node, score);
}

function canRunInstance(clone: Resource, inst: Resource, limit: number): void {
  for (const node of [...inst.allowed.keys()]) {
    let ok = false;
    if (available(node) && !inst.orphan) {
      const parentWeight = clone.allowed.get(node);
      if (parentWeight === undefined) ok = false;
      else if (parentWeight < 0) {
        addToAll(inst, node, parentWeight);
        continue;
      } else if ((clone.instanceCount!.get(node) ?? 0) < limit) ok = true;
    }
    if (!ok) addToAll(inst, node, -INFINITY);
  }
}

function assignInstance(ws: WorkingSet, clone: Resource, inst: Resource, prefer: Node | null, allColoc: boolean, limit: number, log: ScoreLog): boolean {
  if (!inst.provisional) return instanceCurrent(inst).node !== undefined || inst.assigned !== null;
  if (inst.allocating) return false;
  appendParentColocations(clone, inst, allColoc);
  if (prefer) {
    const w = inst.allowed.get(prefer);
    if (w === undefined || w < 0) return false;
  }
  canRunInstance(clone, inst, limit);
  const backup = new Map(inst.allowed);
  let chosen = assign(ws, inst, prefer, log);
  if (chosen && prefer && chosen !== prefer) {
    inst.allowed = backup;
    unassign(inst);
    chosen = null;
  }
  if (chosen) clone.instanceCount!.set(chosen, (clone.instanceCount!.get(chosen) ?? 0) + 1);
  return chosen !== null;
}

function unassign(r: Resource): void {
  if (r.assigned) {
    r.assigned.numResources--;
    for (const [k, v] of r.utilization) r.assigned.utilization.set(k, (r.assigned.utilization.get(k) ?? 0) + v);
  }
  r.assigned = null;
  r.provisional = true;
  r.nextRole = Role.Unknown;
  for (const c of r.children) unassign(c);
}

const appended = new WeakSet<Resource>();

function appendParentColocations(clone: Resource, inst: Resource, all: boolean): void {
  if (appended.has(inst)) return;
  appended.add(inst);
  const target = inst.kind === "group" ? inst : inst;
  for (const c of clone.thisWith) if (all || c.score < 0 || c.score === INFINITY) target.thisWith.unshift(c);
  for (const c of clone.withThis) {
    if (!(c.influence || inst.runningOn.length === 0)) continue;
    if (all || c.score < 0) target.withThis.unshift(c);
  }
}

function assignClone(ws: WorkingSet, rsc: Resource, prefer: Node | null, log: ScoreLog): Node | null {
  if (!rsc.provisional) return null;
  if (rsc.allocating) return null;
  if (rsc.clone!.promotable) addPromotionScores(rsc);
  rsc.allocating = true;
  for (const c of [...rsc.thisWith]) assign(ws, c.primary, prefer, log);
  for (const c of [...rsc.withThis]) {
    if (!hasInfluence(c)) continue;
    rsc.allowed = addColocatedNodeScores(c.dependent, rsc.id, rsc.allowed, c.nodeAttribute, c.score / INFINITY, { rollback: true, positive: true });
  }
  showScoresTree(log, "pcmk__clone_allocate", rsc);
  rsc.instanceCount = new Map();
  const settings = rsc.clone!;
  rsc.children = mergeSortStable(rsc.children, (a, b) => compareInstances(rsc, a, b));
  distribute(ws, rsc, settings.max, settings.nodeMax, log);
  if (settings.promotable) {
    // Promotion ranks instances by their priority; the graph still shows the configured one.
    const configured = new Map(rsc.children.map((c) => [c, c.priority]));
    setInstanceRoles(ws, rsc);
    for (const [c, p] of configured) c.priority = p;
  }
  rsc.provisional = false;
  rsc.allocating = false;
  return null;
}

// ---- promotion ----

/** Instances lean towards the nodes where they would be promoted: each instance's positive
 *  promotion score on a usable node is added to its weight there (once per clone). */
function addPromotionScores(clone: Resource): void {
  if (promotionScoresAdded.has(clone)) return;
  promotionScoresAdded.add(clone);
  for (const inst of clone.children) {
    for (const [node, weight] of [...inst.allowed]) {
      if (!available(node)) continue;
      const score = instancePromotionScore(clone, inst, node);
      if (score > 0) inst.allowed.set(node, addScores(weight, score));
    }
  }
}

const promotionScoresAdded = new WeakSet<Resource>();

/** An instance's promotion score on a node (a cloned group's: the sum of its members'); an
 *  anonymous instance has none where another instance is active. */
function instancePromotionScore(clone: Resource, inst: Resource, node: Node): number {
  if (inst.children.length) {
    let sum = 0;
    for (const c of inst.children) sum = addScores(sum, instancePromotionScore(clone, c, node));
    return sum;
  }
  if (!inst.unique && activeElsewhere(clone, inst, node)) return 0;
  return promotionScore(inst, node) ?? 0;
}

/** Whether the first instance found active on the node (for this member) is another one. */
function activeElsewhere(clone: Resource, member: Resource, node: Node): boolean {
  const base = member.def.id;
  for (const inst of clone.children) {
    const m = inst.kind === "primitive" ? inst : inst.children.find((c) => c.def.id === base);
    if (!m || !m.runningOn.includes(node)) continue;
    return m !== member;
  }
  return false;
}

function promotionScore(inst: Resource, node: Node): number | undefined {
  if (inst.children.length) {
    let sum: number | undefined;
    for (const c of inst.children) {
      const v = promotionScore(c, node);
      if (v !== undefined) sum = addScores(sum ?? 0, v);
    }
    return sum;
  }
  const names = [inst.cloneName ?? inst.id];
  if (!inst.unique) names.push(inst.id.replace(/:\d+$/, ""));
  // container-attribute-target=host: a guest's attributes are those of its container's host.
  let attrs: Map<string, string> | undefined = node.attrs;
  if (inst.meta.get("container-attribute-target") === "host" && node.kind === "guest") attrs = node.remoteRsc?.container?.runningOn[0]?.attrs;
  if (!attrs) return undefined;
  for (const n of names) {
    const v = attrs.get(`master-${n}`);
    if (v !== undefined) return parseScore(v);
  }
  return undefined;
}

function setNextRoleTree(r: Resource, role: Role, onlyUnknown: boolean): void {
  for (const c of r.children) setNextRoleTree(c, role, onlyUnknown);
  if (!onlyUnknown || r.nextRole === Role.Unknown) r.nextRole = role;
}

function nodeToBePromotedOn(clone: Resource, inst: Resource, count: Map<Node, number>): Node | undefined {
  const node = instanceLocation(inst);
  if (!node) return undefined;
  if (!inst.managed) {
    if (leavesOf(inst).some((l) => l.role === Role.Promoted)) return node;
    return undefined;
  }
  if (inst.priority < 0) return undefined;
  if (!available(node)) return undefined;
  if (!clone.allowed.has(node)) return undefined;
  if ((count.get(node) ?? 0) >= clone.clone!.promotedNodeMax) return undefined;
  return node;
}

/** Choose which instances of a promotable clone are promoted: by promotion score (the
 *  `master-RSC` node attribute plus location constraints for the promoted role). */
function setInstanceRoles(ws: WorkingSet, clone: Resource): void {
  for (const inst of clone.children) {
    for (const l of [inst, ...leavesOf(inst)]) if (l.role === Role.Started) l.role = Role.Unpromoted;
    const chosen = instanceLocation(inst);
    if (!chosen) continue;
    const next = inst.nextRole;
    if (next === Role.Started || next === Role.Unknown) {
      const score = promotionScore(inst, chosen);
      inst.priority = score === undefined ? -1 : score;
    } else if (next === Role.Unpromoted || next === Role.Stopped) {
      inst.priority = -INFINITY;
    }
    for (const rec of ws.locationRecords ?? []) {
      // A bundle's promoted-role locations are its inner clone's.
      const owner = rec.rsc === clone || rec.rsc === inst || (clone.parent?.kind === "bundle" && rec.rsc === clone.parent);
      if (rec.role !== Role.Promoted || !owner) continue;
      for (const { node, weight } of rec.nodes) if (node === chosen) inst.priority = addScores(weight, inst.priority);
    }
    if ([inst, ...leavesOf(inst)].some((l) => l.promotionBanned)) inst.priority = -INFINITY;
    inst.sortIndex = next === Role.Promoted ? INFINITY : inst.priority;
  }
  const weights = new Map(clone.allowed);
  for (const inst of clone.children) {
    const n = instanceLocation(inst);
    if (!n || (inst.sortIndex ?? -1) < 0) continue;
    weights.set(n, addScores(inst.sortIndex!, weights.get(n) ?? 0));
  }
  for (const inst of clone.children) {
    const n = instanceLocation(inst);
    if (!inst.managed && inst.nextRole === Role.Promoted) inst.sortIndex = INFINITY;
    else if (!n || (inst.sortIndex ?? -1) < 0) continue;
    else inst.sortIndex = weights.get(n) ?? inst.sortIndex;
  }
  const roleOf = (r: Resource) => Math.max(...[r, ...leavesOf(r)].map((l) => l.role));
  clone.children = mergeSort(clone.children, (a, b) => {
    const sa = a.sortIndex ?? -INFINITY;
    const sb = b.sortIndex ?? -INFINITY;
    if (sa !== sb) return sa > sb ? -1 : 1;
    const ra = roleOf(a);
    const rb = roleOf(b);
    if (ra !== rb) return ra > rb ? -1 : 1;
    return compareInstances(clone, a, b);
  });
  const count = new Map<Node, number>();
  let promoted = 0;
  for (const inst of clone.children) {
    let chosen: Node | undefined;
    if ((inst.sortIndex ?? -INFINITY) < 0) {
      // not eligible
    } else if (promoted < clone.clone!.promotedMax || !clone.managed) {
      chosen = nodeToBePromotedOn(clone, inst, count);
    }
    if (!chosen) {
      setNextRoleTree(inst, instanceLocation(inst) ? Role.Unpromoted : Role.Stopped, false);
    } else {
      count.set(chosen, (count.get(chosen) ?? 0) + 1);
      setNextRoleTree(inst, Role.Promoted, true);
      promoted++;
    }
  }
}

function mergeSortStable<T>(list: T[], cmp: (a: T, b: T) => number): T[] {
  return mergeSort(list, cmp);
}

/** Spread a collective resource's instances over its allowed nodes as clone instances are
 *  (bundles spread their containers so). */
export function assignInstances(ws: WorkingSet, parent: Resource, instances: Resource[], max: number, perHostMax: number, log: ScoreLog): void {
  parent.instanceCount = new Map();
  const sorted = mergeSortStable(instances, (a, b) => compareInstances(parent, a, b));
  distribute(ws, parent, max, perHostMax, log, sorted);
}

function distribute(ws: WorkingSet, clone: Resource, max: number, perHostMax: number, log: ScoreLog, instances: Resource[] = clone.children): void {
  let allocated = 0;
  let availableNodes = 0;
  const nodes = [...clone.allowed.keys()];
  for (const n of nodes) {
    clone.instanceCount!.set(n, 0);
    if (available(n)) availableNodes++;
  }
  const allColoc = max < availableNodes;
  let loopMax = availableNodes ? Math.floor(max / availableNodes) : 0;
  if (loopMax < 1) loopMax = 1;
  for (const child of instances) {
    if (allocated >= max) break;
    const cur = instanceCurrent(child);
    if (cur.count === 0 || !child.provisional || leavesOf(child).some((l) => l.failed)) continue;
    const node = cur.node!;
    const w = clone.allowed.get(node);
    if (!available(node) || (child.allowed.get(node) ?? -INFINITY) < 0) continue;
    if (w !== undefined && (clone.instanceCount!.get(node) ?? 0) >= loopMax) continue;
    if (assignInstance(ws, clone, child, node, allColoc, perHostMax, log)) allocated++;
  }
  for (const child of instances) {
    if (!child.provisional) continue;
    if (allocated >= max) {
      resourceLocation(ws, child, null, -INFINITY, "clone:limit_reached");
      continue;
    }
    if (assignInstance(ws, clone, child, null, allColoc, perHostMax, log)) allocated++;
  }
}

function showScores(log: ScoreLog, fn: string, rsc: Resource): void {
  if (!log.enabled) return;
  for (const [node, w] of rsc.allowed) log.lines.push(`${fn}: ${rsc.id} allocation score on ${node.uname}: ${formatScore(w)}`);
}

function formatScore(n: number): string {
  if (n >= INFINITY) return "INFINITY";
  if (n <= -INFINITY) return "-INFINITY";
  return String(n);
}

const groupExpanded = new WeakSet<Resource>();

function assignGroup(ws: WorkingSet, rsc: Resource, prefer: Node | null, log: ScoreLog): Node | null {
  if (!rsc.provisional) return rsc.assigned;
  if (rsc.allocating) return null;
  if (rsc.children.length === 0) {
    rsc.provisional = false;
    return null;
  }
  rsc.allocating = true;
  const first = rsc.children[0];
  const last = rsc.children[rsc.children.length - 1];
  rsc.role = first.role;
  if (!groupExpanded.has(rsc)) {
    // "group with X" acts on the first member, "X with group" on the last one.
    groupExpanded.add(rsc);
    first.thisWith.push(...rsc.thisWith);
    last.withThis.push(...rsc.withThis);
  }
  showScores(log, "pcmk__group_assign", rsc);
  for (const c of rsc.children) showScores(log, "pcmk__group_assign", c);
  let firstNode: Node | null = null;
  for (const c of rsc.children) {
    const n = assignPrimitive(ws, c, prefer, log);
    if (firstNode === null) firstNode = n;
  }
  rsc.nextRole = first.nextRole;
  rsc.allocating = false;
  rsc.provisional = false;
  return groupColocated(rsc) ? firstNode : null;
}

function available(node: Node): boolean {
  return canRunResources(node);
}

function anyNodeAvailable(allowed: Map<Node, number>): boolean {
  for (const [n, w] of allowed) if (w >= 0 && available(n)) return true;
  return false;
}

function colocationAffects(dependent: Resource, primary: Resource, c: Colocation): boolean {
  if (primary.provisional) return false;
  if (!dependent.provisional) return false;
  if (c.score > 0 && c.dependentRole !== Role.Unknown && c.dependentRole !== dependent.nextRole) return false;
  if (c.score > 0 && c.primaryRole !== Role.Unknown && c.primaryRole !== primary.nextRole) return false;
  if (c.score < 0 && c.dependentRole !== Role.Unknown && c.dependentRole === dependent.nextRole) return false;
  if (c.score < 0 && c.primaryRole !== Role.Unknown && c.primaryRole === primary.nextRole) return false;
  return true;
}

/** Resolve a primary that is a group to the member that stands for it. */
function colocationPrimaryMember(primary: Resource, c: Colocation): Resource[] {
  if (primary.kind !== "group") return [primary];
  if (primary.provisional) return [];
  if (groupColocated(primary)) {
    const m = c.score >= INFINITY ? primary.children[primary.children.length - 1] : primary.children[0];
    return m ? [m] : [];
  }
  if (c.score >= INFINITY) return [];
  return primary.children;
}

function applyColocationScore(ws: WorkingSet, dependent: Resource, primary: Resource, c: Colocation): void {
  if (primary.kind === "bundle") {
    bundleColocationScore(ws, dependent, primary, c, (d, p, cc) => applyColocationScore(ws, d, p, cc));
    return;
  }
  if (primary.kind === "clone") {
    if (primary.provisional) return;
    if (primary.clone!.promotable && c.primaryRole !== Role.Unknown) {
      colocateWithPromotableRole(dependent, primary, c);
      return;
    }
    if (pairsInstances(c)) {
      // Interleaved: an instance follows its partner, the primary's instance on its node.
      const partner = compatibleMember(dependent, primary, false, Role.Unknown, (a, b) => compareNodes(ws, dependent, a, b, undefined));
      if (partner) applyColocationScore(ws, dependent, partner, c);
      else if (c.score >= INFINITY) assignTo(ws, dependent, null, true);
      return;
    }
    if (c.score >= INFINITY) {
      // Mandatory: only nodes where some (unblocked) instance will run remain.
      const affected = new Set<Node>();
      for (const inst of primary.children) {
        const n = instanceLocation(inst);
        if (n && !leavesOf(inst).some((l) => l.blocked)) affected.add(n);
      }
      for (const n of [...dependent.allowed.keys()]) if (!affected.has(n)) dependent.allowed.set(n, -INFINITY);
      return;
    }
    for (const inst of primary.children) applyColocationScore(ws, dependent, inst, c);
    return;
  }
  for (const p of colocationPrimaryMember(primary, c)) {
    if (!colocationAffects(dependent, p, c)) continue;
    colocationMatch(dependent, p, c);
  }
}

/** Whether a colocation between two collectives pairs instances: the dependent asks for it
 *  (interleave) and both allow as many instances per node. */
function pairsInstances(c: Colocation): boolean {
  const d = c.dependent;
  const p = c.primary;
  if (d.kind !== "clone" || !d.clone!.interleave) return false;
  const perNode = (r: Resource) => (r.kind === "clone" ? r.clone!.nodeMax : r.kind === "bundle" ? r.bundle!.replicasPerHost : 0);
  return perNode(d) === perNode(p);
}

/**
 * Colocation with a role of a promotable clone: the dependent follows the instances that
 * will have that role. Optional: each such node (by attribute) gains the score. Mandatory:
 * only those nodes remain, each with the instance's own weight added (not for
 * promoted-with-promoted, or unpromoted dependents could never start).
 */
function colocateWithPromotableRole(dependent: Resource, primary: Resource, c: Colocation): void {
  const affected = new Map<Node, number>();
  for (const inst of primary.children) {
    const node = instanceLocation(inst);
    if (!node) continue;
    const role = Math.max(...[inst, ...leavesOf(inst)].map((l) => l.nextRole));
    if (role !== c.primaryRole) continue;
    if (c.score < INFINITY) {
      const value = node.attrs.get(c.nodeAttribute);
      for (const [n, w] of dependent.allowed) if (eqCase(n.attrs.get(c.nodeAttribute), value)) dependent.allowed.set(n, addScores(w, c.score));
    }
    if (!affected.has(node)) affected.set(node, instanceWeight(inst));
  }
  if (c.score < INFINITY || (c.dependentRole === Role.Promoted && c.primaryRole === Role.Promoted)) return;
  for (const [n, w] of dependent.allowed) {
    const add = affected.get(n);
    dependent.allowed.set(n, add === undefined ? -INFINITY : addScores(w, add));
  }
  for (const n of affected.keys()) if (!dependent.allowed.has(n)) dependent.allowed.set(n, -INFINITY);
}

function instanceWeight(inst: Resource): number {
  if (inst.kind === "primitive") return assignedWeight.get(inst) ?? 0;
  for (const c of inst.children) if (c.assigned) return assignedWeight.get(c) ?? 0;
  return 0;
}

function colocationMatch(dependent: Resource, primary: Resource, c: Colocation): void {
  const attr = c.nodeAttribute;
  let value: string | undefined;
  if (primary.assigned) value = primary.assigned.attrs.get(attr);
  else if (c.score < 0) return;
  const work = new Map(dependent.allowed);
  for (const [node, w] of work) {
    if (!primary.assigned) {
      work.set(node, addScores(-INFINITY, w));
    } else if (eqCase(node.attrs.get(attr), value)) {
      if (c.score < INFINITY) work.set(node, addScores(c.score, w));
    } else if (c.score >= INFINITY) {
      work.set(node, -INFINITY);
    }
  }
  if (c.score <= -INFINITY || c.score >= INFINITY || anyNodeAvailable(work)) dependent.allowed = work;
}

function eqCase(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.toLowerCase() === b.toLowerCase();
}

function hasInfluence(c: Colocation): boolean {
  return c.influence || c.primary.runningOn.length === 0;
}

const INFINITY_HACK = INFINITY * -100;

/** Fold a dependent's (attenuated) node preferences into `nodes` (Pacemaker's merge weights). */
function addColocatedNodeScores(rsc: Resource, primaryId: string, nodes: Map<Node, number>, attr: string, factor: number, flags: { init?: boolean; positive?: boolean; rollback?: boolean; forward?: boolean }): Map<Node, number> {
  if (rsc.merging) return nodes;
  rsc.merging = true;
  let work: Map<Node, number>;
  if (flags.init) {
    if (rsc.kind === "group" && rsc.children.length) {
      work = addColocatedNodeScores(rsc.children[rsc.children.length - 1], primaryId, new Map(), attr, factor, flags);
    } else work = new Map(rsc.allowed);
    flags = { ...flags, init: false };
  } else if (rsc.kind === "group" && rsc.children.length) {
    work = addColocatedNodeScores(rsc.children[0], primaryId, new Map(nodes), attr, factor, flags);
  } else {
    work = new Map(nodes);
    addNodeScoresMatchingAttr(work, rsc, attr, factor, !!flags.positive);
  }
  if (canRunAny(work)) {
    const multiplier = factor < 0 ? -1 : 1;
    let list: Colocation[];
    if (flags.forward) list = rsc.thisWith;
    else if (rsc.kind === "group" && rsc.children.length) list = rsc.children[rsc.children.length - 1].withThis;
    else list = rsc.withThis;
    for (const c of [...list]) {
      let other: Resource;
      if (flags.forward) other = c.primary;
      else if (!hasInfluence(c)) continue;
      else other = c.dependent;
      work = addColocatedNodeScores(other, primaryId, work, c.nodeAttribute, (multiplier * c.score) / INFINITY, { ...flags, rollback: true });
    }
  } else if (flags.rollback) {
    rsc.merging = false;
    return nodes;
  }
  if (flags.positive) for (const [n, w] of work) if (w === INFINITY_HACK) work.set(n, 1);
  rsc.merging = false;
  return work;
}

function canRunAny(nodes: Map<Node, number>): boolean {
  for (const [n, w] of nodes) if (available(n) && w >= 0) return true;
  return false;
}

/** For each value of `attr` (compared case-insensitively; `undefined` for nodes without it),
 *  the best weight of an available node of `rsc` that has it. One pass over the resource's
 *  nodes instead of one per node scored: colocation chains call this for every link. */
function bestScoresByAttr(rsc: Resource, attr: string): Map<string | undefined, number> {
  const best = new Map<string | undefined, number>();
  for (const [n, w] of rsc.allowed) {
    if (!available(n)) continue;
    const key = n.attrs.get(attr)?.toLowerCase();
    if (w > (best.get(key) ?? -INFINITY)) best.set(key, w);
  }
  return best;
}

function addNodeScoresMatchingAttr(nodes: Map<Node, number>, rsc: Resource, attr: string, factor: number, onlyPositive: boolean): void {
  const best = bestScoresByAttr(rsc, attr);
  for (const [node, w] of nodes) {
    const score = best.get(node.attrs.get(attr)?.toLowerCase()) ?? -INFINITY;
    if (factor < 0 && score < 0) continue;
    if (w === INFINITY_HACK) continue;
    const f = factor * score;
    let weight = f < 0 ? Math.trunc(f - 0.5) : Math.trunc(f + 0.5);
    if (weight === 0 && score !== 0) weight = factor > 0 ? 1 : factor < 0 ? -1 : 0;
    const ns = addScores(weight, w);
    if (onlyPositive && ns < 0 && w > 0) {
      nodes.set(node, INFINITY_HACK);
      continue;
    }
    if (onlyPositive && ns < 0 && w === 0) continue;
    nodes.set(node, ns);
  }
}

function assignPrimitive(ws: WorkingSet, rsc: Resource, prefer: Node | null, log: ScoreLog): Node | null {
  if (rsc.parent && !rsc.parent.allocating) assign(ws, rsc.parent, prefer, log);
  // Without a fencing device nothing is managed, orphans included (see below).
  if (rsc.orphan && ws.stonithEnabled && !ws.haveStonithResource) rsc.managed = false;
  if (!rsc.provisional) return rsc.assigned;
  if (rsc.allocating) return null;
  rsc.allocating = true;

  for (const c of [...rsc.thisWith]) {
    let archive: Map<Node, number> | undefined;
    if (c.dependentRole >= Role.Promoted || (c.score < 0 && c.score > -INFINITY)) archive = new Map(rsc.allowed);
    assign(ws, c.primary, null, log);
    applyColocationScore(ws, rsc, c.primary, c);
    if (archive && !anyNodeAvailable(rsc.allowed)) rsc.allowed = archive;
  }
  for (const c of [...rsc.withThis]) {
    if (!hasInfluence(c)) continue;
    rsc.allowed = addColocatedNodeScores(c.dependent, rsc.id, rsc.allowed, c.nodeAttribute, c.score / INFINITY, { rollback: true });
  }

  if (rsc.nextRole === Role.Stopped) {
    resourceLocation(ws, rsc, null, -INFINITY, "target-role");
  } else if (rsc.nextRole > rsc.role && !ws.haveQuorum && ws.noQuorumPolicy === "freeze") {
    rsc.nextRole = rsc.role;
  }

  showScores(log, "pcmk__primitive_assign", rsc);

  if (ws.stonithEnabled && !ws.haveStonithResource) rsc.managed = false;

  if (!rsc.managed) {
    rsc.nextRole = rsc.role;
    assignTo(ws, rsc, rsc.runningOn[0] ?? null, true);
  } else if (ws.stopAll) {
    assignTo(ws, rsc, null, true);
  } else if (rsc.provisional) {
    chooseNode(ws, rsc, prefer);
  }
  rsc.allocating = false;
  return rsc.assigned;
}

function compareNodes(ws: WorkingSet, rsc: Resource, a: Node, b: Node, preferred: Node | undefined): number {
  const wa = available(a) ? rsc.allowed.get(a)! : -INFINITY;
  const wb = available(b) ? rsc.allowed.get(b)! : -INFINITY;
  if (wa > wb) return -1;
  if (wa < wb) return 1;
  if (ws.placementStrategy !== "minimal") {
    if (ws.placementStrategy === "balanced") {
      const c = compareCapacity(a, b);
      if (c !== 0) return c;
    }
    if (a.numResources !== b.numResources) return a.numResources - b.numResources;
    if (preferred) {
      if (preferred === a) return -1;
      if (preferred === b) return 1;
    }
  }
  return a.uname < b.uname ? -1 : a.uname > b.uname ? 1 : 0;
}

function compareCapacity(a: Node, b: Node): number {
  let result = 0;
  for (const [k, v] of a.utilization) {
    const bv = b.utilization.get(k) ?? 0;
    if (v > bv) result--;
    else if (v < bv) result++;
  }
  for (const [k, v] of b.utilization) {
    if (a.utilization.has(k)) continue;
    if (v > 0) result++;
  }
  return result;
}

function chooseNode(ws: WorkingSet, rsc: Resource, prefer: Node | null): boolean {
  banInsufficientCapacity(ws, rsc);
  const nodes = [...rsc.allowed.keys()];
  const current = rsc.runningOn[0];
  nodes.sort((a, b) => compareNodes(ws, rsc, a, b, current));
  const best = nodes[0];
  let chosen: Node | undefined;
  if (prefer && nodes.length) {
    const w = rsc.allowed.get(prefer);
    if (w !== undefined && w >= rsc.allowed.get(best)! && available(prefer)) chosen = prefer;
  }
  if (!chosen && nodes.length) {
    chosen = best;
    const bw = rsc.allowed.get(best)!;
    if (bw > 0 && available(best) && current) {
      if (available(current)) {
        for (const n of nodes.slice(1)) {
          if (rsc.allowed.get(n) !== bw) break;
          if (n === current) chosen = n;
        }
      }
    }
  }
  return assignTo(ws, rsc, chosen ?? null, false);
}

/** The resource's weight on its node when it was placed there (Pacemaker keeps it with the
 *  assignment; colocations with a promoted role add it to the dependent's). */
const assignedWeight = new WeakMap<Resource, number>();

export function assignTo(ws: WorkingSet, rsc: Resource, node: Node | null, force: boolean): boolean {
  let chosen = node;
  if (chosen && !force && (!available(chosen) || (rsc.allowed.get(chosen) ?? -INFINITY) < 0)) chosen = null;
  rsc.provisional = false;
  if (!chosen) {
    rsc.assigned = null;
    rsc.nextRole = Role.Stopped;
    rsc.nextRoleReason = "node availability";
    return false;
  }
  rsc.assigned = chosen;
  assignedWeight.set(rsc, rsc.allowed.get(chosen) ?? chosen.weight);
  chosen.numResources++;
  for (const [k, v] of rsc.utilization) chosen.utilization.set(k, (chosen.utilization.get(k) ?? 0) - v);
  return true;
}
