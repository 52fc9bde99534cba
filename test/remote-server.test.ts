// Server and client behaviour beyond the cts-exec cases: bad input, shutdown, watchdog check,
// connection loss and reconnect, key handling.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect as tlsConnect, createServer as tlsCreateServer, type TLSSocket } from "node:tls";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Executor } from "../src/executor/index.js";
import { ExecutorError, Errno } from "../src/executor/index.js";
import { RemoteServer } from "../src/remote/server.js";
import { RemoteClient } from "../src/remote/client.js";
import { KeyStore, clientTlsOptions, serverTlsOptions, AuthKeyError } from "../src/remote/psk.js";
import { encodeHeader } from "../src/remote/header.js";
import { Connection } from "../src/remote/connection.js";
import { element, type XmlElement } from "../src/cib/xml.js";
import type { Logger } from "../src/executor/log.js";
import { Session } from "./helpers/cts-exec.js";
import { waitForEvent, until, sleep } from "./helpers/wait.js";

const key = randomBytes(256);
let dir: string;
let executor: Executor;
let server: RemoteServer;
let port: number;
const logLines: string[] = [];
const logger: Logger = {
  error: (m) => logLines.push(`error: ${m}`),
  warn: (m) => logLines.push(`warn: ${m}`),
  info: (m) => logLines.push(`info: ${m}`),
  debug: () => {},
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "pacer-srv-"));
  executor = new Executor();
  server = new RemoteServer({ executor, keys: KeyStore.fromKey(key), host: "127.0.0.1", port: 0, logger, env: {} });
  port = (await server.listen()).port;
});
after(async () => {
  await server.close();
  executor.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const target = () => ({ host: "127.0.0.1", port, key, stateDir: dir });

function rawTls(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: "127.0.0.1", port, ...clientTlsOptions(key) });
    s.once("secureConnect", () => resolve(s));
    s.once("error", reject);
  });
}

function frame(xml: string): Buffer {
  const p = Buffer.from(xml + "\0");
  return Buffer.concat([encodeHeader(p.length, 1n), p]);
}

async function stillServing(): Promise<void> {
  const s = await Session.open(target(), "health-check");
  await s.client.poke(5000);
  s.close();
}

/** Sends bytes on a fresh connection; resolves with the replies seen before it closed or went quiet. */
async function sendRaw(bytes: Buffer, quietMs = 150): Promise<{ replies: XmlElement[]; closed: boolean }> {
  const sock = await rawTls();
  const conn = new Connection(sock);
  const replies: XmlElement[] = [];
  let closed = false;
  conn.on("message", (m) => replies.push(m));
  conn.on("close", () => (closed = true));
  sock.write(bytes);
  await sleep(quietMs);
  conn.destroy();
  return { replies, closed };
}

test("garbage bytes close that connection with a log line; other clients are unaffected", async () => {
  const n = logLines.length;
  const r = await sendRaw(Buffer.from("this is not a pacemaker message at all, just text\n"));
  assert.equal(r.closed, true);
  assert.ok(logLines.slice(n).some((l) => /Closing connection from .*bad magic/.test(l)), logLines.slice(n).join("\n"));
  await stillServing();
});

test("a header claiming a huge message is refused before anything is buffered", async () => {
  const h = encodeHeader(10, 1n);
  h.writeUInt32LE(0xfffffff0, 24);
  h.writeUInt32LE(0xfffffff0 - 40, 36);
  const n = logLines.length;
  const r = await sendRaw(h);
  assert.equal(r.closed, true);
  assert.ok(logLines.slice(n).some((l) => /exceeds the 16777216-byte limit/.test(l)));
  await stillServing();
});

test("invalid XML closes the connection, naming the XML error", async () => {
  const n = logLines.length;
  const r = await sendRaw(frame('<lrmd_command lrmd_op="poke"><unclosed></lrmd_command>'));
  assert.equal(r.closed, true);
  assert.ok(logLines.slice(n).some((l) => /invalid XML in message/.test(l)), logLines.slice(n).join("\n"));
  await stillServing();
});

test("unknown operations and roots get -95; bad numbers get -22; unknown resources -19", async () => {
  const r = await sendRaw(
    Buffer.concat([
      frame('<lrmd_command lrmd_op="frobnicate" lrmd_remote_msg_id="5" lrmd_remote_msg_type="request"/>'),
      frame('<something_else lrmd_remote_msg_id="6" lrmd_remote_msg_type="request"/>'),
      frame('<lrmd_command lrmd_op="lrmd_rsc_exec" lrmd_remote_msg_id="7" lrmd_remote_msg_type="request"><lrmd_calldata><lrmd_rsc lrmd_rsc_id="x" lrmd_rsc_action="start" lrmd_rsc_interval="soon"/></lrmd_calldata></lrmd_command>'),
      frame('<lrmd_command lrmd_op="lrmd_rsc_exec" lrmd_remote_msg_id="8" lrmd_remote_msg_type="request"><lrmd_calldata><lrmd_rsc lrmd_rsc_id="nope" lrmd_rsc_action="start"/></lrmd_calldata></lrmd_command>'),
      frame('<lrmd_command lrmd_op="lrmd_rsc_exec" lrmd_remote_msg_id="9" lrmd_remote_msg_type="request"/>'),
    ]),
    300,
  );
  assert.equal(r.closed, false);
  assert.deepEqual(
    r.replies.map((m) => [m.attrs.lrmd_remote_msg_id, m.attrs.lrmd_rc]),
    [["5", "-95"], ["6", "-95"], ["7", "-22"], ["8", "-19"], ["9", "-22"]],
  );
});

