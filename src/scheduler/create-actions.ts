// Phase 8: actions. For each resource: the steps from its current role to its next role on
// the assigned node (stop/start, recovery of failures, moves), probes where its state is
// unknown, recurring monitors; group pseudo-actions bracket their members' actions.
import { createNotifyPseudoActions, orderNotifications } from "./notifications.js";
import { Ord, Role, type Action, type Node, type Resource, type WorkingSet } from "./types.js";
import { activeNode, clearFailcount, customAction, findActions, findActionsExact, opKey, setReason, startAction, stopAction } from "./actions.js";
import { newOrdering, orderActions } from "./ordering.js";
import { canRunResources } from "./unpack-nodes.js";
import { newColocation } from "./constraints.js";
import { containerConstraints } from "./containers.js";
import { INFINITY } from "../cib/score.js";
import { failCount } from "./unpack-history.js";
import { bundleInternalOrderings, createBundleActions, probeBundle } from "./bundle-actions.js";

export function createProbes(ws: WorkingSet): void {
  for (const node of ws.nodes) {
    if (!node.online || node.unclean) continue;
    const probed = node.attrs.get("probe_complete");
    // Old CIBs (before 1.1.14) mark nodes that still need a full re-probe; such a node is
    // re-probed as a whole (nothing is scheduled here for it).
    if (probed !== undefined && !/^(true|on|yes|y|1)$/i.test(probed)) continue;
    for (const r of ws.resources) probeResource(ws, r, node);
  }
}

function leavesOf(r: Resource): Resource[] {
  return r.children.length ? r.children.flatMap(leavesOf) : [r];
}

/** Clone instances in instance-number order (`:2` before `:10`), as Pacemaker sorts them;
 *  ids without a number keep string order. */
