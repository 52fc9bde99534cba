// Writes what happened into the CIB status, the way Pacemaker's controller does: one
// lrm_rsc_op per result (src/cib/history.ts lays it out), fail-count/last-failure transient
// attributes on failures, and the cluster-side bookkeeping of crm_events (clear_failcount,
// lrm_delete, a guest's implied fencing).
//
//   submit(item) ──► queue ──► one CibStore.update per batch ──► every item's promise resolves
//                       ▲          (items that arrive while a commit is being written wait
//                       │           and go into the next one together)
//
// A commit of a large CIB costs tens of milliseconds whatever it holds, so batching is what
// keeps a transition of hundreds of actions from spending its time writing files. Commits
// made here carry update-client "pacerd-engine": the planner tells its own writes from the
// changes that should make it plan again.
import type { XmlElement } from "../cib/xml.js";
import { child, element } from "../cib/xml.js";
import { recordDigests } from "../cib/digest.js";
import { HistoryIndex, OP_STATUS, isFailure, recordNodeDown, recordOperation } from "../cib/history.js";
import type { ActionOutcome, DispatchResource } from "./action-dispatch.js";
import type { AgentInfoCache } from "./agent-info.js";
import type { CibStore, CommitResult } from "./cib-store.js";

/** update-client of the recorder's commits. */
export const RECORDER_CLIENT = "pacerd-engine";
const ORIGIN = "do_update_resource";
/** Pacemaker's score infinity, the ceiling of a fail count. */
const INFINITY = 1_000_000;

export interface NodeTarget {
  /** node_state uname. */
  node: string;
  /** node_state id when it must be created (a guest's or remote node's id is its name). */
  nodeId: string;
  /** Create a missing node_state as a remote/guest node's (remote_node="true"). */
  remote?: boolean;
}

/** A result of a resource operation (a graph action's, or a later run of a recurring one). */
export interface OperationRecord extends NodeTarget {
  kind: "operation";
  resource: DispatchResource;
  task: string;
  intervalMs: number;
  /** The parameters it ran with: the graph action's attributes (digests come from them). */
  params: Record<string, string>;
  transitionKey: string;
  targetRc: number;
  outcome: ActionOutcome;
  /** The graph's failed-start-offset / failed-stop-offset (fail count after a failed
   *  start/stop: INFINITY, or a number added to it). */
  failedStartOffset?: string;
  failedStopOffset?: string;
}

export type RecordItem =
  | OperationRecord
  /** A recurring op the graph cancelled: its record goes (Pacemaker deletes it too). */
  | (NodeTarget & { kind: "cancelled"; rscId: string; task: string; intervalMs: number })
  /** The resource's whole history on the node goes (lrm_delete, delete). */
  | (NodeTarget & { kind: "forget-resource"; rscId: string; longId?: string })
  /** clear_failcount: fail-count/last-failure of the resource (and op, when given) go. */
  | (NodeTarget & { kind: "clear-failcount"; rscId: string; task?: string; intervalMs?: number })
  /** The node is down and nothing runs there: a guest's implied fencing, a connection stop. */
  | (NodeTarget & { kind: "node-down"; origin: string })
  /** Forget the node's resource history so that everything is probed again (probe_again). */
  | (NodeTarget & { kind: "forget-node-history" })
  /** A guest's or remote node's connection came up (its executor may have restarted: its
   *  history and transient attributes start again, as Pacemaker's remote_node_up does) or
   *  went away (in_ccm false; the history stays until the node is fenced). */
  | (NodeTarget & { kind: "remote-connection"; up: boolean });

interface Queued {
  item: RecordItem;
  resolve(): void;
  reject(err: unknown): void;
}

export interface RecorderStats {
  commits: number;
  items: number;
}

export class ResultRecorder {
  private queue: Queued[] = [];
  private flushing = false;
  private scheduled = false;
  readonly stats: RecorderStats = { commits: 0, items: 0 };

  constructor(
    private readonly store: CibStore,
    private readonly agents: AgentInfoCache | undefined,
    private readonly log: (message: string) => void = () => {},
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  /** Queue an item; resolves once it is committed (rejects if the store refused it). */
  async submit(item: RecordItem): Promise<void> {
    // Meta-data first (a process run the first time an agent is seen), outside the batch.
    const info = item.kind === "operation" && this.agents ? await this.agents.get(item.resource) : undefined;
    const prepared = item.kind === "operation" ? { ...item, digests: recordDigests(item.params, info) } : item;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item: prepared, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when everything submitted so far is committed. */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.flushing || this.scheduled) await new Promise((r) => setTimeout(r, 5));
  }

