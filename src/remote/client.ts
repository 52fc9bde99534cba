// The client the controller uses to drive a remote executor (pacer-remoted or Pacemaker's
// pacemaker-remoted) over TLS-PSK. It has the Executor's shape (src/executor/api.ts): the
// same calls, answered through promises, and the same "result" events.
import { EventEmitter } from "node:events";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { element, type XmlElement } from "../cib/xml.js";
import type { ExecutorApi } from "../executor/api.js";
import type { ResourceSpec } from "../executor/agent.js";
import type { ExecRequest, OpResult, RecurringOp, RegisterOptions } from "../executor/executor.js";
import { Errno, ExecutorError } from "../executor/codes.js";
import { Connection } from "./connection.js";
import { CallOpt, Op, PROTOCOL_VERSION_STRING, request } from "./envelope.js";
import { notifyToResult } from "./exec-notify.js";
import { paramsElement } from "./xml-message.js";
import { DEFAULT_PORT, KeyStore, clientTlsOptions, isKeyMismatch } from "./psk.js";

export interface RemoteClientOptions {
  host: string;
  port?: number;
  /** The pre-shared key, or where to find it. */
  key: Buffer | KeyStore;
  /** Our name for the server; without one the server sends us no notifications. */
  name?: string;
  /** Offer to relay the remote node's local IPC to the cluster (controllers do). */
  ipcProvider?: boolean;
  connectTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Longest wait for a reply; the connection is dropped after it (Pacemaker: 10 s). */
  replyTimeoutMs?: number;
  /** Protocol version announced at registration (only tests change it). */
  protocolVersion?: string;
}

export interface RemoteClientEvents {
  result: [OpResult];
  /** Any other notification (register, unregister, poke, new_client...). */
  notify: [XmlElement];
  /** IPC proxy traffic from the server (new/request/destroy/shutdown_req). */
  ipcProxy: [XmlElement];
  /** The connection is gone; `error` says why when it was not our own close(). */
  disconnect: [Error | undefined];
}

interface Pending {
  resolve(reply: XmlElement): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  op: string;
}

export class RemoteClient extends EventEmitter<RemoteClientEvents> implements ExecutorApi {
  /** The id the server gave us at registration (sent back as lrmd_async_id). */
  token?: string;
  serverVersion?: string;
  private conn?: Connection;
  private msgId = 0;
  private readonly pending = new Map<string, Pending>();
  private closing = false;

  constructor(readonly options: RemoteClientOptions) {
    super();
  }

  get connected(): boolean {
    return this.conn !== undefined && !this.conn.closed;
  }

  /** TCP connect, TLS-PSK handshake, then register. Rejects with ExecutorError codes. */
  async connect(): Promise<void> {
    if (this.connected) return;
    this.closing = false;
    const key = Buffer.isBuffer(this.options.key) ? this.options.key : this.loadKey(this.options.key);
    const port = this.options.port ?? DEFAULT_PORT;
    const where = `${this.options.host}:${port}`;
    const tcp = await this.tcpConnect(where, port);
    const tls = await this.handshake(tcp, key, where);
    tls.setNoDelay(true);
    const conn = new Connection(tls);
    this.conn = conn;
    conn.on("message", (m) => this.onMessage(m));
    conn.on("protocolError", (err) => this.lost(err));
    conn.on("close", () => this.lost(this.closing ? undefined : new ExecutorError(Errno.ENOTCONN, `connection to ${where} lost`)));
    const hello = element("lrmd_command", {
      t: "lrmd",
      lrmd_op: Op.register,
      lrmd_clientname: this.options.name ?? `pacer-${process.pid}`,
      lrmd_protocol_version: this.options.protocolVersion ?? PROTOCOL_VERSION_STRING,
      ...(this.options.ipcProvider ? { lrmd_is_ipc_provider: "true" } : {}),
      lrmd_remote_msg_id: String(this.nextMsgId()),
      lrmd_remote_msg_type: "request",
    });
    const reply = await this.roundTrip(hello, Op.register);
    const rc = Number(reply.attrs.lrmd_rc ?? "0");
    if (rc === Errno.EPROTO || reply.attrs.lrmd_op !== Op.register || !reply.attrs.lrmd_clientid) {
      this.close();
      throw new ExecutorError(Errno.EPROTO, `${where} refused registration (rc ${rc}, protocol ${reply.attrs.lrmd_protocol_version ?? "?"})`);
    }
    this.token = reply.attrs.lrmd_clientid;
    this.serverVersion = reply.attrs.lrmd_protocol_version ?? "1.0";
  }

