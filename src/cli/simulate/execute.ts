// Simulated execution of a transition graph, as `crm_simulate -S` does it: every action
// "succeeds" at once with the result the graph expects, and the result is written into a copy
// of the CIB so that the revised cluster status can be computed from it.
//
// Synapses fire in passes: each pass walks the synapses in graph order and fires every one
// whose inputs are all confirmed; a fired action is confirmed immediately, so a later synapse
// in the same pass can already fire on it. Passes repeat until one fires nothing.
import { cloneElement, walk, type XmlElement } from "../../cib/xml.js";
import { recordDigests } from "../../cib/digest.js";
import {
  HistoryIndex,
  lastCallId,
  OP_STATUS,
  recordNodeDown,
  recordOperation,
  transitionKey,
} from "../../cib/history.js";
import type { GraphAction, Synapse, TransitionGraph } from "../../scheduler/graph/types.js";

/** crm_simulate stamps its fake results with this transition UUID. */
const FAKE_UUID = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

export interface ExecuteOptions {
  /** Epoch seconds written as last-rc-change of every fake result. Defaults to the wall
   *  clock, as in crm_simulate (which ignores -t here); pass it for reproducible output. */
  now?: number;
  /** Record the results into `input` itself instead of a copy: for callers that no longer need
   *  the original tree (copying a 100 MB CIB costs more than scheduling it). */
  inPlace?: boolean;
}

export interface ExecuteResult {
  /** The "Executing Cluster Transition" items, without indentation: `Resource action: ...`. */
  lines: string[];
  /** The revised CIB (the input itself with `inPlace`, else a modified copy). */
  cib: XmlElement;
  /** Whether any result or fencing was written: when false, `cib` equals the input. */
  changed: boolean;
  /** Synapses that never fired because an input never completed (empty for a sound graph). */
  unfired: Synapse[];
}

export class ExecuteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExecuteError";
  }
}

export function executeTransition(input: XmlElement, graph: TransitionGraph, options: ExecuteOptions = {}): ExecuteResult {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const cib = options.inPlace ? input : cloneElement(input);
  const index = new HistoryIndex(cib);
  const names = knownResourceNames(cib);
  const nodeIds = configuredNodeIds(cib);
  const lines: string[] = [];
  let updates = 0;
  let changed = false;

  const run = (action: GraphAction): void => {
    switch (action.kind) {
      case "pseudo_event":
        lines.push(`Pseudo action:   ${action.operationKey}${action.onNode !== undefined ? ` on ${action.onNode}` : ""}`);
        return;
      case "crm_event": {
        const n = runClusterEvent(cib, action, lines, nodeIds, index);
        if (n >= 0) {
          updates += n;
          changed = true;
        }
        return;
      }
      case "rsc_op": {
        const n = runResourceOp(action, lines, names, now, index);
        if (n >= 0) {
          updates += n;
          changed = true;
        }
        return;
      }
    }
  };

  const fired = firePasses(graph.synapses, (synapse) => synapse.actions.forEach(run));

  if (updates > 0) {
    const n = Number.parseInt(cib.attrs.num_updates ?? "0", 10);
    cib.attrs.num_updates = String((Number.isFinite(n) ? n : 0) + updates);
  }
  return { lines, cib, changed, unfired: graph.synapses.filter((_, i) => !fired[i]) };
}

/**
 * Fires synapses in the order the pass rule gives, without walking every synapse once per
 * pass (a long ordering chain against graph order would need as many passes as links):
 * synapses that become ready behind the current position wait for the next pass, the others
 * fire later in this one, always lowest position first. Returns which synapses fired.
 */
export function firePasses(synapses: Synapse[], fire: (synapse: Synapse) => void): boolean[] {
  const waiting = synapses.map((s) => s.inputs.length);
  const dependents = new Map<number, number[]>();
  synapses.forEach((s, i) => {
    for (const input of s.inputs) {
      const list = dependents.get(input.id);
      if (list) list.push(i);
      else dependents.set(input.id, [i]);
    }
  });
  const fired = synapses.map(() => false);
  let pass = new MinHeap();
  let next: number[] = [];
  synapses.forEach((_, i) => {
    if (waiting[i] === 0) pass.push(i);
  });
  while (pass.size > 0) {
    let position = -1;
    while (pass.size > 0) {
      const i = pass.pop();
      fired[i] = true;
      position = i;
      fire(synapses[i]);
      for (const action of synapses[i].actions) {
        for (const d of dependents.get(action.id) ?? []) {
          if (--waiting[d] !== 0 || fired[d]) continue;
          if (d > position) pass.push(d);
          else next.push(d);
        }
      }
    }
    pass = new MinHeap(next);
    next = [];
  }
  return fired;
}

/** A binary min-heap of synapse positions. */
class MinHeap {
  private readonly items: number[];

