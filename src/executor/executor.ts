// The executor: resources, their operation queues, recurring operations, and result events.
// One action runs at a time per resource (FIFO); different resources run in parallel.
// The same class serves the local controller and pacer-remoted, which only translates the
// wire protocol into these calls (see src/remote/server.ts).
import { EventEmitter } from "node:events";
import { ExecStatus, Errno, ExecutorError, OcfRc } from "./codes.js";
import { defaultPaths, prepareAction, type AgentPaths, type ResourceSpec } from "./agent.js";
import { exitReasonFrom } from "./ocf.js";
import { runProcess, type RunningProcess } from "./run-process.js";
import { silentLogger, type Logger } from "./log.js";
import type { ExecutorApi } from "./api.js";

export interface ExecRequest {
  rscId: string;
  action: string;
  /** Recurring interval in ms; 0 = run once. */
  intervalMs?: number;
  /** Kill the agent after this many ms; 0 or less = the 20 s default. */
  timeoutMs?: number;
  /** Hold the operation this many ms before it may run. */
  startDelayMs?: number;
  params?: Record<string, string>;
  /** Opaque caller data, echoed in results (the controller stores a transition key here). */
  userdata?: string;
  /** Who asked (the remote server puts its client id here); echoed in results. */
  origin?: string;
  /** Results are meant for the origin only (Pacemaker call option 0x2). */
  notifyOriginOnly?: boolean;
  /** For recurring operations: report a result only when (rc, status) changed (0x4). */
  notifyChangesOnly?: boolean;
  /** Use this call id instead of taking the next one (the server numbers every request). */
  callId?: number;
}

export interface OpResult {
  callId: number;
  rscId: string;
  action: string;
  intervalMs: number;
  timeoutMs: number;
  startDelayMs: number;
  userdata?: string;
  params: Record<string, string>;
  /** OCF exit code (see codes.ts). */
  rc: number;
  /** Execution status (see codes.ts). */
  status: number;
  exitReason?: string;
  /** The agent's stderr if it wrote any, otherwise its stdout. */
  output?: string;
  /** Epoch seconds when the run started (0 when it never ran). */
  runTime: number;
  /** Epoch seconds of the last change of rc for this operation. */
  rcChangeTime: number;
  execTimeMs: number;
  queueTimeMs: number;
  /** The resource was unregistered while this operation was in flight. */
  rscDeleted: boolean;
  origin?: string;
  notifyOriginOnly: boolean;
}

export interface RecurringOp {
  action: string;
  intervalMs: number;
  timeoutMs: number;
}

export interface ExecutorOptions {
  paths?: Partial<AgentPaths>;
  logger?: Logger;
}

export interface RegisterOptions {
  /** Cancel this resource's recurring operations when the last remote client leaves. */
  dropRecurringOnDisconnect?: boolean;
}

const DEFAULT_TIMEOUT_MS = 20_000;

type OpState = "delayed" | "queued" | "running" | "waiting" | "finished";

interface Op {
  callId: number;
  rscId: string;
  action: string;
  intervalMs: number;
  timeoutMs: number;
  startDelayMs: number;
  params: Record<string, string>;
  userdata?: string;
  origin?: string;
  notifyOriginOnly: boolean;
  notifyChangesOnly: boolean;
  state: OpState;
  timer?: NodeJS.Timeout;
  readyAt: number;
  cancelled: boolean;
  reported: boolean;
  lastRc?: number;
  lastStatus?: number;
  rcChangeTime: number;
  proc?: RunningProcess;
}

interface Resource {
  spec: ResourceSpec;
  queue: Op[];
  running?: Op;
  /** Every active recurring op, whatever its state, plus delayed one-shot ops. */
  tracked: Set<Op>;
  dropRecurringOnDisconnect: boolean;
  deleted: boolean;
}

export interface ExecutorEvents {
  result: [OpResult];
}

export class Executor extends EventEmitter<ExecutorEvents> implements ExecutorApi {
  readonly paths: AgentPaths;
  private readonly log: Logger;
  private readonly resources = new Map<string, Resource>();
  private callCounter = 0;
  private closed = false;

  constructor(options: ExecutorOptions = {}) {
    super();
    this.paths = { ...defaultPaths, ...options.paths };
    this.log = options.logger ?? silentLogger;
  }

  /** Call ids are positive and shared by every request, like Pacemaker's global counter. */
  nextCallId(): number {
    this.callCounter = this.callCounter >= 0x7fffffff ? 1 : this.callCounter + 1;
    return this.callCounter;
  }

