// Orderings between actions and the fix-point that propagates "required" and "unrunnable"
// along them (a required start of A makes B's start required when B is ordered after A with
// implies-then; an unrunnable first makes "then" unrunnable with runnable-left; ...).
import { Ord, Role, type Action, type Node, type Resource, type WorkingSet } from "./types.js";
import { customAction, findActions, opKey, setReason } from "./actions.js";
import { compatibleMember, interleaves, keepUnpairedStopped, memberAction, memberTask, pairedMembers, replicaOf } from "./interleave.js";

export interface OrderEnd {
  rsc?: Resource;
  task?: string;
  action?: Action;
}

interface PendingOrdering {
  firstRsc?: Resource;
  firstKey?: string;
  firstAction?: Action;
  thenRsc?: Resource;
  thenKey?: string;
  thenAction?: Action;
  flags: number;
}

const pendingByWs = new WeakMap<WorkingSet, PendingOrdering[]>();

function pending(ws: WorkingSet): PendingOrdering[] {
  let p = pendingByWs.get(ws);
  if (!p) {
    p = [];
    pendingByWs.set(ws, p);
  }
  return p;
}

/** Record an ordering; `task` may be a bare task ("start") or a full key. */
export function newOrdering(ws: WorkingSet, first: OrderEnd, then: OrderEnd, flags: number): void {
  const o: PendingOrdering = { flags };
  o.firstAction = first.action;
  o.firstRsc = first.rsc ?? first.action?.rsc;
  const isKey = (t: string) => /_\d+$/.test(t);
  o.firstKey = first.task !== undefined ? (first.rsc && !isKey(first.task) ? opKey(first.rsc.id, first.task) : first.task) : first.action?.key;
  o.thenAction = then.action;
  o.thenRsc = then.rsc ?? then.action?.rsc;
  o.thenKey = then.task !== undefined ? (then.rsc && !isKey(then.task) ? opKey(then.rsc.id, then.task) : then.task) : then.action?.key;
  pending(ws).push(o);
}

/** Link two actions (first before then) unless an equivalent link exists. */
export function orderActions(first: Action, then: Action, flags: number): boolean {
  if (flags === Ord.none) return false;
  if (first === then) return false;
  const linked = linkedFlags(first);
  if (((linked.flags.get(then) ?? 0) & flags) !== 0) return false;
  linked.flags.set(then, (linked.flags.get(then) ?? 0) | flags);
  if (batch) {
    addTo(batch.after, first, { action: then, flags });
    addTo(batch.before, then, { action: first, flags });
    return true;
  }
  first.after.unshift({ action: then, flags });
  then.before.unshift({ action: first, flags });
  linked.length++;
  return true;
}

/** Links made while applyOrderings runs, per action, oldest first. Each link goes in front of
 *  the lists (newest first), and an unshift per link is quadratic on actions with thousands
 *  of links (every start on a guest waits for every container's probes): they are collected
 *  here and put in front once at the end. Nothing reads the link lists during that phase. */
interface LinkBatch {
  after: Map<Action, Link[]>;
  before: Map<Action, Link[]>;
}
type Link = Action["after"][number];
let batch: LinkBatch | undefined;

function addTo(pending: Map<Action, Link[]>, a: Action, link: Link): void {
  const list = pending.get(a);
  if (list) list.push(link);
  else pending.set(a, [link]);
}

/** Put `links` (oldest first) in front of `list`, newest first, as one unshift each would. */
function prependNewestFirst(list: Link[], links: Link[]): void {
  const old = list.splice(0, list.length);
  for (let i = links.length - 1; i >= 0; i--) list.push(links[i]);
  for (const l of old) list.push(l);
}

function withLinkBatch(fn: () => void): void {
  const b: LinkBatch = { after: new Map(), before: new Map() };
  batch = b;
  try {
    fn();
  } finally {
    batch = undefined;
    for (const [a, links] of b.after) prependNewestFirst(a.after, links);
    for (const [a, links] of b.before) prependNewestFirst(a.before, links);
  }
}

