// Actions: creation (find-or-create by key and node, as Pacemaker's custom_action does) and
// the runnable/optional rules that depend on the node and on quorum.
import { Role, type Action, type Node, type Resource, type WorkingSet } from "./types.js";
import { fenceNode } from "./unpack-nodes.js";
import { findOp } from "./unpack-resources.js";

export function opKey(rscId: string, task: string, interval = 0): string {
  return `${rscId}_${task}_${interval}`;
}

/** Actions of a resource with this key, on this node (any node when `node` is null; an
 *  action without a node matches any node and gets assigned to it). Oldest first. */
export function findActions(list: Action[], key: string, node: Node | null | undefined): Action[] {
  const entry = keyIndex(list).get(key);
  if (!entry) return [];
  if (!node) return entry.all.slice();
  if (entry.unplaced === 0) return entry.byNode.get(node)?.slice() ?? [];
  const out: Action[] = [];
  for (const a of entry.all) {
    if (!a.node) {
      a.node = node;
      out.push(a);
    } else if (a.node === node) out.push(a);
  }
  placeAll(entry);
  return out;
}

/** The actions of one key in one list: all of them in list order, and those with a node by
 *  node. `unplaced` counts the ones that had no node when last indexed: a node is only ever
 *  given to an action, never taken away, so when it is 0 the by-node lists are exact; else
 *  lookups scan `all` and rebuild them. */
interface KeyEntry {
  all: Action[];
  byNode: Map<Node, Action[]>;
  unplaced: number;
}

/** Per action list, its actions grouped by key. Action lists only grow (every action is
 *  made by customAction, and keys never change), so the index catches up with the actions
 *  appended since the last lookup. Orderings and probes look actions up by key and node for
 *  every resource and node: a scan of the list each time made that quadratic. */
interface KeyIndex {
  indexed: number;
  byKey: Map<string, KeyEntry>;
}
const keyIndexes = new WeakMap<Action[], KeyIndex>();

function keyIndex(list: Action[]): Map<string, KeyEntry> {
  let idx = keyIndexes.get(list);
  if (!idx || idx.indexed > list.length) {
    idx = { indexed: 0, byKey: new Map() };
    keyIndexes.set(list, idx);
  }
  for (; idx.indexed < list.length; idx.indexed++) {
    const a = list[idx.indexed];
    let entry = idx.byKey.get(a.key);
    if (!entry) {
      entry = { all: [], byNode: new Map(), unplaced: 0 };
      idx.byKey.set(a.key, entry);
    }
    entry.all.push(a);
    place(entry, a);
  }
  return idx.byKey;
}

function place(entry: KeyEntry, a: Action): void {
  if (!a.node) {
    entry.unplaced++;
    return;
  }
  const same = entry.byNode.get(a.node);
  if (same) same.push(a);
  else entry.byNode.set(a.node, [a]);
}

function placeAll(entry: KeyEntry): void {
  entry.byNode = new Map();
  entry.unplaced = 0;
  for (const a of entry.all) place(entry, a);
}

/** findActions(list, key, node)[0], without building the list. */
function firstAction(list: Action[], key: string, node: Node | null | undefined): Action | undefined {
  const entry = keyIndex(list).get(key);
  if (!entry) return undefined;
  if (!node) return entry.all[0];
  if (entry.unplaced === 0) return entry.byNode.get(node)?.[0];
  return findActions(list, key, node)[0];
}

export function findActionsExact(list: Action[], key: string, node: Node | null | undefined): Action[] {
  return list.filter((a) => a.key === key && (node ? a.node === node : !a.node));
}

export function setReason(action: Action, reason: string | undefined, overwrite: boolean): void {
  if (action.reason === undefined || overwrite) action.reason = reason;
}

function taskNeeds(rsc: Resource, task: string): Resource["requires"] {
  if (task !== "start" && task !== "promote") return "nothing";
  return rsc.requires;
}

