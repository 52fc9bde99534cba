// The connection manager: the controller's own "agent" for connection resources
// (ocf:pacemaker:remote — a guest's implicit connection or an explicit remote node). Its
// actions do not run a script: start connects to the node's remote executor over TLS-PSK
// and registers, monitor pokes it, stop unregisters and disconnects. While a connection is
// up it is the way into that node: "up" hands its executor API to the router, "down" takes
// it away.
import { EventEmitter } from "node:events";
import { RemoteClient } from "../remote/client.js";
import { Errno, ExecStatus, ExecutorError, OcfRc } from "../executor/codes.js";
import type { GraphAction } from "../scheduler/graph/types.js";
import type { ActionOutcome, DispatchEvent, DispatchResource } from "./action-dispatch.js";
import { actionIntervalMs, actionTimeoutMs, ConnectionParamError, connectionTarget, type ConnectionTarget } from "./connection-target.js";
import { ConnectionKeyError, loadConnectionKey } from "./connection-key.js";
import { RegistrationTracker } from "./registration-tracker.js";

export interface ConnectionManagerOptions {
  /** The authkey file (daemon option `authkeyPath`); default: Pacemaker's lookup. */
  authkeyPath?: string;
  env?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
  /** Pause between connection attempts within one start (default 250 ms). */
  retryDelayMs?: number;
}

export interface ConnectionManagerEvents {
  /** A connection came up: the node's executor, as dispatchers should use it. */
  up: [node: string, api: RegistrationTracker];
  /** A connection is gone (stopped, or lost: then `reason` says why). */
  down: [node: string, reason: string | undefined];
  /** recurring-result (the connection's recurring monitor) and connection-lost. */
  event: [DispatchEvent];
}

interface RecurringMonitor {
  /** The cluster node whose history holds the connection resource (the action's on_node). */
  node: string;
  intervalMs: number;
  timeoutMs: number;
  transitionKey: string;
  params: Record<string, string>;
  resource: DispatchResource;
  callId: number;
  rc: number;
  status: number;
  rcChangedAt: number;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

interface Link {
  target: ConnectionTarget;
  client?: RemoteClient;
  api?: RegistrationTracker;
  monitor?: RecurringMonitor;
  /** When the last connection was lost (ms epoch), for reconnect_interval. */
  lostAt?: number;
}

const CONNECT_ATTEMPT_MAX_MS = 10_000;

export class ConnectionManager extends EventEmitter<ConnectionManagerEvents> {
  private readonly links = new Map<string, Link>();
  private callCounter = 0;
  private closed = false;
  private readonly log: (m: string) => void;

  constructor(private readonly options: ConnectionManagerOptions = {}) {
    super();
    this.log = options.log ?? (() => {});
  }

  /** Guest and remote nodes whose connection is up now. */
  connected(): string[] {
    return [...this.links].filter(([, l]) => l.client?.connected).map(([n]) => n);
  }

  /** The executor of a connected node (undefined when not connected). */
  executor(node: string): RegistrationTracker | undefined {
    const l = this.links.get(node);
    return l?.client?.connected ? l.api : undefined;
  }

  /** Carry out one action of a connection resource. Never rejects for a failed connection. */
  async run(action: GraphAction, transitionKey: string): Promise<ActionOutcome> {
    const t0 = Date.now();
    let target: ConnectionTarget;
    try {
      target = connectionTarget(action);
    } catch (err) {
      if (err instanceof ConnectionParamError) return this.outcome(t0, OcfRc.INVALID_PARAM, ExecStatus.ERROR_HARD, err.message);
      throw err;
    }
    if (this.closed) return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.NOT_CONNECTED, "the controller is shutting down");
    const link = this.linkFor(target);
    switch (action.operation) {
      case "start":
        return this.start(link, action, t0);
      case "stop":
        return this.stop(link, t0);
      case "monitor":
        return actionIntervalMs(action) > 0 ? this.startMonitor(link, action, transitionKey, t0) : this.probe(link, action, t0);
      case "cancel":
        return this.cancel(link, action, t0);
      case "migrate_to":
      case "migrate_from":
        return this.outcome(t0, OcfRc.UNIMPLEMENT_FEATURE, ExecStatus.NOT_SUPPORTED, `pacer does not migrate connections: ${target.node}'s connection can only be stopped and started again`);
      default:
        return this.outcome(t0, OcfRc.UNIMPLEMENT_FEATURE, ExecStatus.NOT_SUPPORTED, `connection resources have no '${action.operation}' action (start, stop, monitor only)`);
    }
  }