/** For an action's `after` list: the union of the flags of its links to each action, for
 *  the duplicate check above (an action every probe on a node waits for has thousands of
 *  links). The flags of an `after` link never change once made; when the list was replaced
 *  or grown elsewhere (collective-action expansion), the index is rebuilt. */
interface AfterIndex {
  list: Action["after"];
  length: number;
  flags: Map<Action, number>;
}
const afterIndexes = new WeakMap<Action, AfterIndex>();

function linkedFlags(first: Action): AfterIndex {
  let idx = afterIndexes.get(first);
  if (!idx || idx.list !== first.after || idx.length !== first.after.length) {
    const flags = new Map<Action, number>();
    for (const a of first.after) flags.set(a.action, (flags.get(a.action) ?? 0) | a.flags);
    idx = { list: first.after, length: first.after.length, flags };
    afterIndexes.set(first, idx);
  }
  return idx;
}

const TASKS_WITH_UNDERSCORES = ["migrate_to", "migrate_from", "reload-agent", "clear_failcount", "lrm_delete", "pre_notify", "post_notify", "confirmed-pre_notify", "confirmed-post_notify"];

function parseKey(key: string): { task: string; interval: number } | undefined {
  const m = /^(.*)_([a-z_-]+)_(\d+)$/.exec(key);
  if (!m) return undefined;
  // Task names may contain underscores (migrate_to); match the longest known task suffix.
  const head = key.length - m[3].length - 1;
  for (const t of TASKS_WITH_UNDERSCORES) {
    if (key.startsWith(t, head - t.length) && key[head - t.length - 1] === "_") return { task: t, interval: Number(m[3]) };
  }
  const parts = key.split("_");
  const interval = Number(parts.pop());
  const task = parts.pop()!;
  return { task, interval };
}

function findByTask(rsc: Resource, key: string): Action[] {
  let list = findActions(rsc.actions, key, null);
  if (list.length === 0) {
    const p = parseKey(key);
    if (p) list = findActions(rsc.actions, opKey(rsc.id, p.task, p.interval), null);
  }
  return list;
}

function rscState(rsc: Resource): Role {
  if (rsc.children.length) {
    let r = Role.Stopped;
    for (const c of rsc.children) if (c.role > r) r = c.role;
    return r;
  }
  return rsc.role;
}

function taskOfKey(key: string | undefined): string | undefined {
  return key === undefined ? undefined : parseKey(key)?.task;
}

function related(a: Resource, b: Resource): boolean {
  return isParent(a, b) || isParent(b, a);
}

/** Orderings between a migrating resource and another one also hold for the migration
 *  actions that replace the start/stop (Pacemaker's "migration equivalents"). */
function migrationEquivalents(ws: WorkingSet, o: PendingOrdering): void {
  const f = o.firstRsc;
  const t = o.thenRsc;
  if (!f || !t || f === t || related(f, t)) return;
  if (!f.allowMigrate && !t.allowMigrate) return;
  const ft = o.firstAction?.task ?? taskOfKey(o.firstKey);
  const tt = o.thenAction?.task ?? taskOfKey(o.thenKey);
  const implies = o.flags & Ord.impliesThen ? Ord.impliesThen : 0;
  if (ft === "start" && tt === "start") {
    // (Both must migrate: else the ordering would only create a migrate_from never used.)
    if (f.allowMigrate && t.allowMigrate) newOrdering(ws, { rsc: f, task: "migrate_from" }, { rsc: t, task: "migrate_to" }, Ord.optional);
    // (Only if f's start is a real one: when f migrates too, the migrate_from above orders it.)
    if (t.allowMigrate) newOrdering(ws, { rsc: f, task: "start" }, { rsc: t, task: "migrate_to" }, Ord.optional | implies | (f.allowMigrate ? Ord.applyFirstNonMigratable : 0));
  } else if (t.allowMigrate && ft === "stop" && tt === "stop") {
    newOrdering(ws, { rsc: f, task: "stop" }, { rsc: t, task: "migrate_to" }, Ord.optional | implies);
    if (t.partialMigrationTarget) newOrdering(ws, { rsc: f, task: "stop" }, { rsc: t, task: "migrate_from" }, Ord.optional | implies);
  } else if (ft === "promote" && tt === "start") {
    newOrdering(ws, { rsc: f, task: "promote" }, { rsc: t, task: "migrate_to" }, Ord.optional | implies);
  } else if (ft === "demote" && tt === "stop") {
    newOrdering(ws, { rsc: f, task: "demote" }, { rsc: t, task: "migrate_to" }, Ord.optional | implies);
    if (t.partialMigrationTarget) newOrdering(ws, { rsc: f, task: "demote" }, { rsc: t, task: "migrate_from" }, Ord.optional | implies);
  }
}

