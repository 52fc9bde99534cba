// The executor's shape, shared by the local Executor and the remote client (src/remote), so
// the controller drives a local node and a guest the same way. Methods may answer directly
// (local) or through a promise (remote): callers always `await` them.
import type { ResourceSpec } from "./agent.js";
import type { ExecRequest, OpResult, RecurringOp, RegisterOptions } from "./executor.js";

type Maybe<T> = T | Promise<T>;

export interface ExecutorApi {
  register(spec: ResourceSpec, options?: RegisterOptions): Maybe<unknown>;
  /** inProgress: an op of the resource was still running (it completes, flagged rscDeleted). */
  unregister(id: string): Maybe<{ inProgress: boolean }>;
  info(id: string): Maybe<ResourceSpec | undefined>;
  /** Accepts an op and returns its call id; the outcome arrives as a "result" event. */
  exec(req: ExecRequest): Maybe<number>;
  cancel(rscId: string, action: string, intervalMs: number): Maybe<boolean>;
  recurring(rscId?: string): Maybe<{ rscId: string; ops: RecurringOp[] }[]>;
  on(event: "result", listener: (r: OpResult) => void): unknown;
  off(event: "result", listener: (r: OpResult) => void): unknown;
}