function byInstanceNumber(a: Resource, b: Resource): number {
  const na = instanceNumber(a.id);
  const nb = instanceNumber(b.id);
  if (na !== undefined && nb !== undefined && na !== nb) return na - nb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function instanceNumber(id: string): number | undefined {
  const m = /:(\d+)$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

function probeResource(ws: WorkingSet, rsc: Resource, node: Node): boolean {
  if (rsc.kind === "bundle") return probeBundle(ws, rsc, node, (r, n) => probeResource(ws, r, n));
  if (rsc.kind === "clone") {
    rsc.children.sort(byInstanceNumber);
    if (rsc.children.length === 0) return false;
    if (rsc.clone!.unique) {
      let any = false;
      for (const c of rsc.children) if (probeResource(ws, c, node)) any = true;
      return any;
    }
    // An anonymous clone is probed once per node: through the instance known there, else the first.
    const known = rsc.children.find((c) => leavesOf(c).some((l) => l.knownOn.has(node)));
    const planned = known ? undefined : rsc.children.find((c) => leavesOf(c).some((l) => l.assigned === node));
    return probeResource(ws, known ?? planned ?? rsc.children[0], node);
  }
  if (rsc.children.length) {
    let any = false;
    for (const c of rsc.children) if (probeResource(ws, c, node)) any = true;
    return any;
  }
  if (rsc.orphan) return false;
  // A filler's state is its container's: only the container is probed.
  if (rsc.container && !rsc.remoteNode) return false;
  if (node.kind !== "cluster") {
    // Remote nodes cannot run fence devices or host connections (nor guests their containers).
    if (rsc.agentClass === "stonith" || rsc.remoteNode) return false;
    if (node.kind === "guest" && rsc.fillers.some((f) => f.remoteNode)) return false;
  }
  if (rsc.knownOn.has(node)) return false;
  const allowedMode = rsc.discovery.get(node);
  // A bundle's guest node is probed only for the replica's own instance.
  if (node.bundleReplica && allowedMode !== "exclusive") return false;
  if (rsc.exclusiveDiscover && allowedMode !== "exclusive") return false;
  if (allowedMode === "never") return false;
  if (node.kind === "guest" && guestProbeUnneeded(ws, rsc, node)) return false;
  const probe = customAction(ws, rsc, opKey(rsc.id, "monitor", 0), "monitor", node, false);
  probe.optional = false;
  probe.targetRc = 7;
  probe.meta.set("op_target_rc", "7");
  let flags: number = Ord.optional;
  if (!probe.runnable && rsc.runningOn.length === 0) flags |= Ord.runnableLeft;
  // A clone instance's probe gates the clone's start (what the graph shows as its input).
  const gate = topOf(rsc).kind === "clone" ? topOf(rsc) : rsc;
  newOrdering(ws, { action: probe, rsc }, { rsc: gate, task: "start" }, flags);
  newOrdering(ws, { action: probe, rsc }, { rsc: topOf(rsc), task: "reload-agent" }, Ord.optional);
  return true;
}

/** Nothing runs in a stopped guest, and a guest about to stop is probed once it is back:
 *  instead of probing, the resource's start waits for the container's probe or stop. */
function guestProbeUnneeded(ws: WorkingSet, rsc: Resource, node: Node): boolean {
  const guest = node.remoteRsc?.container;
  if (!guest) return false;
  const top = topOf(rsc);
  if (guest.role === Role.Stopped) {
    if (guest.assigned && !guest.knownOn.has(guest.assigned)) newOrdering(ws, { rsc: guest, task: opKey(guest.id, "monitor", 0) }, { rsc: top, task: "start" }, Ord.optional);
    return true;
  }
  const moving = guest.role > Role.Stopped && guest.assigned !== null && !guest.runningOn.includes(guest.assigned);
  // (An orphaned container is never placed: it stops, though its next role is not set yet.)
  const stopping = guest.nextRole === Role.Stopped || (guest.orphan && guest.managed && !guest.assigned);
  if (node.requiresReset || node.unclean || guest.failed || stopping || moving) {
    newOrdering(ws, { rsc: guest, task: "stop" }, { rsc: top, task: "start" }, Ord.optional);
    return true;
  }
  return false;
}

function topOf(r: Resource): Resource {
  let t = r;
  while (t.parent && t.parent.kind !== "bundle") t = t.parent;
  return t;
}

/** Optional actions for recurring monitors found active in the history. */
export function createActiveRecurring(ws: WorkingSet): void {
  const visit = (r: Resource) => {
    r.children.forEach(visit);
    for (const a of r.activeRecurring) {
      if (!a.node.online) continue;
      customAction(ws, r, opKey(r.id, a.name, a.interval), a.name, a.node, true, { interval: a.interval });
    }
  };
  ws.resources.forEach(visit);
}

export function createResourceActions(ws: WorkingSet): void {
  if (ws.stopOrphans) for (const r of ws.resources) clearOrphanFailcounts(ws, r);
  for (const r of ws.resources) createActions(ws, r);
}

/** An orphan's fail counts go with it: cleared wherever it has any (before it stops). */
function clearOrphanFailcounts(ws: WorkingSet, rsc: Resource): void {
  // (An unmanaged orphan's clearing would be optional: it is not scheduled.)
  if (!rsc.orphan || !rsc.managed) return;
  for (const node of ws.nodes) {
    if (!node.online || failCount(ws, rsc, node, true).count === 0) continue;
    const clear = clearFailcount(ws, rsc, node, "it is orphaned");
    newOrdering(ws, { rsc, action: clear }, { rsc, task: opKey(rsc.id, "stop") }, Ord.optional);
  }
}

/** Whether an instance (or any of its members) stops, starts, or is active. */
function pseudoStatus(rsc: Resource, st: { stopping: boolean; starting: boolean; active: boolean }): void {
  if (rsc.children.length) {
    for (const c of rsc.children) pseudoStatus(c, st);
    return;
  }
  if (rsc.runningOn.length) st.active = true;
  for (const a of [...rsc.actions].reverse()) {
    if (st.starting && st.stopping) return;
    if (a.optional) continue;
    if (!a.pseudo && !a.runnable) continue;
    if (a.task === "stop") st.stopping = true;
    else if (a.task === "start" && a.runnable) st.starting = true;
  }
}

function pseudoAction(ws: WorkingSet, rsc: Resource, task: string, optional: boolean, runnable: boolean): Action {
  const a = customAction(ws, rsc, opKey(rsc.id, task), task, null, optional, { pseudo: true });
  a.pseudo = true;
  if (runnable) a.runnable = true;
  return a;
}

function createCloneActions(ws: WorkingSet, rsc: Resource): void {
  let starting = false;
  let stopping = false;
  let active = false;
  for (const c of rsc.children) {
    createActions(ws, c);
    const st = { stopping: false, starting: false, active: false };
    pseudoStatus(c, st);
    if (st.active) active = true;
    if (st.starting) starting = true;
    if (st.stopping) stopping = true;
  }
  const start = pseudoAction(ws, rsc, "start", !starting, true);
  const started = pseudoAction(ws, rsc, "running", !starting, false);
  started.priority = INFINITY;
  started.runnable = active || starting;
  createNotifyPseudoActions(ws, rsc, start, started);
  const stop = pseudoAction(ws, rsc, "stop", !stopping, true);
  const stopped = pseudoAction(ws, rsc, "stopped", !stopping, true);
  stopped.priority = INFINITY;
  createNotifyPseudoActions(ws, rsc, stop, stopped);
  if (rsc.clone!.promotable) {
    let promoting = false;
    let demoting = false;
    for (const l of rsc.children.flatMap(leavesOf)) {
      for (const a of l.actions) {
        if (a.optional) continue;
        if (a.task === "promote" && a.runnable) promoting = true;
        if (a.task === "demote") demoting = true;
      }
    }
    const promote = pseudoAction(ws, rsc, "promote", !promoting, true);
    const promoted = pseudoAction(ws, rsc, "promoted", !promoting, true);
    promoted.priority = INFINITY;
    createNotifyPseudoActions(ws, rsc, promote, promoted);
    const demote = pseudoAction(ws, rsc, "demote", !demoting, true);
    const demoted = pseudoAction(ws, rsc, "demoted", !demoting, true);
    demoted.priority = INFINITY;
    createNotifyPseudoActions(ws, rsc, demote, demoted);
  }
  orderNotifications(rsc);
}

function createActions(ws: WorkingSet, rsc: Resource): void {
  if (rsc.kind === "bundle") {
    createBundleActions(ws, rsc, (r) => createActions(ws, r));
    return;
  }
  if (rsc.kind === "clone") {
    createCloneActions(ws, rsc);
    return;
  }
  if (rsc.kind === "group") {
    for (const c of rsc.children) createActions(ws, c);
    const start = startAction(ws, rsc, null, true);
    start.pseudo = true;
    start.runnable = true;
    const running = customAction(ws, rsc, opKey(rsc.id, "running"), "running", null, true, { pseudo: true });
    running.runnable = true;
    const stop = stopAction(ws, rsc, null, true);
    stop.pseudo = true;
    stop.runnable = true;
    const stopped = customAction(ws, rsc, opKey(rsc.id, "stopped"), "stopped", null, true, { pseudo: true });
    stopped.runnable = true;
    if (topOf(rsc).clone?.promotable) {
      // A group inside a promotable clone brackets its members' promotions and demotions.
      for (const task of ["demote", "demoted", "promote", "promoted"]) {
        const a = customAction(ws, rsc, opKey(rsc.id, task), task, null, true, { pseudo: true });
        a.runnable = true;
      }
    }
    return;
  }
  createPrimitiveActions(ws, rsc);
}

function createPrimitiveActions(ws: WorkingSet, rsc: Resource): void {
  const chosen = rsc.assigned;
  if (rsc.nextRole === Role.Unknown) rsc.nextRole = chosen ? Role.Started : Role.Stopped;
  const current = activeNode(rsc);
  let needStop = false;
  let isMoving = false;
  let multiplyActive = false;
  const numActive = rsc.runningOn.length;
  const numClean = rsc.runningOn.filter((n) => !n.unclean).length;
  // A migration left half-done by an earlier transition: it goes on only towards the same
  // target, from the same source; otherwise the resource is stopped on both ends.
  let continuePartial = false;
  let abandonPartial = false;
  for (const dangling of rsc.danglingMigrations) stopAction(ws, rsc, dangling, false).dangle = true;
  if (rsc.partialMigrationSource && rsc.partialMigrationTarget && numActive === 2 && current === rsc.partialMigrationSource && chosen === rsc.partialMigrationTarget && canMigrate(rsc, current)) {
    continuePartial = true;
  } else if (rsc.partialMigrationSource || rsc.partialMigrationTarget) {
    needStop = true;
    abandonPartial = true;
    rsc.partialMigrationSource = undefined;
    rsc.partialMigrationTarget = undefined;
  } else if (rsc.requires === "fencing" ? numClean > 1 : numActive > 1) multiplyActive = true;
  if (!continuePartial && rsc.requires !== "fencing") multiplyActive = numActive > 1;
  if (multiplyActive) {
    if (rsc.recovery === "stop_start" || rsc.recovery === "stop_unexpected") needStop = true;
  }
  if (rsc.startPending) {
    const s = startAction(ws, rsc, chosen, true);
    s.printAlways = true;
  }
  if (current && chosen && current !== chosen) {
    isMoving = true;
    needStop = true;
  } else if (rsc.failed) {
    if (rsc.needsStop) needStop = true;
  } else if (rsc.blocked) {
    needStop = true;
  }

  let needPromote = false;
  if (!(current && chosen && current !== chosen) && rsc.failed && !rsc.needsStop && rsc.nextRole === Role.Promoted) needPromote = true;
  if (!isMoving && !rsc.failed && !rsc.blocked && rsc.role > Role.Started && current && chosen) {
    const start = startAction(ws, rsc, chosen, true);
    if (!start.optional) needStop = true;
  }

  // Down from the current role to stopped (optional unless needed)...
  const step = (from: Role, to: Role, node: Node | null, optional: boolean): boolean => roleStep(ws, rsc, from, to, node, optional);
  let role: Role = rsc.role === Role.Unknown ? Role.Stopped : rsc.role;
  while (role !== Role.Stopped) {
    const next: Role = STATE_MATRIX[role][Role.Stopped];
    if (!step(role, next, current ?? null, !needStop)) break;
    role = next;
  }
  // ...back up to the current role...
  const curRole: Role = rsc.role === Role.Unknown ? Role.Stopped : rsc.role;
  while (curRole <= rsc.nextRole && role !== curRole && !rsc.blocked) {
    const next: Role = STATE_MATRIX[role][curRole];
    const required = needStop || (next === Role.Promoted && needPromote);
    if (!step(role, next, chosen, !required)) break;
    role = next;
  }
  // ...and the required steps from the current role to the next one.
  role = curRole;
  while (role !== rsc.nextRole) {
    const next: Role = STATE_MATRIX[role][rsc.nextRole];
    if (!step(role, next, chosen, false)) break;
    role = next;
  }
  const allowMigrate = continuePartial || (isMoving && !multiplyActive && !abandonPartial && canMigrate(rsc, current));
  if (rsc.blocked) {
    // no recurring monitors for blocked resources
  } else if (rsc.nextRole !== Role.Stopped || !rsc.managed) {
    const start = startAction(ws, rsc, chosen, true);
    recurring(ws, rsc, start, chosen);
    recurringStopped(ws, rsc, chosen);
  } else {
    recurringStopped(ws, rsc, null);
  }
  if (allowMigrate && current) createMigrationActions(ws, rsc, current);
}

function canMigrate(rsc: Resource, current: Node | undefined): boolean {
  return rsc.allowMigrate && rsc.managed && !rsc.failed && !rsc.startPending && current !== undefined && !current.unclean && rsc.nextRole >= Role.Started;
}

const S = Role.Stopped;
const St = Role.Started;
const U = Role.Unpromoted;
const P = Role.Promoted;
/** The next role on the way from a role to another (Pacemaker's role state matrix). */
const STATE_MATRIX: Role[][] = [
  [Role.Unknown, S, S, S, S],
  [S, S, St, U, U],
  [S, S, St, U, P],
  [S, S, S, U, P],
  [S, U, U, U, P],
];

/** One step of the role state machine; false means "cannot go on". */
function roleStep(ws: WorkingSet, rsc: Resource, from: Role, to: Role, node: Node | null, optional: boolean): boolean {
  if (from === to) return true;
  if (to === Role.Stopped) {
    if (from === Role.Promoted) demoteRsc(ws, rsc, optional);
    else stopRsc(ws, rsc, optional);
    return true;
  }
  if (from === Role.Promoted) {
    demoteRsc(ws, rsc, optional);
    return true;
  }
  if (from === Role.Stopped) {
    if (to === Role.Promoted) return false;
    startRsc(ws, rsc, node, optional);
    return true;
  }
  if (from === Role.Unpromoted && to === Role.Started) {
    stopRsc(ws, rsc, optional);
    return true;
  }
  if (to === Role.Promoted) {
    promoteRsc(ws, rsc, node, optional);
    return true;
  }
  return true; // Started ↔ Unpromoted: nothing to do
}

function demoteRsc(ws: WorkingSet, rsc: Resource, optional: boolean): void {
  for (const node of rsc.runningOn) customAction(ws, rsc, opKey(rsc.id, "demote"), "demote", node, optional);
}

function promoteRsc(ws: WorkingSet, rsc: Resource, node: Node | null, optional: boolean): void {
  if (!node) return;
  const starts = findActionsExact(rsc.actions, opKey(rsc.id, "start"), node);
  const runnable = starts.every((a) => a.runnable);
  if (runnable) {
    customAction(ws, rsc, opKey(rsc.id, "promote"), "promote", node, optional);
    return;
  }
  for (const p of findActionsExact(rsc.actions, opKey(rsc.id, "promote"), node)) p.runnable = false;
}

/** Live migration: migrate_to on the source, migrate_from on the target; the start becomes a
 *  pseudo-action and the stop happens after the migration. */
function createMigrationActions(ws: WorkingSet, rsc: Resource, current: Node): void {
  const target = rsc.assigned!;
  const partial = rsc.partialMigrationTarget !== undefined;
  const start = startAction(ws, rsc, target, true);
  const stop = stopAction(ws, rsc, current, true);
  let migrateTo: Action | undefined;
  if (!partial) migrateTo = customAction(ws, rsc, opKey(rsc.id, "migrate_to"), "migrate_to", current, true);
  const migrateFrom = customAction(ws, rsc, opKey(rsc.id, "migrate_from"), "migrate_from", target, true);
  start.migrateRunnable = true;
  stop.migrateRunnable = true;
  start.pseudo = true;
  if (migrateTo) {
    migrateTo.migrateRunnable = true;
    newOrdering(ws, { rsc, task: "monitor" }, { rsc, task: "migrate_to" }, Ord.optional);
    newOrdering(ws, { rsc, task: "migrate_to" }, { rsc, task: "migrate_from" }, Ord.optional | Ord.impliesFirstMigratable);
  }
  migrateFrom.migrateRunnable = true;
  // Probe → migrate_to → migrate_from; when only migrate_from is left, probe → migrate_from.
  if (!migrateTo) newOrdering(ws, { rsc, task: "monitor" }, { rsc, task: "migrate_from" }, Ord.optional);
  newOrdering(ws, { rsc, task: "migrate_from" }, { rsc, task: "stop" }, Ord.optional | Ord.impliesFirstMigratable);
  newOrdering(ws, { rsc, task: "migrate_from" }, { rsc, task: "start" }, Ord.optional | Ord.impliesFirstMigratable | Ord.pseudoLeft);
  for (const a of [migrateTo, migrateFrom]) {
    if (!a) continue;
    a.meta.set("migrate_source", current.uname);
    a.meta.set("migrate_target", target.uname);
  }
  // (Remote connections are migrated by the controller itself: no pending record.)
  if (migrateTo && !rsc.remoteNode) migrateTo.meta.set("record-pending", "true");
}

/** Turn the (active) recurring op with this key on the node into its cancellation. */
function cancelAction(ws: WorkingSet, rsc: Resource, name: string, interval: number, node: Node): Action {
  const a = customAction(ws, rsc, opKey(rsc.id, name, interval), "cancel", node, false, { interval });
  a.task = "cancel";
  a.cancelOf = name;
  a.meta.set("operation", name);
  return a;
}

/** Monitors with role="Stopped" run on every node where the resource should not run. */
function recurringStopped(ws: WorkingSet, rsc: Resource, node: Node | null): void {
  for (const op of rsc.ops) {
    if (op.role !== Role.Stopped || op.interval === 0) continue;
    if (isDuplicateOp(rsc, op)) continue;
    if (["start", "stop", "promote", "demote"].includes(op.name)) continue;
    if (!op.enabled) continue;
    if (!rsc.unique) continue;
    const key = opKey(rsc.id, op.name, op.interval);
    if (node && findActionsExact(rsc.actions, key, node).length) {
      const cancel = cancelAction(ws, rsc, op.name, op.interval, node);
      if (rsc.nextRole === Role.Started || rsc.nextRole === Role.Unpromoted) {
        newOrdering(ws, { action: cancel, rsc }, { rsc, task: "start" }, Ord.runnableLeft);
      }
    }
    for (const stopNode of ws.nodes) {
      if (node && stopNode === node) continue;
      const optional = findActionsExact(rsc.actions, key, stopNode).length > 0;
      const mon = customAction(ws, rsc, key, op.name, stopNode, optional, { interval: op.interval });
      mon.opConfig = op;
      mon.meta.set("op_target_rc", "7");
      if (rsc.managed) {
        for (const probe of findActions(rsc.actions, opKey(rsc.id, "monitor", 0), stopNode)) orderActions(probe, mon, Ord.runnableLeft);
      }
      let stopOptional = true;
      for (const stop of findActionsExact(rsc.actions, opKey(rsc.id, "stop"), stopNode)) {
        if (!stop.optional) stopOptional = false;
        if (!stop.runnable) mon.runnable = false;
        if (rsc.managed) newOrdering(ws, { rsc, task: "stop", action: stop }, { action: mon }, Ord.impliesThen | Ord.runnableLeft);
      }
      if (!optional && stopOptional && !rsc.managed) mon.optional = true;
      if (!stopNode.online || stopNode.unclean) mon.runnable = false;
    }
  }
}

function stopRsc(ws: WorkingSet, rsc: Resource, optional: boolean): void {
  for (const node of rsc.runningOn) {
    let required = !optional;
    if (rsc.partialMigrationTarget) {
      // The target of a migration that goes on keeps its copy; any other copy goes.
      if (node === rsc.partialMigrationTarget && node === rsc.assigned) continue;
      required = true;
    }
    const stop = stopAction(ws, rsc, node, !required);
    if (!rsc.assigned) setReason(stop, "node availability", true);
    if (!rsc.managed) stop.runnable = false;
  }
}

function startRsc(ws: WorkingSet, rsc: Resource, next: Node | null, optional: boolean): void {
  const start = startAction(ws, rsc, next, true);
  if (start.runnable && !optional) start.optional = false;
}

/**
 * Two op definitions with the same name and interval (e.g. interval="10s" and "PT10S") are a
 * configuration error; Pacemaker then schedules neither of them, whatever their roles
 * (observed with crm_simulate; the "intervals" case).
 */
function isDuplicateOp(rsc: Resource, op: Resource["ops"][number]): boolean {
  return rsc.ops.some((o) => o !== op && o.name === op.name && o.interval === op.interval);
}

function recurring(ws: WorkingSet, rsc: Resource, start: Action, node: Node | null): void {
  for (const op of rsc.ops) {
    if (op.interval === 0) continue;
    if (op.role === Role.Stopped) continue;
    if (isDuplicateOp(rsc, op)) continue;
    if (["start", "stop", "promote", "demote"].includes(op.name)) continue;
    if (!op.enabled) continue;
    const key = opKey(rsc.id, op.name, op.interval);
    let optional = start.optional;
    const existing = node ? findActionsExact(rsc.actions, key, node) : [];
    if (existing.length === 0) optional = false;
    else if (existing.some((a) => a.reschedule)) optional = false;
    if ((rsc.nextRole === Role.Promoted && op.role === undefined) || (op.role !== undefined && op.role !== rsc.nextRole)) {
      if (optional && node) {
        // It runs but is for another role: cancel it.
        const cancel = cancelAction(ws, rsc, op.name, op.interval, node);
        let after: string | undefined;
        if (rsc.role === Role.Unpromoted || rsc.role === Role.Started) {
          if (rsc.nextRole === Role.Promoted) after = "promote";
          else if (rsc.nextRole === Role.Stopped) after = "stop";
        } else if (rsc.role === Role.Promoted) after = "demote";
        if (after) newOrdering(ws, { action: cancel, rsc }, { rsc, task: after }, Ord.runnableLeft);
      }
      continue;
    }
    const mon = customAction(ws, rsc, key, op.name, node, optional, { interval: op.interval });
    mon.opConfig = op;
    if (!start.runnable) mon.runnable = false;
    else if (!node || !node.online || node.unclean) mon.runnable = false;
    if (!node || rsc.managed) {
      newOrdering(ws, { rsc, task: "start" }, { action: mon }, Ord.impliesThen | Ord.runnableLeft);
      newOrdering(ws, { rsc, task: "reload-agent" }, { action: mon }, Ord.impliesThen | Ord.runnableLeft);
    }
  }
}

export function createInternalOrderings(ws: WorkingSet): void {
  for (const r of ws.resources) internalFor(ws, r);
}

function cloneInternal(ws: WorkingSet, rsc: Resource): void {
  newOrdering(ws, { rsc, task: "stopped" }, { rsc, task: "start" }, Ord.optional);
  newOrdering(ws, { rsc, task: "start" }, { rsc, task: "running" }, Ord.runnableLeft);
  newOrdering(ws, { rsc, task: "stop" }, { rsc, task: "stopped" }, Ord.runnableLeft);
  if (rsc.clone!.promotable) {
    newOrdering(ws, { rsc, task: "demoted" }, { rsc, task: "stop" }, Ord.optional);
    newOrdering(ws, { rsc, task: "running" }, { rsc, task: "promote" }, Ord.runnableLeft);
  }
  const ordered = rsc.clone!.ordered;
  const children = ordered ? [...rsc.children].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : rsc.children;
  let last: Resource | undefined;
  for (const child of children) {
    internalFor(ws, child);
    newOrdering(ws, { rsc, task: "start" }, { rsc: child, task: "start" }, Ord.runnableLeft | Ord.impliesFirstPrinted);
    newOrdering(ws, { rsc: child, task: "start" }, { rsc, task: "running" }, Ord.impliesThenPrinted);
    if (ordered && last) newOrdering(ws, { rsc: last, task: "start" }, { rsc: child, task: "start" }, Ord.optional);
    newOrdering(ws, { rsc, task: "stop" }, { rsc: child, task: "stop" }, Ord.impliesFirstPrinted);
    newOrdering(ws, { rsc: child, task: "stop" }, { rsc, task: "stopped" }, Ord.impliesThenPrinted);
    if (ordered && last) newOrdering(ws, { rsc: child, task: "stop" }, { rsc: last, task: "stop" }, Ord.optional);
    last = child;
  }
  if (rsc.clone!.promotable) {
    // Demote everything before stopping, start before promoting, and bracket the instances'
    // promotions and demotions with the clone's pseudo-actions.
    newOrdering(ws, { rsc, task: "demoted" }, { rsc, task: "start" }, Ord.optional);
    newOrdering(ws, { rsc, task: "running" }, { rsc, task: "promote" }, Ord.optional);
    newOrdering(ws, { rsc, task: "demoted" }, { rsc, task: "promote" }, Ord.optional);
    newOrdering(ws, { rsc, task: "stopped" }, { rsc, task: "promote" }, Ord.optional);
    newOrdering(ws, { rsc, task: "demote" }, { rsc, task: "demoted" }, Ord.runnableLeft);
    // (No promote → promoted ordering: crm_simulate's graphs never show one.)
    for (const child of rsc.children) {
      // An instance demoted (e.g. implied by fencing) is promoted again only afterwards.
      newOrdering(ws, { rsc: child, task: "demote" }, { rsc: child, task: "promote" }, Ord.optional);
      newOrdering(ws, { rsc, task: "promote" }, { rsc: child, task: "promote" }, Ord.runnableLeft);
      newOrdering(ws, { rsc: child, task: "promote" }, { rsc, task: "promoted" }, Ord.impliesThenPrinted);
      newOrdering(ws, { rsc, task: "demote" }, { rsc: child, task: "demote" }, Ord.impliesFirstPrinted);
      newOrdering(ws, { rsc: child, task: "demote" }, { rsc, task: "demoted" }, Ord.impliesThenPrinted);
    }
  }
}

function internalFor(ws: WorkingSet, rsc: Resource): void {
  if (rsc.kind === "bundle") {
    bundleInternalOrderings(ws, rsc, (r) => internalFor(ws, r));
    return;
  }
  if (rsc.kind === "clone") {
    cloneInternal(ws, rsc);
    return;
  }
  if (rsc.kind === "group") {
    groupInternal(ws, rsc);
    return;
  }
  newOrdering(ws, { rsc, task: "stop" }, { rsc, task: "start" }, Ord.optional | Ord.impliesThen | Ord.restart);
  if (topOf(rsc).clone?.promotable || rsc.role > Role.Unpromoted) {
    newOrdering(ws, { rsc, task: "demote" }, { rsc, task: "stop" }, Ord.promotedImpliesFirst);
    newOrdering(ws, { rsc, task: "start" }, { rsc, task: "promote" }, Ord.runnableLeft);
  }
  newOrdering(ws, { rsc, task: "lrm_delete" }, { rsc, task: "monitor" }, Ord.sameNode | Ord.thenCancelsFirst);
  containerConstraints(ws, rsc);
  if (ws.placementStrategy !== "default" && rsc.utilization.size > 0) utilizationOrderings(ws, rsc);
}

/** With a placement strategy, starts on a node wait until the stops that free capacity there
 *  are done: a "load_stopped_NODE" pseudo-action sits between them. */
function utilizationOrderings(ws: WorkingSet, rsc: Resource): void {
  for (const node of rsc.runningOn) {
    newOrdering(ws, { rsc, task: "stop" }, { action: loadStopped(ws, node) }, Ord.load);
  }
  const allowed = [...rsc.allowed.keys()].sort((a, b) => (a.uname < b.uname ? -1 : a.uname > b.uname ? 1 : 0));
  for (const node of allowed) {
    const ls = loadStopped(ws, node);
    newOrdering(ws, { action: ls }, { rsc, task: "start" }, Ord.load);
    newOrdering(ws, { action: ls }, { rsc, task: "migrate_to" }, Ord.load);
  }
}

function loadStopped(ws: WorkingSet, node: Node): Action {
  const name = `load_stopped_${node.uname}`;
  const a = customAction(ws, undefined, name, name, null, true, { pseudo: true });
  if (!a.node) {
    a.node = node;
    a.optional = false;
  }
  return a;
}

function groupInternal(ws: WorkingSet, rsc: Resource): void {
  const ordered = rsc.meta.get("ordered") === undefined || /^(true|on|yes|y|1)$/i.test(rsc.meta.get("ordered")!);
  const colocated = rsc.meta.get("colocated") === undefined || /^(true|on|yes|y|1)$/i.test(rsc.meta.get("colocated")!);
  newOrdering(ws, { rsc, task: "stopped" }, { rsc, task: "start" }, Ord.optional);
  newOrdering(ws, { rsc, task: "start" }, { rsc, task: "running" }, Ord.runnableLeft);
  newOrdering(ws, { rsc, task: "stop" }, { rsc, task: "stopped" }, Ord.runnableLeft);
  let last: Resource | undefined;
  let lastActive: Resource | undefined;
  for (const child of rsc.children) {
    let stop: number = Ord.none;
    let stopped: number = Ord.impliesThenPrinted;
    const start = Ord.impliesThen | Ord.runnableLeft;
    const started = Ord.runnableLeft | Ord.impliesThen | Ord.impliesThenPrinted;
    internalFor(ws, child);
    if (!last) {
      if (ordered) {
        stop |= Ord.optional;
        stopped = Ord.impliesThen;
      }
    } else if (colocated) {
      groupColocation(ws, child, last);
    }
    const promotable = topOf(rsc).clone?.promotable === true;
    if (promotable) {
      newOrdering(ws, { rsc, task: "demote" }, { rsc: child, task: "demote" }, stop | Ord.impliesFirstPrinted);
      newOrdering(ws, { rsc: child, task: "demote" }, { rsc, task: "demoted" }, stopped);
      newOrdering(ws, { rsc: child, task: "promote" }, { rsc, task: "promoted" }, started);
      newOrdering(ws, { rsc, task: "promote" }, { rsc: child, task: "promote" }, Ord.impliesFirstPrinted);
    }
    newOrdering(ws, { rsc, task: "start" }, { rsc: child, task: "start" }, Ord.impliesFirstPrinted);
    newOrdering(ws, { rsc, task: "stop" }, { rsc: child, task: "stop" }, stop | Ord.impliesFirstPrinted);
    newOrdering(ws, { rsc: child, task: "stop" }, { rsc, task: "stopped" }, stopped);
    newOrdering(ws, { rsc: child, task: "start" }, { rsc, task: "running" }, started);
    if (!ordered) {
      newOrdering(ws, { rsc, task: "start" }, { rsc: child, task: "start" }, start | Ord.impliesFirstPrinted);
      if (promotable) newOrdering(ws, { rsc, task: "promote" }, { rsc: child, task: "promote" }, start | Ord.impliesFirstPrinted);
    } else if (last) {
      newOrdering(ws, { rsc: last, task: "start" }, { rsc: child, task: "start" }, start);
      newOrdering(ws, { rsc: child, task: "stop" }, { rsc: last, task: "stop" }, Ord.optional | Ord.restart);
      if (promotable) {
        newOrdering(ws, { rsc: last, task: "promote" }, { rsc: child, task: "promote" }, start);
        newOrdering(ws, { rsc: child, task: "demote" }, { rsc: last, task: "demote" }, Ord.optional);
      }
    } else {
      newOrdering(ws, { rsc, task: "start" }, { rsc: child, task: "start" }, Ord.none);
    }
    if (child.runningOn.length) {
      if (ordered && last && last.runningOn.length === 0 && lastActive && lastActive.runningOn.length) {
        newOrdering(ws, { rsc: child, task: "stop" }, { rsc: lastActive, task: "stop" }, Ord.optional);
      }
      lastActive = child;
    }
    last = child;
  }
  if (ordered && last) {
    newOrdering(ws, { rsc, task: "stop" }, { rsc: last, task: "stop" }, Ord.impliesThen);
    newOrdering(ws, { rsc: last, task: "stop" }, { rsc, task: "stopped" }, Ord.optional);
    if (topOf(rsc).clone?.promotable) {
      newOrdering(ws, { rsc, task: "demote" }, { rsc: last, task: "demote" }, Ord.impliesThen);
      newOrdering(ws, { rsc: last, task: "demote" }, { rsc, task: "demoted" }, Ord.optional);
    }
  }
}

function groupColocation(ws: WorkingSet, dependent: Resource, primary: Resource): void {
  newColocation(ws, "group:internal_colocation", undefined, INFINITY, dependent, primary, undefined, undefined, dependent.critical);
}

/** Unrunnable starts block the starts of resources that must be colocated with them. */
export function blockColocatedStarts(ws: WorkingSet, update: (a: Action) => void): void {
  for (const a of [...ws.actions].reverse()) blockFrom(ws, a, update);
}

function blockFrom(ws: WorkingSet, action: Action, update: (a: Action) => void): void {
  if (action.runnable) return;
  if (action.task !== "start" && action.task !== "promote") return;
  if (!action.rsc) return;
  let rsc = action.rsc;
  while (rsc.parent && rsc.parent.kind !== "bundle") rsc = rsc.parent;
  for (const child of rsc.children) {
    const start = child.actions.find((x) => x.task === "start");
    if (!start || start.runnable) return;
  }
  for (const c of rsc.withThis) {
    if (c.score < 1_000_000) continue;
    markStartBlocked(ws, c.dependent, action.rsc, update);
  }
}

function markStartBlocked(ws: WorkingSet, rsc: Resource, reason: Resource, update: (a: Action) => void): void {
  for (const a of [...rsc.actions]) {
    if (a.runnable && a.task === "start") {
      a.runnable = false;
      setReason(a, `colocation with ${reason.id}`, false);
      blockFrom(ws, a, update);
      update(a);
    }
  }
}

export { canRunResources };