export function applyOrderings(ws: WorkingSet): void {
  const list = pending(ws);
  for (let i = 0; i < list.length; i++) {
    const o = list[i];
    if (o.flags !== Ord.none) migrationEquivalents(ws, o);
  }
  withLinkBatch(() => linkPending(ws));
}

function linkPending(ws: WorkingSet): void {
  for (const o of pending(ws)) {
    if (o.firstRsc) {
      orderFirst(ws, o.firstRsc, o);
      continue;
    }
    if (o.thenRsc) {
      orderAfter(o.firstAction, o.thenRsc, o);
      continue;
    }
    if (o.firstAction && o.thenAction) orderActions(o.firstAction, o.thenAction, o.flags);
  }
}

function orderFirst(ws: WorkingSet, firstRsc: Resource, o: PendingOrdering): void {
  let firsts: Action[] = o.firstAction ? [o.firstAction] : findByTask(firstRsc, o.firstKey!);
  if (firsts.length === 0 && firstRsc === o.thenRsc) return;
  if (firsts.length === 0) {
    const p = parseKey(o.firstKey!);
    if (!p) return;
    const state = rscState(firstRsc);
    if (state === Role.Stopped && p.task === "stop") return;
    if (state === Role.Unpromoted && p.task === "demote") return;
    firsts = [customAction(ws, firstRsc, opKey(firstRsc.id, p.task, p.interval), p.task, null, true)];
  }
  const thenRsc = o.thenRsc ?? o.thenAction?.rsc;
  for (const f of firsts) {
    if (!thenRsc) {
      if (o.thenAction) orderActions(f, o.thenAction, o.flags);
    } else orderAfter(f, thenRsc, o);
  }
}

function orderAfter(first: Action | undefined, rsc: Resource, o: PendingOrdering): void {
  let flags = o.flags;
  const thens = o.thenAction ? [o.thenAction] : findByTask(rsc, o.thenKey!);
  if (thens.length === 0) return;
  // The stop left over by a completed migration does not restart the resource.
  if (first && first.rsc === rsc && first.dangle) flags &= ~Ord.impliesThen;
  if (!first && (flags & Ord.impliesThen) === 0) return;
  for (const t of thens) {
    if (first) orderActions(first, t, flags);
    else t.runnable = false;
  }
  void flags;
}

// ---- fix-point propagation ----

function isParent(child: Resource, maybeParent: Resource): boolean {
  for (let p = child.parent; p; p = p.parent) if (p === maybeParent) return true;
  return false;
}

const EXPAND: Record<string, string> = { start: "running", stop: "stopped", promote: "promoted", demote: "demoted" };

/** For a collective resource, "first" means its completion pseudo-action (start → running). */
function expandAction(a: Action): Action {
  if (!a.rsc || a.rsc.kind === "primitive" || a.interval > 0) return a;
  const to = EXPAND[a.task] ?? (COMPLETIONS.has(a.task) ? a.task : undefined);
  if (!to) return a;
  // A clone with notifications is complete once the change is announced.
  const key = a.rsc.clone?.notify ? `${a.rsc.id}_confirmed-post_notify_${to}_0` : opKey(a.rsc.id, to);
  const found = a.rsc.actions.find((x) => x.key === key);
  return found ?? a;
}

const COMPLETIONS = new Set(["running", "stopped", "promoted", "demoted"]);

interface Flags {
  optional: boolean;
  runnable: boolean;
  pseudo: boolean;
}

