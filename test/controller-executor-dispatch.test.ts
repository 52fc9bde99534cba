// ExecutorDispatch against the real local Executor (ocf:pacemaker:Dummy and throw-away test
// agents), plus one executor that answers through promises, as a remote one does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Executor, ExecStatus, OcfRc, defaultPaths, type OpResult } from "../src/executor/index.js";
import type { ExecRequest } from "../src/executor/executor.js";
import type { ExecutorApi } from "../src/executor/api.js";
import type { ResourceSpec } from "../src/executor/agent.js";
import type { GraphAction } from "../src/scheduler/graph/types.js";
import type { DispatchEvent } from "../src/controller/action-dispatch.js";
import { ExecutorDispatch, localOnlyDispatcher } from "../src/controller/executor-dispatch.js";
import { makeAgentTree, PROVIDER, type AgentTree } from "./helpers/agents.js";
import { record, sleep, until } from "./helpers/wait.js";

const DUMMY = { class: "ocf", provider: "pacemaker", type: "Dummy" };
const haveDummy = existsSync("/usr/lib/ocf/resource.d/pacemaker/Dummy");

let tree: AgentTree;
let ex: Executor;
let dispatch: ExecutorDispatch;
let nextId = 1;

before(() => {
  tree = makeAgentTree();
  // Writes its OCF_RESKEY_* environment to $OCF_RESKEY_envfile, then exits with $OCF_RESKEY_rc.
  tree.addOcf("envdump", `env | grep '^OCF_RESKEY_' | sort > "$OCF_RESKEY_envfile"; exit \${OCF_RESKEY_rc:-0}`);
  tree.addOcf("sleeper", `exec sleep 3`);
  tree.addOcf("failer", `echo "ocf-exit-reason:it broke" >&2; exit 1`);
  ex = new Executor({ paths: { ocfRaPath: [tree.raDir, ...defaultPaths.ocfRaPath], lsbDir: tree.lsbDir } });
  dispatch = localOnlyDispatcher("node1", ex);
});
after(async () => {
  await dispatch.close();
  tree.cleanup();
});

function op(rsc: string, operation: string, agent: { class: string; provider?: string; type: string }, attrs: Record<string, string> = {}, extra: Partial<GraphAction> = {}): GraphAction {
  const interval = attrs.CRM_meta_interval ?? "0";
  return {
    kind: "rsc_op",
    id: nextId++,
    operation,
    operationKey: `${rsc}_${operation}_${interval}`,
    onNode: "node1",
    onNodeUuid: "1",
    primitive: { id: rsc, ...agent },
    attributes: { CRM_meta_timeout: "20000", crm_feature_set: "3.16.1", ...attrs },
    ...extra,
  };
}

test("Dummy: start, probe, recurring monitor failure reported as a recurring-result, stop", { skip: !haveDummy && "ocf:pacemaker:Dummy not installed" }, async () => {
  const state = join(tree.stateDir, "d1.state");
  const events = record<DispatchEvent>(dispatch, "event");
  const start = await dispatch.run(op("d1", "start", DUMMY, { state }), "1:1:0:uuid");
  assert.equal(start.rc, OcfRc.OK);
  assert.equal(start.opStatus, ExecStatus.DONE);
  assert.ok(start.callId > 0);
  assert.ok(start.lastRcChange > 0);
  assert.ok(existsSync(state), "Dummy's state file exists after start");

  const probe = await dispatch.run(op("d1", "monitor", DUMMY, { state, CRM_meta_op_target_rc: "7" }), "2:1:7:uuid");
  assert.equal(probe.rc, OcfRc.OK, "probe finds it running");
  assert.ok(probe.callId > start.callId, "call ids increase");

  const monitor = await dispatch.run(op("d1", "monitor", DUMMY, { state, CRM_meta_interval: "200" }), "3:1:0:uuid");
  assert.equal(monitor.rc, OcfRc.OK, "the run() resolves with the first monitor result");
  await sleep(500);
  assert.equal(events.length, 0, "unchanged recurring results are not reported");
  rmSync(state);
  await until(() => events.length > 0, 5000, "recurring monitor failure");
  const e = events[0];
  assert.equal(e.kind, "recurring-result");
  if (e.kind !== "recurring-result") return;
  assert.equal(e.node, "node1");
  assert.deepEqual(e.resource, { id: "d1", ...DUMMY });
  assert.equal(e.task, "monitor");
  assert.equal(e.intervalMs, 200);
  assert.equal(e.transitionKey, "3:1:0:uuid");
  assert.equal(e.params.state, state);
  assert.equal(e.outcome.rc, OcfRc.NOT_RUNNING);
  await sleep(500);
  assert.equal(events.length, 1, "the same failure is reported once");

  const stop = await dispatch.run(op("d1", "stop", DUMMY, { state }), "4:1:0:uuid");
  assert.equal(stop.rc, OcfRc.OK);
  assert.deepEqual(ex.recurring("d1")[0].ops, [], "stop ended the recurring monitor");
  const probe2 = await dispatch.run(op("d1", "monitor", DUMMY, { state, CRM_meta_op_target_rc: "7" }), "5:1:7:uuid");
  assert.equal(probe2.rc, OcfRc.NOT_RUNNING);
  assert.equal(events.length, 1, "the stop's cancellation is not news");
});