  private kick(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    // Let results that arrive in the same turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        try {
          await this.commit(batch.map((q) => q.item));
          for (const q of batch) q.resolve();
        } catch (err) {
          if (batch.length === 1) {
            batch[0].reject(err);
            continue;
          }
          // One bad item must not lose the others: write them one at a time.
          this.log(`recording a batch of ${batch.length} results was refused (${errorText(err)}); recording them one by one`);
          for (const q of batch) {
            try {
              await this.commit([q.item]);
              q.resolve();
            } catch (one) {
              q.reject(one);
            }
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(items: RecordItem[]): Promise<CommitResult> {
    const now = this.now();
    const result = await this.store.update((cib) => applyRecords(cib, items, now), { client: RECORDER_CLIENT });
    this.stats.commits++;
    this.stats.items += items.length;
    return result;
  }
}

type Prepared = RecordItem & { digests?: ReturnType<typeof recordDigests> };

/** Write records into a CIB (exported for tests and tools). `now` stamps last-failure. */
export function applyRecords(cib: XmlElement, items: Prepared[], now: number): void {
  const index = new HistoryIndex(cib);
  const state = (t: NodeTarget): XmlElement => {
    const created = !index.hasNodeState(t.node);
    const s = index.nodeState({ uname: t.node, id: t.nodeId });
    if (created && t.remote) s.attrs.remote_node = "true";
    return s;
  };
  for (const item of items) {
    switch (item.kind) {
      case "operation": {
        const s = state(item);
        s.attrs["crm-debug-origin"] = ORIGIN;
        const r = item.resource;
        const history = index.resourceHistory(s, { id: r.id, class: r.class, provider: r.provider, type: r.type });
        const o = item.outcome;
        recordOperation(history, r.id, {
          task: item.task,
          intervalMs: item.intervalMs,
          callId: o.callId,
          rc: o.rc,
          opStatus: o.opStatus,
          targetRc: item.targetRc,
          transitionKey: item.transitionKey,
          exitReason: o.exitReason,
          onNode: item.node,
          lastRcChange: o.lastRcChange > 0 ? o.lastRcChange : now,
          execTime: o.execTimeMs,
          queueTime: o.queueTimeMs,
          params: item.params,
          digests: item.digests ?? recordDigests(item.params),
          origin: ORIGIN,
        });
        const add = failCountIncrement(item);
        if (add !== undefined) {
          const suffix = `${r.id}#${item.task}_${item.intervalMs}`;
          const current = transientValue(s, `fail-count-${suffix}`);
          setTransient(s, item.nodeId, `fail-count-${suffix}`, addFailCount(current, add));
          setTransient(s, item.nodeId, `last-failure-${suffix}`, String(now));
        }
        break;
      }
      case "cancelled": {
        const s = state(item);
        const id = `${item.rscId}_${item.task}_${item.intervalMs}`;
        for (const r of resourceHistories(s, item.rscId)) r.children = r.children.filter((c) => !(c.name === "lrm_rsc_op" && c.attrs.id === id));
        break;
      }
      case "forget-resource": {
        const s = state(item);
        const ids = new Set([item.rscId, ...(item.longId !== undefined ? [item.longId] : [])]);
        for (const set of lrmResourceSets(s)) set.children = set.children.filter((c) => !(c.name === "lrm_resource" && ids.has(c.attrs.id)));
        index.forgetHistory(s);
        break;
      }
      case "clear-failcount": {
        const s = state(item);
        const op = item.task !== undefined ? `#${item.task}_${item.intervalMs ?? 0}` : undefined;
        removeTransient(s, (name) => {
          for (const prefix of ["fail-count-", "last-failure-"]) {
            if (!name.startsWith(prefix)) continue;
            const rest = name.slice(prefix.length);
            if (op !== undefined ? rest === `${item.rscId}${op}` : rest === item.rscId || rest.startsWith(`${item.rscId}#`)) return true;
          }
          return false;
        });
        break;
      }
      case "node-down": {
        const s = state(item);
        recordNodeDown(cib, { uname: item.node, id: item.nodeId }, item.origin);
        index.forgetHistory(s);
        break;
      }
      case "remote-connection": {
        const s = state({ ...item, remote: true });
        s.attrs.in_ccm = item.up ? "true" : "false";
        s.attrs["crm-debug-origin"] = item.up ? "remote_node_up" : "remote_node_down";
        if (item.up) {
          s.children = s.children.filter((c) => c.name !== "lrm" && c.name !== "transient_attributes");
          index.forgetHistory(s);
        }
        break;
      }
      case "forget-node-history": {
        const s = state(item);
        s.children = s.children.filter((c) => c.name !== "lrm");
        index.forgetHistory(s);
        break;
      }
    }
  }
}

/**
 * How much a result adds to the fail count, or undefined when it does not count: only real
 * failures of recurring ops, promote/demote, start (failed-start-offset) and stop
 * (failed-stop-offset) count; probes, notifications, migrations and cancellations do not
 * (their failures reach the scheduler through the history alone).
 */
export function failCountIncrement(r: Pick<OperationRecord, "task" | "intervalMs" | "targetRc" | "outcome" | "failedStartOffset" | "failedStopOffset">): string | undefined {
  const { opStatus, rc } = r.outcome;
  if (opStatus === OP_STATUS.CANCELLED || opStatus === OP_STATUS.PENDING) return undefined;
  if (!isFailure({ opStatus, rc, targetRc: r.targetRc })) return undefined;
  if (r.task === "notify") return undefined;
  if (r.intervalMs > 0 || r.task === "promote" || r.task === "demote") return "1";
  if (r.task === "start") return r.failedStartOffset ?? "INFINITY";
  if (r.task === "stop") return r.failedStopOffset ?? "INFINITY";
  return undefined;
}

function addFailCount(current: string | undefined, add: string): string {
  const isInf = (v: string) => /^\+?(INFINITY|inf)$/i.test(v);
  if (isInf(add) || (current !== undefined && isInf(current))) return "INFINITY";
  const base = current !== undefined && /^\d+$/.test(current) ? Number(current) : 0;
  const n = base + (/^\d+$/.test(add) ? Number(add) : 1);
  return n >= INFINITY ? "INFINITY" : String(n);
}

function lrmResourceSets(state: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const lrm of state.children) if (lrm.name === "lrm") for (const set of lrm.children) if (set.name === "lrm_resources") out.push(set);
  return out;
}

function resourceHistories(state: XmlElement, rscId: string): XmlElement[] {
  return lrmResourceSets(state).flatMap((set) => set.children.filter((c) => c.name === "lrm_resource" && c.attrs.id === rscId));
}

/** The node's transient attribute set (as attrd writes it: transient_attributes id=NODE-ID,
 *  instance_attributes id=status-NODE-ID), created when missing. */
function transientSet(state: XmlElement, nodeId: string): XmlElement {
  let ta = child(state, "transient_attributes");
  if (!ta) {
    ta = element("transient_attributes", { id: nodeId });
    state.children.push(ta);
  }
  let set = child(ta, "instance_attributes");
  if (!set) {
    set = element("instance_attributes", { id: `status-${nodeId}` });
    ta.children.push(set);
  }
  return set;
}

function transientValue(state: XmlElement, name: string): string | undefined {
  for (const ta of state.children) {
    if (ta.name !== "transient_attributes") continue;
    for (const set of ta.children) for (const nv of set.children) if (nv.name === "nvpair" && nv.attrs.name === name) return nv.attrs.value;
  }
  return undefined;
}

function setTransient(state: XmlElement, nodeId: string, name: string, value: string): void {
  for (const ta of state.children) {
    if (ta.name !== "transient_attributes") continue;
    for (const set of ta.children) {
      const nv = set.children.find((c) => c.name === "nvpair" && c.attrs.name === name);
      if (nv) {
        nv.attrs.value = value;
        return;
      }
    }
  }
  const set = transientSet(state, nodeId);
  set.children.push(element("nvpair", { id: `${set.attrs.id ?? `status-${nodeId}`}-${sanitizeId(name)}`, name, value }));
}

function removeTransient(state: XmlElement, drop: (name: string) => boolean): void {
  for (const ta of state.children) {
    if (ta.name !== "transient_attributes") continue;
    for (const set of ta.children) set.children = set.children.filter((c) => !(c.name === "nvpair" && c.attrs.name !== undefined && drop(c.attrs.name)));
  }
}

/** An XML id from an attribute name: characters an id cannot hold become '.' (as attrd does). */
function sanitizeId(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, ".");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
