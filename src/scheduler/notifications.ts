// Clone notifications (meta notify=true): every state change of a clone's instances is
// bracketed by "pre" and "post" notifications sent to the instances, so that an agent can
// react to its peers' starts, stops, promotions and demotions.
//
// Two steps, as in Pacemaker 2.1.5:
//  1. with the clone's own pseudo-actions (createNotifyPseudoActions): for each of
//     start/stop (and promote/demote when promotable) four pseudo-actions
//       CLONE_pre_notify_TASK → CLONE_confirmed-pre_notify_TASK → CLONE_TASK
//       CLONE_COMPLETE → CLONE_post_notify_COMPLETE → CLONE_confirmed-post_notify_COMPLETE
//     whose optionality follows the clone action they bracket (so the ordering fix-point
//     decides whether they happen);
//  2. after the fix-point (createInstanceNotifications): what each instance does is known,
//     so the notification data (who is active, starting, stopping, ...) is gathered and a
//     `notify` op is created for each instance that must hear about a required change.
import { INFINITY } from "../cib/score.js";
import { customAction } from "./actions.js";
import { orderActions } from "./ordering.js";
import { Ord, Role, type Action, type Node, type Resource, type WorkingSet } from "./types.js";

/** The four pseudo-actions around one clone task. */
interface NotifyBracket {
  task: string;
  action: Action;
  pre: Action;
  preDone: Action;
  post: Action;
  postDone: Action;
}

const brackets = new WeakMap<Resource, NotifyBracket[]>();

function notifyPseudo(ws: WorkingSet, clone: Resource, like: Action, kind: "pre" | "confirmed-pre" | "post" | "confirmed-post", operation: string): Action {
  const keyTask = kind.endsWith("pre") ? operation : like.task;
  const task = kind.startsWith("confirmed") ? "notified" : "notify";
  const a = customAction(ws, clone, `${clone.id}_${kind}_notify_${keyTask}_0`, task, null, like.optional, { pseudo: true });
  a.pseudo = true;
  a.runnable = true;
  a.meta.set("notify_type", kind.endsWith("pre") ? "pre" : "post");
  a.meta.set("notify_operation", operation);
  a.meta.set("notify_key_type", kind);
  a.meta.set("notify_key_operation", keyTask);
  return a;
}

/** Step 1, once per clone task (right after the clone's TASK and COMPLETE pseudo-actions, so
 *  that action ids follow Pacemaker's creation order): the four notification pseudo-actions. */
export function createNotifyPseudoActions(ws: WorkingSet, clone: Resource, action: Action, done: Action): void {
  if (!clone.clone?.notify) return;
  const task = action.task;
  const pre = notifyPseudo(ws, clone, action, "pre", task);
  const preDone = notifyPseudo(ws, clone, action, "confirmed-pre", task);
  orderActions(pre, preDone, Ord.optional);
  orderActions(preDone, action, Ord.optional);
  const post = notifyPseudo(ws, clone, done, "post", task);
  const postDone = notifyPseudo(ws, clone, done, "confirmed-post", task);
  post.priority = INFINITY;
  postDone.priority = INFINITY;
  orderActions(done, post, Ord.impliesThen);
  orderActions(post, postDone, Ord.impliesThen);
  orderActions(preDone, post, Ord.optional);
  const list = brackets.get(clone) ?? [];
  list.push({ task, action, pre, preDone, post, postDone });
  brackets.set(clone, list);
}

/** Step 1, after all of a clone's tasks: one change is fully announced before the next one
 *  is (demote, stop, start, promote). */
export function orderNotifications(clone: Resource): void {
  const list = brackets.get(clone);
  if (!list) return;
  const by = (t: string) => list.find((b) => b.task === t);
  const sequence: [string, string][] = [["stop", "start"], ["demote", "stop"], ["demote", "promote"], ["start", "promote"]];
  for (const [first, then] of sequence) {
    const f = by(first);
    const t = by(then);
    if (f && t) orderActions(f.postDone, t.pre, Ord.optional);
  }
}

/** One instance in one of the notification lists, with the node it is (or will be) on. */
interface Entry {
  rsc: Resource;
  node?: Node;
}

interface NotifyData {
  active: Entry[];
  inactive: Entry[];
  start: Entry[];
  stop: Entry[];
  promote: Entry[];
  demote: Entry[];
  promoted: Entry[];
  unpromoted: Entry[];
}

function leaves(rsc: Resource): Resource[] {
  return rsc.kind === "primitive" ? [rsc] : rsc.children.flatMap(leaves);
}

