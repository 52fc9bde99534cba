// Phase 4: resource history. Each node's lrm_rsc_op entries for a resource are replayed in
// call order to find out where the resource runs, in which role, whether it failed (and what
// the failure implies), and which recurring monitors are active. Resources found only in the
// history become orphans.
import type { LrmOpDef, LrmResourceDef, NodeStateDef, ResourceDef } from "../cib/model.js";
import { element } from "../cib/xml.js";
import { INFINITY, addScores, parseScore } from "../cib/score.js";
import { fenceNode, fenceOp } from "./unpack-nodes.js";
import { resourceLocation } from "./location.js";
import { clearFailcount, customAction, stopAction } from "./actions.js";
import { newOrdering, orderActions } from "./ordering.js";
import { replicaOnNode } from "./bundle-unpack.js";
import { newResource, onFailFor, applyMeta, targetRole, newCloneInstance } from "./unpack-resources.js";
import { parseInterval } from "../cib/duration.js";
import { isConnectionDef, mapOrphanFillers, orphanConnection, connectionParam, determineRemoteOnline, remoteHistoryReady, unpackRemoteAttrs } from "./remote-nodes.js";
import { byCallId, sortByCallId, activeSpan } from "./op-history.js";
import { keepsRunningOnTarget, migrateFromFailed, migrateToFailed, migrateToPendingOnUnclean, migrateToSucceeded } from "./migration-history.js";
import { OnFail, Ord, Role, type Action, type Node, type Resource, type WorkingSet } from "./types.js";

const EXEC_PENDING = -1;
const EXEC_DONE = 0;
const EXEC_CANCELLED = 1;
const EXEC_TIMEOUT = 2;
const EXEC_NOT_SUPPORTED = 3;
const EXEC_ERROR = 4;
const EXEC_ERROR_HARD = 5;
const EXEC_ERROR_FATAL = 6;
const EXEC_NOT_INSTALLED = 7;

export interface HistoryState {
  /** Fail counts to clear (expired failures): resource, node, reason. */
  clearFailcounts: { rsc: Resource; node: Node; reason: string }[];
}

export function unpackHistory(ws: WorkingSet): HistoryState {
  const state: HistoryState = { clearFailcounts: [] };
  const states = ws.model.nodeStates;
  const order: NodeStateDef[] = [];
  // Online nodes first; when fencing is disabled, offline cluster nodes come last.
  for (const st of states) {
    const node = nodeFor(ws, st);
    if (node && (node.online || ws.stonithEnabled)) order.push(st);
  }
  // Without fencing (and shutdown locks), offline cluster nodes' history is never read.
  const shutdownLock = /^(true|on|yes|y|1)$/i.test(ws.options.get("shutdown-lock") ?? "false");
  for (const st of states) {
    if (order.includes(st)) continue;
    const node = nodeFor(ws, st);
    if (node && node.kind === "cluster" && !node.online && !ws.stonithEnabled && !shutdownLock) continue;
    order.push(st);
  }
  // Guest and remote nodes' histories wait until their connection is known to be up (each
  // history read may bring up another connection); with fencing, the rest is read last.
  const unpacked = new Set<NodeStateDef>();
  const unpackState = (st: NodeStateDef, node: Node) => {
    if (node.kind !== "cluster") {
      determineRemoteOnline(node);
      unpackRemoteAttrs(node, st.transient);
    }
    for (const lrm of st.resources) unpackLrmResource(ws, state, node, lrm);
    mapOrphanFillers(ws, st.resources);
    unpacked.add(st);
  };
  const remotePass = (all: boolean): boolean => {
    let progress = false;
    for (const st of states) {
      const node = nodeFor(ws, st);
      if (!node || node.kind === "cluster" || unpacked.has(st)) continue;
      if (!all && !remoteHistoryReady(ws, node, shutdownLock)) continue;
      unpackState(st, node);
      progress = true;
    }
    return progress;
  };
  for (const st of order) {
    const node = nodeFor(ws, st);
    if (!node) continue;
    if (node.kind !== "cluster") {
      if (remoteHistoryReady(ws, node, shutdownLock)) unpackState(st, node);
      continue;
    }
    unpackState(st, node);
  }
  while (remotePass(false));
  if (ws.stonithEnabled) remotePass(true);
  for (const node of ws.nodes) if (node.kind !== "cluster" && ![...unpacked].some((st) => nodeFor(ws, st) === node)) determineRemoteOnline(node);
  const applyTarget = (r: Resource) => {
    r.children.forEach(applyTarget);
    const req = targetRole(r);
    if (req !== undefined && (r.nextRole === Role.Unknown || req < r.nextRole)) setNextRole(r, req, "target-role");
  };
  ws.resources.forEach(applyTarget);
  // A connection about to stop takes its node down with it.
  for (const node of ws.nodes) {
    const conn = node.remoteRsc;
    if (conn && node.online && conn.role === Role.Started && conn.nextRole === Role.Stopped) {
      node.shutdown = true;
      node.weight = -INFINITY;
    }
  }
  return state;
}

