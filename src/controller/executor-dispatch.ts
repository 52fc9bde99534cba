// Carries out graph rsc_ops on ONE executor: the local Executor, or a RemoteClient talking to
// the executor inside a guest or remote node (routing makes one ExecutorDispatch per
// connected guest). Nothing here assumes "local": the executor is only reached through the
// ExecutorApi shape, whose methods may answer directly or through a promise.
//
//   run(action, key) ─► register the resource (once per agent) ─► exec(request, userdata=key)
//        ▲                                                              │
//        └──── first result of that request (matched by resource, ◄─────┘ executor "result"
//              action, interval and transition key)                        events
//   later results of a recurring op (only changes: notifyChangesOnly) ─► "recurring-result"
//
// Results are matched by (resource, action, interval, transition key) rather than by call id:
// the key is known before the request goes out, so a result cannot overtake the reply that
// carries its call id.
import { EventEmitter } from "node:events";
import type { ExecutorApi } from "../executor/api.js";
import type { ExecRequest, OpResult } from "../executor/executor.js";
import { Errno, ExecStatus, ExecutorError, OcfRc } from "../executor/codes.js";
import type { ResourceSpec } from "../executor/agent.js";
import type { GraphAction } from "../scheduler/graph/types.js";
import type { ActionDispatcher, ActionOutcome, DispatchEvent, DispatchResource } from "./action-dispatch.js";
import { notRun } from "./action-dispatch.js";

export interface ExecutorDispatchOptions {
  /** The node this executor serves: recurring results are recorded under it unless the
   *  action that started the op named another (a guest's name, for instance). */
  node: string;
  /** Called by close() after the recurring ops were cancelled (e.g. shut the executor down). */
  onClose?: () => void | Promise<void>;
  log?: (message: string) => void;
}

interface Pending {
  resolve(outcome: ActionOutcome): void;
}

interface Recurring {
  node: string;
  transitionKey: string;
  resource: DispatchResource;
  task: string;
  intervalMs: number;
}

/** Parameters that are graph bookkeeping, not something an agent should see. */
const NOT_FOR_AGENT = new Set(["crm_feature_set"]);

export class ExecutorDispatch extends EventEmitter<{ event: [DispatchEvent] }> implements ActionDispatcher {
  private readonly pending = new Map<string, Pending>();
  /** Agents registered with the executor, by resource id. */
  private readonly registered = new Map<string, ResourceSpec>();
  /** What we know about resources, from the actions that named them. */
  private readonly resources = new Map<string, DispatchResource>();
  /** Recurring ops this dispatch started, by `rsc action interval`. */
  private readonly recurringOps = new Map<string, Recurring>();
  private readonly log: (message: string) => void;
  private closed = false;
  private readonly onResult = (r: OpResult) => this.handleResult(r);

  constructor(
    readonly executor: ExecutorApi,
    private readonly options: ExecutorDispatchOptions,
  ) {
    super();
    this.log = options.log ?? (() => {});
    executor.on("result", this.onResult);
  }

  get node(): string {
    return this.options.node;
  }

  connectedNodes(): string[] {
    return [];
  }

  /** How many actions are waiting for their first result. */
  get inFlight(): number {
    return this.pending.size;
  }

  async run(action: GraphAction, transitionKey: string): Promise<ActionOutcome> {
    const where = `action ${action.id} (${action.operationKey})`;
    if (action.kind !== "rsc_op") throw new Error(`${where}: only rsc_op actions go to an executor (got ${action.kind})`);
    const p = action.primitive;
    if (!p) throw new Error(`${where}: resource operation without a <primitive>`);
    if (this.closed) return notRun(ExecStatus.NOT_CONNECTED, `executor for ${this.node} is closed`);
    const resource: DispatchResource = { id: p.id, class: p.class, type: p.type };
    if (p.provider !== undefined) resource.provider = p.provider;
    if (p.longId !== undefined) resource.longId = p.longId;
    this.resources.set(p.id, resource);

    const attrs = action.attributes;
    const intervalMs = msAttr(attrs, "CRM_meta_interval", where);
    try {
      switch (action.operation) {
        case "cancel":
          return await this.cancel(p.id, attrs.CRM_meta_operation ?? "monitor", intervalMs, where);
        case "delete":
          return await this.delete(p.id);
        default:
          return await this.exec(action, resource, transitionKey, intervalMs, where);
      }
    } catch (err) {
      // The executor refused the request (unknown resource, connection gone, ...): that is an
      // outcome for the history, not a bug.
      if (err instanceof ExecutorError) {
        const status = err.code === Errno.ENOTCONN ? ExecStatus.NOT_CONNECTED : ExecStatus.ERROR;
        return notRun(status, err.message);
      }
      throw err;
    }
  }

