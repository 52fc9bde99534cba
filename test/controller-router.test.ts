// The router with real executors: the local Executor for host actions and a pacer-remoted
// program on loopback standing in for a guest, reached through the connection manager.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Executor } from "../src/executor/executor.js";
import { ExecStatus, OcfRc } from "../src/executor/codes.js";
import { Router, createRouter } from "../src/controller/router.js";
import { ConnectionManager } from "../src/controller/connections.js";
import { localOnlyDispatcher } from "../src/controller/executor-dispatch.js";
import { recordRemoteNodeStates } from "../src/controller/remote-node-state.js";
import type { DispatchEvent } from "../src/controller/action-dispatch.js";
import type { GraphAction } from "../src/scheduler/graph/types.js";
import { parseXml, serializeXml } from "../src/cib/xml.js";
import { RemotedProcess, freePort } from "./helpers/remoted-proc.js";
import { until } from "./helpers/wait.js";

const DUMMY = "/usr/lib/ocf/resource.d/pacemaker/Dummy";
const skip = existsSync(DUMMY) ? false : `${DUMMY} is not installed`;

let dir: string;
let keyFile: string;
let router: Router | undefined;
const procs: RemotedProcess[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "pacer-router-"));
  keyFile = join(dir, "authkey");
  writeFileSync(keyFile, randomBytes(256), { mode: 0o600 });
});
afterEach(async () => {
  await router?.close();
  router = undefined;
  for (const p of procs.splice(0)) await p.kill();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function newRouter(): { r: Router; events: DispatchEvent[] } {
  const r = new Router({ localNode: "host1", local: localOnlyDispatcher("host1", new Executor()), connections: new ConnectionManager({ authkeyPath: keyFile, retryDelayMs: 100 }) });
  router = r;
  const events: DispatchEvent[] = [];
  r.on("event", (e) => events.push(e));
  return { r, events };
}

let nextId = 1;
function dummyAction(operation: string, node: string, extra: Record<string, string> = {}, id = "d1"): GraphAction {
  const interval = Number(extra.CRM_meta_interval ?? 0);
  return {
    kind: "rsc_op",
    id: nextId++,
    operation,
    operationKey: `${id}_${operation}_${interval}`,
    onNode: node,
    onNodeUuid: node,
    ...(node !== "host1" ? { routerNode: "host1" } : {}),
    primitive: { id, class: "ocf", provider: "pacemaker", type: "Dummy" },
    attributes: { CRM_meta_on_node: node, CRM_meta_timeout: "20000", state: join(dir, `${node}-${id}.state`), ...extra },
  };
}

function connAction(operation: string, port: number, node = "g1"): GraphAction {
  return {
    kind: "rsc_op",
    id: nextId++,
    operation,
    operationKey: `${node}_${operation}_0`,
    onNode: "host1",
    onNodeUuid: "1",
    primitive: { id: node, class: "ocf", provider: "pacemaker", type: "remote" },
    attributes: { CRM_meta_on_node: "host1", CRM_meta_timeout: "10000", addr: "127.0.0.1", port: String(port) },
  };
}

async function guest(r: Router): Promise<RemotedProcess> {
  const port = await freePort();
  const p = await RemotedProcess.start(port, keyFile);
  procs.push(p);
  const out = await r.run(connAction("start", port), "1:1:0:k");
  assert.equal(out.rc, OcfRc.OK, out.exitReason);
  return p;
}

test("host actions go to the local executor", { skip }, async () => {
  const { r } = newRouter();
  const out = await r.run(dummyAction("start", "host1"), "2:1:0:k");
  assert.equal(out.rc, OcfRc.OK, out.exitReason);
  assert.ok(existsSync(join(dir, "host1-d1.state")));
  assert.equal((await r.run(dummyAction("stop", "host1"), "3:1:0:k")).rc, OcfRc.OK);
  assert.deepEqual(r.connectedNodes(), []);
});

test("guest actions go through the guest's connection; none without one", { skip }, async () => {
  const { r } = newRouter();
  const before = await r.run(dummyAction("start", "g1"), "2:1:0:k");
  assert.equal(before.opStatus, ExecStatus.NOT_CONNECTED);
  assert.match(before.exitReason ?? "", /g1 is not connected/);
  const p = await guest(r);
  assert.deepEqual(r.connectedNodes(), ["g1"]);
  const out = await r.run(dummyAction("start", "g1"), "3:1:0:k");
  assert.equal(out.rc, OcfRc.OK, out.exitReason);
  assert.ok(out.callId > 0, "the remote executor's call id");
  assert.ok(existsSync(join(dir, "g1-d1.state")), "the Dummy ran in the remote executor");
  assert.equal((await r.run(dummyAction("stop", "g1"), "4:1:0:k")).rc, OcfRc.OK);
  // A guest routed through another cluster node is not ours to reach.
  const elsewhere = await r.run({ ...dummyAction("start", "g1"), routerNode: "host2" }, "5:1:0:k");
  assert.equal(elsewhere.opStatus, ExecStatus.NOT_CONNECTED);
  assert.match(elsewhere.exitReason ?? "", /reached through host2/);
  void p;
});

test("an action in flight when the connection drops completes NOT_CONNECTED; the loss is reported", { skip }, async () => {
  const { r, events } = newRouter();
  const p = await guest(r);
  assert.equal((await r.run({ ...connAction("monitor", p.port), attributes: { ...connAction("monitor", p.port).attributes, CRM_meta_interval: "1000" } }, "2:1:0:k")).rc, OcfRc.OK);
  const t0 = Date.now();
  const slow = r.run(dummyAction("start", "g1", { op_sleep: "8" }, "slow"), "3:1:0:k");
  await new Promise((res) => setTimeout(res, 500));
  await p.kill();
  const out = await slow;
  assert.equal(out.opStatus, ExecStatus.NOT_CONNECTED);
  assert.equal(out.rc, OcfRc.UNKNOWN_ERROR);
  assert.match(out.exitReason ?? "", /connection to g1 .* lost/);
  assert.ok(Date.now() - t0 < 4000, "not left waiting for the agent's 8 s");
  await until(() => events.some((e) => e.kind === "connection-lost" && e.node === "g1"), 5000, "connection-lost");
  assert.ok(events.some((e) => e.kind === "recurring-result" && e.node === "host1" && e.resource.id === "g1" && e.resource.type === "remote" && e.outcome.rc === OcfRc.UNKNOWN_ERROR), "the connection monitor failed");
  assert.deepEqual(r.connectedNodes(), []);
  const after = await r.run(dummyAction("monitor", "g1"), "4:1:7:k");
  assert.equal(after.opStatus, ExecStatus.NOT_CONNECTED);
});

test("recurring results from inside a guest are re-emitted under the guest's name", { skip }, async () => {
  const { r, events } = newRouter();
  await guest(r);
  assert.equal((await r.run(dummyAction("start", "g1", {}, "m1"), "2:1:0:k")).rc, OcfRc.OK);
  const mon = await r.run(dummyAction("monitor", "g1", { CRM_meta_interval: "300" }, "m1"), "3:1:0:k");
  assert.equal(mon.rc, OcfRc.OK);
  rmSync(join(dir, "g1-m1.state"));
  await until(() => events.some((e) => e.kind === "recurring-result"), 5000, "monitor failure");
  const e = events.find((x) => x.kind === "recurring-result")!;
  assert.ok(e.kind === "recurring-result");
  assert.equal(e.node, "g1");
  assert.equal(e.resource.id, "m1");
  assert.equal(e.outcome.rc, OcfRc.NOT_RUNNING);
  assert.equal(e.transitionKey, "3:1:0:k");
});

test("stopping the connection drops the guest's dispatcher", { skip }, async () => {
  const { r } = newRouter();
  const nodes: [string, boolean][] = [];
  r.on("node", (n, up) => nodes.push([n, up]));
  const p = await guest(r);
  assert.deepEqual(nodes, [["g1", true]]);
  assert.equal((await r.run(connAction("stop", p.port), "9:1:0:k")).rc, OcfRc.OK);
  assert.deepEqual(r.connectedNodes(), []);
  assert.equal((await r.run(dummyAction("monitor", "g1"), "10:1:7:k")).opStatus, ExecStatus.NOT_CONNECTED);
  assert.deepEqual(nodes, [["g1", true], ["g1", false]]);
});

test("createRouter wires the local executor and a connection manager", { skip }, async () => {
  const r = createRouter({ localNode: "host1", executor: new Executor(), authkeyPath: keyFile });
  router = r;
  assert.equal((await r.run(dummyAction("monitor", "host1", {}, "fresh"), "1:1:7:k")).rc, OcfRc.NOT_RUNNING);
  const missing = await r.run(connAction("start", 1), "2:1:0:k");
  assert.notEqual(missing.rc, OcfRc.OK);
});

test("remote node_states follow the connections, as Pacemaker writes them", () => {
  const cib = parseXml(`<cib><configuration/><status><node_state id="1" uname="host1" in_ccm="true" crmd="online"/><node_state remote_node="true" id="g2" uname="g2" in_ccm="true" crm-debug-origin="x"/></status></cib>`);
  assert.equal(recordRemoteNodeStates(cib, ["g1"]), true);
  assert.equal(
    serializeXml(cib),
    `<cib><configuration/><status><node_state id="1" uname="host1" in_ccm="true" crmd="online"/><node_state remote_node="true" id="g2" uname="g2" in_ccm="false" crm-debug-origin="remote_node_down"/><node_state remote_node="true" id="g1" uname="g1" in_ccm="true" crm-debug-origin="remote_node_up" node_fenced="0"/></status></cib>`,
  );
  assert.equal(recordRemoteNodeStates(cib, ["g1"]), false, "nothing to change the second time");
  assert.equal(recordRemoteNodeStates(cib, ["g1", "g2"]), true);
  assert.match(serializeXml(cib), /uname="g2" in_ccm="true" crm-debug-origin="remote_node_up"/);
});