  /** Drop the connection (if any) and connect again. */
  async reconnect(): Promise<void> {
    this.close();
    await this.connect();
  }

  close(): void {
    this.closing = true;
    this.conn?.close();
  }

  // --- the executor calls ---------------------------------------------------------------

  async register(spec: ResourceSpec, options: RegisterOptions = { dropRecurringOnDisconnect: true }): Promise<void> {
    if (!spec.id || !spec.class || !spec.type) throw new ExecutorError(Errno.EINVAL, "a resource needs an id, a class and a type");
    if (spec.class === "ocf" && !spec.provider) throw new ExecutorError(Errno.EINVAL, `OCF resource ${spec.id} needs a provider`);
    const data = this.rsc({ lrmd_rsc_id: spec.id, lrmd_class: spec.class, ...(spec.provider ? { lrmd_provider: spec.provider } : {}), lrmd_type: spec.type });
    await this.call(Op.rscRegister, data, { callopt: options.dropRecurringOnDisconnect ? CallOpt.dropRecurring : 0 });
  }

  async unregister(id: string): Promise<{ inProgress: boolean }> {
    const rc = await this.callRc(Op.rscUnregister, this.rsc({ lrmd_rsc_id: id }));
    if (rc === Errno.EINPROGRESS) return { inProgress: true };
    if (rc < 0) throw new ExecutorError(rc, `unregister ${id}: rc ${rc}`);
    return { inProgress: false };
  }

  async info(id: string): Promise<ResourceSpec | undefined> {
    const reply = await this.request(Op.rscInfo, this.rsc({ lrmd_rsc_id: id }));
    const rc = Number(reply.attrs.lrmd_rc);
    if (rc === Errno.ENODEV) return undefined;
    if (rc < 0) throw new ExecutorError(rc, `info ${id}: rc ${rc}`);
    const a = reply.attrs;
    return { id: a.lrmd_rsc_id ?? id, class: a.lrmd_class ?? "", provider: a.lrmd_provider, type: a.lrmd_type ?? "" };
  }

  async exec(req: ExecRequest): Promise<number> {
    const timeoutMs = req.timeoutMs ?? 0;
    const data = this.rsc(
      {
        lrmd_rsc_id: req.rscId,
        lrmd_rsc_action: req.action,
        lrmd_rsc_userdata_str: req.userdata ?? "",
        lrmd_rsc_interval: String(req.intervalMs ?? 0),
        lrmd_timeout: String(timeoutMs),
        lrmd_rsc_start_delay: String(req.startDelayMs ?? 0),
      },
      [paramsElement(req.params ?? {})],
    );
    const callopt = (req.notifyOriginOnly ? CallOpt.notifyOriginOnly : 0) | (req.notifyChangesOnly ? CallOpt.notifyChangesOnly : 0);
    const rc = await this.callRc(Op.rscExec, data, { timeoutMs, callopt });
    if (rc <= 0) throw new ExecutorError(rc, `exec ${req.rscId} ${req.action}: rc ${rc}`);
    return rc;
  }

  async cancel(rscId: string, action: string, intervalMs: number): Promise<boolean> {
    const rc = await this.callRc(Op.rscCancel, this.rsc({ lrmd_rsc_id: rscId, lrmd_rsc_action: action, lrmd_rsc_interval: String(intervalMs) }));
    if (rc === Errno.EOPNOTSUPP) return false;
    if (rc < 0) throw new ExecutorError(rc, `cancel ${rscId} ${action} ${intervalMs}: rc ${rc}`);
    return true;
  }