  /**
   * Give up on every action still waiting for its result (the executor's connection is gone):
   * each completes with this op-status (default NOT_CONNECTED, as Pacemaker records it).
   */
  abandon(reason: string, opStatus: number = ExecStatus.NOT_CONNECTED): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.resolve(notRun(opStatus, reason));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [, op] of this.recurringOps) {
      try {
        await this.executor.cancel(op.resource.id, op.task, op.intervalMs);
      } catch (err) {
        // A lost connection took the op with it: nothing to cancel.
        if (!(err instanceof ExecutorError && err.code === Errno.ENOTCONN)) this.log(`cancelling ${op.resource.id}_${op.task}_${op.intervalMs} on ${this.node} at close: ${errorText(err)}`);
      }
    }
    this.recurringOps.clear();
    this.executor.off("result", this.onResult);
    this.abandon(`executor for ${this.node} closed`);
    await this.options.onClose?.();
  }

  // --- actions ---------------------------------------------------------------------------

  private async exec(action: GraphAction, resource: DispatchResource, transitionKey: string, intervalMs: number, where: string): Promise<ActionOutcome> {
    const attrs = action.attributes;
    const spec: ResourceSpec = { id: resource.id, class: resource.class, type: resource.type };
    if (resource.provider !== undefined) spec.provider = resource.provider;
    await this.ensureRegistered(spec);
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) if (!NOT_FOR_AGENT.has(k)) params[k] = v;
    const req: ExecRequest = {
      rscId: resource.id,
      action: action.operation,
      intervalMs,
      timeoutMs: msAttr(attrs, "CRM_meta_timeout", where),
      startDelayMs: msAttr(attrs, "CRM_meta_start_delay", where),
      params,
      userdata: transitionKey,
    };
    const recurringKey = opKey(resource.id, action.operation, intervalMs);
    if (intervalMs > 0) {
      // A recurring op already running under this key (started by an earlier transition or
      // an earlier controller) is replaced, so the new one reports its first result.
      req.notifyChangesOnly = true;
      await this.executor.cancel(resource.id, action.operation, intervalMs);
      this.recurringOps.set(recurringKey, { node: action.onNode ?? this.node, transitionKey, resource, task: action.operation, intervalMs });
    } else if (action.operation === "stop") {
      // The executor cancels a resource's recurring ops when it stops it.
      this.forgetRecurring(resource.id);
    }
    const key = resultKey(resource.id, action.operation, intervalMs, transitionKey);
    if (this.pending.has(key)) throw new Error(`${where}: already in flight with transition key ${transitionKey}`);
    const outcome = new Promise<ActionOutcome>((resolve) => this.pending.set(key, { resolve }));
    try {
      await this.send(req, spec);
    } catch (err) {
      this.pending.delete(key);
      if (intervalMs > 0) this.recurringOps.delete(recurringKey);
      throw err;
    }
    return outcome;
  }

  /** exec, re-registering once if the executor forgot the resource (a restarted remote). */
  private async send(req: ExecRequest, spec: ResourceSpec): Promise<number> {
    try {
      return await this.executor.exec(req);
    } catch (err) {
      if (!(err instanceof ExecutorError) || err.code !== Errno.ENODEV) throw err;
      this.registered.delete(spec.id);
      await this.ensureRegistered(spec);
      return await this.executor.exec(req);
    }
  }

  private async ensureRegistered(spec: ResourceSpec): Promise<void> {
    const known = this.registered.get(spec.id);
    if (known && known.class === spec.class && known.provider === spec.provider && known.type === spec.type) return;
    await this.executor.register(spec);
    this.registered.set(spec.id, spec);
  }

  private async cancel(rscId: string, task: string, intervalMs: number, where: string): Promise<ActionOutcome> {
    if (intervalMs <= 0) throw new Error(`${where}: cancel without CRM_meta_interval`);
    this.recurringOps.delete(opKey(rscId, task, intervalMs));
    let found = false;
    try {
      found = Boolean(await this.executor.cancel(rscId, task, intervalMs));
    } catch (err) {
      // Nothing registered means nothing to cancel: the goal is reached all the same.
      if (!(err instanceof ExecutorError) || err.code !== Errno.ENODEV) throw err;
    }
    if (!found) this.log(`cancel ${rscId}_${task}_${intervalMs} on ${this.node}: no such recurring operation (already gone)`);
    return done();
  }

  private forgetRecurring(rscId: string): void {
    for (const [k, op] of [...this.recurringOps]) if (op.resource.id === rscId) this.recurringOps.delete(k);
  }

  private async delete(rscId: string): Promise<ActionOutcome> {
    this.forgetRecurring(rscId);
    this.registered.delete(rscId);
    await this.executor.unregister(rscId);
    return done();
  }

  // --- results ---------------------------------------------------------------------------

  private handleResult(r: OpResult): void {
    const key = resultKey(r.rscId, r.action, r.intervalMs, r.userdata ?? "");
    const waiting = this.pending.get(key);
    if (waiting) {
      this.pending.delete(key);
      waiting.resolve(outcomeOf(r));
      return;
    }
    if (r.intervalMs === 0 || this.closed) return;
    const known = this.recurringOps.get(opKey(r.rscId, r.action, r.intervalMs));
    if (r.status === ExecStatus.CANCELLED) {
      // The answer to our own cancel or stop: nothing new happened. (A replaced op's
      // cancellation carries the old key and must not drop its successor.)
      if (known && known.transitionKey === r.userdata) this.recurringOps.delete(opKey(r.rscId, r.action, r.intervalMs));
      return;
    }
    if (known) {
      this.emitRecurring(known.node, known.resource, r);
      return;
    }
    // A recurring op we did not start here (a guest's executor kept it across a reconnect):
    // still news, as long as we can say which agent it belongs to.
    const resource = this.resources.get(r.rscId);
    if (resource) return this.emitRecurring(this.node, resource, r);
    Promise.resolve(this.executor.info(r.rscId)).then(
      (spec) => {
        if (!spec || this.closed) return;
        const res: DispatchResource = { id: spec.id, class: spec.class, type: spec.type };
        if (spec.provider !== undefined) res.provider = spec.provider;
        this.emitRecurring(this.node, res, r);
      },
      (err: unknown) => this.log(`result of ${r.rscId}_${r.action}_${r.intervalMs} on ${this.node}: cannot look the resource up: ${errorText(err)}`),
    );
  }

  private emitRecurring(node: string, resource: DispatchResource, r: OpResult): void {
    this.emit("event", {
      kind: "recurring-result",
      node,
      resource,
      task: r.action,
      intervalMs: r.intervalMs,
      transitionKey: r.userdata ?? "",
      params: r.params,
      outcome: outcomeOf(r),
    });
  }
}