function nodeFor(ws: WorkingSet, st: NodeStateDef): Node | undefined {
  return ws.nodeById.get(st.id) ?? (st.uname !== undefined ? ws.nodeByName.get(st.uname) : undefined);
}

/** The expected rc in the transition key (`ACTION:TRANSITION:TARGET_RC:UUID`), or in the
 *  key part of the magic (`STATUS:RC;KEY`). Read in place: this runs for every history entry. */
function targetRcOf(op: LrmOpDef): number | undefined {
  let key = op.transitionKey;
  if (key === undefined && op.transitionMagic !== undefined) {
    const m = op.transitionMagic;
    const start = m.indexOf(";");
    if (start < 0) return undefined;
    const end = m.indexOf(";", start + 1);
    key = m.slice(start + 1, end < 0 ? undefined : end);
  }
  if (!key) return undefined;
  const a = key.indexOf(":");
  const b = a < 0 ? -1 : key.indexOf(":", a + 1);
  const c = b < 0 ? -1 : key.indexOf(":", b + 1);
  if (c < 0) return undefined;
  const n = Number.parseInt(key.slice(b + 1, c), 10);
  return Number.isNaN(n) ? undefined : n;
}

function orphanFor(ws: WorkingSet, lrm: LrmResourceDef): Resource {
  const el = element("primitive", { id: lrm.id, class: lrm.agentClass ?? "ocf", ...(lrm.provider ? { provider: lrm.provider } : {}), type: lrm.type ?? "" });
  const def: ResourceDef = { kind: "primitive", id: lrm.id, el, agentClass: lrm.agentClass, provider: lrm.provider, type: lrm.type, children: [] };
  const meta = new Map<string, string>(Object.entries(el.attrs));
  const rsc = newResource(lrm.id, def, undefined, meta);
  applyMeta(ws, rsc);
  rsc.orphan = true;
  ws.resources.push(rsc);
  ws.rscById.set(rsc.id, rsc);
  if (ws.symmetric) for (const n of ws.nodes) if (!n.bundleReplica) rsc.allowed.set(n, n.weight);
  // An orphan is never placed anywhere: it only gets stopped (and forgotten).
  rsc.provisional = false;
  if (!ws.stopOrphans) rsc.managed = false;
  else resourceLocation(ws, rsc, null, -INFINITY, "__orphan_do_not_run__");
  if (isConnectionDef(def)) orphanConnection(ws, rsc);
  return rsc;
}

function topOfTree(r: Resource): Resource {
  let t = r;
  while (t.parent && t.parent.kind !== "bundle") t = t.parent;
  return t;
}

/** The member of a clone instance (a primitive, or a cloned group's member) for a history id. */
function memberFor(instance: Resource, base: string): Resource | undefined {
  if (instance.kind === "primitive") return instance.def.id === base ? instance : undefined;
  return instance.children.find((c) => c.def.id === base);
}

