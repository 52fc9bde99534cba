// Definition changes: before assignment, the history of every active resource is compared
// with its current configuration. A changed agent or parameter digest forces a restart (or
// an agent reload, or a re-sent recurring monitor); recurring ops no longer configured are
// cancelled; orphans are scheduled for removal from the history.
import type { LrmOpDef, LrmResourceDef } from "../cib/model.js";
import { childrenNamed } from "../cib/xml.js";
import { evaluateNvsets } from "../cib/nvset.js";
import { expectedDigests } from "../cib/digest.js";
import { bundleConnectionHost } from "./bundle-unpack.js";
import { parseTimeout } from "../cib/duration.js";
import { Ord, type Action, type Node, type Resource, type WorkingSet } from "./types.js";
import { clearFailcount, customAction, opKey, setReason, stopAction } from "./actions.js";
import { newOrdering } from "./ordering.js";
import { canRunResources } from "./unpack-nodes.js";
import { findOp } from "./unpack-resources.js";
import { activeSpan, sortByCallId } from "./op-history.js";
import { failCount } from "./unpack-history.js";

export function handleConfigChanges(ws: WorkingSet): void {
  for (const node of ws.nodes) {
    if (!node.maintenance && !canRunResources(node)) continue;
    for (const h of ws.history) if (h.node === node) checkActionsFor(ws, h.lrm, h.rsc, node);
  }
}

/** Remove a resource's history from a node (after any stop there). */
export function deleteRsc(ws: WorkingSet, rsc: Resource, node: Node): void {
  if (rsc.failed || !node.online || node.unclean) return;
  customAction(ws, rsc, opKey(rsc.id, "delete"), "delete", node, false);
  newOrdering(ws, { rsc, task: "stop" }, { rsc, task: "delete" }, Ord.optional);
  newOrdering(ws, { rsc, task: "delete" }, { rsc, task: "start" }, Ord.optional);
}

function topOf(r: Resource): Resource {
  let t = r;
  while (t.parent && t.parent.kind !== "bundle") t = t.parent;
  return t;
}

function agentChanged(rsc: Resource, lrm: LrmResourceDef): boolean {
  return (lrm.agentClass !== undefined && lrm.agentClass !== rsc.agentClass) || (lrm.type !== undefined && lrm.type !== rsc.type) || (rsc.agentClass === "ocf" && lrm.provider !== undefined && lrm.provider !== rsc.provider);
}

function checkActionsFor(ws: WorkingSet, lrm: LrmResourceDef, rsc: Resource, node: Node): void {
  if (rsc.orphan) {
    const top = topOf(rsc);
    if (top.kind !== "clone" || top.clone!.unique) deleteRsc(ws, rsc, node);
    return;
  }
  if (!rsc.runningOn.includes(node)) {
    if (agentChanged(rsc, lrm)) deleteRsc(ws, rsc, node);
    return;
  }
  if (agentChanged(rsc, lrm)) {
    stopAction(ws, rsc, node, false);
    rsc.startPending = true;
    deleteRsc(ws, rsc, node);
  }
  const ops = sortByCallId(lrm.ops);
  const { start, stop } = activeSpan(ops);
  ops.forEach((op, offset) => {
    if (start < stop) return;
    if (offset < start) return;
    const task = op.operation;
    const interval = op.interval;
    if (interval > 0 && (rsc.meta.get("maintenance") === "true" || node.maintenance)) {
      scheduleCancel(ws, rsc, op, node);
    } else if (interval > 0 || ["monitor", "start", "promote", "migrate_from"].includes(task)) {
      if (checkActionDefinition(ws, rsc, node, op) && failCount(ws, rsc, node, true).count > 0) {
        clearFailcount(ws, rsc, node, "action definition changed");
      }
    }
  });
}

function scheduleCancel(ws: WorkingSet, rsc: Resource, op: LrmOpDef, node: Node): void {
  const cancel = customAction(ws, rsc, opKey(rsc.id, op.operation, op.interval), "cancel", node, false, { interval: op.interval });
  cancel.task = "cancel";
  cancel.cancelOf = op.operation;
  cancel.meta.set("operation", op.operation);
  cancel.meta.set("call-id", String(op.callId));
  newOrdering(ws, { rsc, task: "stop" }, { action: cancel }, Ord.optional);
}