test("parameters: instance attributes and CRM_meta_* reach the agent, graph bookkeeping does not; timeout and start delay are honoured", async () => {
  const envfile = join(tree.stateDir, "env1");
  const t0 = Date.now();
  const out = await dispatch.run(
    op("e1", "notify", { class: "ocf", provider: PROVIDER, type: "envdump" }, { envfile, CRM_meta_notify_type: "pre", CRM_meta_notify_operation: "start", CRM_meta_start_delay: "300" }),
    "6:2:0:uuid",
  );
  assert.ok(Date.now() - t0 >= 280, "start delay waited");
  assert.equal(out.rc, 0);
  const env = readFileSync(envfile, "utf8");
  assert.match(env, /^OCF_RESKEY_CRM_meta_notify_type=pre$/m);
  assert.match(env, /^OCF_RESKEY_CRM_meta_timeout=20000$/m);
  assert.match(env, new RegExp(`^OCF_RESKEY_envfile=${envfile}$`, "m"));
  assert.doesNotMatch(env, /crm_feature_set/);

  const slow = await dispatch.run(op("s1", "start", { class: "ocf", provider: PROVIDER, type: "sleeper" }, { CRM_meta_timeout: "300" }), "7:2:0:uuid");
  assert.equal(slow.opStatus, ExecStatus.TIMEOUT);
});

test("failures are outcomes: agent error with its exit reason, missing agent, unknown class", async () => {
  const failed = await dispatch.run(op("f1", "start", { class: "ocf", provider: PROVIDER, type: "failer" }), "8:3:0:uuid");
  assert.deepEqual([failed.rc, failed.opStatus, failed.exitReason], [OcfRc.UNKNOWN_ERROR, ExecStatus.DONE, "it broke"]);
  const missing = await dispatch.run(op("m1", "start", { class: "ocf", provider: PROVIDER, type: "nosuchagent" }), "9:3:0:uuid");
  assert.deepEqual([missing.rc, missing.opStatus], [OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED]);
  const odd = await dispatch.run(op("o1", "start", { class: "weird", type: "x" }), "10:3:0:uuid");
  assert.equal(odd.opStatus, ExecStatus.NOT_SUPPORTED);
  await assert.rejects(dispatch.run({ ...op("x", "start", DUMMY), primitive: undefined }, "11:3:0:uuid"), /without a <primitive>/);
  await assert.rejects(dispatch.run(op("x", "start", DUMMY, { CRM_meta_timeout: "soon" }), "12:3:0:uuid"), /CRM_meta_timeout="soon"/);
});

test("cancel ends a recurring op without a report; delete unregisters the resource", async () => {
  const envfile = join(tree.stateDir, "env2");
  const agent = { class: "ocf", provider: PROVIDER, type: "envdump" };
  const events = record<DispatchEvent>(dispatch, "event");
  await dispatch.run(op("c1", "monitor", agent, { envfile, CRM_meta_interval: "100" }), "13:4:0:uuid");
  assert.equal(ex.recurring("c1")[0].ops.length, 1);
  const cancel = await dispatch.run(op("c1", "cancel", agent, { CRM_meta_interval: "100", CRM_meta_operation: "monitor" }), "14:4:0:uuid");
  assert.deepEqual([cancel.rc, cancel.opStatus], [0, ExecStatus.DONE]);
  assert.deepEqual(ex.recurring("c1")[0].ops, []);
  const again = await dispatch.run(op("c1", "cancel", agent, { CRM_meta_interval: "100", CRM_meta_operation: "monitor" }), "15:4:0:uuid");
  assert.equal(again.rc, 0, "cancelling what is gone is done");
  const del = await dispatch.run(op("c1", "delete", agent), "16:4:0:uuid");
  assert.equal(del.rc, 0);
  assert.equal(ex.info("c1"), undefined);
  await sleep(250);
  assert.equal(events.length, 0);
  // Used again after the delete: registered afresh.
  const out = await dispatch.run(op("c1", "start", agent, { envfile }), "17:4:0:uuid");
  assert.equal(out.rc, 0);
});

