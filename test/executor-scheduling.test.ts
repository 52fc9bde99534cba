import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Executor, ExecStatus, OcfRc, type OpResult, defaultPaths } from "../src/executor/index.js";
import { makeAgentTree, PROVIDER, type AgentTree } from "./helpers/agents.js";
import { waitForEvent, record, sleep, until } from "./helpers/wait.js";

let tree: AgentTree;
let ex: Executor;

before(() => {
  tree = makeAgentTree();
  // Logs "begin NAME" / "end NAME" around a short sleep, so overlaps are visible.
  tree.addOcf("slow", `echo "begin $OCF_RESOURCE_INSTANCE $1" >> "$OCF_RESKEY_log"; sleep 0.3; echo "end $OCF_RESOURCE_INSTANCE $1" >> "$OCF_RESKEY_log"; exit 0`);
  // Monitor result is whatever number is in the file named by "rcfile".
  tree.addOcf("scripted", `[ "$1" = monitor ] && exit $(cat "$OCF_RESKEY_rcfile"); exit 0`);
  ex = new Executor({ paths: { ocfRaPath: [tree.raDir, ...defaultPaths.ocfRaPath], lsbDir: tree.lsbDir } });
});
after(() => {
  ex.shutdown();
  tree.cleanup();
});

const done = (callId: number, what = `call ${callId}`) => waitForEvent<OpResult>(ex, "result", (r) => r.callId === callId, 15_000, what);

test("one action at a time per resource (FIFO), resources in parallel", async () => {
  const log = join(tree.stateDir, "fifo.log");
  ex.register({ id: "a", class: "ocf", provider: PROVIDER, type: "slow" });
  ex.register({ id: "b", class: "ocf", provider: PROVIDER, type: "slow" });
  const t0 = Date.now();
  const ids = [ex.exec({ rscId: "a", action: "start", params: { log } }), ex.exec({ rscId: "a", action: "monitor", params: { log } }), ex.exec({ rscId: "b", action: "start", params: { log } })];
  await Promise.all(ids.map((id) => done(id)));
  const elapsed = Date.now() - t0;
  const lines = readFileSync(log, "utf8").trim().split("\n");
  const aLines = lines.filter((l) => l.includes(" a "));
  assert.deepEqual(aLines, ["begin a start", "end a start", "begin a monitor", "end a monitor"]);
  // b ran while a was busy: total time is about two runs, not three.
  assert.ok(lines.indexOf("begin b start") < lines.indexOf("end a start"), `b overlapped a: ${lines.join(" | ")}`);
  assert.ok(elapsed < 900, `took ${elapsed} ms`);
});

test("recurring monitor repeats until cancelled; cancel reports status CANCELLED", async () => {
  const rcfile = join(tree.stateDir, "rc1");
  writeFileSync(rcfile, "0");
  ex.register({ id: "r1", class: "ocf", provider: PROVIDER, type: "scripted" });
  const seen = record<OpResult>(ex, "result");
  const callId = ex.exec({ rscId: "r1", action: "monitor", intervalMs: 100, params: { rcfile } });
  await until(() => seen.filter((r) => r.callId === callId).length >= 3, 5000, "three monitor results");
  assert.deepEqual(ex.recurring("r1"), [{ rscId: "r1", ops: [{ action: "monitor", intervalMs: 100, timeoutMs: 20000 }] }]);
  assert.equal(ex.cancel("r1", "monitor", 100), true);
  const last = seen[seen.length - 1];
  assert.deepEqual([last.callId, last.status], [callId, ExecStatus.CANCELLED], "cancel result emitted before cancel() returned");
  const count = seen.length;
  await sleep(350);
  assert.equal(seen.length, count, "no results after cancel");
  assert.equal(ex.cancel("r1", "monitor", 100), false, "second cancel finds nothing");
  assert.deepEqual(ex.recurring("r1")[0].ops, []);
});

test("a duplicate recurring op is merged and takes the new call id", async () => {
  const rcfile = join(tree.stateDir, "rc2");
  writeFileSync(rcfile, "0");
  ex.register({ id: "r2", class: "ocf", provider: PROVIDER, type: "scripted" });
  const first = ex.exec({ rscId: "r2", action: "monitor", intervalMs: 60_000, params: { rcfile }, userdata: "one" });
  await done(first);
  const second = ex.exec({ rscId: "r2", action: "MONITOR", intervalMs: 60_000, params: { rcfile }, userdata: "two" });
  assert.notEqual(second, first);
  // The merged op was waiting for its next run: it runs now, under the new id and userdata.
  const r = await done(second);
  assert.equal(r.userdata, "two");
  assert.equal(ex.recurring("r2")[0].ops.length, 1);
  assert.equal(ex.cancel("r2", "monitor", 60_000), true);
});

test("notify-on-change: a recurring op reports only when its result changes", async () => {
  const rcfile = join(tree.stateDir, "rc3");
  writeFileSync(rcfile, "0");
  ex.register({ id: "r3", class: "ocf", provider: PROVIDER, type: "scripted" });
  const seen = record<OpResult>(ex, "result");
  const callId = ex.exec({ rscId: "r3", action: "monitor", intervalMs: 80, params: { rcfile }, notifyChangesOnly: true });
  await sleep(500);
  assert.equal(seen.filter((r) => r.callId === callId).length, 1, "only the first result");
  writeFileSync(rcfile, "7");
  await until(() => seen.some((r) => r.callId === callId && r.rc === OcfRc.NOT_RUNNING), 3000, "the change to rc 7");
  await sleep(300);
  assert.deepEqual(seen.filter((r) => r.callId === callId).map((r) => r.rc), [0, 7]);
  ex.cancel("r3", "monitor", 80);
});