  /** Register (or re-register) a resource. Same agent again: nothing changes. */
  register(spec: ResourceSpec, options: RegisterOptions = {}): { replaced: boolean; unchanged: boolean } {
    if (!spec.id) throw new ExecutorError(Errno.EINVAL, "resource registration without an id");
    const old = this.resources.get(spec.id);
    if (old && sameAgent(old.spec, spec)) {
      old.dropRecurringOnDisconnect = options.dropRecurringOnDisconnect ?? old.dropRecurringOnDisconnect;
      return { replaced: false, unchanged: true };
    }
    if (old) {
      this.log.info(`Resource ${spec.id} re-registered with a different agent (${describeSpec(old.spec)} -> ${describeSpec(spec)}); cancelling its queued operations`);
      this.discard(old);
    }
    this.resources.set(spec.id, {
      spec: { ...spec },
      queue: [],
      tracked: new Set(),
      dropRecurringOnDisconnect: options.dropRecurringOnDisconnect ?? false,
      deleted: false,
    });
    return { replaced: old !== undefined, unchanged: false };
  }

  /** Remove a resource. Its pending and recurring ops are cancelled; a running op completes. */
  unregister(id: string): { existed: boolean; inProgress: boolean } {
    const rsc = this.resources.get(id);
    if (!rsc) return { existed: false, inProgress: false };
    const inProgress = rsc.running !== undefined;
    this.discard(rsc);
    return { existed: true, inProgress };
  }

  info(id: string): ResourceSpec | undefined {
    const rsc = this.resources.get(id);
    return rsc ? { ...rsc.spec } : undefined;
  }

  resourceIds(): string[] {
    return [...this.resources.keys()];
  }

  /** Queue an action; returns its call id. The result arrives later as a "result" event. */
  exec(req: ExecRequest): number {
    if (this.closed) throw new ExecutorError(Errno.ENOTCONN, "executor is shut down");
    if (!req.rscId) throw new ExecutorError(Errno.EINVAL, "exec without a resource id");
    if (!req.action) throw new ExecutorError(Errno.EINVAL, `exec on ${req.rscId} without an action`);
    const rsc = this.resources.get(req.rscId);
    if (!rsc) throw new ExecutorError(Errno.ENODEV, `no resource '${req.rscId}' is registered`);
    const callId = req.callId ?? this.nextCallId();
    const intervalMs = Math.max(0, req.intervalMs ?? 0);

    if (req.action === "stop") {
      // A stop makes every recurring check of the resource meaningless.
      for (const op of [...rsc.tracked]) if (op.intervalMs > 0) this.cancelOp(rsc, op);
    }

    if (intervalMs > 0) {
      const dup = [...rsc.tracked].find((op) => !op.cancelled && op.intervalMs === intervalMs && op.action.toLowerCase() === req.action.toLowerCase());
      if (dup) {
        // Same recurring op again: merge, taking the newer call id and caller data.
        dup.callId = callId;
        dup.userdata = req.userdata;
        dup.origin = req.origin;
        dup.notifyOriginOnly = req.notifyOriginOnly ?? false;
        dup.notifyChangesOnly = req.notifyChangesOnly ?? false;
        if (dup.state === "waiting") {
          clearTimeout(dup.timer);
          this.enqueue(rsc, dup);
        }
        this.log.debug(`Merged duplicate recurring ${req.rscId}_${req.action}_${intervalMs} (call ${callId})`);
        return callId;
      }
    }

    const op: Op = {
      callId,
      rscId: req.rscId,
      action: req.action,
      intervalMs,
      timeoutMs: req.timeoutMs && req.timeoutMs > 0 ? req.timeoutMs : DEFAULT_TIMEOUT_MS,
      startDelayMs: Math.max(0, req.startDelayMs ?? 0),
      params: { ...(req.params ?? {}) },
      userdata: req.userdata,
      origin: req.origin,
      notifyOriginOnly: req.notifyOriginOnly ?? false,
      notifyChangesOnly: req.notifyChangesOnly ?? false,
      state: "queued",
      readyAt: 0,
      cancelled: false,
      reported: false,
      rcChangeTime: 0,
    };
    if (intervalMs > 0) rsc.tracked.add(op);
    if (op.startDelayMs > 0) {
      op.state = "delayed";
      rsc.tracked.add(op);
      op.timer = setTimeout(() => {
        if (op.intervalMs === 0) rsc.tracked.delete(op);
        this.enqueue(rsc, op);
      }, op.startDelayMs);
    } else {
      this.enqueue(rsc, op);
    }
    return callId;
  }