test("a recurring op started again replaces the running one and reports its first result", async () => {
  const envfile = join(tree.stateDir, "env3");
  const agent = { class: "ocf", provider: PROVIDER, type: "envdump" };
  await dispatch.run(op("r1", "monitor", agent, { envfile, CRM_meta_interval: "100" }), "18:5:0:uuid");
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<string>((r) => (timer = setTimeout(() => r("hung"), 3000)));
  const second = await Promise.race([dispatch.run(op("r1", "monitor", agent, { envfile, CRM_meta_interval: "100" }), "19:5:0:uuid"), hung]);
  clearTimeout(timer);
  assert.notEqual(second, "hung");
  assert.equal(ex.recurring("r1")[0].ops.length, 1);
});

/** An executor that answers every call through a promise, with results sent before the exec
 *  reply (the worst order a remote executor could produce). */
class AsyncExecutor extends EventEmitter<{ result: [OpResult] }> implements ExecutorApi {
  specs = new Map<string, ResourceSpec>();
  calls = 0;
  fail?: Error;
  hold = false;
  async register(spec: ResourceSpec) {
    this.specs.set(spec.id, spec);
    return {};
  }
  async unregister(id: string) {
    this.specs.delete(id);
    return { inProgress: false };
  }
  async info(id: string) {
    return this.specs.get(id);
  }
  async exec(req: ExecRequest): Promise<number> {
    if (this.fail) throw this.fail;
    const callId = ++this.calls;
    if (!this.hold) this.emit("result", fakeResult(req, callId, 0));
    await sleep(10);
    return callId;
  }
  async cancel() {
    return false;
  }
  async recurring() {
    return [];
  }
}

function fakeResult(req: ExecRequest, callId: number, rc: number): OpResult {
  return {
    callId, rscId: req.rscId, action: req.action, intervalMs: req.intervalMs ?? 0, timeoutMs: req.timeoutMs ?? 0, startDelayMs: 0,
    userdata: req.userdata, params: req.params ?? {}, rc, status: ExecStatus.DONE, runTime: 1, rcChangeTime: 1, execTimeMs: 1, queueTimeMs: 0,
    rscDeleted: false, notifyOriginOnly: false,
  };
}

test("any ExecutorApi: promise answers, results ahead of replies, refusals and abandon become outcomes", async () => {
  const remote = new AsyncExecutor();
  const d = new ExecutorDispatch(remote, { node: "guest1" });
  assert.deepEqual(d.connectedNodes(), []);
  const out = await d.run(op("g1", "start", DUMMY, {}, { onNode: "guest1", routerNode: "node1" }), "20:6:0:uuid");
  assert.deepEqual([out.callId, out.rc], [1, 0]);
  assert.ok(remote.specs.has("g1"), "registered before use");

  remote.hold = true;
  const waiting = d.run(op("g1", "monitor", DUMMY, { CRM_meta_interval: "1000" }, { onNode: "guest1", routerNode: "node1" }), "21:6:0:uuid");
  await sleep(30);
  assert.equal(d.inFlight, 1);
  d.abandon("connection to guest1 lost");
  const lost = await waiting;
  assert.deepEqual([lost.opStatus, lost.exitReason], [ExecStatus.NOT_CONNECTED, "connection to guest1 lost"]);

  // A recurring result from an op this dispatch never started (kept by the guest's executor).
  const events = record<DispatchEvent>(d, "event");
  remote.emit("result", { ...fakeResult({ rscId: "g1", action: "monitor", intervalMs: 5000, userdata: "9:1:0:old" }, 77, 7) });
  await until(() => events.length === 1, 2000, "event for a foreign recurring op");
  const e = events[0];
  assert.ok(e.kind === "recurring-result" && e.node === "guest1" && e.outcome.rc === 7 && e.transitionKey === "9:1:0:old");

  const { ExecutorError, Errno } = await import("../src/executor/codes.js");
  remote.fail = new ExecutorError(Errno.ENOTCONN, "not connected to guest1");
  const refused = await d.run(op("g1", "stop", DUMMY, {}, { onNode: "guest1" }), "22:6:0:uuid");
  assert.deepEqual([refused.opStatus, refused.exitReason], [ExecStatus.NOT_CONNECTED, "not connected to guest1"]);
  await d.close();
  const closed = await d.run(op("g1", "stop", DUMMY), "23:6:0:uuid");
  assert.equal(closed.opStatus, ExecStatus.NOT_CONNECTED);
});