/** The dispatcher pacerd uses when only this host runs resources: the local Executor. */
export function localOnlyDispatcher(node: string, executor: ExecutorApi & { shutdown?(): void }, log?: (m: string) => void): ExecutorDispatch {
  return new ExecutorDispatch(executor, { node, log, onClose: () => executor.shutdown?.() });
}

function outcomeOf(r: OpResult): ActionOutcome {
  const o: ActionOutcome = {
    callId: r.callId,
    rc: r.rc,
    opStatus: r.status,
    lastRcChange: r.rcChangeTime,
    execTimeMs: r.execTimeMs,
    queueTimeMs: r.queueTimeMs,
  };
  if (r.exitReason !== undefined && r.exitReason !== "") o.exitReason = r.exitReason;
  return o;
}

/** An action the executor completed without running an agent (cancel, delete). */
function done(): ActionOutcome {
  return { callId: 0, rc: OcfRc.OK, opStatus: ExecStatus.DONE, lastRcChange: Math.floor(Date.now() / 1000), execTimeMs: 0, queueTimeMs: 0 };
}

function msAttr(attrs: Record<string, string>, name: string, where: string): number {
  const v = attrs[name];
  if (v === undefined || v === "") return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: ${name}="${v}" is not a number of milliseconds`);
  return n;
}

function opKey(rscId: string, task: string, intervalMs: number): string {
  return `${rscId}\u0000${task}\u0000${intervalMs}`;
}

function resultKey(rscId: string, task: string, intervalMs: number, transitionKey: string): string {
  return `${opKey(rscId, task, intervalMs)}\u0000${transitionKey}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
