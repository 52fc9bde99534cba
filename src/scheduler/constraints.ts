// Phase 5: constraints. Location constraints become node-weight changes, colocations become
// dependent/primary links (kept sorted as Pacemaker keeps them), orders become orderings
// between resource actions (applied once the actions exist).
import type { ColocationDef, LocationDef, OrderDef } from "../cib/model.js";
import { isTrue } from "../cib/model-parse.js";
import { INFINITY, addScores, parseScore } from "../cib/score.js";
import { earliest, evaluateRule, ruleScore as cibRuleScore } from "../cib/rules/index.js";
import { evaluateNvsets } from "../cib/nvset.js";
import type { IdIndex } from "../cib/id-index.js";
import { Ord, Role, parseRole, type Colocation, type Node, type Resource, type WorkingSet } from "./types.js";
import { newOrdering } from "./ordering.js";
import { customAction } from "./actions.js";

/** Resolve a constraint reference: a resource, or every resource a tag or template names. */
export function resolveRscRef(ws: WorkingSet, id: string): Resource[] {
  const r = ws.rscById.get(id);
  if (r) return [r];
  const tag = ws.model.tags.get(id);
  if (tag) return tag.flatMap((t) => resolveRscRef(ws, t));
  if (ws.model.templates.has(id)) {
    const out: Resource[] = [];
    const visit = (rs: Resource[]) => {
      for (const x of rs) {
        if (x.def.template === id) out.push(x);
        visit(x.children);
      }
    };
    visit(ws.resources);
    return out;
  }
  return [];
}

export interface LocationRecord {
  id: string;
  rsc: Resource;
  role?: Role;
  discovery?: string;
  /** Node → score (already merged with the node's base weight for rule-based entries). */
  nodes: { node: Node; weight: number }[];
}

export function unpackLocations(ws: WorkingSet, index: IdIndex): LocationRecord[] {
  const out: LocationRecord[] = [];
  for (const loc of ws.model.locations) {
    const targets: { rsc: Resource; submatches?: string[] }[] = [];
    if (loc.rsc !== undefined) for (const r of resolveRscRef(ws, loc.rsc)) targets.push({ rsc: r });
    else if (loc.rscPattern !== undefined) {
      // A leading "!" selects the resources the pattern does not match (no submatches then).
      const invert = loc.rscPattern.startsWith("!");
      const re = new RegExp(invert ? loc.rscPattern.slice(1) : loc.rscPattern);
      for (const r of ws.resources) {
        const m = re.exec(r.id);
        if (invert ? !m : m) targets.push({ rsc: r, submatches: m ? [...m].map((x) => x ?? "") : undefined });
      }
    }
    for (const set of loc.sets) for (const id of set.resources) for (const r of resolveRscRef(ws, id)) targets.push({ rsc: r });
    for (const t of targets) {
      const rec = locationFor(ws, loc, t.rsc, index, t.submatches);
      if (rec) out.push(...rec);
    }
  }
  return out;
}

function locationFor(ws: WorkingSet, loc: LocationDef, rsc: Resource, index: IdIndex, submatches?: string[]): LocationRecord[] | undefined {
  const role = roleFilter(loc.role);
  if (loc.node !== undefined) {
    const node = ws.nodeByName.get(loc.node);
    if (!node) return undefined;
    const score = parseScore(loc.score);
    return [{ id: loc.id, rsc, role, discovery: loc.discovery, nodes: [{ node, weight: score }] }];
  }
  const recs: LocationRecord[] = [];
  for (const rule of loc.rules) {
    const ruleRole = rule.attrs.role !== undefined ? roleFilter(rule.attrs.role) : role;
    const nodes: { node: Node; weight: number }[] = [];
    for (const node of ws.nodes) {
      // value-source="param"/"meta" compare node attributes with the resource's own settings
      // (parameters as they would be on that node: their sets may have node rules).
      const params = evaluateNvsets(rsc.def.el, "instance_attributes", { now: ws.now, node: node.attrs }, index);
      const res = evaluateRule(rule, { now: ws.now, node: node.attrs, params, meta: rsc.meta, match: submatches ? { submatches } : undefined }, index);
      ws.recheckBy = earliest(ws.recheckBy, res.nextChange);
      if (!res.matched) continue;
      const score = cibRuleScore(rule, node.attrs, submatches, index) ?? (loc.score !== undefined ? parseScore(loc.score) : 0);
      nodes.push({ node, weight: score });
    }
    recs.push({ id: loc.id, rsc, role: ruleRole, discovery: loc.discovery, nodes });
  }
  return recs;
}

