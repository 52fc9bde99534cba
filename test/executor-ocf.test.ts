import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Executor, ExecStatus, OcfRc, ExecutorError, Errno, type OpResult, defaultPaths, agentMetadata } from "../src/executor/index.js";
import { makeAgentTree, PROVIDER, type AgentTree } from "./helpers/agents.js";
import { waitForEvent, until } from "./helpers/wait.js";

const DUMMY = "/usr/lib/ocf/resource.d/heartbeat/Dummy";
let tree: AgentTree;
let ex: Executor;

before(() => {
  tree = makeAgentTree();
  ex = new Executor({ paths: { ocfRaPath: [tree.raDir, ...defaultPaths.ocfRaPath], lsbDir: tree.lsbDir } });
});
after(() => {
  ex.shutdown();
  tree.cleanup();
});

function run(rscId: string, action: string, params: Record<string, string> = {}, extra: Partial<Parameters<Executor["exec"]>[0]> = {}): Promise<OpResult> {
  const callId = ex.exec({ rscId, action, params, timeoutMs: 10_000, ...extra });
  return waitForEvent<OpResult>(ex, "result", (r) => r.callId === callId && r.rscId === rscId, 15_000, `${rscId} ${action}`);
}

test("the real ocf:heartbeat:Dummy starts, monitors and stops", { skip: !existsSync(DUMMY) && "resource-agents is not installed" }, async () => {
  const state = join(tree.stateDir, "d1.state");
  ex.register({ id: "d1", class: "ocf", provider: "heartbeat", type: "Dummy" });
  const params = { state };
  let r = await run("d1", "monitor", params);
  assert.equal(r.rc, OcfRc.NOT_RUNNING);
  r = await run("d1", "start", params);
  assert.deepEqual([r.rc, r.status], [OcfRc.OK, ExecStatus.DONE]);
  assert.ok(existsSync(state), "Dummy wrote its state file");
  assert.ok(r.runTime > 1_600_000_000 && r.execTimeMs >= 0);
  r = await run("d1", "monitor", params);
  assert.equal(r.rc, OcfRc.OK);
  r = await run("d1", "stop", params);
  assert.equal(r.rc, OcfRc.OK);
  assert.ok(!existsSync(state));
  r = await run("d1", "monitor", params);
  assert.equal(r.rc, OcfRc.NOT_RUNNING);
  r = await run("d1", "frobnicate", params);
  assert.equal(r.rc, OcfRc.UNIMPLEMENT_FEATURE);
});

