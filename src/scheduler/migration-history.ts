// Live migration read back from the history. A migration is three recorded operations:
// migrate_to on the source, migrate_from on the target, then a stop on the source. The
// history may hold any prefix of that sequence (the transition was interrupted, an operation
// failed, or its record was erased), and each node's history only holds the latest entries.
// What the other end recorded decides where the resource may still be active:
//
//   migrate_to ok, migrate_from ok, no stop  → "dangling": active on the target only; the
//                                              source still needs its stop
//   migrate_to ok, no migrate_from           → "partial": active on both; if the target is
//                                              still the best place the migration continues
//                                              with migrate_from, else it is stopped on both
//   migrate_to ok, migrate_from failed       → active on the target (or failed on the source)
//   migrate_to failed                        → active on the source, and on the target unless
//                                              it stopped there since
//   migrate_from failed                      → active on the target, and on the source unless
//                                              it stopped there since
//
// Newer operations on either node (a stop, a start, a probe that found nothing) make the
// migration records stale for that node.
import type { LrmOpDef, LrmResourceDef } from "../cib/model.js";
import { stopAction } from "./actions.js";
import { Role, type Node, type Resource, type WorkingSet } from "./types.js";

const RC_OK = 0;
const RC_NOT_RUNNING = 7;
const EXEC_PENDING = -1;
const EXEC_DONE = 0;

/** Marks a resource active on a node (the history unpacker's bookkeeping). */
export type MarkActive = (rsc: Resource, node: Node) => void;

/** node name → resource id → that resource's history on the node (first entry wins, as a
 *  document-order search would find it). Built once per working set. */
const historyIndex = new WeakMap<WorkingSet, Map<string, Map<string, LrmResourceDef>>>();

function historyOf(ws: WorkingSet, rscId: string, nodeName: string): LrmResourceDef | undefined {
  let index = historyIndex.get(ws);
  if (!index) {
    index = new Map();
    for (const st of ws.model.nodeStates) {
      if (st.uname === undefined) continue;
      let byRsc = index.get(st.uname);
      if (!byRsc) index.set(st.uname, (byRsc = new Map()));
      for (const lrm of st.resources) if (!byRsc.has(lrm.id)) byRsc.set(lrm.id, lrm);
    }
    historyIndex.set(ws, index);
  }
  return index.get(nodeName)?.get(rscId);
}

/**
 * The first recorded `task` of a resource on a node; for the migration tasks, `peer` is the
 * other end of the migration (migrate_to's target, migrate_from's source). With `rc`, the
 * entry only counts if it completed with that result.
 */
function findOp(ws: WorkingSet, rscId: string, task: string, nodeName: string, peer?: string, rc?: number): LrmOpDef | undefined {
  const lrm = historyOf(ws, rscId, nodeName);
  if (!lrm) return undefined;
  const op = lrm.ops.find((o) => {
    if (o.operation !== task) return false;
    if (peer === undefined) return true;
    if (task === "migrate_to") return o.el.attrs["migrate_target"] === peer;
    if (task === "migrate_from") return o.el.attrs["migrate_source"] === peer;
    return true;
  });
  if (op && rc !== undefined && (op.rcCode !== rc || op.opStatus !== EXEC_DONE)) return undefined;
  return op;
}

/**
 * Whether `a` happened after `b`: call ids tell on one node (a pending call is the newest);
 * across nodes only the last-rc-change times can. `sameNode` is the assumption for entries
 * that do not say which node they ran on.
 */
function isNewer(a: LrmOpDef | undefined, b: LrmOpDef | undefined, sameNode: boolean): boolean {
  if (!a) return false;
  if (!b) return true;
  const na = a.el.attrs["on_node"];
  const nb = b.el.attrs["on_node"];
  const same = na !== undefined && nb !== undefined ? na === nb : sameNode;
  const ca = a.callId;
  const cb = b.callId;
  if (ca === -1 && cb === -1) return false;
  if (ca === -1) return true;
  if (cb === -1) return false;
  if (same && ca !== cb) return ca > cb;
  const ta = a.lastRcChange ?? -1;
  const tb = b.lastRcChange ?? -1;
  return tb >= 0 && ta > tb;
}

/** A start, stop or migration recorded on the node after `op`. */
function changeAfter(ws: WorkingSet, rscId: string, nodeName: string, op: LrmOpDef, sameNode: boolean): boolean {
  const lrm = historyOf(ws, rscId, nodeName);
  if (!lrm) return false;
  return lrm.ops.some((o) => o.el !== op.el && ["start", "stop", "migrate_to", "migrate_from"].includes(o.operation) && isNewer(o, op, sameNode));
}

/** A monitor that found the resource not running on the node, after `op`. */
function notRunningAfter(ws: WorkingSet, rscId: string, nodeName: string, op: LrmOpDef, sameNode: boolean): boolean {
  const monitor = findOp(ws, rscId, "monitor", nodeName, undefined, RC_NOT_RUNNING);
  return monitor !== undefined && isNewer(monitor, op, sameNode);
}

/** Whether the node's history moved on after the migration records (compared with the
 *  record made on that same node when there is one: its call id is exact). */