  /**
   * Cancel a recurring (or not yet started) operation. Its "cancelled" result is emitted
   * before this returns. False when no such operation exists.
   */
  cancel(rscId: string, action: string, intervalMs: number): boolean {
    const rsc = this.resources.get(rscId);
    if (!rsc) throw new ExecutorError(Errno.ENODEV, `no resource '${rscId}' is registered`);
    const match = (op: Op) => !op.cancelled && op.action === action && op.intervalMs === intervalMs;
    const op = [...rsc.tracked].find(match) ?? rsc.queue.find(match);
    if (!op) return false;
    this.cancelOp(rsc, op);
    return true;
  }

  /** Active recurring operations, per resource (all resources when no id is given). */
  recurring(rscId?: string): { rscId: string; ops: RecurringOp[] }[] {
    const ids = rscId === undefined ? [...this.resources.keys()] : [rscId];
    const out: { rscId: string; ops: RecurringOp[] }[] = [];
    for (const id of ids) {
      const rsc = this.resources.get(id);
      if (!rsc) {
        if (rscId !== undefined) throw new ExecutorError(Errno.ENODEV, `no resource '${id}' is registered`);
        continue;
      }
      const ops = [...rsc.tracked].filter((op) => op.intervalMs > 0 && !op.cancelled).map((op) => ({ action: op.action, intervalMs: op.intervalMs, timeoutMs: op.timeoutMs }));
      out.push({ rscId: id, ops });
    }
    return out;
  }

  /** Cancel the recurring ops of resources registered with dropRecurringOnDisconnect. */
  dropRecurringOfFlaggedResources(): number {
    let n = 0;
    for (const rsc of this.resources.values()) {
      if (!rsc.dropRecurringOnDisconnect) continue;
      for (const op of [...rsc.tracked]) {
        if (op.intervalMs > 0) {
          this.cancelOp(rsc, op);
          n++;
        }
      }
    }
    return n;
  }

  /** Stop everything: timers cleared, running agents killed. No more results are emitted. */
  shutdown(): void {
    this.closed = true;
    for (const rsc of this.resources.values()) {
      for (const op of rsc.tracked) clearTimeout(op.timer);
      for (const op of rsc.queue) clearTimeout(op.timer);
      rsc.running?.proc?.kill("SIGKILL");
      if (rsc.running) rsc.running.cancelled = true;
      rsc.queue = [];
      rsc.tracked.clear();
    }
    this.resources.clear();
  }

  // --- internals -------------------------------------------------------------------------

  private discard(rsc: Resource): void {
    rsc.deleted = true;
    this.resources.delete(rsc.spec.id);
    for (const op of [...rsc.tracked]) this.cancelOp(rsc, op);
    for (const op of [...rsc.queue]) this.cancelOp(rsc, op);
  }

  private cancelOp(rsc: Resource, op: Op): void {
    if (op.cancelled) return;
    op.cancelled = true;
    clearTimeout(op.timer);
    rsc.tracked.delete(op);
    const i = rsc.queue.indexOf(op);
    if (i >= 0) rsc.queue.splice(i, 1);
    // A running op keeps running (killing a half-done action is worse); its result is dropped.
    this.emitResult(rsc, op, { rc: op.lastRc ?? OcfRc.OK, status: ExecStatus.CANCELLED, runTime: 0, execTimeMs: 0, queueTimeMs: 0 });
  }

  private enqueue(rsc: Resource, op: Op): void {
    if (op.cancelled || rsc.deleted) return;
    op.state = "queued";
    op.readyAt = performance.now();
    rsc.queue.push(op);
    this.pump(rsc);
  }

  private pump(rsc: Resource): void {
    if (rsc.running || rsc.deleted || this.closed) return;
    const op = rsc.queue.shift();
    if (!op) return;
    rsc.running = op;
    op.state = "running";
    this.run(rsc, op).catch((err: unknown) => {
      // A bug here must not take the daemon down or wedge the resource's queue.
      this.log.error(`Internal error running ${rsc.spec.id}_${op.action}_${op.intervalMs}: ${err instanceof Error ? err.stack : String(err)}`);
      if (rsc.running === op) rsc.running = undefined;
      if (!op.cancelled) {
        try {
          this.emitResult(rsc, op, { rc: OcfRc.UNKNOWN_ERROR, status: ExecStatus.ERROR, exitReason: `internal error: ${err instanceof Error ? err.message : String(err)}`, runTime: 0, execTimeMs: 0, queueTimeMs: 0 });
        } catch {
          // a listener failed again; already logged once
        }
      }
      this.pump(rsc);
    });
  }