export function customAction(ws: WorkingSet, rsc: Resource | undefined, key: string, task: string, node: Node | null | undefined, optional: boolean, opts: { pseudo?: boolean; interval?: number } = {}): Action {
  const list = rsc ? rsc.actions : ws.actions;
  let action = firstAction(list, key, node);
  if (!action) {
    action = {
      id: ws.nextActionId++,
      rsc,
      task,
      key,
      node: node ?? undefined,
      interval: opts.interval ?? 0,
      optional,
      runnable: true,
      pseudo: opts.pseudo ?? false,
      meta: new Map(),
      before: [],
      after: [],
    };
    if (rsc) {
      rsc.actions.push(action);
      // Notifications and their confirmations take the settings of the `notify` op.
      action.opConfig = findOp(rsc, task, action.interval) ?? (key.includes("_notify_") ? findOp(rsc, "notify", 0) : undefined);
    }
    ws.actions.push(action);
  }
  if (!optional) action.optional = false;
  if (rsc) updateRunnable(ws, rsc, action);
  return action;
}

function updateRunnable(ws: WorkingSet, rsc: Resource, action: Action): void {
  if (action.pseudo) return;
  const node = action.node;
  if (!node) {
    action.runnable = false;
    return;
  }
  if (!rsc.managed && action.interval === 0) {
    // Nothing is ever required of an unmanaged resource (re-applied at every lookup).
    action.optional = true;
    return;
  }
  if (!node.online && (node.kind !== "guest" || node.requiresReset)) {
    action.runnable = false;
    if (rsc.managed && action.task === "stop" && !node.unclean) fenceNode(ws, node, "resource actions are unrunnable");
    return;
  }
  if (node.pending) {
    action.runnable = false;
    return;
  }
  if (taskNeeds(rsc, action.task) === "nothing") {
    setReason(action, undefined, true);
    action.runnable = true;
    return;
  }
  // Fence devices may start without quorum (observed with crm_simulate 2.1.5, quorum-4).
  if (rsc.agentClass === "stonith") {
    action.runnable = true;
    return;
  }
  switch (effectiveQuorumPolicy(ws, rsc)) {
    case "stop":
      action.runnable = false;
      setReason(action, "no quorum", true);
      break;
    case "freeze":
      if (rsc.runningOn.length === 0 || rsc.nextRole > rsc.role) {
        action.runnable = false;
        setReason(action, "quorum freeze", true);
      }
      break;
    default:
      action.runnable = true;
  }
}

function effectiveQuorumPolicy(ws: WorkingSet, rsc: Resource): string {
  if (ws.haveQuorum) return "ignore";
  if (ws.noQuorumPolicy === "demote") {
    if (rsc.role === Role.Promoted || rsc.role === Role.Unpromoted) {
      if (rsc.nextRole > Role.Unpromoted) rsc.nextRole = Role.Unpromoted;
      return "ignore";
    }
    return "stop";
  }
  return ws.noQuorumPolicy;
}

export function startAction(ws: WorkingSet, rsc: Resource, node: Node | null | undefined, optional: boolean): Action {
  return customAction(ws, rsc, opKey(rsc.id, "start"), "start", node, optional);
}

export function stopAction(ws: WorkingSet, rsc: Resource, node: Node | null | undefined, optional: boolean): Action {
  return customAction(ws, rsc, opKey(rsc.id, "stop"), "stop", node, optional);
}

/** Ask the cluster to forget a resource's fail count on a node. */
export function clearFailcount(ws: WorkingSet, rsc: Resource, node: Node, _reason: string): Action {
  const a = customAction(ws, rsc, opKey(rsc.id, "clear_failcount"), "clear_failcount", node, false);
  a.meta.set("op_no_wait", "true");
  return a;
}

/** The node a resource is taken to be active on (when several: the source of a partial
 *  migration, else the first one). */
export function activeNode(rsc: Resource): Node | undefined {
  if (rsc.partialMigrationSource && rsc.runningOn.includes(rsc.partialMigrationSource)) return rsc.partialMigrationSource;
  return rsc.runningOn[0];
}
