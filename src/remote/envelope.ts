// Message envelopes: the root element and the fields every request, reply and notify carries.
import { element, type XmlElement } from "../cib/xml.js";

export const PROTOCOL_VERSION_STRING = "1.1";

export const Op = {
  register: "register",
  rscRegister: "lrmd_rsc_register",
  rscUnregister: "lrmd_rsc_unregister",
  rscInfo: "lrmd_rsc_info",
  rscExec: "lrmd_rsc_exec",
  rscCancel: "lrmd_rsc_cancel",
  getRecurring: "lrmd_get_recurring",
  poke: "lrmd_rsc_poke",
  check: "lrmd_check",
  alertExec: "lrmd_alert_exec",
  newClient: "lrmd_rsc_new_client",
  ipcFwd: "ipc_fwd",
} as const;

/** Call option bits (lrmd_callopt). */
export const CallOpt = {
  /** Send exec results only to the client that asked. */
  notifyOriginOnly: 0x2,
  /** Recurring op: send a result only when (rc, status) changed. */
  notifyChangesOnly: 0x4,
  /** At registration, both bits 0x1|0x2: drop recurring ops when the last client leaves. */
  dropRecurring: 0x3,
} as const;

export function reply(msgId: string, attrs: Record<string, string>, children: XmlElement[] = []): XmlElement {
  return element("lrmd_reply", { lrmd_origin: "pacer-remoted", ...attrs, lrmd_remote_msg_id: msgId, lrmd_remote_msg_type: "reply" }, children);
}

export function notify(attrs: Record<string, string>, children: XmlElement[] = []): XmlElement {
  return element("lrmd_notify", { lrmd_origin: "pacer-remoted", ...attrs, lrmd_remote_msg_id: "0", lrmd_remote_msg_type: "notify" }, children);
}

export function ipcProxyNotify(attrs: Record<string, string>): XmlElement {
  return element("lrmd_ipc_proxy", { lrmd_origin: "pacer-remoted", ...attrs, lrmd_remote_msg_id: "0", lrmd_remote_msg_type: "notify" });
}

export interface RequestFields {
  msgId: number;
  token?: string;
  timeoutMs?: number;
  callopt?: number;
  origin?: string;
}

/** A client request: the standard envelope with one data element inside lrmd_calldata. */
export function request(op: string, data: XmlElement | undefined, f: RequestFields): XmlElement {
  const attrs: Record<string, string> = {
    __name__: "lrmd_command",
    t: "lrmd",
    lrmd_origin: f.origin ?? "pacer",
    lrmd_async_id: f.token ?? "",
    lrmd_op: op,
    lrmd_timeout: String(f.timeoutMs ?? 0),
    lrmd_callopt: String(f.callopt ?? 0),
    lrmd_remote_msg_id: String(f.msgId),
    lrmd_remote_msg_type: "request",
  };
  return element("lrmd_command", attrs, data ? [element("lrmd_calldata", {}, [data])] : []);
}