function newerStateAfterMigration(ws: WorkingSet, rscId: string, nodeName: string, migrateTo: LrmOpDef | undefined, migrateFrom: LrmOpDef | undefined): boolean {
  const ref = (migrateFrom ?? migrateTo)!;
  const { source, target } = endsOf(ref);
  let op = ref;
  let sameNode = false;
  if (nodeName === target) {
    sameNode = migrateFrom !== undefined;
    op = migrateFrom ?? ref;
  } else if (nodeName === source) {
    sameNode = migrateTo !== undefined;
    op = migrateTo ?? ref;
  }
  return changeAfter(ws, rscId, nodeName, op, sameNode) || notRunningAfter(ws, rscId, nodeName, op, sameNode);
}

/** No recorded operation of the resource on the node: it will be probed there. */
function unknownOn(ws: WorkingSet, rscId: string, nodeName: string): boolean {
  const lrm = historyOf(ws, rscId, nodeName);
  return !lrm || lrm.ops.length === 0;
}

function endsOf(op: LrmOpDef): { source?: string; target?: string } {
  return { source: op.el.attrs["migrate_source"], target: op.el.attrs["migrate_target"] };
}

/** A successful migrate_to on `node` (the source). */
export function migrateToSucceeded(ws: WorkingSet, rsc: Resource, node: Node, op: LrmOpDef, markActive: MarkActive): void {
  const { source, target } = endsOf(op);
  if (!source || !target || source !== node.uname) return;
  const sourceMovedOn = changeAfter(ws, rsc.id, source, op, true);
  const migrateFrom = findOp(ws, rsc.id, "migrate_from", target, source);
  if (sourceMovedOn && migrateFrom) return;
  const targetMovedOn = newerStateAfterMigration(ws, rsc.id, target, op, migrateFrom);
  if (sourceMovedOn && targetMovedOn) return;

  rsc.role = Role.Started;
  const targetNode = ws.nodeByName.get(target);
  const sourceNode = ws.nodeByName.get(source);
  const fromStatus = migrateFrom ? migrateFrom.opStatus : EXEC_PENDING;
  const fromRc = migrateFrom ? migrateFrom.rcCode : RC_OK;
  if (fromRc === RC_OK && fromStatus === EXEC_DONE) {
    // Completed on the target, never stopped here: the source only needs its stop.
    rsc.role = Role.Stopped;
    if (!rsc.danglingMigrations.includes(node)) rsc.danglingMigrations.unshift(node);
  } else if (migrateFrom && fromStatus !== EXEC_PENDING) {
    // The migrate_from failed.
    if (!targetMovedOn && targetNode?.online) markActive(rsc, targetNode);
    else forceRecovery(rsc);
  } else if (!targetMovedOn && targetNode?.online) {
    // No migrate_from (yet, or its record is gone): active on both ends until it finishes.
    markActive(rsc, targetNode);
    if (sourceNode?.online) {
      rsc.partialMigrationTarget = targetNode;
      rsc.partialMigrationSource = sourceNode;
    }
  } else if (!sourceMovedOn) {
    forceRecovery(rsc);
  }
}

/** The migration records leave the resource's state unknown: restart it, do not migrate. */
function forceRecovery(rsc: Resource): void {
  rsc.failed = true;
  rsc.needsStop = true;
  rsc.allowMigrate = false;
}

/** A failed migrate_to on `node` (the source): the resource may be active on both ends. */
export function migrateToFailed(ws: WorkingSet, rsc: Resource, node: Node, op: LrmOpDef, markActive: MarkActive): void {
  const { source, target } = endsOf(op);
  if (!source || !target || source !== node.uname) return;
  rsc.role = Role.Started;
  const targetMigrateFrom = findOp(ws, rsc.id, "migrate_from", target, source, RC_OK);
  // Unknown on the target: the probe there will tell.
  if (!unknownOn(ws, rsc.id, target) && !newerStateAfterMigration(ws, rsc.id, target, op, targetMigrateFrom)) {
    const targetNode = ws.nodeByName.get(target);
    if (targetNode?.online) markActive(rsc, targetNode);
  } else if (!changeAfter(ws, rsc.id, source, op, true)) {
    // Gone from the target, but possibly still active here: stop it here too.
    if (!rsc.danglingMigrations.includes(node)) rsc.danglingMigrations.unshift(node);
  }
}

/** A failed migrate_from on `node` (the target): the source may still run it. */
export function migrateFromFailed(ws: WorkingSet, rsc: Resource, node: Node, op: LrmOpDef, markActive: MarkActive): void {
  const { source, target } = endsOf(op);
  if (!source || !target || target !== node.uname) return;
  rsc.role = Role.Started;
  const sourceMigrateTo = findOp(ws, rsc.id, "migrate_to", source, target, RC_OK);
  if (!unknownOn(ws, rsc.id, source) && !newerStateAfterMigration(ws, rsc.id, source, sourceMigrateTo, op)) {
    const sourceNode = ws.nodeByName.get(source);
    if (sourceNode?.online) markActive(rsc, sourceNode);
  }
}

/** A migrate_to still in flight on an unclean source: whatever it did on the target must be
 *  undone there. */
export function migrateToPendingOnUnclean(ws: WorkingSet, rsc: Resource, op: LrmOpDef): void {
  const target = op.el.attrs["migrate_target"];
  const targetNode = target === undefined ? undefined : ws.nodeByName.get(target);
  if (targetNode) stopAction(ws, rsc, targetNode, false);
}

/** A stop on the source after a migrate_to does not stop the copy on the target. */
export function keepsRunningOnTarget(rsc: Resource, node: Node): boolean {
  return rsc.role === Role.Stopped && rsc.partialMigrationSource === node && rsc.partialMigrationTarget !== undefined && rsc.runningOn.length > 0;
}