test("a stop cancels the resource's recurring ops first", async () => {
  const rcfile = join(tree.stateDir, "rc4");
  writeFileSync(rcfile, "0");
  ex.register({ id: "r4", class: "ocf", provider: PROVIDER, type: "scripted" });
  const mon = ex.exec({ rscId: "r4", action: "monitor", intervalMs: 50, params: { rcfile } });
  await done(mon);
  const seen = record<OpResult>(ex, "result");
  const stop = ex.exec({ rscId: "r4", action: "stop", params: { rcfile } });
  assert.ok(seen.some((r) => r.callId === mon && r.status === ExecStatus.CANCELLED), "monitor cancelled synchronously");
  await done(stop);
  await sleep(200);
  assert.equal(seen.filter((r) => r.callId === mon && r.status !== ExecStatus.CANCELLED).length, 0);
  assert.deepEqual(ex.recurring("r4")[0].ops, []);
});

test("start-delay holds an op back; cancelling it before it runs works", async () => {
  const rcfile = join(tree.stateDir, "rc5");
  writeFileSync(rcfile, "0");
  ex.register({ id: "r5", class: "ocf", provider: PROVIDER, type: "scripted" });
  const t0 = Date.now();
  const r = await done(ex.exec({ rscId: "r5", action: "start", startDelayMs: 300, params: { rcfile } }));
  assert.ok(Date.now() - t0 >= 290, "ran after the delay");
  assert.equal(r.startDelayMs, 300);
  const seen = record<OpResult>(ex, "result");
  const id = ex.exec({ rscId: "r5", action: "monitor", intervalMs: 1000, startDelayMs: 300, params: { rcfile } });
  assert.equal(ex.cancel("r5", "monitor", 1000), true);
  await sleep(450);
  assert.deepEqual(seen.filter((x) => x.callId === id).map((x) => x.status), [ExecStatus.CANCELLED]);
});

test("unregister while an op runs: removed at once, the running op reports rscDeleted", async () => {
  const log = join(tree.stateDir, "unreg.log");
  ex.register({ id: "u1", class: "ocf", provider: PROVIDER, type: "slow" });
  const id = ex.exec({ rscId: "u1", action: "start", params: { log } });
  await sleep(50);
  assert.deepEqual(ex.unregister("u1"), { existed: true, inProgress: true });
  assert.equal(ex.info("u1"), undefined);
  const r = await done(id);
  assert.equal(r.rscDeleted, true);
  assert.deepEqual(ex.unregister("u1"), { existed: false, inProgress: false });
});

test("re-registering with the same agent is a no-op; a different agent replaces the resource", () => {
  ex.register({ id: "x1", class: "ocf", provider: PROVIDER, type: "slow" });
  assert.deepEqual(ex.register({ id: "x1", class: "ocf", provider: PROVIDER, type: "slow" }), { replaced: false, unchanged: true });
  assert.deepEqual(ex.register({ id: "x1", class: "ocf", provider: PROVIDER, type: "scripted" }), { replaced: true, unchanged: false });
  assert.equal(ex.info("x1")?.type, "scripted");
});

test("LSB scripts: monitor runs status, LSB status codes map to OCF", async () => {
  const flag = join(tree.stateDir, "lsb.on");
  rmSync(flag, { force: true });
  tree.addLsb("pacer-lsb-test", `case "$1" in start) touch ${flag};; stop) rm -f ${flag};; status) [ -f ${flag} ] && exit 0; exit 3;; *) exit 3;; esac; exit 0`);
  ex.register({ id: "l1", class: "lsb", type: "pacer-lsb-test" });
  assert.equal((await done(ex.exec({ rscId: "l1", action: "monitor" }))).rc, OcfRc.NOT_RUNNING);
  assert.equal((await done(ex.exec({ rscId: "l1", action: "start" }))).rc, OcfRc.OK);
  assert.equal((await done(ex.exec({ rscId: "l1", action: "monitor" }))).rc, OcfRc.OK);
  // "service" falls back to LSB where systemd does not know the name.
  ex.register({ id: "s1", class: "service", type: "pacer-lsb-test" });
  assert.equal((await done(ex.exec({ rscId: "s1", action: "status" }))).rc, OcfRc.OK);
  assert.equal((await done(ex.exec({ rscId: "l1", action: "stop" }))).rc, OcfRc.OK);
  assert.equal((await done(ex.exec({ rscId: "s1", action: "monitor" }))).rc, OcfRc.NOT_RUNNING);
  ex.register({ id: "l2", class: "lsb", type: "no-such-script" });
  assert.equal((await done(ex.exec({ rscId: "l2", action: "start" }))).status, ExecStatus.NOT_INSTALLED);
});

test("systemd resources where systemd does not run: not installed, with the reason", async () => {
  const noSystemd = new Executor({ paths: { systemdRunning: () => false } });
  noSystemd.register({ id: "sd1", class: "systemd", type: "chronyd" });
  const id = noSystemd.exec({ rscId: "sd1", action: "start" });
  const r = await waitForEvent<OpResult>(noSystemd, "result", (x) => x.callId === id);
  assert.deepEqual([r.rc, r.status], [OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED]);
  assert.match(r.exitReason ?? "", /systemd is not running/);
  noSystemd.shutdown();
});