function roleFilter(text: string | undefined): Role | undefined {
  if (text === undefined) return undefined;
  const r = parseRole(text);
  if (r === Role.Started) return undefined;
  return r;
}

/** Apply one location record to a resource (groups: the group and its members). */
export function applyLocation(ws: WorkingSet, rec: LocationRecord, rsc: Resource = rec.rsc): void {
  const discovery = discoveryMode(rec.discovery);
  if (rsc.kind === "clone") {
    // A clone's location applies to the clone and to every instance.
    applyToOne(rsc, rec.role, rec.nodes, discovery);
    for (const c of rsc.children) applyLocation(ws, rec, c);
    return;
  }
  if (rsc.kind === "group") {
    applyToOne(rsc, rec.role, rec.nodes, discovery);
    let first = true;
    for (const m of rsc.children) {
      // Later members of a colocated group follow the first, so they get the nodes but not the score.
      applyToOne(m, rec.role, first || !groupColocated(rsc) ? rec.nodes : rec.nodes.map((n) => ({ node: n.node, weight: 0 })), discovery);
      first = false;
    }
    return;
  }
  applyToOne(rsc, rec.role, rec.nodes, discovery);
}

type Discovery = "always" | "never" | "exclusive";
const DISCOVERY_RANK: Record<Discovery, number> = { always: 0, never: 1, exclusive: 2 };

function discoveryMode(text: string | undefined): Discovery {
  const v = (text ?? "always").toLowerCase();
  return v === "never" || v === "exclusive" ? v : "always";
}

export function groupColocated(g: Resource): boolean {
  const v = g.meta.get("colocated");
  return v === undefined ? true : isTrue(v);
}

export function groupOrdered(g: Resource): boolean {
  const v = g.meta.get("ordered");
  return v === undefined ? true : isTrue(v);
}

function applyToOne(rsc: Resource, role: Role | undefined, nodes: { node: Node; weight: number }[], discovery: Discovery): void {
  if (role !== undefined && role !== rsc.nextRole) return;
  for (const { node, weight } of nodes) {
    const cur = rsc.allowed.get(node);
    rsc.allowed.set(node, cur === undefined ? weight : addScores(cur, weight));
    // The strictest resource-discovery of the locations naming a node wins there.
    if (DISCOVERY_RANK[discovery] > DISCOVERY_RANK[rsc.discovery.get(node) ?? "always"]) {
      if (discovery === "exclusive") rsc.exclusiveDiscover = true;
      rsc.discovery.set(node, discovery);
    }
  }
}

/** With resource-discovery=exclusive somewhere, the resource runs only on the nodes such a
 *  location names. */
export function applyExclusiveDiscovery(rsc: Resource, node: Node, top: Resource = rsc): void {
  // (Bundles place their replicas themselves: bundle-assign.ts.)
  if (rsc.kind === "bundle") return;
  if (!rsc.exclusiveDiscover && !top.exclusiveDiscover) return;
  for (const c of rsc.children) applyExclusiveDiscovery(c, node, top);
  if (rsc.allowed.has(node) && rsc.discovery.get(node) !== "exclusive") rsc.allowed.set(node, -INFINITY);
}

// ---- colocation ----

function sortThisWith(a: Colocation, b: Colocation): number {
  // "this with" lists are kept sorted by the primary: priority (high first), then id.
  if (a.primary.priority !== b.primary.priority) return b.primary.priority - a.primary.priority;
  const va = variantRank(a.primary);
  const vb = variantRank(b.primary);
  if (va !== vb) return vb - va;
  return a.primary.id < b.primary.id ? -1 : a.primary.id > b.primary.id ? 1 : 0;
}

function sortWithThis(a: Colocation, b: Colocation): number {
  if (a.dependent.priority !== b.dependent.priority) return b.dependent.priority - a.dependent.priority;
  const va = variantRank(a.dependent);
  const vb = variantRank(b.dependent);
  if (va !== vb) return vb - va;
  return a.dependent.id < b.dependent.id ? -1 : a.dependent.id > b.dependent.id ? 1 : 0;
}

function variantRank(r: Resource): number {
  return r.kind === "primitive" ? 0 : r.kind === "group" ? 1 : r.kind === "clone" ? 2 : 3;
}

function insertSorted(list: Colocation[], c: Colocation, cmp: (a: Colocation, b: Colocation) => number): void {
  let i = 0;
  while (i < list.length && cmp(list[i], c) <= 0) i++;
  list.splice(i, 0, c);
}