function actionFlags(a: Action, node: Node | undefined): Flags {
  if (a.rsc && a.rsc.kind === "group") return groupActionFlags(a, node);
  if (a.rsc && a.rsc.kind === "clone") return cloneActionFlags(a, node);
  if (a.rsc && a.rsc.kind === "bundle") return cloneActionFlags(a, node, bundleMembersFor(a.rsc, a.task));
  return { optional: a.optional, runnable: a.runnable, pseudo: a.pseudo };
}

/** Before a clone's actions go to the graph, each is summarised once more from its instances
 *  (as Pacemaker does when it adds them): a bracket or notification for a change that no
 *  instance can make becomes unrunnable even if no ordering re-examined it. */
export function summariseCloneActions(ws: WorkingSet): void {
  const visit = (r: Resource) => {
    if (r.kind === "clone") for (const a of r.actions) cloneActionFlags(a, undefined);
    r.children.forEach(visit);
    if (r.bundle?.inner) visit(r.bundle.inner);
  };
  ws.resources.forEach(visit);
}

/** An action's flags as an ordering sees them: a collective action is first summarised
 *  from all its members (which updates the action itself), and only a clone's is then looked
 *  at on the other action's node, keeping "runnable" if it is runnable anywhere. */
function flagsForOrdering(a: Action, node: Node | undefined): Flags {
  const flags = actionFlags(a, undefined);
  if (!node || !a.rsc || a.rsc.kind !== "clone") return flags;
  const onNode = actionFlags(a, node);
  if (flags.runnable) onNode.runnable = true;
  return onNode;
}

/** What a bundle's action summarises: its containers' starts and stops, its instances'
 *  promotions and demotions. */
function bundleMembersFor(bundle: Resource, task: string): Resource[] {
  const data = bundle.bundle!;
  if (data.inner && /^(promote|promoted|demote|demoted|notify|notified)$/.test(task)) return data.inner.children;
  return data.list.map((r) => r.container);
}

/** A clone's action is required if any instance's is, runnable if any instance's is. */
function cloneActionFlags(a: Action, node: Node | undefined, members: Resource[] = a.rsc!.children): Flags {
  const flags: Flags = { optional: true, runnable: true, pseudo: true };
  const task = a.task === "notify" || a.task === "notified" ? notifiedTask(a) : a.task;
  const childTask = CHILD_TASK[task] ?? task;
  let anyRunnable = false;
  for (const c of members) {
    const m = c.actions.find((x) => x.task === childTask && (c.children.length > 0 || !node || !x.node || x.node === node));
    if (!m) continue;
    const mf = actionFlags(m, node);
    if (flags.optional && !mf.optional) {
      flags.optional = false;
      a.optional = false;
    }
    if (mf.runnable) anyRunnable = true;
  }
  if (!anyRunnable) {
    flags.runnable = false;
    if (!node) a.runnable = false;
  }
  return flags;
}

/** The task a notification pseudo-action is about (`C_confirmed-pre_notify_start_0` → start,
 *  `C_post_notify_running_0` → running): it is summarised from the instances' actions for
 *  that task, so the notifications of a change no instance can make are unrunnable too. */
function notifiedTask(a: Action): string {
  const m = /_notify_([a-z_-]+)_\d+$/.exec(a.key);
  return m ? m[1] : a.task;
}

const CHILD_TASK: Record<string, string> = { running: "start", stopped: "stop", promoted: "promote", demoted: "demote" };

function groupActionFlags(a: Action, node: Node | undefined): Flags {
  const flags: Flags = { optional: true, runnable: true, pseudo: true };
  const childTask = CHILD_TASK[a.task] ?? a.task;
  for (const c of a.rsc!.children) {
    const m = c.actions.find((x) => x.task === childTask && (!node || !x.node || x.node === node));
    if (m) {
      const mf = actionFlags(m, node);
      if (flags.optional && !mf.optional) {
        flags.optional = false;
        a.optional = false;
      }
      if (childTask !== a.task && flags.runnable && !mf.runnable) {
        flags.runnable = false;
        a.runnable = false;
      }
    } else if (childTask !== "stop" && childTask !== "demote") {
      flags.runnable = false;
    }
  }
  return flags;
}