/** The first node an instance is active (or pending) on, leaves in order: what the history
 *  mapping compares; no list is built, as this runs for every instance per history entry. */
function firstInstanceLocation(instance: Resource): Node | undefined {
  if (instance.children.length === 0) return instance.runningOn[0] ?? instance.pendingNode;
  for (const c of instance.children) {
    const n = firstInstanceLocation(c);
    if (n) return n;
  }
  return undefined;
}

/** Anonymous clone history (`rsc` or `rsc:N`) belongs to the instance already active on the
 *  node, else to the first inactive instance; beyond that it is an orphan instance. */
function findAnonymousInstance(ws: WorkingSet, node: Node, clone: Resource, base: string): Resource {
  let rsc: Resource | undefined;
  let inactive: Resource | undefined;
  let skipInactive = false;
  for (const child of clone.children) {
    if (rsc) break;
    const location = firstInstanceLocation(child);
    if (location) {
      if (location === node) {
        rsc = memberFor(child, base);
        if (rsc && rsc.runningOn.length) {
          skipInactive = true;
          rsc = undefined;
        }
      }
    } else if (!skipInactive && !inactive && !child.blocked) {
      inactive = memberFor(child, base);
      if (inactive && inactive.pendingNode && inactive.pendingNode !== node) inactive = undefined;
    }
  }
  if (!rsc && !skipInactive && inactive) rsc = inactive;
  const universal = clone.clone!.max >= ws.nodes.length;
  if (rsc && rsc.requires !== "fencing" && (!node.online || node.unclean) && node.kind !== "guest" && !universal) rsc = undefined;
  if (!rsc) {
    const inst = newCloneInstance(ws, clone, ws.idIndex);
    const mark = (r: Resource) => {
      r.orphan = true;
      r.children.forEach(mark);
    };
    mark(inst);
    rsc = memberFor(inst, base) ?? inst;
  }
  return rsc;
}

function resourceForHistory(ws: WorkingSet, node: Node, lrmId: string): Resource | undefined {
  let rsc = ws.rscById.get(lrmId);
  let parent: Resource | undefined;
  if (!rsc) {
    const m = /^(.*):\d+$/.exec(lrmId);
    const clone0 = ws.rscById.get(`${m ? m[1] : lrmId}:0`);
    if (clone0 && !clone0.unique) {
      rsc = clone0;
      parent = topOfTree(clone0);
    }
  } else if (rsc.kind !== "primitive") {
    return undefined;
  } else parent = topOfTree(rsc);
  if (parent && parent.kind === "clone" && !parent.clone!.unique) {
    // In a bundle, the instance is the one of the replica whose guest node this is.
    if (parent.parent?.kind === "bundle") rsc = replicaOnNode(parent.parent, node)?.child;
    else rsc = findAnonymousInstance(ws, node, parent, lrmId.replace(/:\d+$/, ""));
  }
  if (rsc && lrmId !== rsc.id && lrmId !== rsc.cloneName) rsc.cloneName = lrmId;
  return rsc;
}

function unpackLrmResource(ws: WorkingSet, state: HistoryState, node: Node, lrm: LrmResourceDef): void {
  let rsc = resourceForHistory(ws, node, lrm.id);
  if (rsc && rsc.kind !== "primitive") rsc = undefined;
  if (!rsc) rsc = orphanFor(ws, lrm);
  ws.history.push({ node, lrm, rsc });

  // Call order, pending calls (-1) last; equal call ids keep document order (stable sort).
  const ops = lrm.ops.filter((o) => o.operation !== "notify" && o.operation !== "meta-data");
  if (ops.length > 1) ops.sort(byCallId);

  const savedRole = rsc.role;
  rsc.role = Role.Unknown;
  const ctx: OpCtx = { onFail: OnFail.Ignore, lastFailure: undefined };
  for (const op of ops) unpackOp(ws, state, rsc, node, op, ctx);
  recordActiveRecurring(ws, rsc, node, lrm.ops);
  processRscState(ws, rsc, node, ctx.onFail);

  if (rsc.role < savedRole) rsc.role = savedRole;
}

