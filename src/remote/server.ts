// The server behind pacer-remoted: accepts TLS-PSK clients, turns their requests into
// Executor calls, and fans results out as notifications. Pacemaker's rules kept here: every
// request takes a call id from one global counter; replies carry the request's message id;
// a client that never sent a name gets no notifications; several clients may be connected.
import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import { lookup } from "node:dns/promises";
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { XmlElement } from "../cib/xml.js";
import { element } from "../cib/xml.js";
import { Executor, type OpResult } from "../executor/executor.js";
import { Errno, ExecutorError } from "../executor/codes.js";
import { runAlert } from "../executor/alert.js";
import { silentLogger, type Logger } from "../executor/log.js";
import { Connection } from "./connection.js";
import { CallOpt, Op, PROTOCOL_VERSION_STRING, ipcProxyNotify, notify, reply } from "./envelope.js";
import { resultToNotify } from "./exec-notify.js";
import { findElement, intAttr, paramsFrom } from "./xml-message.js";
import { AuthKeyError, DEFAULT_PORT, KeyStore, isKeyMismatch, serverTlsOptions } from "./psk.js";
import { watchdogProblem } from "./watchdog.js";
import { ProtocolError } from "./errors.js";

export interface RemoteServerOptions {
  executor: Executor;
  keys: KeyStore;
  /** Address to bind (PCMK_remote_address); default: every address, IPv6 and IPv4. */
  host?: string;
  port?: number;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the cluster after a shutdown request (Pacemaker: 20 s). */
  shutdownTimeoutMs?: number;
}

interface Client {
  id: string;
  name?: string;
  isProvider: boolean;
  conn: Connection;
  peer: string;
  connectedAt: number;
}

export interface RemoteServerEvents {
  /** The daemon should exit now, with this code (shutdown finished, or a fatal check). */
  exit: [code: number, reason: string];
  clientConnected: [id: string];
  clientGone: [id: string];
}

const FATAL_EXIT = 108; // Pacemaker's CRM_EX_FATAL: do not respawn

export class RemoteServer extends EventEmitter<RemoteServerEvents> {
  private readonly executor: Executor;
  private readonly keys: KeyStore;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly clients = new Map<string, Client>();
  private tls?: Server;
  private shuttingDown = false;
  private shutdownTimer?: NodeJS.Timeout;
  private waitForProvidersToLeave = false;
  private readonly onResult = (r: OpResult) => this.sendResult(r);

  constructor(private readonly options: RemoteServerOptions) {
    super();
    this.executor = options.executor;
    this.keys = options.keys;
    this.log = options.logger ?? silentLogger;
    this.env = options.env ?? process.env;
    this.executor.on("result", this.onResult);
  }