/** Clear `flag` on `action` because of `reason`; records why, as Pacemaker's summary shows it. */
function implies(action: Action, reason: Action, flag: "optional" | "runnable" | "migrateRunnable"): boolean {
  if (!action[flag]) return false;
  action[flag] = false;
  const change = flag === "optional" ? "required" : "unrunnable";
  if (action.rsc !== reason.rsc) {
    const text = reason.rsc ? `${change} ${reason.rsc.id} ${reason.task}` : `${change} ${reason.task}`;
    setReason(action, text, flag === "migrateRunnable");
  }
  return true;
}

function groupLocation(rsc: Resource): Node | undefined {
  for (const c of rsc.children) if (c.assigned) return c.assigned;
  return undefined;
}

interface Filter {
  optional?: boolean;
  runnable?: boolean;
}

function snapshot(a: Action): string {
  return `${a.optional}${a.runnable}${a.migrateRunnable}${a.pseudo}`;
}

/** Pacemaker's per-variant update: the action itself, and for a group each member's action. */
function variantUpdate(dispatch: Resource, first: Action, then: Action, node: Node | undefined, flags: Flags, filter: Filter, type: number): void {
  const collective = (r: Resource) => r.kind === "clone" || r.kind === "bundle";
  if (collective(dispatch) && interleaves(first, then)) {
    interleavedUpdate(first, then, node, filter, type);
    return;
  }
  nativeUpdate(first, then, flags, filter, type);
  if (collective(dispatch) && then.rsc && collective(then.rsc)) {
    const members = then.rsc.kind === "bundle" ? then.rsc.bundle!.list.map((r) => r.container) : then.rsc.children;
    for (const c of members) {
      const ca = c.actions.find((x) => x.task === then.task && (!node || !x.node || x.node === node));
      if (!ca) continue;
      if (!actionFlags(ca, node).runnable) continue;
      const before = snapshot(ca);
      if (c.kind === "group") variantUpdate(c, first, ca, node, flags, filter, type);
      else nativeUpdate(first, ca, flags, filter, type);
      if (before !== snapshot(ca)) memberChanged.push(ca);
    }
    return;
  }
  if (dispatch.kind === "group" && then.rsc) {
    for (const c of then.rsc.children) {
      const ca = c.actions.find((x) => x.task === then.task && (!node || !x.node || x.node === node));
      if (ca) {
        const before = snapshot(ca);
        nativeUpdate(first, ca, flags, filter, type);
        if (before !== snapshot(ca)) memberChanged.push(ca);
      }
    }
  }
}

const memberChanged: Action[] = [];

/** Per instance action, the partner actions it was ordered after by interleaving. */
const pairedWith = new WeakMap<Action, Set<Action>>();

/** An ordering between interleaved collectives acts on instance pairs: each member of "then"
 *  is ordered after its partner in "first" (on the same node; where they are now when
 *  "first" is a stop or demotion), and updated from that partner's action alone. */
function interleavedUpdate(first: Action, then: Action, node: Node | undefined, filter: Filter, type: number): void {
  const firstRsc = first.rsc!;
  const thenRsc = then.rsc!;
  const current = /_(stopped|demoted)_0$/.test(first.key);
  for (const thenMember of pairedMembers(thenRsc)) {
    const firstMember = compatibleMember(thenMember, firstRsc, current);
    if (!firstMember) {
      // Nothing to wait for on its node: a mandatory ordering keeps it from running.
      if (!current && type & (Ord.runnableLeft | Ord.impliesThen)) memberChanged.push(...keepUnpairedStopped(thenMember));
      continue;
    }
    const task = memberTask(first, firstMember);
    const firstReplica = replicaOf(firstRsc, firstMember);
    const thenReplica = replicaOf(thenRsc, thenMember);
    // A bundle's stop is its instance's (which happens first); promotions are instances'.
    const fa = first.task.includes("stop") && firstReplica?.child ? memberAction(firstReplica.child, task, node) : memberAction(firstMember, task, node);
    const ta = then.task.includes("mote") && thenReplica?.child ? memberAction(thenReplica.child, then.task, node) : memberAction(thenMember, then.task, node);
    if (!fa || !ta) continue;
    const linked = orderActions(fa, ta, type);
    if (linked) {
      const set = pairedWith.get(ta) ?? new Set<Action>();
      set.add(fa);
      pairedWith.set(ta, set);
    }
    const before = snapshot(ta);
    const fb = snapshot(fa);
    const memberRsc = ta.rsc!;
    if (memberRsc.kind === "group") variantUpdate(memberRsc, fa, ta, node, actionFlags(fa, node), filter, type);
    else nativeUpdate(fa, ta, actionFlags(fa, node), filter, type);
    if (linked || before !== snapshot(ta)) memberChanged.push(ta);
    if (linked || fb !== snapshot(fa)) memberChanged.push(fa);
  }
}

