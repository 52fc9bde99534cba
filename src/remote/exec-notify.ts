// Exec results on the wire: the executor's OpResult ⇄ an lrmd_notify with lrmd_op="lrmd_rsc_exec".
import type { XmlElement } from "../cib/xml.js";
import type { OpResult } from "../executor/executor.js";
import { notify, Op } from "./envelope.js";
import { paramsElement, paramsFrom } from "./xml-message.js";

export function resultToNotify(r: OpResult): XmlElement {
  const attrs: Record<string, string> = {
    lrmd_timeout: String(r.timeoutMs),
    lrmd_rsc_interval: String(r.intervalMs),
    lrmd_rsc_start_delay: String(r.startDelayMs),
    lrmd_exec_rc: String(r.rc),
    lrmd_exec_op_status: String(r.status),
    lrmd_callid: String(r.callId),
    lrmd_rsc_deleted: r.rscDeleted ? "1" : "0",
    lrmd_run_time: String(r.runTime),
    lrmd_rcchange_time: String(r.rcChangeTime),
    lrmd_exec_time: String(r.execTimeMs),
    lrmd_queue_time: String(r.queueTimeMs),
    lrmd_op: Op.rscExec,
    lrmd_rsc_id: r.rscId,
    lrmd_rsc_action: r.action,
  };
  if (r.userdata !== undefined) attrs.lrmd_rsc_userdata_str = r.userdata;
  if (r.exitReason !== undefined) attrs.lrmd_rsc_exit_reason = r.exitReason;
  if (r.output !== undefined) attrs.lrmd_rsc_output = r.output;
  return notify(attrs, Object.keys(r.params).length > 0 ? [paramsElement(r.params)] : []);
}

const num = (v: string | undefined) => (v === undefined || v === "" || !/^-?\d+$/.test(v) ? 0 : Number(v));

export function notifyToResult(el: XmlElement): OpResult {
  const a = el.attrs;
  return {
    callId: num(a.lrmd_callid),
    rscId: a.lrmd_rsc_id ?? "",
    action: a.lrmd_rsc_action ?? "",
    intervalMs: num(a.lrmd_rsc_interval),
    timeoutMs: num(a.lrmd_timeout),
    startDelayMs: num(a.lrmd_rsc_start_delay),
    userdata: a.lrmd_rsc_userdata_str,
    params: paramsFrom(el.children.find((c) => c.name === "attributes")),
    rc: num(a.lrmd_exec_rc),
    status: num(a.lrmd_exec_op_status),
    exitReason: a.lrmd_rsc_exit_reason,
    output: a.lrmd_rsc_output,
    runTime: num(a.lrmd_run_time),
    rcChangeTime: num(a.lrmd_rcchange_time),
    execTimeMs: num(a.lrmd_exec_time),
    queueTimeMs: num(a.lrmd_queue_time),
    rscDeleted: a.lrmd_rsc_deleted === "1" || a.lrmd_rsc_deleted === "true",
    notifyOriginOnly: false,
  };
}