test("fuzz: 300 random and mutated frames never crash the server", async () => {
  // Deterministic PRNG so a failure can be replayed.
  let seed = 0x5eed1234;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const valid = [
    '<lrmd_command lrmd_op="lrmd_rsc_poke" lrmd_remote_msg_id="1" lrmd_remote_msg_type="request"/>',
    '<lrmd_command lrmd_op="lrmd_rsc_register" lrmd_remote_msg_id="2" lrmd_remote_msg_type="request"><lrmd_calldata><lrmd_rsc lrmd_rsc_id="fz" lrmd_class="ocf" lrmd_provider="heartbeat" lrmd_type="Dummy"/></lrmd_calldata></lrmd_command>',
    '<lrmd_command lrmd_op="lrmd_rsc_cancel" lrmd_remote_msg_id="3" lrmd_remote_msg_type="request"><lrmd_calldata><lrmd_rsc lrmd_rsc_id="fz" lrmd_rsc_action="monitor" lrmd_rsc_interval="10"/></lrmd_calldata></lrmd_command>',
    '<lrmd_command lrmd_op="lrmd_get_recurring" lrmd_remote_msg_id="4" lrmd_remote_msg_type="request"/>',
  ].map(frame);
  for (let round = 0; round < 30; round++) {
    const parts: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      const kind = rand();
      if (kind < 0.3) parts.push(randomBytes(1 + Math.floor(rand() * 200)));
      else {
        const f = Buffer.from(valid[Math.floor(rand() * valid.length)]);
        const flips = kind < 0.7 ? 1 + Math.floor(rand() * 4) : 0;
        for (let j = 0; j < flips; j++) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256);
        parts.push(f);
      }
    }
    await sendRaw(Buffer.concat(parts), 30);
  }
  await stillServing();
});

test("a client that never registers a name gets no notifications; named ones do", async () => {
  const sock = await rawTls();
  const conn = new Connection(sock);
  const seen: XmlElement[] = [];
  conn.on("message", (m) => seen.push(m));
  conn.send(element("lrmd_command", { lrmd_op: "lrmd_rsc_poke", lrmd_remote_msg_id: "1", lrmd_remote_msg_type: "request" }));
  await until(() => seen.length >= 1, 3000, "poke reply");
  await sleep(200);
  assert.deepEqual(seen.map((m) => m.name), ["lrmd_reply"], "reply only, no poke notify");
  conn.destroy();
});

test("client: wrong key is EKEYREJECTED naming a key mismatch; missing key is ENOKEY", async () => {
  const n = logLines.length;
  const c = new RemoteClient({ host: "127.0.0.1", port, key: randomBytes(256) });
  await assert.rejects(c.connect(), (e: unknown) => e instanceof ExecutorError && e.code === Errno.EKEYREJECTED && /key mismatch/.test(e.message));
  await until(() => logLines.slice(n).some((l) => /pre-shared key mismatch/.test(l)), 3000, "server log line");
  const none = new RemoteClient({ host: "127.0.0.1", port, key: new KeyStore([join(dir, "missing-key")]) });
  await assert.rejects(none.connect(), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ENOKEY && /no authentication key/.test(e.message));
});

test("client: refused connection is ENOTCONN; a silent server times out (ETIME) and drops", async () => {
  const dead = new RemoteClient({ host: "127.0.0.1", port: 1, key });
  await assert.rejects(dead.connect(), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ENOTCONN);
  // A TLS server that completes the handshake and then never answers.
  const silent = tlsCreateServer(serverTlsOptions(() => key), () => {});
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  const c = new RemoteClient({ host: "127.0.0.1", port: (silent.address() as { port: number }).port, key, replyTimeoutMs: 300 });
  const t0 = Date.now();
  await assert.rejects(c.connect(), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ETIME);
  assert.ok(Date.now() - t0 < 3000);
  assert.equal(c.connected, false);
  silent.close();
});

test("client: detects a lost connection and reconnects", async () => {
  const c = new RemoteClient({ host: "127.0.0.1", port, key, name: "reconnector" });
  await c.connect();
  const firstToken = c.token;
  const lost = waitForEvent<Error | undefined>(c, "disconnect", () => true, 5000);
  // Kill the server side of this client's connection.
  const mine = server.listClients().find((x) => x.name === "reconnector");
  assert.ok(mine);
  (server as unknown as { clients: Map<string, { conn: Connection }> }).clients.get(mine.id)!.conn.destroy();
  const err = await lost;
  assert.ok(err instanceof ExecutorError && err.code === Errno.ENOTCONN);
  await assert.rejects(c.info("x"), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ENOTCONN);
  await c.reconnect();
  assert.notEqual(c.token, firstToken);
  await c.poke(3000);
  c.close();
});

