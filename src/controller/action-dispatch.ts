// The seam between the transition engine (which decides *when* an action runs and records
// what came back) and routing (which decides *where* it runs: the local executor, the remote
// executor inside a guest, or the controller itself for a connection resource). The engine
// only ever sees this interface, so it can be tested with a fake dispatcher and routing can
// be tested without a graph.
import { OcfRc } from "../executor/codes.js";
import type { GraphAction } from "../scheduler/graph/types.js";

/** What carrying out one rsc_op produced: the fields an lrm_rsc_op records. */
export interface ActionOutcome {
  /** Executor call id (connection resources: the controller's own counter). */
  callId: number;
  /** OCF rc (src/executor/codes.ts OcfRc). */
  rc: number;
  /** Execution status (ExecStatus): DONE, TIMEOUT, ERROR, NOT_CONNECTED, ... */
  opStatus: number;
  exitReason?: string;
  /** Epoch seconds of the last rc change; 0 when the action never ran. */
  lastRcChange: number;
  execTimeMs: number;
  queueTimeMs: number;
}

/** An action that never ran (no executor reached, or refused before running): result unknown. */
export function notRun(opStatus: number, reason: string): ActionOutcome {
  return { callId: 0, rc: OcfRc.UNKNOWN_ERROR, opStatus, exitReason: reason, lastRcChange: 0, execTimeMs: 0, queueTimeMs: 0 };
}

/** Where a resource lives, as the history needs it (lrm_resource id/class/provider/type). */
export interface DispatchResource {
  /** The executor's name (GraphPrimitive.id). */
  id: string;
  /** The scheduler's instance name when it differs (GraphPrimitive.longId). */
  longId?: string;
  class: string;
  provider?: string;
  type: string;
}

/** Something that happened without a graph action asking for it. */
export type DispatchEvent =
  /** A later run of a recurring operation that the graph started (first run = the
   *  action's own outcome). Only changes are reported (rc or op-status differs). */
  | {
      kind: "recurring-result";
      /** The node whose history records it (guest/remote name for resources inside them). */
      node: string;
      resource: DispatchResource;
      task: string;
      intervalMs: number;
      /** The transition key the recurring op was started with. */
      transitionKey: string;
      /** The parameters it runs with (for the history's digests). */
      params: Record<string, string>;
      outcome: ActionOutcome;
    }
  /** A guest's or remote node's connection dropped (or a poke failed) outside any action. */
  | { kind: "connection-lost"; /** connection resource id = guest/remote node name */ node: string; reason: string };

export interface ActionDispatcher {
  /**
   * Carry out one graph `rsc_op` (start, stop, monitor incl. probes, recurring monitor set-up,
   * notify, promote, demote, migrate_to/from, reload, cancel), routed by its `onNode`/
   * `routerNode` and primitive. Resolves with the first result (for a recurring monitor: its
   * first run). Agent failures, timeouts and unreachable guests are outcomes, never
   * rejections; a rejection means a bug or a malformed action.
   */
  run(action: GraphAction, transitionKey: string): Promise<ActionOutcome>;
  on(event: "event", listener: (e: DispatchEvent) => void): unknown;
  off(event: "event", listener: (e: DispatchEvent) => void): unknown;
  /** Which connections are up now (guest/remote node names): the daemon records them as
   *  online in the status before scheduling. */
  connectedNodes(): string[];
  /** Stop everything: cancel recurring ops bookkeeping, disconnect guests, close executors. */
  close(): Promise<void>;
}