  /** Start listening; resolves with the bound address. Fails on a bad or oversized key. */
  async listen(): Promise<{ address: string; port: number }> {
    try {
      const { path, key } = this.keys.load();
      this.log.info(`Using ${key.length}-byte authentication key from ${path}`);
    } catch (err) {
      // An oversized key can never work with Node's TLS: refuse to start. A missing key
      // may still be installed later (Pacemaker only warns), so only warn for that.
      if (err instanceof AuthKeyError && /at most/.test(err.message)) throw err;
      this.log.warn(`${(err as Error).message}; clients cannot connect until a key is installed`);
    }
    const server = createServer(
      serverTlsOptions(() => {
        try {
          return this.keys.load().key;
        } catch (err) {
          this.log.error(`TLS handshake refused: ${(err as Error).message}`);
          return null;
        }
      }),
    );
    server.on("secureConnection", (socket) => this.accept(socket));
    server.on("tlsClientError", (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      const peer = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
      if (isKeyMismatch(err)) {
        this.log.error(`TLS handshake with ${peer} failed: pre-shared key mismatch — the client's authentication key differs from ours (compare /etc/pacemaker/authkey or PCMK_authkey_location on both sides) [${err.code ?? err.message}]`);
      } else {
        this.log.warn(`TLS handshake with ${peer} failed: ${err.message.split("\n")[0]}`);
      }
    });
    server.on("error", (err) => this.log.error(`listener error: ${err.message}`));
    this.tls = server;
    const port = this.options.port ?? DEFAULT_PORT;
    const hosts = await this.bindCandidates();
    let lastErr: Error | undefined;
    for (const host of hosts) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen({ host, port, backlog: 10, ipv6Only: false }, () => {
            server.off("error", reject);
            resolve();
          });
        });
        const addr = server.address() as { address: string; port: number };
        this.log.info(`Listening on ${addr.address} port ${addr.port}`);
        return { address: addr.address, port: addr.port };
      } catch (err) {
        lastErr = err as Error;
      }
    }
    throw new Error(`cannot listen on ${hosts.join(" or ")} port ${port}: ${lastErr?.message}`);
  }

  private async bindCandidates(): Promise<string[]> {
    const want = this.options.host;
    if (!want) return ["::", "0.0.0.0"];
    try {
      const all = await lookup(want, { all: true });
      return [...all.filter((a) => a.family === 6), ...all.filter((a) => a.family === 4)].map((a) => a.address);
    } catch (err) {
      throw new Error(`cannot resolve PCMK_remote_address "${want}": ${(err as Error).message}`);
    }
  }

  /** Client ids and names (for tests and status). */
  listClients(): { id: string; name?: string; isProvider: boolean }[] {
    return [...this.clients.values()].map((c) => ({ id: c.id, name: c.name, isProvider: c.isProvider }));
  }

  /**
   * SIGTERM: with a cluster connected as IPC provider, ask it to move resources away first
   * (shutdown_req) and wait up to the shutdown timeout; otherwise exit at once.
   */
  requestShutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const providers = [...this.clients.values()].filter((c) => c.isProvider);
    this.tls?.close();
    if (providers.length === 0) {
      this.emit("exit", 0, "shutdown requested, no cluster connected");
      return;
    }
    this.log.info(`Shutdown requested: asking the cluster (${providers.length} connection(s)) to move resources away`);
    for (const p of providers) p.conn.send(ipcProxyNotify({ lrmd_ipc_op: "shutdown_req", lrmd_ipc_session: "0" }));
    this.shutdownTimer = setTimeout(() => this.emit("exit", 0, "the cluster did not finish the shutdown in time"), this.options.shutdownTimeoutMs ?? 20_000);
  }

  /** Close everything: listener, clients, agents. */
  async close(): Promise<void> {
    clearTimeout(this.shutdownTimer);
    this.executor.off("result", this.onResult);
    for (const c of this.clients.values()) c.conn.destroy();
    this.clients.clear();
    await new Promise<void>((r) => (this.tls?.listening ? this.tls.close(() => r()) : r()));
  }

  // --- connections -------------------------------------------------------------------------

  private accept(socket: TLSSocket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    const client: Client = { id: randomUUID(), isProvider: false, conn: new Connection(socket), peer, connectedAt: Date.now() };
    this.clients.set(client.id, client);
    this.log.info(`New remote connection from ${peer} (${socket.getProtocol()} ${socket.getCipher()?.name ?? "?"})`);
    // A new client may be a cluster node taking over this connection from another one.
    for (const other of this.clients.values()) {
      if (other !== client && other.name !== undefined) other.conn.send(notify({ lrmd_op: Op.newClient }));
    }
    client.conn.on("message", (msg) => this.handle(client, msg));
    client.conn.on("warning", (m) => this.log.warn(`${peer}: ${m}`));
    client.conn.on("protocolError", (err) => this.log.error(`Closing connection from ${peer}: ${err.message}`));
    client.conn.on("close", () => this.gone(client));
    this.emit("clientConnected", client.id);
  }

  private gone(client: Client): void {
    if (!this.clients.delete(client.id)) return;
    this.log.info(`Remote client ${client.name ?? client.id} (${client.peer}) disconnected`);
    if (this.clients.size === 0) {
      const n = this.executor.dropRecurringOfFlaggedResources();
      if (n > 0) this.log.info(`Last client gone: cancelled ${n} recurring operation(s)`);
    }
    this.emit("clientGone", client.id);
    if (this.shuttingDown && this.waitForProvidersToLeave && ![...this.clients.values()].some((c) => c.isProvider)) {
      this.emit("exit", 0, "the cluster released this node");
    }
  }

  private sendResult(r: OpResult): void {
    try {
      this.deliverResult(r);
    } catch (err) {
      this.log.error(`Cannot send the result of ${r.rscId}_${r.action}_${r.intervalMs} (call ${r.callId}): ${(err as Error).message}`);
    }
  }

  private deliverResult(r: OpResult): void {
    const msg = resultToNotify(r);
    if (r.notifyOriginOnly && r.origin !== undefined) {
      this.clients.get(r.origin)?.conn.send(msg);
      return;
    }
    this.broadcast(msg);
  }

  /** To every client that has told us its name (unnamed clients get no notifications). */
  private broadcast(msg: XmlElement): void {
    for (const c of this.clients.values()) if (c.name !== undefined) c.conn.send(msg);
  }

  // --- requests ----------------------------------------------------------------------------

  private handle(client: Client, msg: XmlElement): void {
    const a = msg.attrs;
    const msgId = a.lrmd_remote_msg_id ?? "0";
    const op = a.lrmd_op ?? "";
    if (a.lrmd_remote_msg_type !== undefined && a.lrmd_remote_msg_type !== "request") {
      this.log.warn(`${client.peer}: ignoring a ${a.lrmd_remote_msg_type} message sent to the server`);
      return;
    }
    if (client.name === undefined && a.lrmd_clientname) client.name = a.lrmd_clientname;
    const callId = this.executor.nextCallId();
    const rc = (code: number, extra: Record<string, string> = {}, children: XmlElement[] = []) =>
      client.conn.send(reply(msgId, { lrmd_rc: String(code), lrmd_callid: String(callId), ...extra }, children));
    try {
      if (msg.name === "lrmd_ipc_proxy") return this.ipcProxy(client, msg, rc);
      if (msg.name !== "lrmd_command") {
        this.log.warn(`${client.peer}: unexpected message <${msg.name}>; answering "not supported"`);
        return void rc(Errno.EOPNOTSUPP);
      }
      switch (op) {
        case Op.register:
          return this.register(client, msg, rc);
        case Op.rscRegister:
          return this.rscRegister(msg, rc, callId);
        case Op.rscInfo:
          return this.rscInfo(msg, rc);
        case Op.rscUnregister:
          return this.rscUnregister(msg, rc, callId);
        case Op.rscExec:
          return this.rscExec(client, msg, rc, callId);
        case Op.rscCancel:
          return this.rscCancel(msg, rc);
        case Op.getRecurring:
          return this.getRecurring(msg, rc);
        case Op.poke:
          rc(0);
          return this.broadcast(notify({ lrmd_rc: "0", lrmd_callid: String(callId), lrmd_op: Op.poke }));
        case Op.check:
          return this.check(msg); // never answered, as in Pacemaker
        case Op.alertExec:
          return this.alertExec(msg, rc);
        default:
          this.log.warn(`${client.peer}: unsupported operation '${op || "(none)"}'`);
          return void rc(Errno.EOPNOTSUPP);
      }
    } catch (err) {
      if (err instanceof ExecutorError) return void rc(err.code);
      if (err instanceof ProtocolError) {
        this.log.warn(`${client.peer}: bad ${op} request: ${err.message}`);
        return void rc(Errno.EINVAL);
      }
      this.log.error(`${client.peer}: internal error handling ${op}: ${(err as Error).stack ?? err}`);
      rc(Errno.EPROTO);
    }
  }

  private register(client: Client, msg: XmlElement, rc: Reply): void {
    const version = msg.attrs.lrmd_protocol_version;
    if (msg.attrs.lrmd_is_ipc_provider === "true") client.isProvider = true;
    const ok = version !== undefined && compareVersions(version, "1.0") >= 0;
    if (!ok) this.log.error(`Client ${client.name ?? client.peer} uses protocol version ${version ?? "(none)"}; at least 1.0 is required`);
    rc(ok ? 0 : Errno.EPROTO, { lrmd_op: Op.register, lrmd_clientid: client.id, lrmd_protocol_version: PROTOCOL_VERSION_STRING });
  }

  private rscRegister(msg: XmlElement, rc: Reply, callId: number): void {
    const d = findElement(msg, "lrmd_rsc");
    const id = d?.attrs.lrmd_rsc_id;
    const cls = d?.attrs.lrmd_class;
    const type = d?.attrs.lrmd_type;
    if (!id || !cls || !type) return void rc(Errno.EINVAL);
    const callopt = intAttr(msg, "lrmd_callopt", 0);
    this.executor.register(
      { id, class: cls, provider: d.attrs.lrmd_provider || undefined, type },
      { dropRecurringOnDisconnect: (callopt & CallOpt.dropRecurring) === CallOpt.dropRecurring },
    );
    rc(0);
    this.broadcast(notify({ lrmd_rc: "0", lrmd_callid: String(callId), lrmd_op: Op.rscRegister, lrmd_rsc_id: id }));
  }

  private rscInfo(msg: XmlElement, rc: Reply): void {
    const id = findElement(msg, "lrmd_rsc")?.attrs.lrmd_rsc_id;
    const spec = id ? this.executor.info(id) : undefined;
    if (!spec) return void rc(Errno.ENODEV);
    const extra: Record<string, string> = { lrmd_rsc_id: spec.id, lrmd_class: spec.class, lrmd_type: spec.type };
    if (spec.provider) extra.lrmd_provider = spec.provider;
    rc(0, extra);
  }

  private rscUnregister(msg: XmlElement, rc: Reply, callId: number): void {
    const id = findElement(msg, "lrmd_rsc")?.attrs.lrmd_rsc_id;
    if (!id) return void rc(Errno.ENODEV);
    const res = this.executor.unregister(id);
    const code = res.inProgress ? Errno.EINPROGRESS : 0;
    rc(code);
    this.broadcast(notify({ lrmd_rc: String(code), lrmd_callid: String(callId), lrmd_op: Op.rscUnregister, lrmd_rsc_id: id }));
  }

  private rscExec(client: Client, msg: XmlElement, rc: Reply, callId: number): void {
    const d = findElement(msg, "lrmd_rsc");
    if (!d?.attrs.lrmd_rsc_id) return void rc(Errno.EINVAL);
    const callopt = intAttr(msg, "lrmd_callopt", 0);
    const id = this.executor.exec({
      callId,
      rscId: d.attrs.lrmd_rsc_id,
      action: d.attrs.lrmd_rsc_action ?? "",
      intervalMs: intAttr(d, "lrmd_rsc_interval", 0),
      timeoutMs: intAttr(d, "lrmd_timeout", 0),
      startDelayMs: intAttr(d, "lrmd_rsc_start_delay", 0),
      userdata: d.attrs.lrmd_rsc_userdata_str,
      params: paramsFrom(d.children.find((c) => c.name === "attributes")),
      origin: client.id,
      notifyOriginOnly: (callopt & CallOpt.notifyOriginOnly) !== 0,
      notifyChangesOnly: (callopt & CallOpt.notifyChangesOnly) !== 0,
    });
    // Success is answered with the (positive) call id that the result will carry.
    rc(id);
  }

  private rscCancel(msg: XmlElement, rc: Reply): void {
    const d = findElement(msg, "lrmd_rsc");
    const id = d?.attrs.lrmd_rsc_id;
    const action = d?.attrs.lrmd_rsc_action;
    if (!id || !action || d.attrs.lrmd_rsc_interval === undefined) return void rc(Errno.EINVAL);
    // The cancelled op's notification goes out (synchronously, from the executor) first.
    rc(this.executor.cancel(id, action, intAttr(d, "lrmd_rsc_interval", 0)) ? 0 : Errno.EOPNOTSUPP);
  }

  private getRecurring(msg: XmlElement, rc: Reply): void {
    const id = findElement(msg, "lrmd_rsc")?.attrs.lrmd_rsc_id;
    const list = this.executor.recurring(id || undefined);
    const children = list.map((r) =>
      element(
        "lrmd_rsc",
        { lrmd_rsc_id: r.rscId },
        r.ops.map((o) => element("lrmd_rsc_op", { lrmd_rsc_action: o.action, lrmd_rsc_interval: String(o.intervalMs), lrmd_timeout: String(o.timeoutMs) })),
      ),
    );
    rc(0, {}, children);
  }

  private check(msg: XmlElement): void {
    const watchdog = findElement(msg, "lrmd_op")?.attrs.lrmd_watchdog;
    const problem = watchdogProblem(watchdog, this.env);
    if (problem) {
      this.log.error(`Shutting down: ${problem}`);
      this.emit("exit", FATAL_EXIT, problem);
    }
  }

  private alertExec(msg: XmlElement, rc: Reply): void {
    const d = findElement(msg, "lrmd_alert");
    const id = d?.attrs.lrmd_alert_id;
    const path = d?.attrs.lrmd_alert_path;
    if (!id || !path) return void rc(Errno.EINVAL);
    const timeoutMs = intAttr(d, "lrmd_timeout", 0);
    const env = paramsFrom(d.children.find((c) => c.name === "attributes"));
    rc(0);
    runAlert({ id, path, timeoutMs, env }).then((res) => {
      if (res.timedOut) this.log.warn(`Alert ${id} (${path}) did not complete within ${timeoutMs} ms`);
      else if (res.spawnError) this.log.warn(`Alert ${id} (${path}) could not run: ${res.spawnError.message}`);
      else if (res.exitCode !== 0) this.log.warn(`Alert ${id} (${path}) failed with exit status ${res.exitCode ?? res.signal}`);
      else this.log.debug(`Alert ${id} (${path}) completed`);
    });
  }

  private ipcProxy(client: Client, msg: XmlElement, rc: Reply): void {
    const ipcOp = msg.attrs.lrmd_ipc_op;
    rc(0);
    switch (ipcOp) {
      case "shutdown_ack":
        if (!this.shuttingDown) return;
        this.log.info("The cluster acknowledged the shutdown; waiting for it to move resources and disconnect");
        clearTimeout(this.shutdownTimer);
        this.waitForProvidersToLeave = true;
        if (![...this.clients.values()].some((c) => c.isProvider)) this.emit("exit", 0, "the cluster released this node");
        return;
      case "shutdown_nack":
        if (!this.shuttingDown) return;
        this.emit("exit", 0, "the cluster declined to move resources (unmanaged connection); exiting now");
        return;
      case "response":
      case "event":
      case "destroy":
        // Local IPC endpoints (cib_rw, attrd, ...) are not served, so no session can exist.
        this.log.debug(`${client.peer}: IPC proxy ${ipcOp} for unknown session ${msg.attrs.lrmd_ipc_session ?? "?"}`);
        return;
      default:
        this.log.warn(`${client.peer}: unknown IPC proxy operation '${ipcOp ?? "(none)"}'`);
    }
  }
}

type Reply = (code: number, extra?: Record<string, string>, children?: XmlElement[]) => boolean;

/** Compare dotted version strings numerically ("1.10" > "1.9"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