  private async run(rsc: Resource, op: Op): Promise<void> {
    const queueTimeMs = Math.round(performance.now() - op.readyAt);
    const runTime = Math.floor(Date.now() / 1000);
    const plan = prepareAction(rsc.spec, op.action, op.params, this.paths, op.intervalMs, op.timeoutMs);
    let rc: number;
    let status: number;
    let exitReason: string | undefined;
    let output: string | undefined;
    let execTimeMs = 0;
    if (plan.kind === "result") {
      // Let the caller's reply go out before the result (the wire order Pacemaker keeps).
      await new Promise((r) => setImmediate(r));
      ({ rc, status } = plan);
      exitReason = plan.reason;
    } else {
      this.log.debug(`Running ${rsc.spec.id}_${op.action}_${op.intervalMs}: ${plan.file} ${plan.args.join(" ")}`);
      op.proc = runProcess(plan.file, plan.args, { env: plan.env, timeoutMs: op.timeoutMs });
      const res = await op.proc.result;
      op.proc = undefined;
      execTimeMs = Math.round(res.durationMs);
      output = res.stderr !== "" ? res.stderr : res.stdout !== "" ? res.stdout : undefined;
      if (res.timedOut) {
        rc = OcfRc.UNKNOWN_ERROR;
        status = ExecStatus.TIMEOUT;
        exitReason = `Resource agent did not complete within ${op.timeoutMs}ms`;
      } else if (res.spawnError) {
        const code = res.spawnError.code;
        rc = code === "ENOENT" ? OcfRc.NOT_INSTALLED : code === "EACCES" ? OcfRc.INSUFFICIENT_PRIV : OcfRc.UNKNOWN_ERROR;
        status = code === "ENOENT" ? ExecStatus.NOT_INSTALLED : ExecStatus.ERROR;
        exitReason = `${plan.file}: ${res.spawnError.message}`;
      } else if (res.exitCode === null) {
        rc = OcfRc.UNKNOWN_ERROR;
        status = ExecStatus.ERROR;
        exitReason = `Resource agent was killed by signal ${res.signal ?? "?"}`;
      } else {
        rc = plan.mapExit(res.exitCode);
        status = ExecStatus.DONE;
        exitReason = exitReasonFrom(res.stderr);
      }
    }
    rsc.running = undefined;
    if (!op.cancelled) {
      this.emitResult(rsc, op, { rc, status, exitReason, output, runTime, execTimeMs, queueTimeMs });
      if (op.intervalMs > 0 && !rsc.deleted && !this.closed) {
        op.state = "waiting";
        op.timer = setTimeout(() => this.enqueue(rsc, op), op.intervalMs);
      } else {
        op.state = "finished";
      }
    }
    this.pump(rsc);
  }

  private emitResult(rsc: Resource, op: Op, r: { rc: number; status: number; exitReason?: string; output?: string; runTime: number; execTimeMs: number; queueTimeMs: number }): void {
    if (this.closed) return;
    const now = Math.floor(Date.now() / 1000);
    const changed = op.lastRc !== r.rc || op.lastStatus !== r.status;
    if (op.lastRc !== r.rc || op.rcChangeTime === 0) op.rcChangeTime = now;
    const suppress = op.notifyChangesOnly && op.intervalMs > 0 && op.reported && !changed && r.status !== ExecStatus.CANCELLED;
    op.lastRc = r.rc;
    op.lastStatus = r.status;
    if (suppress) return;
    op.reported = true;
    const result: OpResult = {
      callId: op.callId,
      rscId: op.rscId,
      action: op.action,
      intervalMs: op.intervalMs,
      timeoutMs: op.timeoutMs,
      startDelayMs: op.startDelayMs,
      userdata: op.userdata,
      params: op.params,
      rc: r.rc,
      status: r.status,
      exitReason: r.exitReason,
      output: r.output,
      runTime: r.runTime,
      rcChangeTime: op.rcChangeTime,
      execTimeMs: r.execTimeMs,
      queueTimeMs: r.queueTimeMs,
      rscDeleted: rsc.deleted,
      origin: op.origin,
      notifyOriginOnly: op.notifyOriginOnly,
    };
    this.emit("result", result);
  }
}

function sameAgent(a: ResourceSpec, b: ResourceSpec): boolean {
  return a.class === b.class && (a.provider ?? "") === (b.provider ?? "") && a.type === b.type;
}

export function describeSpec(s: ResourceSpec): string {
  return s.provider ? `${s.class}:${s.provider}:${s.type}` : `${s.class}:${s.type}`;
}