test("lrmd_check with a watchdog timeout and no SBD makes the daemon exit fatally", async () => {
  const ex = new Executor();
  const srv = new RemoteServer({ executor: ex, keys: KeyStore.fromKey(key), host: "127.0.0.1", port: 0, env: {} });
  const p = (await srv.listen()).port;
  const c = new RemoteClient({ host: "127.0.0.1", port: p, key, name: "ctl" });
  await c.connect();
  const exit = waitForEvent<number>(srv, "exit", () => true, 3000);
  c.check("0");
  await sleep(100);
  c.check("10s");
  const [code] = await Promise.all([exit]);
  assert.equal(code, 108);
  c.close();
  await srv.close();
  ex.shutdown();
});

test("SIGTERM path: shutdown_req to the cluster; ack waits for it to leave, nack exits at once", async () => {
  for (const answer of ["shutdown_ack", "shutdown_nack"] as const) {
    const ex = new Executor();
    const srv = new RemoteServer({ executor: ex, keys: KeyStore.fromKey(key), host: "127.0.0.1", port: 0, env: {} });
    const p = (await srv.listen()).port;
    const ctl = new RemoteClient({ host: "127.0.0.1", port: p, key, name: "controller", ipcProvider: true });
    await ctl.connect();
    let exited = false;
    srv.on("exit", () => (exited = true));
    const req = waitForEvent<XmlElement>(ctl, "ipcProxy", (m) => m.attrs.lrmd_ipc_op === "shutdown_req", 3000);
    srv.requestShutdown();
    await req;
    ctl.ipcForward({ lrmd_ipc_op: answer });
    await sleep(200);
    if (answer === "shutdown_ack") {
      assert.equal(exited, false, "waits for the cluster to release the node");
      ctl.close();
      await until(() => exited, 3000, "exit after the provider left");
    } else {
      assert.equal(exited, true);
      ctl.close();
    }
    await srv.close();
    ex.shutdown();
  }
  // Without a cluster connected, shutdown is immediate.
  const ex = new Executor();
  const srv = new RemoteServer({ executor: ex, keys: KeyStore.fromKey(key), host: "127.0.0.1", port: 0, env: {} });
  await srv.listen();
  const exit = waitForEvent(srv, "exit", () => true, 1000);
  srv.requestShutdown();
  await exit;
  await srv.close();
  ex.shutdown();
});

test("the last client leaving drops recurring ops of resources registered with flags 3", async () => {
  const ex = new Executor();
  const srv = new RemoteServer({ executor: ex, keys: KeyStore.fromKey(key), host: "127.0.0.1", port: 0, env: {} });
  const p = (await srv.listen()).port;
  const s = await Session.open({ host: "127.0.0.1", port: p, key, stateDir: dir }, "ctl");
  await s.client.register({ id: "keep", class: "ocf", provider: "heartbeat", type: "Dummy" }, { dropRecurringOnDisconnect: false });
  await s.client.register({ id: "drop", class: "ocf", provider: "heartbeat", type: "Dummy" }, { dropRecurringOnDisconnect: true });
  for (const id of ["keep", "drop"]) await s.client.exec({ rscId: id, action: "monitor", intervalMs: 60_000, params: { state: join(dir, `${id}.state`) } });
  s.close();
  await until(() => srv.listClients().length === 0, 3000, "disconnect");
  assert.deepEqual(ex.recurring().map((r) => [r.rscId, r.ops.length]), [["keep", 1], ["drop", 0]]);
  await srv.close();
  ex.shutdown();
});

test("key store: oversized keys are refused with the fix; a key is read raw", () => {
  const big = join(dir, "k4096");
  writeFileSync(big, randomBytes(4096));
  assert.throws(() => new KeyStore([big]).load(), (e: unknown) => e instanceof AuthKeyError && /4096 bytes/.test(e.message) && /pacer authkey generate/.test(e.message));
  const nl = join(dir, "knl");
  writeFileSync(nl, "secret\n");
  assert.equal(new KeyStore([nl]).load().key.toString(), "secret\n", "trailing newline is part of the key");
  writeFileSync(join(dir, "empty"), "");
  assert.throws(() => new KeyStore([join(dir, "empty")]).load(), /no authentication key/);
});

test("a server whose key is too big refuses to start", async () => {
  const big = join(dir, "k1024");
  writeFileSync(big, randomBytes(1024));
  const srv = new RemoteServer({ executor: new Executor(), keys: new KeyStore([big]), host: "127.0.0.1", port: 0 });
  await assert.rejects(srv.listen(), /at most 512 bytes/);
});
