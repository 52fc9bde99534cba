// Reading one resource's operation history on one node: the order Pacemaker replays it in,
// and which part of it describes the current run of the resource. Shared by the history
// unpacker and the definition-change (digest) checks, which must agree on both.
import type { LrmOpDef } from "../cib/model.js";

/** Call order with pending calls (call-id -1) last. Array sort is stable, so equal call ids
 *  keep document order. */
export function byCallId(a: LrmOpDef, b: LrmOpDef): number {
  const ca = a.callId;
  const cb = b.callId;
  if (ca === cb) return 0;
  if (ca < 0) return 1;
  if (cb < 0) return -1;
  return ca - cb;
}

/** A copy of the operations in call order. */
export function sortByCallId(ops: readonly LrmOpDef[]): LrmOpDef[] {
  return [...ops].sort(byCallId);
}

/** Indexes (in call order) of the last start and the last successful stop. Without a start,
 *  a promote/demote or a successful monitor after the last stop shows the resource running. */
export function activeSpan(ops: readonly LrmOpDef[]): { start: number; stop: number } {
  let start = -1;
  let stop = -1;
  let impliedMonitor = -1;
  let impliedClone = -1;
  ops.forEach((op, i) => {
    if (op.operation === "stop" && op.opStatus === 0) stop = i;
    else if (op.operation === "start" || op.operation === "migrate_from") start = i;
    else if (impliedMonitor <= stop && op.operation === "monitor") {
      if (op.rcCode === 0 || op.rcCode === 8) impliedMonitor = i;
    } else if (op.operation === "promote" || op.operation === "demote") impliedClone = i;
  });
  if (start === -1) start = impliedClone !== -1 ? impliedClone : impliedMonitor;
  return { start, stop };
}
