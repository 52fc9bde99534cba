// The connection manager against a real pacer-remoted program on loopback: start with
// retries, probes, recurring monitors, stop, key mismatch, losses and reconnect_interval.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionManager } from "../src/controller/connections.js";
import type { DispatchEvent } from "../src/controller/action-dispatch.js";
import type { GraphAction } from "../src/scheduler/graph/types.js";
import { ExecStatus, OcfRc } from "../src/executor/codes.js";
import { RemoteClient } from "../src/remote/client.js";
import { RemotedProcess, freePort } from "./helpers/remoted-proc.js";
import { until, sleep } from "./helpers/wait.js";

let dir: string;
let keyFile: string;
let key: Buffer;
const procs: RemotedProcess[] = [];
const managers: ConnectionManager[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "pacer-conn-"));
  key = randomBytes(256);
  keyFile = join(dir, "authkey");
  writeFileSync(keyFile, key, { mode: 0o600 });
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  for (const p of procs.splice(0)) await p.kill();
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function remoted(port: number, file = keyFile): Promise<RemotedProcess> {
  const p = await RemotedProcess.start(port, file);
  procs.push(p);
  return p;
}

function manager(authkeyPath = keyFile): { m: ConnectionManager; events: DispatchEvent[]; ups: string[]; downs: [string, string | undefined][] } {
  const m = new ConnectionManager({ authkeyPath, retryDelayMs: 100 });
  managers.push(m);
  const events: DispatchEvent[] = [];
  const ups: string[] = [];
  const downs: [string, string | undefined][] = [];
  m.on("event", (e) => events.push(e));
  m.on("up", (n) => ups.push(n));
  m.on("down", (n, r) => downs.push([n, r]));
  return { m, events, ups, downs };
}

let nextId = 1;
function action(operation: string, port: number, extra: Record<string, string> = {}, node = "g1"): GraphAction {
  const interval = Number(extra.CRM_meta_interval ?? 0);
  return {
    kind: "rsc_op",
    id: nextId++,
    operation,
    operationKey: `${node}_${operation}_${interval}`,
    onNode: "host1",
    onNodeUuid: "1",
    primitive: { id: node, class: "ocf", provider: "pacemaker", type: "remote" },
    attributes: { CRM_meta_on_node: "host1", CRM_meta_timeout: "10000", addr: "127.0.0.1", port: String(port), ...extra },
  };
}

test("start retries until the remote executor listens, then the node is connected", async () => {
  const port = await freePort();
  const { m, ups } = manager();
  const t0 = Date.now();
  const starting = m.run(action("start", port), "1:1:0:test");
  await sleep(1200);
  await remoted(port);
  const out = await starting;
  assert.equal(out.rc, OcfRc.OK, out.exitReason);
  assert.equal(out.opStatus, ExecStatus.DONE);
  assert.ok(Date.now() - t0 >= 1200);
  assert.deepEqual(m.connected(), ["g1"]);
  assert.deepEqual(ups, ["g1"]);
  assert.ok(m.executor("g1"), "the router gets an executor for the node");
});