test("OCF environment: OCF_RESKEY_*, meta attributes, OCF_CHECK_LEVEL and instance variables", async () => {
  tree.addOcf("envdump", `env | grep -E '^(OCF_|HA_)' | sort > "$OCF_RESKEY_out"; exit 0`);
  ex.register({ id: "env1", class: "ocf", provider: PROVIDER, type: "envdump" });
  const out = join(tree.stateDir, "env.txt");
  const r = await run("env1", "start", { out, fake: "a b", CRM_meta_timeout: "20000", OCF_CHECK_LEVEL: "10" });
  assert.equal(r.rc, 0);
  const env = Object.fromEntries(readFileSync(out, "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  assert.equal(env.OCF_RESKEY_fake, "a b");
  assert.equal(env.OCF_RESKEY_CRM_meta_timeout, "20000");
  assert.equal(env.OCF_CHECK_LEVEL, "10");
  assert.equal(env.OCF_RESKEY_OCF_CHECK_LEVEL, undefined);
  assert.equal(env.OCF_RESOURCE_INSTANCE, "env1");
  assert.equal(env.OCF_RESOURCE_TYPE, "envdump");
  assert.equal(env.OCF_RESOURCE_PROVIDER, PROVIDER);
  assert.equal(env.OCF_ROOT, "/usr/lib/ocf");
  assert.equal(env.OCF_RA_VERSION_MAJOR, "1");
  assert.equal(env.OCF_EXIT_REASON_PREFIX, "ocf-exit-reason:");
});

test("exit codes, exit reasons and output are captured", async () => {
  tree.addOcf("failer", `echo "some output"; echo "ocf-exit-reason:disk on fire" >&2; exit 6`);
  ex.register({ id: "f1", class: "ocf", provider: PROVIDER, type: "failer" });
  const r = await run("f1", "start");
  assert.equal(r.rc, OcfRc.NOT_CONFIGURED);
  assert.equal(r.status, ExecStatus.DONE);
  assert.equal(r.exitReason, "disk on fire");
  assert.match(r.output ?? "", /ocf-exit-reason:disk on fire/);
  tree.addOcf("quiet", `echo "only stdout"; exit 0`);
  ex.register({ id: "q1", class: "ocf", provider: PROVIDER, type: "quiet" });
  assert.equal((await run("q1", "start")).output, "only stdout\n");
});

test("a timeout kills the agent's whole process group and reports status TIMEOUT", async () => {
  const pidFile = join(tree.stateDir, "grandchild.pid");
  tree.addOcf("hang", `sleep 60 & echo $! > "$OCF_RESKEY_pidfile"; sleep 60`);
  ex.register({ id: "h1", class: "ocf", provider: PROVIDER, type: "hang" });
  const t0 = Date.now();
  const r = await run("h1", "start", { pidfile: pidFile }, { timeoutMs: 500 });
  assert.ok(Date.now() - t0 < 5000, "did not wait for the agent");
  assert.deepEqual([r.rc, r.status], [OcfRc.UNKNOWN_ERROR, ExecStatus.TIMEOUT]);
  assert.equal(r.exitReason, "Resource agent did not complete within 500ms");
  const pid = Number(readFileSync(pidFile, "utf8"));
  // Dead means gone, or a zombie waiting for its new parent to reap it.
  await until(() => !isAlive(pid), 3000, "the agent's background child to be killed too");
});

test("missing agent, missing provider and unknown class give clear results", async () => {
  ex.register({ id: "m1", class: "ocf", provider: "heartbeat", type: "NoSuchAgent" });
  let r = await run("m1", "start");
  assert.deepEqual([r.rc, r.status], [OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED]);
  assert.match(r.exitReason ?? "", /NoSuchAgent: No such file or directory/);
  ex.register({ id: "m2", class: "ocf", type: "Dummy" });
  r = await run("m2", "start");
  assert.deepEqual([r.rc, r.status], [OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED]);
  assert.match(r.exitReason ?? "", /no provider/);
  ex.register({ id: "m3", class: "ocf", provider: "nonexistent", type: "Dummy" });
  assert.equal((await run("m3", "start")).status, ExecStatus.NOT_INSTALLED);
  ex.register({ id: "m4", class: "upstart", type: "x" });
  r = await run("m4", "start");
  assert.equal(r.status, ExecStatus.NOT_SUPPORTED);
  assert.match(r.exitReason ?? "", /unknown resource class 'upstart'/);
});

test("unknown resources and empty requests are refused with errno codes", () => {
  assert.throws(() => ex.exec({ rscId: "nope", action: "start" }), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ENODEV && /nope/.test(e.message));
  assert.throws(() => ex.exec({ rscId: "", action: "start" }), (e: unknown) => e instanceof ExecutorError && e.code === Errno.EINVAL);
  assert.throws(() => ex.cancel("nope", "monitor", 1000), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ENODEV);
});

test("meta-data is read from the real agent", { skip: !existsSync(DUMMY) && "resource-agents is not installed" }, async () => {
  const md = await agentMetadata({ id: "x", class: "ocf", provider: "heartbeat", type: "Dummy" }, ex.paths);
  assert.equal(md.rc, 0);
  assert.match(md.text, /<resource-agent name="Dummy"/);
  assert.equal((await agentMetadata({ id: "x", class: "ocf", provider: "heartbeat", type: "Nope" }, ex.paths)).rc, OcfRc.NOT_INSTALLED);
});

/** True while PID runs. A killed orphan may linger as a zombie until init reaps it: that counts as dead. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