/** Instance attributes for digests: the resource's own, then its parents' for names it lacks. */
function digestParams(ws: WorkingSet, rsc: Resource, node: Node): Record<string, string> {
  const out = new Map<string, string>();
  for (let r: Resource | undefined = rsc; r; r = r.parent) {
    evaluateNvsets(r.def.el, "instance_attributes", { now: ws.now, node: node.attrs }, ws.idIndex, out);
  }
  const host = bundleConnectionHost(rsc);
  if (out.get("addr") === "#uname" && host) out.set("addr", host.uname);
  return Object.fromEntries(out);
}

function checkActionDefinition(ws: WorkingSet, rsc: Resource, node: Node, op: LrmOpDef): boolean {
  let task = op.operation;
  const interval = op.interval;
  const opCfg = interval > 0 ? findOp(rsc, task, interval) : undefined;
  if (interval > 0) {
    if (!opCfg || !opCfg.enabled) {
      if (ws.stopOrphanActions) scheduleCancel(ws, rsc, op, node);
      return true;
    }
  }
  if (interval === 0 && (task === "monitor" || task === "migrate_from" || task === "promote")) task = "start";
  const cfg = interval > 0 ? opCfg : findOp(rsc, task, 0);
  const opParams: Record<string, string> = {};
  if (cfg) for (const set of childrenNamed(cfg.el, "instance_attributes")) for (const nv of childrenNamed(set, "nvpair")) if (nv.attrs.name !== undefined && nv.attrs.value !== undefined) opParams[nv.attrs.name] = nv.attrs.value;
  const timeout = parseTimeout(cfg?.meta.get("timeout") ?? "20s") ?? 20000;
  const rec = op.el.attrs;
  const expected = expectedDigests({
    params: digestParams(ws, rsc, node),
    opParams,
    intervalMs: interval,
    timeoutMs: timeout,
    fencing: rsc.agentClass === "stonith",
    recorded: { "op-force-restart": rec["op-force-restart"], "op-restart-digest": rec["op-restart-digest"], "op-secure-params": rec["op-secure-params"], crm_feature_set: rec.crm_feature_set },
  });
  const digestAll = rec["op-digest"];
  const digestRestart = rec["op-restart-digest"];
  let rc: "match" | "restart" | "all" | "unknown";
  if (digestRestart !== undefined && expected.restart !== undefined && expected.restart !== digestRestart) rc = "restart";
  else if (digestAll === undefined) rc = "unknown";
  else if (digestAll !== expected.all) rc = interval === 0 && Object.keys(opParams).length > 0 ? "restart" : "all";
  else rc = "match";
  if (rc === "match") return false;
  // crm_simulate works on sanitized CIBs: when only private (secure) parameters differ, the
  // recorded secure digest still matches and nothing is done.
  const secure = rec["op-secure-digest"];
  if (secure !== undefined && expected.secure === secure) return false;
  const key = opKey(rsc.id, task, interval);
  if (rc === "restart") {
    const required = customAction(ws, rsc, key, task, null, false, { interval });
    setReason(required, "resource definition change", true);
    return true;
  }
  if (interval > 0) {
    const a = customAction(ws, rsc, key, task, node, true, { interval });
    a.reschedule = true;
  } else if (digestRestart !== undefined) {
    scheduleReload(ws, rsc, node);
  } else {
    const required = customAction(ws, rsc, key, task, null, false, { interval });
    setReason(required, "resource definition change", true);
  }
  return true;
}

function scheduleReload(ws: WorkingSet, rsc: Resource, node: Node): void {
  if (!rsc.managed || rsc.failed) return;
  if (rsc.startPending) {
    stopAction(ws, rsc, node, false);
    return;
  }
  rsc.reload = true;
  const reload = customAction(ws, rsc, opKey(rsc.id, "reload-agent"), "reload-agent", node, false);
  setReason(reload, "resource definition change", false);
  newOrdering(ws, { action: reload }, { rsc, task: "stop" }, Ord.optional | Ord.thenCancelsFirst);
  newOrdering(ws, { action: reload }, { rsc, task: "demote" }, Ord.optional | Ord.thenCancelsFirst);
}