test("start gives up at the start timeout with the last error", async () => {
  const port = await freePort();
  const { m } = manager();
  const t0 = Date.now();
  const out = await m.run(action("start", port, { CRM_meta_timeout: "1500" }), "1:1:0:test");
  const took = Date.now() - t0;
  assert.equal(out.rc, OcfRc.UNKNOWN_ERROR);
  assert.equal(out.opStatus, ExecStatus.TIMEOUT);
  assert.match(out.exitReason ?? "", /could not connect to g1 at 127\.0\.0\.1:\d+ within 1500 ms \(\d+ attempts; last: .*ECONNREFUSED/);
  assert.ok(took >= 1300 && took < 3000, `took ${took} ms`);
  assert.deepEqual(m.connected(), []);
});

test("a different key fails the start at once with an exit reason naming the authkey", async () => {
  const port = await freePort();
  const otherKey = join(dir, "other-key");
  writeFileSync(otherKey, randomBytes(256), { mode: 0o600 });
  await remoted(port, otherKey);
  const { m } = manager();
  const t0 = Date.now();
  const out = await m.run(action("start", port), "1:1:0:test");
  assert.equal(out.rc, OcfRc.UNKNOWN_ERROR);
  assert.equal(out.opStatus, ExecStatus.ERROR);
  assert.equal(out.exitReason, `pre-shared key mismatch with g1 at 127.0.0.1:${port} — compare ${keyFile} on both sides`);
  assert.ok(Date.now() - t0 < 5000, "no retries until the timeout");
});

test("a missing authkey is a clear start failure", async () => {
  const port = await freePort();
  const { m } = manager(join(dir, "no-such-key"));
  const out = await m.run(action("start", port), "1:1:0:test");
  assert.equal(out.rc, OcfRc.UNKNOWN_ERROR);
  assert.match(out.exitReason ?? "", /no-such-key is not a readable, non-empty file/);
});

test("probe: not running unless connected (no attempt to connect); connected → a poke round trip", async () => {
  const port = await freePort();
  await remoted(port);
  const { m, ups } = manager();
  const probe = () => m.run(action("monitor", port, { CRM_meta_op_target_rc: "7" }), "1:1:7:test");
  assert.equal((await probe()).rc, OcfRc.NOT_RUNNING, "the executor listens, but we hold no connection");
  assert.deepEqual(ups, []);
  assert.equal((await m.run(action("start", port), "2:1:0:test")).rc, OcfRc.OK);
  assert.equal((await probe()).rc, OcfRc.OK);
});

test("recurring monitor pokes; kill -9 of the executor → failed monitor, connection-lost, down", async () => {
  const port = await freePort();
  const p = await remoted(port);
  const { m, events, downs } = manager();
  assert.equal((await m.run(action("start", port), "1:1:0:test")).rc, OcfRc.OK);
  const mon = await m.run(action("monitor", port, { CRM_meta_interval: "300", CRM_meta_name: "monitor" }), "2:1:0:test");
  assert.equal(mon.rc, OcfRc.OK);
  await sleep(700);
  assert.equal(events.length, 0, "unchanged results are not reported");
  await p.kill();
  await until(() => events.some((e) => e.kind === "connection-lost"), 5000, "connection-lost");
  const failed = events.find((e) => e.kind === "recurring-result");
  assert.ok(failed && failed.kind === "recurring-result");
  assert.equal(failed.node, "host1", "recorded where the connection resource runs (the cluster node), not in the guest");
  assert.equal(failed.resource.id, "g1");
  assert.equal(failed.task, "monitor");
  assert.equal(failed.intervalMs, 300);
  assert.equal(failed.transitionKey, "2:1:0:test");
  assert.equal(failed.outcome.rc, OcfRc.UNKNOWN_ERROR);
  assert.equal(failed.outcome.opStatus, ExecStatus.ERROR);
  assert.equal(failed.outcome.callId, mon.callId);
  assert.match(failed.outcome.exitReason ?? "", /connection to g1 \(127\.0\.0\.1:\d+\) lost/);
  assert.deepEqual(events.map((e) => e.kind), ["recurring-result", "connection-lost"]);
  assert.equal(downs.length, 1);
  assert.equal(downs[0][0], "g1");
  assert.ok(downs[0][1]);
  assert.deepEqual(m.connected(), []);
  // The recovery's stop of a lost connection is a no-op success.
  assert.equal((await m.run(action("stop", port), "3:2:0:test")).rc, OcfRc.OK);
});

test("stop unregisters what was registered through the connection, then disconnects", async () => {
  const port = await freePort();
  await remoted(port);
  const { m, downs, events } = manager();
  assert.equal((await m.run(action("start", port), "1:1:0:test")).rc, OcfRc.OK);
  const api = m.executor("g1")!;
  await api.register({ id: "inside1", class: "ocf", provider: "pacemaker", type: "Dummy" });
  const other = new RemoteClient({ host: "127.0.0.1", port, key, name: "observer" });
  await other.connect();
  try {
    await other.register({ id: "theirs", class: "ocf", provider: "pacemaker", type: "Dummy" });
    assert.ok(await other.info("inside1"));
    const out = await m.run(action("stop", port), "2:1:0:test");
    assert.equal(out.rc, OcfRc.OK);
    assert.equal(await other.info("inside1"), undefined, "ours is unregistered");
    assert.ok(await other.info("theirs"), "another client's resource is left alone");
  } finally {
    other.close();
  }
  assert.deepEqual(downs, [["g1", undefined]]);
  assert.deepEqual(m.connected(), []);
  assert.equal(events.length, 0, "a stop is not a loss");
});

test("migration is refused as not supported; bad parameters are invalid", async () => {
  const { m } = manager();
  const out = await m.run(action("migrate_to", 3121), "1:1:0:test");
  assert.equal(out.rc, OcfRc.UNIMPLEMENT_FEATURE);
  assert.equal(out.opStatus, ExecStatus.NOT_SUPPORTED);
  assert.match(out.exitReason ?? "", /does not migrate connections/);
  const bad = await m.run(action("start", 3121, { port: "99999" }), "1:1:0:test");
  assert.equal(bad.rc, OcfRc.INVALID_PARAM);
  assert.match(bad.exitReason ?? "", /port "99999"/);
});

test("reconnect_interval: after a loss, no new connection before it elapses", async () => {
  const port = await freePort();
  const p = await remoted(port);
  const { m, events } = manager();
  const ri = { reconnect_interval: "2s" };
  assert.equal((await m.run(action("start", port, ri, "r1"), "1:1:0:test")).rc, OcfRc.OK);
  await p.kill();
  await until(() => events.some((e) => e.kind === "connection-lost"), 5000, "connection-lost");
  const lostAt = Date.now();
  await remoted(port);
  // A start whose timeout ends before the interval does fail, saying why.
  const early = await m.run(action("start", port, { ...ri, CRM_meta_timeout: "500" }, "r1"), "2:2:0:test");
  assert.equal(early.rc, OcfRc.UNKNOWN_ERROR);
  assert.match(early.exitReason ?? "", /reconnect_interval/);
  const out = await m.run(action("start", port, ri, "r1"), "3:3:0:test");
  assert.equal(out.rc, OcfRc.OK, out.exitReason);
  assert.ok(Date.now() - lostAt >= 1900, `reconnected after ${Date.now() - lostAt} ms`);
});