interface OpCtx {
  onFail: OnFail;
  lastFailure?: LrmOpDef;
}

function isProbe(op: LrmOpDef): boolean {
  return op.operation === "monitor" && op.interval === 0;
}

function setNextRole(rsc: Resource, role: Role, reason: string): void {
  rsc.nextRole = role;
  rsc.nextRoleReason = reason;
}

function unpackOp(ws: WorkingSet, state: HistoryState, rsc: Resource, node: Node, op: LrmOpDef, ctx: OpCtx): void {
  const task = op.operation;
  let rc = op.rcCode;
  let status = op.opStatus;
  const targetRc = targetRcOf(op);
  const interval = op.interval;

  if (status === EXEC_CANCELLED) return;

  if (status !== EXEC_NOT_INSTALLED && checkExpiry(ws, state, rsc, node, op, rc)) {
    if (rc !== (targetRc ?? 0)) return;
  }
  if (task === "monitor" && rc === 190) rc = 0;
  else if (task === "monitor" && rc === 191) rc = 8;

  if (status === EXEC_DONE || status === EXEC_ERROR) {
    status = remap(rsc, op, targetRc, rc, status, ctx);
  }

  switch (status) {
    case EXEC_PENDING:
      if (task === "start") {
        rsc.startPending = true;
        if (rsc.role < Role.Started) rsc.role = Role.Started;
      } else if (task === "promote") {
        rsc.role = Role.Promoted;
      } else if (task === "migrate_to" && node.unclean) {
        migrateToPendingOnUnclean(ws, rsc, op);
      }
      if (rsc.pendingTask === undefined && (interval !== 0 || task !== "monitor")) {
        rsc.pendingTask = task;
        rsc.pendingNode = node;
      }
      return;
    case EXEC_DONE:
      updateResourceState(ws, rsc, node, op, task, rc, ctx);
      return;
    case EXEC_NOT_INSTALLED: {
      const { onFail } = onFailFor(ws, rsc, task, interval);
      if (onFail === OnFail.Ignore) rsc.failed = true;
      else {
        unpackFailure(ws, rsc, node, op, rc, ctx);
        resourceLocation(ws, topOf(rsc), node, -INFINITY, "hard-error");
      }
      return;
    }
  }
  const { onFail } = onFailFor(ws, rsc, task, interval);
  // A filler whose stop failed is stopped anyway once its container restarts.
  const containerStop = onFail === OnFail.RestartContainer && task === "stop";
  if (onFail === OnFail.Ignore || containerStop) {
    updateResourceState(ws, rsc, node, op, task, targetRc ?? 0, ctx);
    rsc.failureIgnored = true;
    if (containerStop && ctx.onFail <= OnFail.Recover) ctx.onFail = onFail;
  } else {
    unpackFailure(ws, rsc, node, op, rc, ctx);
    if (status === EXEC_ERROR_HARD) resourceLocation(ws, topOf(rsc), node, -INFINITY);
    else if (status === EXEC_ERROR_FATAL) resourceLocation(ws, topOf(rsc), null, -INFINITY);
  }
}

function topOf(rsc: Resource): Resource {
  let t = rsc;
  while (t.parent && t.parent.kind !== "bundle") t = t.parent;
  return t;
}

