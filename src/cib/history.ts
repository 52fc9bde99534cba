// Recording operation results in the CIB status section, exactly as Pacemaker 2.1.5 lays
// them out. Both the simulator (fake results) and the controller (real results) write history
// through this module, so what the scheduler later reads back is the same either way.
//
// Layout: status / node_state / lrm / lrm_resources / lrm_resource / lrm_rsc_op.
// Which lrm_rsc_op an operation lands in (its id):
//   notify                        RSC_{pre|post}_notify_{OPERATION}_0   (notify errors are ignored)
//   failed (rc ≠ expected, or the execution did not complete)
//                                 RSC_last_failure_0, and for one-shot operations RSC_last_0 too
//   recurring (interval ≠ 0)      the operation key, RSC_monitor_10000
//   migrate_to / migrate_from     the operation key, RSC_migrate_to_0
//   anything else                 RSC_last_0
// A reload that completed is recorded as a start.
// An existing record with that id is updated in place: attributes it already has keep their
// position, new ones are appended, and attributes this write does not set are left alone.
// Nothing here reads a clock: the caller passes every time value in.
import { child, element, type XmlElement } from "./xml.js";
import type { RecordedDigests } from "./digest.js";

/** OCF-style exit codes used in history. */
export const RC = { OK: 0, NOT_RUNNING: 7, RUNNING_PROMOTED: 8 } as const;
/** Execution status codes (op-status). */
export const OP_STATUS = { PENDING: -1, DONE: 0, CANCELLED: 1, TIMEOUT: 2, NOT_SUPPORTED: 3, ERROR: 4 } as const;

/** The feature set Pacemaker 2.1.5 records in history. */
export const HISTORY_FEATURE_SET = "3.16.1";

/** `ACTION:TRANSITION:TARGET_RC:UUID`: ties a result to the graph action that asked for it. */
export function transitionKey(actionId: number, transitionId: number, targetRc: number, uuid: string): string {
  return `${actionId}:${transitionId}:${targetRc}:${uuid}`;
}

/** `OP_STATUS:RC;TRANSITION_KEY`. */
export function transitionMagic(opStatus: number, rc: number, key: string): string {
  return `${opStatus}:${rc};${key}`;
}

/** Operation key: RSC_TASK_INTERVALMS. */
export function operationKey(rsc: string, task: string, intervalMs: number): string {
  return `${rsc}_${task}_${intervalMs}`;
}

export interface NodeRef {
  /** The node's name (node_state uname). */
  uname: string;
  /** The node's id, used when its node_state must be created. */
  id: string;
}

export interface ResourceRef {
  /** The name the executor knows the resource by: op ids are built from it, and a new
   *  lrm_resource gets it as id. */
  id: string;
  /** The scheduler's name, when different (a clone instance `rsc:1`): an existing history
   *  entry under this name is preferred. */
  name?: string;
  class: string;
  provider?: string;
  type: string;
}

export interface OperationResult {
  /** The operation as requested (start, stop, monitor, notify, migrate_to, reload, cancel...). */
  task: string;
  intervalMs: number;
  callId: number;
  rc: number;
  opStatus: number;
  /** The rc the graph expected (CRM_meta_op_target_rc, default 0). */
  targetRc: number;
  transitionKey: string;
  exitReason?: string;
  /** Name of the node the operation ran on; written as on_node when given. */
  onNode?: string;
  /** Epoch seconds; timing is written when any of the three is given. */
  lastRcChange?: number;
  execTime?: number;
  queueTime?: number;
  /** The parameters the operation ran with (its graph attributes): source of notify details
   *  and migration endpoints. */
  params?: Record<string, string>;
  digests?: RecordedDigests;
  /** crm-debug-origin: who wrote the record (`crm_simulate`, `do_update_resource`). */
  origin: string;
  featureSet?: string;
}

/** The node_state of a node, created (empty, at the end of status) when missing. */
export function ensureNodeState(cib: XmlElement, node: NodeRef): XmlElement {
  const status = ensureChild(cib, "status");
  const found = status.children.find((c) => c.name === "node_state" && c.attrs.uname === node.uname);
  if (found) return found;
  const created = element("node_state", { id: node.id, uname: node.uname });
  status.children.push(created);
  return created;
}

/** The node's lrm_resource for a resource: an existing entry under the scheduler's name, then
 *  under the executor's name, else a new one under the executor's name. */