  /** Drop every connection without stop semantics (the daemon is exiting). */
  async close(): Promise<void> {
    this.closed = true;
    for (const [node, link] of this.links) {
      this.stopMonitor(link);
      if (link.client) {
        const c = link.client;
        link.client = undefined;
        link.api = undefined;
        c.close();
        this.emit("down", node, undefined);
      }
    }
  }

  // --- start ------------------------------------------------------------------------------

  private async start(link: Link, action: GraphAction, t0: number): Promise<ActionOutcome> {
    const { node, host, port } = link.target;
    const where = `${node} at ${host}:${port}`;
    if (link.client?.connected) return this.outcome(t0, OcfRc.OK, ExecStatus.DONE);
    const timeoutMs = actionTimeoutMs(action);
    const deadline = t0 + timeoutMs;
    if (link.lostAt !== undefined && link.target.reconnectIntervalMs > 0) {
      const allowedAt = link.lostAt + link.target.reconnectIntervalMs;
      if (allowedAt >= deadline) {
        return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, `reconnect_interval: the connection to ${where} was lost at ${new Date(link.lostAt).toISOString()} and may not be retried before ${new Date(allowedAt).toISOString()}`);
      }
      if (allowedAt > Date.now()) await sleep(allowedAt - Date.now());
    }
    let last = "no attempt made";
    let attempts = 0;
    let handshakeRefusals = 0;
    for (;;) {
      if (this.closed) return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.NOT_CONNECTED, "the controller is shutting down");
      const remaining = deadline - Date.now();
      let key;
      try {
        key = loadConnectionKey(this.options.authkeyPath, this.options.env);
      } catch (err) {
        if (err instanceof ConnectionKeyError) return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, `cannot connect to ${where}: ${err.message}`);
        throw err;
      }
      attempts++;
      const client = this.newClient(link.target, key.key, Math.max(100, Math.min(CONNECT_ATTEMPT_MAX_MS, remaining)));
      try {
        await client.connect();
        this.attach(link, client);
        this.log(`connection ${node}: up (${host}:${port}, ${attempts} attempt${attempts === 1 ? "" : "s"}, ${Date.now() - t0} ms)`);
        return this.outcome(t0, OcfRc.OK, ExecStatus.DONE);
      } catch (err) {
        client.close();
        if (isKeyMismatch(err)) {
          return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, `pre-shared key mismatch with ${node} at ${host}:${port} — compare ${key.path} on both sides`);
        }
        // GnuTLS (pacemaker-remoted) does not tell a TLS 1.3 client that the key is wrong:
        // it just closes the connection during the handshake. Twice in a row from a server
        // that accepted TCP is taken for what it almost always is (Pacemaker's controller
        // gives up on the first failed handshake).
        handshakeRefusals = isHandshakeClosed(err) ? handshakeRefusals + 1 : 0;
        if (handshakeRefusals >= 2) {
          return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, `probable pre-shared key mismatch with ${node} at ${host}:${port} (it closes the connection during the TLS handshake) — compare ${key.path} on both sides`);
        }
        if (err instanceof ExecutorError && err.code === Errno.EPROTO) {
          return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, `${where}: ${err.message}`);
        }
        last = (err as Error).message;
      }
      const delay = this.options.retryDelayMs ?? 250;
      if (Date.now() + delay >= deadline) break;
      await sleep(delay);
    }
    return this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.TIMEOUT, `could not connect to ${where} within ${timeoutMs} ms (${attempts} attempts; last: ${last})`);
  }

  private newClient(target: ConnectionTarget, key: Buffer, connectTimeoutMs: number): RemoteClient {
    // Named like Pacemaker's controller names itself, so remote logs read the same. Not an
    // IPC provider: pacer does not relay a guest's local cluster tools yet, and without a
    // provider those tools fail at once instead of waiting for answers that never come.
    return new RemoteClient({ host: target.host, port: target.port, key, name: `pacemaker-remote-${target.host}:${target.port}`, connectTimeoutMs });
  }

  private attach(link: Link, client: RemoteClient): void {
    const node = link.target.node;
    link.client = client;
    link.api = new RegistrationTracker(client);
    link.lostAt = undefined;
    client.on("disconnect", (err) => {
      if (link.client !== client) return; // we let go of it already (stop, close)
      this.lost(link, err?.message ?? "closed by the remote side");
    });
    this.emit("up", node, link.api);
  }

  // --- loss -------------------------------------------------------------------------------

  private lost(link: Link, reason: string): void {
    const node = link.target.node;
    const client = link.client;
    link.client = undefined;
    link.api = undefined;
    link.lostAt = Date.now();
    client?.close();
    const why = `connection to ${node} (${link.target.host}:${link.target.port}) lost: ${reason}`;
    this.log(`connection ${node}: ${why}`);
    this.emit("down", node, why);
    const mon = link.monitor;
    if (mon && !mon.stopped) {
      this.stopMonitor(link);
      this.report(link, mon, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, why);
    }
    this.emit("event", { kind: "connection-lost", node, reason: why });
  }

  // --- stop -------------------------------------------------------------------------------

  private async stop(link: Link, t0: number): Promise<ActionOutcome> {
    this.stopMonitor(link);
    const client = link.client;
    const api = link.api;
    const node = link.target.node;
    if (!client) return this.outcome(t0, OcfRc.OK, ExecStatus.DONE);
    if (client.connected && api) {
      const problems = await api.unregisterAll();
      if (problems.length) this.log(`connection ${node}: stop: could not unregister ${problems.join("; ")}`);
    }
    link.client = undefined;
    link.api = undefined;
    client.close();
    this.emit("down", node, undefined);
    this.log(`connection ${node}: stopped`);
    return this.outcome(t0, OcfRc.OK, ExecStatus.DONE);
  }

  // --- monitor ----------------------------------------------------------------------------

  /** One-shot monitor (a probe): connected → poke; not connected → not running, as
   *  Pacemaker's controller answers. No attempt to connect: during a cold start the
   *  containers come up while their connections are probed, and a probe that connected
   *  would contradict the plan (an unexpected "running") and abort it, guest after guest.
   *  A restarted pacerd needs none either: it starts the connection to a guest whose
   *  container it finds running, and the guest's resources are probed again then. */
  private async probe(link: Link, action: GraphAction, t0: number): Promise<ActionOutcome> {
    if (!link.client?.connected) return this.outcome(t0, OcfRc.NOT_RUNNING, ExecStatus.DONE);
    const failure = await this.poke(link, actionTimeoutMs(action));
    return failure ? this.outcome(t0, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, failure) : this.outcome(t0, OcfRc.OK, ExecStatus.DONE);
  }

  /** Poke and wait for its notification; a failure drops the connection. */
  private async poke(link: Link, timeoutMs: number): Promise<string | undefined> {
    const client = link.client;
    if (!client?.connected) return `not connected to ${link.target.node}`;
    try {
      await client.poke(timeoutMs);
      return undefined;
    } catch (err) {
      const why = `no answer from ${link.target.node} at ${link.target.host}:${link.target.port}: ${(err as Error).message}`;
      // Like Pacemaker: a connection that does not answer its monitor is dropped.
      if (link.client === client) this.lost(link, why);
      return why;
    }
  }

  private async startMonitor(link: Link, action: GraphAction, transitionKey: string, t0: number): Promise<ActionOutcome> {
    this.stopMonitor(link);
    const p = action.primitive!;
    const intervalMs = actionIntervalMs(action);
    const timeoutMs = actionTimeoutMs(action);
    const first = link.client?.connected ? await this.poke(link, timeoutMs) : `not connected to ${link.target.node}`;
    const [rc, status] = first === undefined ? [OcfRc.OK, ExecStatus.DONE] : link.client ? [OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR] : [OcfRc.NOT_RUNNING, ExecStatus.DONE];
    const out = this.outcome(t0, rc, status, first);
    if (rc !== OcfRc.OK) return out;
    const mon: RecurringMonitor = {
      node: action.onNode ?? link.target.node,
      intervalMs,
      timeoutMs,
      transitionKey,
      params: { ...action.attributes },
      resource: { id: p.id, ...(p.longId ? { longId: p.longId } : {}), class: p.class, ...(p.provider ? { provider: p.provider } : {}), type: p.type },
      callId: out.callId,
      rc,
      status,
      rcChangedAt: out.lastRcChange,
      stopped: false,
    };
    link.monitor = mon;
    this.schedule(link, mon);
    return out;
  }

  private schedule(link: Link, mon: RecurringMonitor): void {
    mon.timer = setTimeout(async () => {
      mon.timer = undefined;
      if (mon.stopped) return;
      const failure = await this.poke(link, mon.timeoutMs);
      // A loss during the poke was reported by lost() already (it stops the monitor).
      if (mon.stopped) return;
      if (failure === undefined) this.report(link, mon, OcfRc.OK, ExecStatus.DONE);
      else {
        this.stopMonitor(link);
        this.report(link, mon, OcfRc.UNKNOWN_ERROR, ExecStatus.ERROR, failure);
        return;
      }
      this.schedule(link, mon);
    }, mon.intervalMs);
    mon.timer.unref?.();
  }

  /** Report a later result of the recurring monitor, only when it differs from the last. */
  private report(link: Link, mon: RecurringMonitor, rc: number, status: number, exitReason?: string): void {
    if (rc === mon.rc && status === mon.status) return;
    const now = Math.floor(Date.now() / 1000);
    if (rc !== mon.rc) mon.rcChangedAt = now;
    mon.rc = rc;
    mon.status = status;
    this.emit("event", {
      kind: "recurring-result",
      // The connection resource's history is on the cluster node that holds it.
      node: mon.node,
      resource: mon.resource,
      task: "monitor",
      intervalMs: mon.intervalMs,
      transitionKey: mon.transitionKey,
      params: mon.params,
      outcome: { callId: mon.callId, rc, opStatus: status, ...(exitReason ? { exitReason } : {}), lastRcChange: mon.rcChangedAt, execTimeMs: 0, queueTimeMs: 0 },
    });
  }

  private stopMonitor(link: Link): void {
    const mon = link.monitor;
    if (!mon) return;
    mon.stopped = true;
    if (mon.timer) clearTimeout(mon.timer);
    mon.timer = undefined;
    link.monitor = undefined;
  }

  private cancel(link: Link, action: GraphAction, t0: number): Promise<ActionOutcome> {
    const intervalMs = actionIntervalMs(action);
    if (link.monitor && link.monitor.intervalMs === intervalMs) this.stopMonitor(link);
    return Promise.resolve(this.outcome(t0, OcfRc.OK, ExecStatus.DONE));
  }

  // --- plumbing ---------------------------------------------------------------------------

  private linkFor(target: ConnectionTarget): Link {
    let link = this.links.get(target.node);
    if (!link) {
      link = { target };
      this.links.set(target.node, link);
    } else if (!link.client) {
      // Address, port or reconnect_interval may have changed since the last connection.
      link.target = target;
    } else {
      link.target = { ...link.target, reconnectIntervalMs: target.reconnectIntervalMs };
    }
    return link;
  }

  private outcome(t0: number, rc: number, opStatus: number, exitReason?: string): ActionOutcome {
    this.callCounter = this.callCounter >= 0x7fffffff ? 1 : this.callCounter + 1;
    return {
      callId: this.callCounter,
      rc,
      opStatus,
      ...(exitReason ? { exitReason } : {}),
      lastRcChange: Math.floor(Date.now() / 1000),
      execTimeMs: Date.now() - t0,
      queueTimeMs: 0,
    };
  }
}

function isKeyMismatch(err: unknown): boolean {
  return err instanceof ExecutorError && err.code === Errno.EKEYREJECTED && /pre-shared key mismatch/.test(err.message);
}

/** The server accepted TCP, then hung up in the middle of the TLS handshake. */
function isHandshakeClosed(err: unknown): boolean {
  return err instanceof ExecutorError && err.code === Errno.EKEYREJECTED && /disconnected before secure TLS connection|ECONNRESET|socket hang up/.test(err.message);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