function remap(rsc: Resource, op: LrmOpDef, targetRc: number | undefined, rc: number, _status: number, ctx: OpCtx): number {
  const probe = isProbe(op);
  let status = EXEC_DONE;
  if (targetRc === undefined) status = EXEC_ERROR;
  else if (targetRc !== rc) status = EXEC_ERROR;
  switch (rc) {
    case 0:
      if (probe && targetRc === 7) status = EXEC_DONE;
      break;
    case 7:
      if (probe || targetRc === rc || !rsc.managed) {
        status = EXEC_DONE;
        rsc.role = Role.Stopped;
        ctx.onFail = OnFail.Ignore;
        setNextRole(rsc, Role.Unknown, "not running");
      }
      break;
    case 8:
      if (probe && rc !== targetRc) status = EXEC_DONE;
      rsc.role = Role.Promoted;
      break;
    case 9:
    case 191:
      rsc.role = Role.Promoted;
      status = EXEC_ERROR;
      break;
    case 6:
      status = EXEC_ERROR_FATAL;
      break;
    case 3:
      status = op.interval === 0 ? EXEC_ERROR_HARD : EXEC_NOT_SUPPORTED;
      break;
    case 5:
    case 2:
    case 4:
      status = EXEC_ERROR_HARD;
      break;
    default:
      if (status === EXEC_DONE) status = EXEC_ERROR;
  }
  return status;
}

function updateResourceState(ws: WorkingSet, rsc: Resource, node: Node, op: LrmOpDef, task: string, rc: number, ctx: OpCtx): void {
  let clear = false;
  if (rc === 7) {
    clear = true;
  } else if (task === "start") {
    rsc.role = Role.Started;
    clear = true;
  } else if (task === "stop") {
    rsc.role = Role.Stopped;
    clear = true;
  } else if (task === "promote") {
    rsc.role = Role.Promoted;
    clear = true;
  } else if (task === "demote") {
    if (ctx.onFail === OnFail.Demote) clear = true;
    rsc.role = Role.Unpromoted;
  } else if (task === "migrate_from") {
    rsc.role = Role.Started;
    clear = true;
  } else if (task === "migrate_to") {
    migrateToSucceeded(ws, rsc, node, op, (r, n) => addRunning(ws, r, n));
  } else if (rsc.role < Role.Started) {
    rsc.role = Role.Started;
    clear = true;
  }
  if (rc === 8 && task === "monitor" && rsc.role < Role.Promoted) rsc.role = Role.Promoted;
  if (clear) {
    switch (ctx.onFail) {
      case OnFail.Stop:
      case OnFail.Fence:
      case OnFail.Migrate:
      case OnFail.Standby:
        break;
      case OnFail.Block:
      case OnFail.Ignore:
      case OnFail.Demote:
      case OnFail.Recover:
      case OnFail.RestartContainer:
        ctx.onFail = OnFail.Ignore;
        setNextRole(rsc, Role.Unknown, "clear past failures");
        break;
      case OnFail.ResetRemote:
        // With a reconnect interval the connection waits until the failure is cleared.
        if (!hasReconnectInterval(rsc)) {
          ctx.onFail = OnFail.Ignore;
          setNextRole(rsc, Role.Unknown, "clear past failures and reset remote");
        }
        break;
      default:
        break;
    }
  }
}

function hasReconnectInterval(rsc: Resource): boolean {
  return rsc.reconnectMs > 0;
}

function unpackFailure(ws: WorkingSet, rsc: Resource, node: Node, op: LrmOpDef, rc: number, ctx: OpCtx): void {
  const task = op.operation;
  const { onFail, failRole } = onFailFor(ws, rsc, task, op.interval);
  ctx.lastFailure = op;
  if (ctx.onFail < onFail) ctx.onFail = onFail;
  if (task === "stop") {
    // A failed stop leaves the resource where it was: it may still be active, and it must
    // not come back there.
    resourceLocation(ws, rsc, node, -INFINITY, "__stop_fail__");
  } else if (task === "migrate_to") {
    migrateToFailed(ws, rsc, node, op, (r, n) => addRunning(ws, r, n));
  } else if (task === "migrate_from") {
    migrateFromFailed(ws, rsc, node, op, (r, n) => addRunning(ws, r, n));
  } else if (task === "promote") {
    rsc.role = Role.Promoted;
  } else if (task === "demote") {
    if (onFail === OnFail.Block) {
      rsc.role = Role.Promoted;
      setNextRole(rsc, Role.Stopped, "demote with on-fail=block");
    } else if (rc === 7) {
      rsc.role = Role.Stopped;
    } else {
      rsc.role = Role.Unpromoted;
    }
  }
  if (isProbe(op) && rc === 5) {
    rsc.role = Role.Stopped;
    if (op.opStatus === 0 || op.opStatus === EXEC_NOT_INSTALLED) rsc.failedProbes.set(node, "not installed");
  } else if (rsc.role < Role.Started) {
    rsc.role = Role.Started;
  }
  if (failRole !== Role.Started && (rsc.nextRole === Role.Unknown || failRole < rsc.nextRole)) {
    setNextRole(rsc, failRole, "failure");
  }
  if (failRole === Role.Stopped) resourceLocation(ws, rsc, null, -INFINITY);
}