export function ensureResourceHistory(nodeState: XmlElement, rsc: ResourceRef): XmlElement {
  const lookFor = (id: string): XmlElement | undefined => {
    for (const lrm of nodeState.children) {
      if (lrm.name !== "lrm") continue;
      for (const set of lrm.children) {
        if (set.name !== "lrm_resources") continue;
        const hit = set.children.find((r) => r.name === "lrm_resource" && r.attrs.id === id);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  const existing = (rsc.name !== undefined ? lookFor(rsc.name) : undefined) ?? lookFor(rsc.id);
  return existing ?? createResourceHistory(nodeState, rsc);
}

/** A new, empty lrm_resource under the executor's name (lrm and lrm_resources made as needed). */
function createResourceHistory(nodeState: XmlElement, rsc: ResourceRef): XmlElement {
  let lrm = child(nodeState, "lrm");
  if (!lrm) {
    lrm = element("lrm", { id: nodeState.attrs.id });
    nodeState.children.push(lrm);
  }
  const resources = ensureChild(lrm, "lrm_resources");
  const attrs: Record<string, string> = { id: rsc.id, class: rsc.class };
  if (rsc.provider !== undefined) attrs.provider = rsc.provider;
  attrs.type = rsc.type;
  const created = element("lrm_resource", attrs);
  resources.children.push(created);
  return created;
}

/**
 * Cached lookups for writing many results into one CIB (a transition can record hundreds of
 * thousands): node states by name, resource histories by id. Only sees changes made through
 * it (and those present when an entry is first looked up).
 */
export class HistoryIndex {
  private readonly states = new Map<string, XmlElement>();
  private readonly histories = new Map<XmlElement, Map<string, XmlElement>>();

  constructor(private readonly cib: XmlElement) {
    const status = child(cib, "status");
    for (const s of status?.children ?? []) {
      if (s.name === "node_state" && s.attrs.uname !== undefined && !this.states.has(s.attrs.uname)) this.states.set(s.attrs.uname, s);
    }
  }

  hasNodeState(uname: string): boolean {
    return this.states.has(uname);
  }

  nodeState(node: NodeRef): XmlElement {
    let state = this.states.get(node.uname);
    if (!state) {
      state = ensureNodeState(this.cib, node);
      this.states.set(node.uname, state);
    }
    return state;
  }

  resourceHistory(nodeState: XmlElement, rsc: ResourceRef): XmlElement {
    let byId = this.histories.get(nodeState);
    if (!byId) {
      byId = new Map();
      for (const lrm of nodeState.children) {
        if (lrm.name !== "lrm") continue;
        for (const set of lrm.children) {
          if (set.name !== "lrm_resources") continue;
          for (const r of set.children) if (r.name === "lrm_resource" && r.attrs.id !== undefined && !byId.has(r.attrs.id)) byId.set(r.attrs.id, r);
        }
      }
      this.histories.set(nodeState, byId);
    }
    const found = (rsc.name !== undefined ? byId.get(rsc.name) : undefined) ?? byId.get(rsc.id);
    if (found) return found;
    const created = createResourceHistory(nodeState, rsc);
    byId.set(created.attrs.id, created);
    return created;
  }

  /** Forget a node's cached histories (after its history was removed, e.g. by fencing). */
  forgetHistory(nodeState: XmlElement): void {
    this.histories.delete(nodeState);
  }
}

/** The highest call-id recorded for a resource on a node (0 if none). */
export function lastCallId(resourceHistory: XmlElement): number {
  let max = 0;
  for (const op of resourceHistory.children) {
    if (op.name !== "lrm_rsc_op") continue;
    const n = Number.parseInt(op.attrs["call-id"] ?? "", 10);
    if (Number.isFinite(n) && n > max) max = n;
  }
  return max;
}

/** Whether a result counts as a failure. */
export function isFailure(result: Pick<OperationResult, "opStatus" | "rc" | "targetRc">): boolean {
  return result.opStatus !== OP_STATUS.DONE || result.rc !== result.targetRc;
}

/**
 * Write an operation result under a resource's history entry. Returns the records written
 * (two for a failed one-shot operation: last_failure and last).
 */
export function recordOperation(resourceHistory: XmlElement, rscId: string, result: OperationResult): XmlElement[] {
  let task = result.task;
  let rc = result.rc;
  let opStatus = result.opStatus;
  const params = result.params ?? {};
  if ((task === "reload" || task === "reload-agent") && opStatus !== OP_STATUS.PENDING) {
    task = opStatus === OP_STATUS.DONE ? "start" : "monitor";
  }
  const key = operationKey(rscId, task, result.intervalMs);

  const ids: string[] = [];
  if (task === "notify") {
    const type = params.CRM_meta_notify_type;
    const operation = params.CRM_meta_notify_operation;
    if (type === undefined || operation === undefined) {
      throw new Error(`notify for ${rscId} lacks CRM_meta_notify_type/CRM_meta_notify_operation`);
    }
    ids.push(`${rscId}_${type}_notify_${operation}_0`);
    if (opStatus !== OP_STATUS.PENDING) {
      rc = RC.OK;
      opStatus = OP_STATUS.DONE;
    }
  } else if (opStatus !== OP_STATUS.PENDING && isFailure({ opStatus, rc, targetRc: result.targetRc })) {
    ids.push(`${rscId}_last_failure_0`);
    if (result.intervalMs === 0) ids.push(`${rscId}_last_0`);
  } else if (result.intervalMs !== 0 || task === "migrate_to" || task === "migrate_from") {
    ids.push(key);
  } else {
    ids.push(`${rscId}_last_0`);
  }

  return ids.map((id) => {
    let op = resourceHistory.children.find((c) => c.name === "lrm_rsc_op" && c.attrs.id === id);
    if (!op) {
      op = element("lrm_rsc_op", { id });
      resourceHistory.children.push(op);
    }
    const a = op.attrs;
    a.operation_key = key;
    a.operation = task;
    a["crm-debug-origin"] = result.origin;
    a.crm_feature_set = result.featureSet ?? HISTORY_FEATURE_SET;
    a["transition-key"] = result.transitionKey;
    a["transition-magic"] = transitionMagic(opStatus, rc, result.transitionKey);
    a["exit-reason"] = result.exitReason ?? "";
    if (result.onNode !== undefined) a.on_node = result.onNode;
    a["call-id"] = String(result.callId);
    a["rc-code"] = String(rc);
    a["op-status"] = String(opStatus);
    a.interval = String(result.intervalMs);
    if (result.lastRcChange !== undefined || result.execTime !== undefined || result.queueTime !== undefined) {
      a["last-rc-change"] = String(result.lastRcChange ?? 0);
      a["exec-time"] = String(result.execTime ?? 0);
      a["queue-time"] = String(result.queueTime ?? 0);
    }
    if (task === "migrate_to" || task === "migrate_from") {
      if (params.CRM_meta_migrate_source !== undefined) a.migrate_source = params.CRM_meta_migrate_source;
      if (params.CRM_meta_migrate_target !== undefined) a.migrate_target = params.CRM_meta_migrate_target;
    }
    const d = result.digests;
    if (d) {
      a["op-digest"] = d["op-digest"];
      if (d["op-restart-digest"] !== undefined) {
        a["op-force-restart"] = d["op-force-restart"] ?? "";
        a["op-restart-digest"] = d["op-restart-digest"];
      }
      if (d["op-secure-digest"] !== undefined) {
        a["op-secure-params"] = d["op-secure-params"] ?? "";
        a["op-secure-digest"] = d["op-secure-digest"];
      }
    }
    return op;
  });
}

/**
 * A node was fenced (or otherwise left for good): mark it down and forget its resource
 * history and transient attributes. Returns how many CIB changes that made (state change,
 * plus one per removed section), which is what Pacemaker counts in num_updates.
 */
export function recordNodeDown(cib: XmlElement, node: NodeRef, origin: string): number {
  const state = ensureNodeState(cib, node);
  const a = state.attrs;
  a.in_ccm = "false";
  a.crmd = "offline";
  a.join = "down";
  a.expected = "down";
  a["crm-debug-origin"] = origin;
  let changes = 1;
  for (const section of ["lrm", "transient_attributes"]) {
    const before = state.children.length;
    state.children = state.children.filter((c) => c.name !== section);
    if (state.children.length !== before) changes++;
  }
  if (state.comments) state.comments = state.comments.filter((c) => c.before <= state.children.length);
  return changes;
}

function ensureChild(parent: XmlElement, name: string): XmlElement {
  let c = child(parent, name);
  if (!c) {
    c = element(name);
    parent.children.push(c);
  }
  return c;
}