export function newColocation(ws: WorkingSet, id: string, nodeAttribute: string | undefined, score: number, dependent: Resource, primary: Resource, dependentRole: string | undefined, primaryRole: string | undefined, influence: boolean): void {
  if (score === 0) return;
  const c: Colocation = {
    id,
    dependent,
    primary,
    score,
    dependentRole: roleOrUnknown(dependentRole),
    primaryRole: roleOrUnknown(primaryRole),
    nodeAttribute: nodeAttribute ?? "#uname",
    influence,
  };
  insertSorted(dependent.thisWith, c, sortThisWith);
  insertSorted(primary.withThis, c, sortWithThis);
  ws.colocations.push(c);
  if (score <= -INFINITY) {
    newOrdering(ws, { rsc: dependent, task: "stop" }, { rsc: primary, task: "start" }, Ord.antiColocation);
    newOrdering(ws, { rsc: primary, task: "stop" }, { rsc: dependent, task: "start" }, Ord.antiColocation);
  }
}

function roleOrUnknown(text: string | undefined): Role {
  const r = parseRole(text);
  return r === undefined || r === Role.Started ? Role.Unknown : r;
}

function influenceOf(c: ColocationDef, dependent: Resource): boolean {
  if (c.influence !== undefined) return isTrue(c.influence);
  return dependent.critical;
}

export function unpackColocations(ws: WorkingSet): void {
  for (const c of ws.model.colocations) {
    if (c.sets.length === 0) {
      const score = parseScore(c.score);
      const deps = resolveRscRef(ws, c.rsc!);
      const prims = resolveRscRef(ws, c.withRsc!);
      for (const d of deps) for (const p of prims) newColocation(ws, c.id, c.nodeAttribute, score, d, p, c.rscRole, c.withRscRole, influenceOf(c, d));
      continue;
    }
    unpackColocationSets(ws, c);
  }
}

function unpackColocationSets(ws: WorkingSet, c: ColocationDef): void {
  const score = parseScore(c.score);
  const sets = c.sets.map((s) => ({ s, rscs: s.resources.flatMap((id) => resolveRscRef(ws, id)), score: s.score !== undefined ? parseScore(s.score) : score }));
  // Within a set: each member with the previous one (sequential sets only).
  for (const { s, rscs, score: sc } of sets) {
    if (sc === 0) continue;
    if (s.sequential) {
      for (let i = 1; i < rscs.length; i++) newColocation(ws, s.id, c.nodeAttribute, sc, rscs[i], rscs[i - 1], s.role, s.role, influenceOf(c, rscs[i]));
    } else if (sc < 0) {
      for (let i = 0; i < rscs.length; i++) for (let j = i + 1; j < rscs.length; j++) newColocation(ws, s.id, c.nodeAttribute, sc, rscs[i], rscs[j], s.role, s.role, influenceOf(c, rscs[i]));
    }
  }
  // Between sets: the first member of each set with the last member of the previous set.
  for (let k = 1; k < sets.length; k++) {
    const prev = sets[k - 1];
    const cur = sets[k];
    if (score === 0) continue;
    const primaries = prev.s.sequential ? prev.rscs.slice(-1) : prev.rscs;
    const dependents = cur.s.sequential ? cur.rscs.slice(0, 1) : cur.rscs;
    for (const d of dependents) for (const p of primaries) newColocation(ws, c.id, c.nodeAttribute, score, d, p, cur.s.role, prev.s.role, influenceOf(c, d));
  }
}

// ---- order ----

type Kind = "Mandatory" | "Optional" | "Serialize";

function orderKind(o: { kind?: string; score?: string }): Kind {
  if (o.kind === undefined) {
    if (o.score !== undefined && parseScore(o.score) === 0) return "Optional";
    return "Mandatory";
  }
  const k = o.kind.toLowerCase();
  if (k === "optional") return "Optional";
  if (k === "serialize") return "Serialize";
  return "Mandatory";
}

function symmetric(o: { symmetrical?: string }, kind: Kind, parentSym?: string): boolean {
  const v = o.symmetrical ?? parentSym;
  if (v !== undefined) return isTrue(v) && kind !== "Serialize";
  return kind !== "Serialize";
}

export function kindFlags(kind: Kind, first: string, sym: "asym" | "sym" | "inverse"): number {
  let f: number = Ord.optional;
  if (kind === "Serialize") f |= Ord.serializeOnly;
  else if (kind === "Mandatory") {
    if (sym === "asym") f |= Ord.asymmetrical;
    else if (sym === "sym") {
      f |= Ord.impliesThen;
      if (first === "start" || first === "promote") f |= Ord.runnableLeft;
    } else f |= Ord.impliesFirst;
  }
  return f;
}