function processRscState(ws: WorkingSet, rsc: Resource, node: Node, onFail: OnFail): void {
  const role: Role = rsc.role;
  if (role === Role.Unknown) return;
  // Only history that tells something (not just a pending probe) makes the state known.
  rsc.knownOn.add(node);
  if (rsc.role !== Role.Stopped && !node.online && !node.maintenance && rsc.managed) {
    if (node.kind === "guest") {
      // Whatever runs in a lost guest has failed with it; recovering the container "fences" it.
      rsc.failed = true;
      rsc.needsStop = true;
      fenceNode(ws, node, `${rsc.id} is thought to be active there`);
    } else if (node.kind === "remote" && ws.stonithEnabled) {
      let reason = `${rsc.id} is thought to be active there`;
      if (node.remoteRsc && !node.remoteRsc.failed) {
        // Revoked if the connection can be re-established elsewhere (see assignAll).
        node.unseen = true;
        reason = `${rsc.id} is active there (fencing will be revoked if remote connection can be re-established elsewhere)`;
      }
      fenceNode(ws, node, reason);
    } else if (ws.stonithEnabled || node.kind === "cluster") {
      if (node.unclean || ws.stonithEnabled) fenceNode(ws, node, `${rsc.id} is thought to be active there`);
    }
  }
  let effective = onFail;
  if (node.unclean) effective = OnFail.Ignore;
  switch (effective) {
    case OnFail.Ignore:
      break;
    case OnFail.Demote:
      rsc.failed = true;
      break;
    case OnFail.Fence:
      fenceNode(ws, node, `${rsc.id} failed there`);
      break;
    case OnFail.Standby:
      node.standby = true;
      node.standbyOnFail = true;
      break;
    case OnFail.Block:
      rsc.managed = false;
      rsc.blocked = true;
      break;
    case OnFail.Migrate:
      resourceLocation(ws, rsc, node, -INFINITY);
      break;
    case OnFail.Stop:
      setNextRole(rsc, Role.Stopped, "on-fail=stop");
      break;
    case OnFail.Recover:
      if (rsc.role !== Role.Stopped && (rsc.role as Role) !== Role.Unknown) {
        rsc.failed = true;
        rsc.needsStop = true;
        stopAction(ws, rsc, node, false);
      }
      break;
    case OnFail.RestartContainer:
      rsc.failed = true;
      rsc.needsStop = true;
      if (rsc.container) stopAction(ws, rsc.container, node, false);
      else if (rsc.role !== Role.Stopped && (rsc.role as Role) !== Role.Unknown) stopAction(ws, rsc, node, false);
      break;
    case OnFail.ResetRemote: {
      // A failed remote connection: the remote node is fenced (unless it already was).
      rsc.failed = true;
      rsc.needsStop = true;
      const remote = rsc.remoteNode;
      if (ws.stonithEnabled && remote && remote.kind === "remote" && !remote.remoteWasFenced) fenceNode(ws, remote, "remote connection is unrecoverable");
      if (rsc.role > Role.Stopped) stopAction(ws, rsc, node, false);
      if (hasReconnectInterval(rsc)) setNextRole(rsc, Role.Stopped, "remote reset");
      break;
    }
    default:
      break;
  }
  if (rsc.role !== Role.Stopped && (rsc.role as Role) !== Role.Unknown) {
    addRunning(ws, rsc, node);
    switch (effective) {
      case OnFail.Ignore:
        break;
      case OnFail.Demote:
      case OnFail.Block:
        rsc.failed = true;
        break;
      default:
        rsc.failed = true;
        rsc.needsStop = true;
    }
  } else if (rsc.cloneName?.includes(":") && !rsc.unique && !rsc.orphan) {
    // An instance number in the history (older status sections) says nothing about a stopped
    // anonymous instance: it keeps its own name, which the graph then shows.
    rsc.cloneName = undefined;
  }
  if (keepsRunningOnTarget(rsc, node)) rsc.role = Role.Started;
}