function nativeUpdate(first: Action, then: Action, flags: Flags, filter: Filter, type: number): void {
  if (type & Ord.asymmetrical) {
    const tr = then.rsc;
    if (!tr) {
      // nothing
    } else if (rscState(tr) === Role.Stopped && then.task === "stop") {
      // already stopped: nothing to order
    } else if (rscState(tr) >= Role.Started && then.task === "start" && then.optional && then.node && tr.runningOn.length === 1 && then.node === tr.runningOn[0]) {
      // already started where it will run
    } else if (!first.runnable) {
      implies(then, first, "optional");
      implies(then, first, "runnable");
    }
  }
  if (type & Ord.impliesFirst && !then.optional) {
    if (!flags.optional) implies(first, then, "optional");
    if (first.migrateRunnable && !then.migrateRunnable) implies(first, then, "migrateRunnable");
  }
  if (type & Ord.promotedImpliesFirst && filter.optional && !then.optional && then.rsc && then.rsc.role === Role.Promoted) implies(first, then, "optional");
  if (type & Ord.impliesFirstMigratable && filter.optional) {
    if (!then.migrateRunnable || !then.runnable) implies(first, then, "runnable");
    if (!then.optional) implies(first, then, "optional");
  }
  if (type & Ord.pseudoLeft && filter.optional && !first.runnable) {
    implies(then, first, "migrateRunnable");
    then.pseudo = false;
  }
  if (type & Ord.runnableLeft && filter.runnable && then.runnable && !flags.runnable) {
    implies(then, first, "runnable");
    implies(then, first, "migrateRunnable");
  }
  if (type & Ord.impliesThen && filter.optional && then.optional && !flags.optional && !first.migrateRunnable) implies(then, first, "optional");
  if (type & Ord.restart) handleRestart(first, then, filter);
}

function updateForOrdering(first: Action, then: Action, node: Node | undefined, flags: Flags, type: number, thenFlags: Flags = flags): { then: boolean; first: boolean } {
  const tb = snapshot(then);
  const fb = snapshot(first);
  if (type & Ord.impliesThen) {
    if (then.rsc) variantUpdate(then.rsc, first, then, node, { ...flags, runnable: true }, { optional: true }, Ord.impliesThen);
    else if (!flags.optional && then.optional) then.optional = false;
  }
  if (type & Ord.restart && then.rsc) variantUpdate(then.rsc, first, then, node, flags, { optional: true, runnable: true }, Ord.restart);
  if (type & Ord.impliesFirst) {
    // (A collective 'then' counts as required only where 'first' is: its flags on that node.)
    if (first.rsc) variantUpdate(first.rsc, first, then, node, thenFlags, { optional: true }, Ord.impliesFirst);
    else if (!flags.optional && first.runnable) first.runnable = false;
  }
  if (type & Ord.promotedImpliesFirst && then.rsc) variantUpdate(then.rsc, first, then, node, { ...flags, runnable: true }, { optional: true }, Ord.promotedImpliesFirst);
  if (type & Ord.runnableLeft) {
    if (then.rsc) variantUpdate(then.rsc, first, then, node, flags, { runnable: true }, Ord.runnableLeft);
    else if (!flags.runnable && then.runnable) then.runnable = false;
  }
  if (type & Ord.oneOrMore && !then.rsc && flags.runnable) {
    // One more runnable instance for a clone-min / require-all=false gate.
    runnableBefore.set(then, (runnableBefore.get(then) ?? 0) + 1);
    if ((runnableBefore.get(then) ?? 0) >= (then.requiredRunnableBefore ?? 1)) then.runnable = true;
  }
  // A probe that needs its first action (a bundle connection's, its container's start).
  if (type & Ord.probe && !flags.runnable && then.runnable) then.runnable = false;
  if (type & Ord.impliesFirstMigratable && then.rsc) variantUpdate(then.rsc, first, then, node, flags, { optional: true }, Ord.impliesFirstMigratable);
  if (type & Ord.pseudoLeft && then.rsc) variantUpdate(then.rsc, first, then, node, flags, { optional: true }, Ord.pseudoLeft);
  if (type & Ord.asymmetrical && then.rsc) variantUpdate(then.rsc, first, then, node, flags, { runnable: true }, Ord.asymmetrical);
  if (first.runnable && type & Ord.impliesThenPrinted && !flags.optional) then.printAlways = true;
  if (type & Ord.impliesFirstPrinted && !then.optional) first.printAlways = true;
  if (type & (Ord.impliesThen | Ord.impliesFirst | Ord.restart) && first.rsc && first.task === "stop" && !first.rsc.managed && first.rsc.blocked && !first.runnable) {
    if (then.runnable) then.runnable = false;
  }
  return { then: tb !== snapshot(then), first: fb !== snapshot(first) };
}