const INVERSE: Record<string, string> = {
  start: "stop",
  stop: "start",
  promote: "demote",
  demote: "promote",
  promoted: "demoted",
  demoted: "promoted",
  running: "stopped",
  stopped: "running",
};

export function unpackOrders(ws: WorkingSet): void {
  for (const o of ws.model.orders) {
    if (o.sets.length === 0) {
      const firsts = resolveRscRef(ws, o.first!);
      const thens = resolveRscRef(ws, o.then!);
      const firstAction = o.firstAction ?? "start";
      const thenAction = o.thenAction ?? firstAction;
      const kind = orderKind(o);
      const sym = symmetric(o, kind);
      for (const f of firsts) {
        for (const t of thens) {
          const min = instancesRequired(f, o);
          if (min > 0) orderAfterSomeInstances(ws, o, f, firstAction, t, thenAction, min, kindFlags(kind, firstAction, sym ? "sym" : "asym"));
          else newOrdering(ws, { rsc: f, task: firstAction }, { rsc: t, task: thenAction }, kindFlags(kind, firstAction, sym ? "sym" : "asym"));
          if (sym) {
            const fi = INVERSE[firstAction];
            const ti = INVERSE[thenAction];
            if (fi && ti) newOrdering(ws, { rsc: t, task: ti }, { rsc: f, task: fi }, kindFlags(kind, ti, "inverse"));
          }
        }
      }
      continue;
    }
    unpackOrderSets(ws, o);
  }
}

/** How many instances of a clone "first" must be able to act before "then" may: one with
 *  require-all=false, else the clone's clone-min; 0 when the whole clone counts. */
function instancesRequired(first: Resource, o: OrderDef): number {
  if (first.kind !== "clone") return 0;
  if (o.requireAll !== undefined && !isTrue(o.requireAll)) return 1;
  const min = Number.parseInt(first.meta.get("clone-min") ?? "", 10);
  return Number.isNaN(min) || min < 0 ? 0 : min;
}

/** "then" waits for a pseudo-action that becomes runnable once `min` of the clone's
 *  instances can act (each instance is ordered before it), instead of for the clone. */
function orderAfterSomeInstances(ws: WorkingSet, o: OrderDef, clone: Resource, firstAction: string, then: Resource, thenAction: string, min: number, flags: number): void {
  const name = `clone-one-or-more:${o.id}`;
  const gate = customAction(ws, undefined, name, name, null, true, { pseudo: true });
  gate.pseudo = true;
  gate.requiredRunnableBefore = min;
  for (const inst of clone.children) newOrdering(ws, { rsc: inst, task: firstAction }, { action: gate }, Ord.oneOrMore | Ord.impliesThenPrinted);
  newOrdering(ws, { action: gate }, { rsc: then, task: thenAction }, flags | Ord.runnableLeft);
}

function unpackOrderSets(ws: WorkingSet, o: OrderDef): void {
  const kind = orderKind(o);
  const sym = symmetric(o, kind);
  const sets = o.sets.map((s) => ({ s, rscs: s.resources.flatMap((id) => resolveRscRef(ws, id)), action: s.action ?? "start" }));
  for (const { s, rscs, action } of sets) {
    if (!s.sequential || rscs.length < 2) continue;
    const k = s.kind !== undefined ? orderKind({ kind: s.kind }) : kind;
    for (let i = 1; i < rscs.length; i++) {
      newOrdering(ws, { rsc: rscs[i - 1], task: action }, { rsc: rscs[i], task: action }, kindFlags(k, action, sym ? "sym" : "asym"));
    }
    if (sym) {
      const inv = INVERSE[action];
      if (inv) for (let i = rscs.length - 1; i > 0; i--) newOrdering(ws, { rsc: rscs[i], task: inv }, { rsc: rscs[i - 1], task: inv }, kindFlags(k, inv, "inverse"));
    }
  }
  for (let k = 1; k < sets.length; k++) {
    const prev = sets[k - 1];
    const cur = sets[k];
    const firsts = prev.s.sequential ? prev.rscs.slice(-1) : prev.rscs;
    const thens = cur.s.sequential ? cur.rscs.slice(0, 1) : cur.rscs;
    for (const f of firsts) {
      for (const t of thens) {
        newOrdering(ws, { rsc: f, task: prev.action }, { rsc: t, task: cur.action }, kindFlags(kind, prev.action, sym ? "sym" : "asym"));
        if (sym) {
          const fi = INVERSE[prev.action];
          const ti = INVERSE[cur.action];
          if (fi && ti) newOrdering(ws, { rsc: t, task: ti }, { rsc: f, task: fi }, kindFlags(kind, ti, "inverse"));
        }
      }
    }
  }
}
