// Phase 2: nodes. Configured nodes get their attributes and utilization; each node_state in
// the status then decides whether the node is online, pending, shutting down or unclean
// (the decision depends on whether fencing is enabled, exactly as in Pacemaker).
import type { CibModel, NodeStateDef } from "../cib/model.js";
import { evaluateNvsets } from "../cib/nvset.js";
import { isTrue } from "../cib/model-parse.js";
import { INFINITY, parseScore } from "../cib/score.js";
import type { IdIndex } from "../cib/id-index.js";
import type { Action, Node, WorkingSet } from "./types.js";
import { customAction, setReason } from "./actions.js";
import { naturalCompare } from "./natural-sort.js";
import { fenceRemoteNode } from "./guest-fencing.js";

export function unpackNodes(ws: WorkingSet, index: IdIndex, startupFencing: boolean): void {
  const model = ws.model;
  for (const def of model.nodes) {
    if (def.type === "remote") continue; // remote nodes come from their connection resources
    const attrs = new Map<string, string>([
      ["#uname", def.uname],
      ["#id", def.id],
      ["#kind", "cluster"],
      ["#is_dc", model.dcUuid === def.id ? "true" : "false"],
    ]);
    const clusterName = ws.options.get("cluster-name");
    if (clusterName) attrs.set("#cluster-name", clusterName);
    evaluateNvsets(def.el, "instance_attributes", { now: ws.now }, index, attrs);
    const utilization = new Map<string, number>();
    for (const [k, v] of evaluateNvsets(def.el, "utilization", { now: ws.now }, index)) utilization.set(k, parseUtil(v));
    const node: Node = {
      id: def.id,
      uname: def.uname,
      kind: "cluster",
      weight: def.score !== undefined ? parseScore(def.score) : 0,
      attrs,
      utilization,
      online: false,
      unclean: startupFencing && ws.stonithEnabled,
      unseen: true,
      pending: false,
      standby: false,
      standbyOnFail: false,
      shutdown: false,
      maintenance: false,
      expectedUp: false,
      isDc: model.dcUuid === def.id,
      numResources: 0,
      running: [],
    };
    ws.nodes.push(node);
    ws.nodeById.set(node.id, node);
    ws.nodeByName.set(node.uname, node);
  }
  ws.nodes.sort((a, b) => naturalCompare(a.uname, b.uname));
}

function parseUtil(v: string): number {
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? 0 : n;
}

/** Node states: transient attributes and the online decision, for cluster nodes. */
export function unpackNodeStates(ws: WorkingSet): void {
  for (const st of ws.model.nodeStates) {
    const node = ws.nodeById.get(st.id) ?? (st.uname !== undefined ? ws.nodeByName.get(st.uname) : undefined);
    if (!node || node.kind !== "cluster") continue;
    for (const [k, v] of st.transient) node.attrs.set(k, v);
    node.unclean = false;
    node.unseen = false;
    if (isTrue(node.attrs.get("standby"))) node.standby = true;
    if (isTrue(node.attrs.get("maintenance"))) node.maintenance = true;
    const online = ws.stonithEnabled ? onlineWithFencing(ws, node, st) : onlineWithoutFencing(ws, node, st);
    if (online) node.online = true;
    else node.weight = -INFINITY;
    if (online && node.shutdown) node.weight = -INFINITY;
  }
  for (const node of ws.nodes) {
    if (node.unseen) node.weight = -INFINITY;
    if (isTrue(node.attrs.get("standby"))) node.standby = true;
    if (isTrue(node.attrs.get("maintenance"))) node.maintenance = true;
  }
}

export function fenceNode(ws: WorkingSet, node: Node, reason: string): void {
  if (node.kind !== "cluster") {
    fenceRemoteNode(ws, node, reason);
    return;
  }
  if (!node.unclean) {
    node.unclean = true;
    node.fenceReason ??= reason;
    fenceOp(ws, node, true, reason);
  }
}

export function canFence(ws: WorkingSet, node: Node): boolean {
  if (!ws.stonithEnabled || !ws.haveStonithResource) return false;
  if (ws.haveQuorum || ws.noQuorumPolicy === "ignore") return true;
  return node.online;
}

/** The fencing action for a node (one per node and fence type). */
export function fenceOp(ws: WorkingSet, node: Node, optional: boolean, reason?: string): Action {
  const how = ws.options.get("stonith-action") ?? "reboot";
  const key = `stonith-${node.uname}-${how}`;
  let op = ws.actions.find((a) => a.key === key);
  if (!op) {
    op = customAction(ws, undefined, key, "stonith", node, true);
    op.meta.set("on_node", node.uname);
    op.meta.set("on_node_uuid", node.id);
    op.meta.set("stonith_action", how);
  }
  if (!optional && canFence(ws, node)) {
    op.optional = false;
    setReason(op, reason, false);
  } else if (op.reason === undefined && reason !== undefined) op.reason = reason;
  return op;
}

function readShutdown(node: Node): void {
  const s = node.attrs.get("shutdown");
  if (s !== undefined && s !== "0" && s !== "") node.shutdown = true;
}

function onlineWithoutFencing(ws: WorkingSet, node: Node, st: NodeStateDef): boolean {
  readShutdown(node);
  if (st.expected === "member") node.expectedUp = true;
  if (!isTrue(st.inCcm)) return false;
  if ((st.crmd ?? "").toLowerCase() === "online") return (st.join ?? "").toLowerCase() === "member";
  if (!node.expectedUp) return false;
  fenceNode(ws, node, "peer is unexpectedly down");
  return false;
}

function onlineWithFencing(ws: WorkingSet, node: Node, st: NodeStateDef): boolean {
  readShutdown(node);
  if (st.expected === "member") node.expectedUp = true;
  const terminate = node.attrs.get("terminate");
  let doTerminate = false;
  if (isTrue(terminate)) doTerminate = true;
  else if (terminate !== undefined && terminate.length > 0 && /^[1-9]/.test(terminate)) doTerminate = true;
  let online = isTrue(st.inCcm);
  const crmdOnline = (st.crmd ?? "").toLowerCase() === "online";
  const join = (st.join ?? "").toLowerCase();
  const exp = (st.expected ?? "down").toLowerCase();
  if (node.shutdown) {
    online = crmdOnline;
  } else if (st.inCcm === undefined) {
    fenceNode(ws, node, "peer has not been seen by the cluster");
  } else if (join === "nack") {
    fenceNode(ws, node, "peer failed Pacemaker membership criteria");
  } else if (!doTerminate && exp === "down") {
    if (isTrue(st.inCcm) || crmdOnline) {
      node.standby = true;
      node.pending = true;
    }
  } else if (doTerminate && join === "down" && !isTrue(st.inCcm) && !crmdOnline) {
    online = false;
  } else if (!isTrue(st.inCcm)) {
    fenceNode(ws, node, "peer is no longer part of the cluster");
  } else if (!crmdOnline) {
    fenceNode(ws, node, "peer process is no longer available");
  } else if (doTerminate) {
    fenceNode(ws, node, "termination was requested");
  } else if (join === "member") {
    // active
  } else if (join === "pending" || join === "down") {
    node.standby = true;
    node.pending = true;
  } else {
    fenceNode(ws, node, "peer was in an unknown state");
  }
  return online;
}

/** A node can host resources (Pacemaker's "can run resources"). */
export function canRunResources(node: Node): boolean {
  return node.online && !node.shutdown && !node.unclean && !node.standby && !node.maintenance;
}

export { INFINITY };