function handleRestart(first: Action, then: Action, filter: Filter): void {
  let reason: string | undefined;
  if (filter.optional && !then.optional) reason = "restart";
  if (filter.runnable && !then.runnable && then.rsc?.managed && first.rsc === then.rsc) reason = "stop";
  if (!reason) return;
  if (first.runnable) implies(first, then, "optional");
  if (!then.optional) implies(first, then, "optional");
  if (!then.migrateRunnable) implies(first, then, "migrateRunnable");
  if (!first.optional && !first.runnable) implies(then, first, "runnable");
}

function reprocessAfter(ws: WorkingSet, a: Action): void {
  for (const o of a.after) updateAction(ws, o.action);
  updateAction(ws, a);
}

/** Per "one or more" gate, how many of its first actions were found runnable in this pass. */
const runnableBefore = new Map<Action, number>();

export function updateAction(ws: WorkingSet, then: Action): void {
  let changedThen = false;
  // A collective action's flags also change when summarised from its members below.
  const initial = snapshot(then);
  const gate = then.requiredRunnableBefore !== undefined;
  if (gate) {
    // Counted afresh each time: runnable only if enough of its firsts are.
    runnableBefore.set(then, 0);
    then.runnable = false;
  }
  for (const other of [...then.before]) {
    let first = other.action;
    let thenNode = then.node;
    let firstNode = first.node;
    if (first.rsc && first.rsc.kind === "group" && first.task === "start") firstNode = groupLocation(first.rsc);
    if (then.rsc && then.rsc.kind === "group" && then.task === "start") thenNode = groupLocation(then.rsc);
    if (other.flags & Ord.sameNode && firstNode && thenNode && firstNode !== thenNode) {
      other.flags = Ord.none;
      continue;
    }
    if (first.rsc && other.flags & Ord.thenCancelsFirst && !then.optional) {
      // A required stop makes a pending agent reload pointless.
      first.optional = true;
      if (first.task === "reload-agent") first.rsc.reload = false;
    }
    if (first.rsc && then.rsc && first.rsc !== then.rsc && !isParent(then.rsc, first.rsc)) {
      // Something ordered after a collective resource's action waits for its completion
      // pseudo-action (start → running), and the graph shows that as the input.
      const expanded = expandAction(first);
      if (expanded !== first) {
        const old = first;
        other.action = expanded;
        old.after = old.after.filter((w) => w.action !== then);
        if (!expanded.after.some((w) => w.action === then && w.flags === other.flags)) expanded.after.unshift({ action: then, flags: other.flags });
        first = expanded;
      }
    }
    const firstFlags = flagsForOrdering(first, thenNode);
    const thenFlags = flagsForOrdering(then, firstNode);
    if (other.flags === Ord.none) continue;
    // An instance pair's link acts as when it was made: its "first" decides (observed: a
    // required stop of an instance does not make its partner's stop required).
    const r = updateForOrdering(first, then, thenNode, firstFlags, other.flags, pairedWith.get(then)?.has(first) ? firstFlags : thenFlags);
    while (memberChanged.length) reprocessAfter(ws, memberChanged.pop()!);
    if (r.first) {
      for (const o of first.after) updateAction(ws, o.action);
      updateAction(ws, first);
    }
    if (r.then) changedThen = true;
  }
  if (gate) changedThen = snapshot(then) !== initial;
  if (changedThen) {
    for (const o of then.after) updateAction(ws, o.action);
    updateAction(ws, then);
  } else if (then.rsc && (then.rsc.kind === "clone" || then.rsc.kind === "bundle") && snapshot(then) !== initial) {
    for (const o of then.after) updateAction(ws, o.action);
  }
}