function collect(clone: Resource): NotifyData {
  const d: NotifyData = { active: [], inactive: [], start: [], stop: [], promote: [], demote: [], promoted: [], unpromoted: [] };
  for (const leaf of clone.children.flatMap(leaves)) {
    const current = leaf.runningOn[0];
    if (leaf.role > Role.Stopped && current) d.active.push({ rsc: leaf, node: current });
    else d.inactive.push({ rsc: leaf });
    if (leaf.role === Role.Promoted && current) d.promoted.push({ rsc: leaf, node: current });
    if (leaf.role === Role.Unpromoted && current) d.unpromoted.push({ rsc: leaf, node: current });
    for (const a of leaf.actions) {
      if (a.optional || !a.node) continue;
      // A stop on an unclean node is listed even though fencing, not the agent, performs it.
      if (!a.runnable && !(a.task === "stop" && a.node.unclean)) continue;
      if (a.interval !== 0) continue;
      const list = a.task === "start" ? d.start : a.task === "stop" ? d.stop : a.task === "promote" ? d.promote : a.task === "demote" ? d.demote : undefined;
      list?.push({ rsc: leaf, node: a.node });
    }
  }
  const cmp = (x: Entry, y: Entry) => (x.rsc.id < y.rsc.id ? -1 : x.rsc.id > y.rsc.id ? 1 : cmpStr(x.node?.uname, y.node?.uname));
  for (const list of Object.values(d) as Entry[][]) list.sort(cmp);
  return d;
}