  async recurring(rscId?: string): Promise<{ rscId: string; ops: RecurringOp[] }[]> {
    const reply = await this.request(Op.getRecurring, rscId === undefined ? undefined : this.rsc({ lrmd_rsc_id: rscId }));
    const rc = Number(reply.attrs.lrmd_rc);
    if (rc < 0) throw new ExecutorError(rc, `get_recurring ${rscId ?? ""}: rc ${rc}`);
    return reply.children
      .filter((c) => c.name === "lrmd_rsc")
      .map((r) => ({
        rscId: r.attrs.lrmd_rsc_id ?? "",
        ops: r.children
          .filter((o) => o.name === "lrmd_rsc_op")
          .map((o) => ({ action: o.attrs.lrmd_rsc_action ?? "", intervalMs: Number(o.attrs.lrmd_rsc_interval ?? 0), timeoutMs: Number(o.attrs.lrmd_timeout ?? 0) })),
      }));
  }

  /** Liveness check: resolves when the server's poke notification comes back. */
  async poke(timeoutMs = 30_000): Promise<void> {
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("notify", on);
        reject(new ExecutorError(Errno.ETIME, `no poke notification within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (m: XmlElement) => {
        if (m.attrs.lrmd_op !== Op.poke) return;
        clearTimeout(timer);
        this.off("notify", on);
        resolve();
      };
      this.on("notify", on);
    });
    // Like Pacemaker's controller: the reply is not waited for, the notification is.
    this.fire(Op.poke, this.rsc({}));
    await seen;
  }

  /** Tell the server the cluster's stonith-watchdog-timeout. There is no reply. */
  check(watchdog?: string): void {
    this.fire(Op.check, element("lrmd_op", { lrmd_origin: "pacer", ...(watchdog !== undefined ? { lrmd_watchdog: watchdog } : {}) }));
  }

  async alert(id: string, path: string, timeoutMs: number, env: Record<string, string>): Promise<void> {
    const data = element("lrmd_alert", { lrmd_origin: "pacer", lrmd_alert_id: id, lrmd_alert_path: path, lrmd_timeout: String(timeoutMs) }, [paramsElement(env)]);
    const rc = await this.callRc(Op.alertExec, data, { timeoutMs, callopt: CallOpt.notifyOriginOnly });
    if (rc < 0) throw new ExecutorError(rc, `alert ${id}: rc ${rc}`);
  }

  /** Send an IPC-proxy message (response/event/destroy/shutdown_ack/shutdown_nack). */
  ipcForward(attrs: Record<string, string>, message?: XmlElement): void {
    const msg = element("lrmd_ipc_proxy", { lrmd_origin: "pacer", lrmd_op: Op.ipcFwd, ...attrs, lrmd_remote_msg_id: String(this.nextMsgId()), lrmd_remote_msg_type: "request" }, message ? [element("lrmd_ipc_msg", {}, [message])] : []);
    this.conn?.send(msg);
  }

  /** Send an arbitrary request and wait for its reply (tests and tools). */
  request(op: string, data?: XmlElement, f: { timeoutMs?: number; callopt?: number } = {}): Promise<XmlElement> {
    const msg = request(op, data, { msgId: this.nextMsgId(), token: this.token, timeoutMs: f.timeoutMs, callopt: f.callopt, origin: "pacer" });
    return this.roundTrip(msg, op);
  }

  // --- plumbing ------------------------------------------------------------------------------

  private rsc(attrs: Record<string, string>, children: XmlElement[] = []): XmlElement {
    return element("lrmd_rsc", { lrmd_origin: "pacer", ...attrs }, children);
  }

  private async call(op: string, data: XmlElement, f: { timeoutMs?: number; callopt?: number } = {}): Promise<void> {
    const rc = await this.callRc(op, data, f);
    if (rc < 0) throw new ExecutorError(rc, `${op}: rc ${rc}`);
  }

  private async callRc(op: string, data: XmlElement, f: { timeoutMs?: number; callopt?: number } = {}): Promise<number> {
    const reply = await this.request(op, data, f);
    const rc = Number(reply.attrs.lrmd_rc);
    if (!Number.isInteger(rc)) throw new ExecutorError(Errno.EPROTO, `${op}: reply without a valid lrmd_rc`);
    return rc;
  }

  private fire(op: string, data: XmlElement): void {
    if (!this.conn || this.conn.closed) throw new ExecutorError(Errno.ENOTCONN, "not connected");
    this.conn.send(request(op, data, { msgId: this.nextMsgId(), token: this.token, origin: "pacer" }));
  }

  private roundTrip(msg: XmlElement, op: string): Promise<XmlElement> {
    const conn = this.conn;
    if (!conn || conn.closed) return Promise.reject(new ExecutorError(Errno.ENOTCONN, "not connected"));
    const id = msg.attrs.lrmd_remote_msg_id;
    const limit = this.options.replyTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const err = new ExecutorError(Errno.ETIME, `no reply to ${op} within ${limit} ms; dropping the connection`);
        reject(err);
        this.lost(err);
        conn.destroy();
      }, limit);
      this.pending.set(id, { resolve, reject, timer, op });
      conn.send(msg);
    });
  }

  private nextMsgId(): number {
    this.msgId = this.msgId >= 0x7fffffff ? 1 : this.msgId + 1;
    return this.msgId;
  }

  private onMessage(m: XmlElement): void {
    const type = m.attrs.lrmd_remote_msg_type;
    if (type === "reply") {
      const p = this.pending.get(m.attrs.lrmd_remote_msg_id ?? "");
      // Replies to poke/check/ipc_fwd are not waited for; they have no entry and are dropped.
      if (!p) return;
      this.pending.delete(m.attrs.lrmd_remote_msg_id!);
      clearTimeout(p.timer);
      p.resolve(m);
      return;
    }
    if (m.name === "lrmd_ipc_proxy") return void this.emit("ipcProxy", m);
    if (m.attrs.lrmd_op === Op.rscExec) return void this.emit("result", notifyToResult(m));
    this.emit("notify", m);
  }

  private lost(err: Error | undefined): void {
    const conn = this.conn;
    if (!conn) return;
    this.conn = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err ?? new ExecutorError(Errno.ENOTCONN, `connection closed while waiting for ${p.op}`));
      this.pending.delete(id);
    }
    this.emit("disconnect", err);
  }

  private loadKey(store: KeyStore): Buffer {
    try {
      return store.load().key;
    } catch (err) {
      throw new ExecutorError(Errno.ENOKEY, (err as Error).message);
    }
  }

  private tcpConnect(where: string, port: number): Promise<Socket> {
    const limit = this.options.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const sock = netConnect({ host: this.options.host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new ExecutorError(Errno.ETIME, `connecting to ${where} timed out after ${limit} ms`));
      }, limit);
      sock.once("connect", () => {
        clearTimeout(timer);
        resolve(sock);
      });
      sock.once("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ExecutorError(Errno.ENOTCONN, `cannot connect to ${where}: ${err.code ?? err.message}`));
      });
    });
  }

  private handshake(tcp: Socket, key: Buffer, where: string): Promise<TLSSocket> {
    const limit = this.options.handshakeTimeoutMs ?? 5_000;
    return new Promise((resolve, reject) => {
      let tls: TLSSocket;
      try {
        tls = tlsConnect({ socket: tcp, ...clientTlsOptions(key) });
      } catch (err) {
        tcp.destroy();
        return reject(new ExecutorError(Errno.EKEYREJECTED, `TLS set-up for ${where} failed: ${(err as Error).message}`));
      }
      const timer = setTimeout(() => {
        tls.destroy();
        reject(new ExecutorError(Errno.EKEYREJECTED, `TLS handshake with ${where} did not finish within ${limit} ms`));
      }, limit);
      tls.once("secureConnect", () => {
        clearTimeout(timer);
        resolve(tls);
      });
      tls.once("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        tls.destroy();
        const why = isKeyMismatch(err) ? "pre-shared key mismatch (our authentication key differs from the server's)" : err.message.split("\n")[0];
        reject(new ExecutorError(Errno.EKEYREJECTED, `TLS handshake with ${where} failed: ${why}`));
      });
    });
  }
}