// ---- probes before restarts ----

function probesOf(rsc: Resource): Action[] {
  return findActions(rsc.actions, opKey(rsc.id, "monitor", 0), null);
}

/** A probe must also precede the stop (or demote) of anything it is ordered before, in case
 *  that action is part of a restart; and "X stop then Y" implies "X's probes then Y". */
export function orderProbes(ws: WorkingSet): void {
  const visitRsc = (r: Resource) => {
    if (r.kind !== "primitive") {
      r.children.forEach(visitRsc);
      return;
    }
    for (const probe of probesOf(r)) {
      for (const then of [...probe.after]) {
        const tracking = new Set<Action>();
        restartOrderingsForProbe(probe, then.action, tracking);
      }
    }
  };
  ws.resources.forEach(visitRsc);
  probeOrderingsForStops(ws);
}

function restartOrderingsForProbe(probe: Action, after: Action, tracking: Set<Action>): void {
  if (!probe.rsc || probe.rsc.kind !== "primitive" || probe.task !== "monitor") return;
  if (tracking.has(after)) return;
  tracking.add(after);
  if (after.rsc && after.rsc.kind === "primitive" && probe.rsc !== after.rsc) {
    let thens: Action[] = [];
    if (after.task === "start") thens = findActions(after.rsc.actions, opKey(after.rsc.id, "stop"), null);
    else if (after.task === "promote") thens = findActions(after.rsc.actions, opKey(after.rsc.id, "demote"), null);
    for (const t of thens) if (!t.pseudo) orderActions(probe, t, Ord.optional);
  }
  for (const w of [...after.after]) {
    if (!(w.flags & Ord.impliesThen)) {
      if (!after.rsc || after.rsc.kind === "primitive" || probe.rsc.parent === after.rsc || !w.action.rsc || w.action.rsc.kind === "clone" || w.action.rsc.kind === "bundle" || after.rsc !== w.action.rsc.parent) continue;
    }
    restartOrderingsForProbe(probe, w.action, tracking);
  }
}

function probeOrderingsForStops(ws: WorkingSet): void {
  for (const o of pending(ws)) {
    if (o.flags === Ord.none) continue;
    if (!o.firstRsc || o.firstRsc === o.thenRsc) continue;
    if (!o.firstAction && !o.firstKey) continue;
    if (!o.thenAction && !o.thenKey) continue;
    if (o.firstAction ? o.firstAction.task !== "stop" : !o.firstKey!.endsWith("_stop_0")) continue;
    // Probing inside a stopping container would only happen once it is back: a loop.
    if (o.thenRsc && o.firstRsc.container === o.thenRsc && (o.thenAction ? o.thenAction.task === "stop" : o.thenKey!.endsWith("_stop_0"))) continue;
    let flags: number = Ord.optional;
    if (o.flags & Ord.applyFirstNonMigratable) flags |= Ord.applyFirstNonMigratable;
    if (o.flags & Ord.sameNode) flags |= Ord.sameNode;
    if (o.flags === Ord.antiColocation || o.flags === Ord.load) flags = o.flags;
    const probes = probesOf(o.firstRsc);
    if (probes.length === 0) continue;
    let thens: Action[] = [];
    if (o.thenAction) thens = [o.thenAction];
    else if (o.thenRsc) thens = findActions(o.thenRsc.actions, o.thenKey!, null);
    for (const p of probes) for (const t of thens) orderActions(p, t, flags);
  }
}