function cmpStr(a: string | undefined, b: string | undefined): number {
  const x = a ?? "";
  const y = b ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Pacemaker passes an empty list as a single space. */
function words(list: string[]): string {
  return list.length ? list.join(" ") : " ";
}

/** The CRM_meta_notify_* lists (without the CRM_meta_ prefix), shared by every notification. */
function notifyKeys(ws: WorkingSet, clone: Resource, d: NotifyData): Map<string, string> {
  const m = new Map<string, string>();
  const rscs = (l: Entry[]) => words(l.map((e) => e.rsc.id));
  const unames = (l: Entry[]) => words(l.map((e) => e.node?.uname ?? "").filter((u) => u !== ""));
  const pairs: [string, Entry[]][] = [
    ["active", d.active],
    ["start", d.start],
    ["stop", d.stop],
    ["demote", d.demote],
    ["promote", d.promote],
    ["promoted", d.promoted],
    ["master", d.promoted],
    ["unpromoted", d.unpromoted],
    ["slave", d.unpromoted],
  ];
  for (const [name, list] of pairs) {
    m.set(`notify_${name}_resource`, rscs(list));
    m.set(`notify_${name}_uname`, unames(list));
  }
  m.set("notify_inactive_resource", rscs(d.inactive));
  const all = [...ws.nodes].sort((a, b) => (a.uname < b.uname ? -1 : a.uname > b.uname ? 1 : 0));
  m.set("notify_all_uname", words(all.map((n) => n.uname)));
  if (clone.meta.get("container-attribute-target") === "host") {
    // Agents that set attributes on the host also learn each node's host: a guest's is where
    // its container runs now (itself if it runs nowhere).
    const host = (n: Node) => (n.kind === "guest" ? (n.remoteRsc?.container?.runningOn[0] ?? n) : n).uname;
    m.set("notify_all_hosts", words(all.map(host)));
  }
  // Every node the clone knows of, whatever its score there or its state (a node being
  // fenced is still listed), except those that resource-discovery=exclusive leaves out.
  const excluded = (n: Node) => clone.exclusiveDiscover && clone.discovery.get(n) !== "exclusive";
  const available = [...clone.allowed.keys()].filter((n) => !excluded(n)).map((n) => n.uname);
  m.set("notify_available_uname", words(available.sort()));
  return m;
}

/** Step 2 (after the ordering fix-point): the per-instance notify ops. */
export function createInstanceNotifications(ws: WorkingSet): void {
  for (const rsc of ws.rscById.values()) {
    const list = brackets.get(rsc);
    if (!list) continue;
    const data = collect(rsc);
    const keys = notifyKeys(ws, rsc, data);
    for (const b of list) notifyInstances(ws, rsc, b, data, keys);
  }
}

function notifyInstances(ws: WorkingSet, clone: Resource, b: NotifyBracket, d: NotifyData, keys: Map<string, string>): void {
  const instances = clone.children.flatMap(leaves);
  for (const leaf of instances) {
    for (const a of leaf.actions) if (a.task === b.task && a.interval === 0) addKeys(a, keys);
  }
  if (b.task === "start" && d.start.length === 0) return;
  if (b.task === "promote" && d.promote.length === 0) return;
  if (b.task === "demote" && d.demote.length === 0) return;
  const newest = (leaf: Resource, task: string) => [...leaf.actions].reverse().find((a) => a.task === task && a.interval === 0);
  for (const leaf of instances) {
    if (leaf.role > Role.Stopped && (b.task === "stop" || b.task === "demote")) {
      // Stops and demotions are announced where the instances are now, the post-notification
      // only to those that keep running (for a demotion, to all of them).
      const stop = newest(leaf, "stop");
      for (const node of leaf.runningOn) {
        // Not to a node being fenced (its stop is implied by the fencing).
        if (stop?.pseudo && (node.unclean || node.requiresReset)) continue;
        instanceNotify(ws, leaf, node, b, "pre", keys);
        if (b.task === "demote" || !stop || stop.optional) instanceNotify(ws, leaf, node, b, "post", keys);
      }
    }
    if (leaf.nextRole > Role.Stopped && (b.task === "start" || b.task === "promote")) {
      // Starts and promotions are announced where the instances will be, if they get there.
      const start = newest(leaf, "start");
      if (start) {
        const promote = newest(leaf, "promote");
        if (promote && !promote.optional && !promote.runnable) continue;
        if (!start.runnable) continue;
      }
      const next = leaf.assigned;
      if (!next) continue;
      // An instance that starts now is not told beforehand that it will.
      if (b.task !== "start" || !start || start.optional) instanceNotify(ws, leaf, next, b, "pre", keys);
      instanceNotify(ws, leaf, next, b, "post", keys);
    }
  }
}

function instanceNotify(ws: WorkingSet, leaf: Resource, node: Node, b: NotifyBracket, type: "pre" | "post", keys: Map<string, string>): void {
  const op = type === "pre" ? b.pre : b.post;
  const done = type === "pre" ? b.preDone : b.postDone;
  // (An optional bracket still gets its ops, optional too: they take up action ids.)
  if (!op.runnable || !node.online) return;
  const a = newNotifyOp(ws, leaf, node, op, done, keys);
  if (type === "post") {
    // The instance's recurring monitors resume once the change is fully announced.
    for (const mon of leaf.actions) {
      if (mon.task === "monitor" && mon.interval > 0 && !mon.optional && mon.node === node) orderActions(done, mon, Ord.optional);
    }
  }
  void a;
}

/** One instance's `notify` op on one node, between a notification pseudo-action and its
 *  confirmation. It may already exist (a stop announced both after fencing and with the
 *  clone's stop): then it keeps the values it was created with and gains the missing ones. */
function newNotifyOp(ws: WorkingSet, leaf: Resource, node: Node, op: Action, done: Action, keys: Map<string, string>): Action {
  const type = op.meta.get("notify_type")!;
  const operation = op.meta.get("notify_operation")!;
  const a = customAction(ws, leaf, `${leaf.id}_${type}_notify_${operation}_0`, "notify", node, op.optional);
  addKeys(a, keys);
  addKeys(
    a,
    new Map([
      ["notify_type", type],
      ["notify_operation", operation],
      ["notify_key_type", type],
      ["notify_key_operation", op.meta.get("notify_key_operation")!],
    ]),
  );
  if (type === "post") a.priority = INFINITY;
  orderActions(op, a, Ord.optional);
  orderActions(a, done, Ord.optional);
  return a;
}

/** Notification values never replace ones an action already has (the first announcement
 *  that reaches an action names it). */
function addKeys(a: Action, keys: Map<string, string>): void {
  for (const [k, v] of keys) if (!a.meta.has(k)) a.meta.set(k, v);
}

/** When fencing implies the stop of an instance of a notifying resource, its peers hear of
 *  it right after the fencing, not only with the clone's stop: otherwise a resource that
 *  depends on the clone and runs on a surviving node would wait for the clone's
 *  post-notification, which waits for the clone's stop, which waits for that resource's
 *  stop — a loop. A post-only bracket keyed on the fencing op (`I_post_notify_stonith_0` →
 *  `I_confirmed-post_notify_stonith_0`, announcing operation "stop") carries only the
 *  stopped instance and its node; every instance that stays active where it runs hears it. */
export function notifyStopImpliedByFencing(ws: WorkingSet, stop: Action, rsc: Resource, fencing: Action): void {
  const post = notifyPseudo(ws, rsc, fencing, "post", "stop");
  const postDone = notifyPseudo(ws, rsc, fencing, "confirmed-post", "stop");
  post.priority = INFINITY;
  postDone.priority = INFINITY;
  orderActions(fencing, post, Ord.impliesThen);
  orderActions(post, postDone, Ord.impliesThen);
  const keys = new Map([
    ["notify_stop_resource", rsc.id],
    ["notify_stop_uname", stop.node!.uname],
  ]);
  let top = rsc;
  while (top.parent && top.parent.kind !== "bundle") top = top.parent;
  for (const leaf of leaves(top)) {
    for (const a of leaf.actions) {
      if (!a.optional && a.node && a.interval === 0 && /^(start|stop|promote|demote)$/.test(a.task)) addKeys(a, keys);
    }
    if (leaf.role === Role.Stopped) continue;
    // (Pacemaker keeps action lists newest first: its "first" stop is the newest one.)
    const ownStop = [...leaf.actions].reverse().find((a) => a.task === "stop");
    for (const node of leaf.runningOn) {
      // The node being fenced hears nothing; an instance that stops is not told afterwards.
      if (ownStop?.pseudo && (node.unclean || node.requiresReset)) continue;
      if (ownStop && !ownStop.optional) continue;
      if (!node.online) continue;
      newNotifyOp(ws, leaf, node, post, postDone, keys);
      for (const mon of leaf.actions) if (mon.interval > 0 && mon.task !== "cancel") orderActions(postDone, mon, Ord.optional);
    }
  }
}