function addRunning(ws: WorkingSet, rsc: Resource, node: Node): void {
  if (!rsc.runningOn.includes(node)) rsc.runningOn.push(node);
  if (!node.running.includes(rsc)) node.running.push(rsc);
  if (node.maintenance) rsc.managed = false;
  // An unmanaged resource stays exactly where it is.
  if (!rsc.managed) resourceLocation(ws, rsc, node, INFINITY, "not_managed_default");
  if (rsc.runningOn.length > 1) {
    switch (rsc.recovery) {
      case "stop_only":
        // Make sure it does not come up again anywhere.
        for (const n of ws.nodes) rsc.allowed.set(n, -INFINITY);
        break;
      case "block":
        rsc.managed = false;
        rsc.blocked = true;
        if (rsc.parent && rsc.parent.kind === "group" && rsc.parent.recovery === "block") {
          for (const c of rsc.parent.children) {
            c.managed = false;
            c.blocked = true;
          }
        }
        break;
      default:
        break;
    }
  }
}

/** Recurring operations still active: those recorded after the last start (or the last
 *  successful monitor that proves the resource running) and not followed by a stop. Each
 *  becomes an optional action, so the scheduler knows it need not be started again. */
function recordActiveRecurring(ws: WorkingSet, rsc: Resource, node: Node, allOps: LrmOpDef[]): void {
  const ops = sortByCallId(allOps);
  const { start, stop } = activeSpan(ops);
  ops.forEach((op, i) => {
    if (!node.online) return;
    if (start < stop && i <= stop) return;
    if (i < start) return;
    if (op.interval === 0) return;
    if (op.opStatus === EXEC_PENDING) return;
    rsc.activeRecurring.push({ key: `${rsc.id}_${op.operation}_${op.interval}`, name: op.operation, interval: op.interval, node, op: op.el });
    customAction(ws, rsc, `${rsc.id}_${op.operation}_${op.interval}`, op.operation, node, true, { interval: op.interval });
  });
}