  constructor(items: number[] = []) {
    this.items = [...items].sort((a, b) => a - b);
  }

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const a = this.items;
    a.push(value);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= a[i]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Returns the number of CIB updates made, or -1 when the event writes nothing. */
function runClusterEvent(cib: XmlElement, action: GraphAction, lines: string[], nodeIds: Map<string, string>, index: HistoryIndex): number {
  if (action.onNode === undefined) throw new ExecuteError(`action ${action.id} (${action.operationKey}): ${action.operation} event without on_node`);
  const node = action.onNode;
  if (action.operation === "stonith") {
    const how = action.attributes.CRM_meta_stonith_action ?? "reboot";
    lines.push(`Fencing ${node} (${how})`);
    if (how === "on") return -1;
    const id = nodeIds.get(node) ?? action.onNodeUuid ?? node;
    const created = index.hasNodeState(node) ? 0 : 1;
    const state = index.nodeState({ uname: node, id });
    index.forgetHistory(state);
    return created + recordNodeDown(cib, { uname: node, id }, "simulate_fencing_action");
  }
  if (action.primitive) lines.push(`Cluster action:  ${action.operation} for ${action.primitive.id} on ${node}`);
  else lines.push(`Cluster action:  ${action.operation} on ${node}`);
  return -1;
}

/** Returns the number of CIB updates made, or -1 when the action writes nothing. */
function runResourceOp(action: GraphAction, lines: string[], names: Set<string>, now: number, index: HistoryIndex): number {
  if (action.operation === "probe_again") return -1;
  const where = `action ${action.id} (${action.operationKey})`;
  const p = action.primitive;
  if (!p) throw new ExecuteError(`${where}: resource operation without a <primitive>`);
  if (action.onNode === undefined) throw new ExecuteError(`${where}: resource operation without on_node`);

  // The scheduler's name for the resource: the plain id if the cluster knows a resource by
  // it, else the instance name (anonymous clone instances).
  const name = names.has(p.id) || p.longId === undefined ? p.id : p.longId;
  const interval = Number.parseInt(action.attributes.CRM_meta_interval ?? "0", 10) || 0;
  const shown = interval > 0 ? `${action.operation}=${interval}` : action.operation;
  lines.push(`Resource action: ${name.padEnd(15)} ${shown} on ${action.onNode}`);
  if (action.operation === "delete" || action.operation === "meta-data") return -1;

  const targetRc = Number.parseInt(action.attributes.CRM_meta_op_target_rc ?? "0", 10) || 0;
  // Routed actions (remote and guest nodes) are recorded under the node's name as its id.
  const nodeId = action.routerNode !== undefined ? action.onNode : action.onNodeUuid ?? action.onNode;
  const created = index.hasNodeState(action.onNode) ? 0 : 1;
  const nodeState = index.nodeState({ uname: action.onNode, id: nodeId });
  const history = index.resourceHistory(nodeState, { id: p.id, name, class: p.class, provider: p.provider, type: p.type });
  const callId = lastCallId(history) + 1;
  const key = transitionKey(callId, -1, targetRc, FAKE_UUID);
  if (action.operation === "notify" && (action.attributes.CRM_meta_notify_type === undefined || action.attributes.CRM_meta_notify_operation === undefined)) {
    throw new ExecuteError(`${where}: notification without CRM_meta_notify_type/CRM_meta_notify_operation`);
  }
  recordOperation(history, p.id, {
    task: action.operation,
    intervalMs: interval,
    callId,
    rc: targetRc,
    opStatus: OP_STATUS.DONE,
    targetRc,
    transitionKey: key,
    lastRcChange: now,
    execTime: 0,
    queueTime: 0,
    params: action.attributes,
    digests: recordDigests(action.attributes),
    origin: "crm_simulate",
  });
  return created + 1;
}


/**
 * Names the scheduler knows resources by, as far as the executor needs them: primitives that
 * are not cloned, guest-node connections, and every id found in the operation history (which
 * covers orphans and anonymous clone instances recorded under their bare id).
 */
function knownResourceNames(cib: XmlElement): Set<string> {
  const names = new Set<string>();
  const resources = cib.children.find((c) => c.name === "configuration")?.children.find((c) => c.name === "resources");
  const visit = (el: XmlElement, cloned: boolean): void => {
    for (const c of el.children) {
      if (c.name === "primitive") {
        if (!cloned && c.attrs.id !== undefined) names.add(c.attrs.id);
        for (const meta of c.children) {
          if (meta.name !== "meta_attributes") continue;
          for (const nv of meta.children) if (nv.name === "nvpair" && nv.attrs.name === "remote-node" && nv.attrs.value) names.add(nv.attrs.value);
        }
      } else if (c.name === "group") {
        visit(c, cloned);
      } else if (c.name === "clone" || c.name === "master" || c.name === "bundle") {
        visit(c, true);
      }
    }
  };
  if (resources) visit(resources, false);
  const status = cib.children.find((c) => c.name === "status");
  if (status) for (const el of walk(status)) if (el.name === "lrm_resource" && el.attrs.id !== undefined) names.add(el.attrs.id);
  return names;
}

/** uname → id of the configured cluster nodes. */
function configuredNodeIds(cib: XmlElement): Map<string, string> {
  const ids = new Map<string, string>();
  const nodes = cib.children.find((c) => c.name === "configuration")?.children.find((c) => c.name === "nodes");
  for (const n of nodes?.children ?? []) {
    if (n.name === "node" && n.attrs.uname !== undefined && n.attrs.id !== undefined) ids.set(n.attrs.uname, n.attrs.id);
  }
  return ids;
}