function versionLess(a: string, b: string): boolean {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const failRegexCache = new WeakMap<Resource, { count: RegExp; last: RegExp }>();

/** Fail-count attribute names for a resource: CIBs from before feature set 3.0.13 keep one
 *  count per resource, later ones one per operation (`fail-count-RSC#OP_INTERVAL`). */
function failRegexes(ws: WorkingSet, rsc: Resource): { count: RegExp; last: RegExp } {
  let r = failRegexCache.get(rsc);
  if (!r) {
    const legacy = versionLess(ws.model.root.attrs["crm_feature_set"] ?? "0", "3.0.13");
    const op = legacy ? "" : "#.+_[0-9]+";
    const inst = rsc.unique ? "" : "(:[0-9]+)?";
    const name = escapeRe(rsc.id.replace(/:\d+$/, ""));
    r = { count: new RegExp(`^fail-count-${name}${inst}${op}$`), last: new RegExp(`^last-failure-${name}${inst}${op}$`) };
    failRegexCache.set(rsc, r);
  }
  return r;
}

/** Pacemaker's fail count for a resource on a node: the sum of its fail-count attributes. */
export function failCount(ws: WorkingSet, rsc: Resource, node: Node, effective: boolean, op?: LrmOpDef): { count: number; lastFailure: number } {
  let count = 0;
  let last = 0;
  const re = failRegexes(ws, rsc);
  let opSuffix: string | undefined;
  for (const [name, value] of node.attrs) {
    // Most attributes are not failure records: skip them before the resource's patterns.
    if (!name.startsWith("fail-count-") && !name.startsWith("last-failure-")) continue;
    const isCount = re.count.test(name);
    if (!isCount && !re.last.test(name)) continue;
    if (op && name.includes("#") && !name.endsWith((opSuffix ??= `#${op.operation}_${op.interval}`))) continue;
    if (isCount) count = addScores(count, parseScore(value));
    else {
      const t = Number.parseInt(value, 10);
      if (!Number.isNaN(t) && t > last) last = t;
    }
  }
  if (effective && count > 0 && last > 0 && rsc.failureTimeout > 0 && ws.now > last + rsc.failureTimeout) count = 0;
  return { count, lastFailure: last };
}

function checkExpiry(ws: WorkingSet, state: HistoryState, rsc: Resource, node: Node, op: LrmOpDef, rc: number): boolean {
  let expired = false;
  let unexpired = 0;
  const lastFailureEntry = op.id.endsWith("_last_failure_0");
  if (rsc.failureTimeout > 0 && op.lastRcChange !== undefined) {
    if (ws.now >= op.lastRcChange + rsc.failureTimeout && !waitsForRemoteFencing(ws, rsc, op)) expired = true;
    const effective = failCount(ws, rsc, node, true, op);
    unexpired = effective.count;
    // Plan again when the failure expires (as Pacemaker does: last-failure + timeout + 1 s).
    if (unexpired > 0 && effective.lastFailure > 0) {
      const at = effective.lastFailure + rsc.failureTimeout + 1;
      if (at > ws.now && (ws.recheckBy === undefined || at < ws.recheckBy)) ws.recheckBy = at;
    }
  }
  let clearReason: string | undefined;
  if (expired) {
    if (failCount(ws, rsc, node, false, op).count) {
      if (unexpired === 0) clearReason = "it expired";
      else expired = false;
    } else if (lastFailureEntry && rsc.reconnectMs > 0) {
      // A connection's expired failure is cleared even without a fail count.
      clearReason = "reconnect interval is set";
    }
  }
  if (clearReason) {
    state.clearFailcounts.push({ rsc, node, reason: clearReason });
    const clear = clearFailcount(ws, rsc, node, clearReason);
    // Forget a connection's failure only once its node is fenced (if it is).
    if (ws.stonithEnabled && rsc.reconnectMs > 0) orderAfterRemoteFencing(ws, clear, rsc);
  }
  if (expired && op.interval === 0 && op.operation === "monitor" && [0, 7, 8, 190, 191].includes(rc)) expired = false;
  return expired;
}

/**
 * A recurring monitor records only changes of its result, so an old failure of a remote
 * connection's monitor may still be current: with a reconnect interval, it does not expire
 * before the remote node has been fenced.
 */
function waitsForRemoteFencing(ws: WorkingSet, rsc: Resource, op: LrmOpDef): boolean {
  if (rsc.reconnectMs === 0 || !ws.stonithEnabled || op.interval === 0 || op.operation !== "monitor") return false;
  const remote = ws.nodeByName.get(rsc.id);
  return remote !== undefined && !remote.remoteWasFenced;
}

function orderAfterRemoteFencing(ws: WorkingSet, action: Action, conn: Resource): void {
  const remote = ws.nodeByName.get(conn.id);
  if (!remote) return;
  const fence = fenceOp(ws, remote, true);
  orderActions(fence, action, Ord.impliesThen);
}

export { INFINITY };
