// The transition engine end to end: pacerd (a child process, in a network namespace of its
// own: test/helpers/pacer-cluster.ts) runs ocf:pacemaker:Dummy on the host, driven through
// the `pacer` CLI. Each step waits with an explicit bound; destroy() removes everything.
import { test, after, describe as suite } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { clusterSkip, PacerCluster, runsOn, type StatusJson } from "./helpers/pacer-cluster.js";
import { until } from "./helpers/wait.js";

const SKIP = clusterSkip() || (!existsSync("/usr/lib/ocf/resource.d/pacemaker/Dummy") && "ocf:pacemaker:Dummy not installed");

function transient(cibText: string, name: string): string | undefined {
  const m = new RegExp(`name="${name.replace(/[#.]/g, "\\$&")}" value="([^"]*)"`).exec(cibText);
  return m?.[1];
}

suite("transition engine with host resources (pacerd in a network namespace)", { skip: SKIP, timeout: 300_000 }, () => {
  let c: PacerCluster | undefined;
  after(async () => {
    await c?.destroy();
  });
  const cib = () => readFileSync(c!.cibFile, "utf8");
  const failedMonitor = (s: StatusJson, rsc: string) => s.failedActions.some((f) => f.resource === rsc && f.task === "monitor");

  test("resource create → running; a monitor failure is recorded, counted, and recovered in place", async () => {
    c = await PacerCluster.start();
    const node = c.nodeName;
    const st = c.hostDummyState("d1");
    await c.pacerOk("resource", "create", "d1", "ocf:pacemaker:Dummy", `state=${st}`, "op", "monitor", "interval=2s");
    await c.waitFor((s) => runsOn(s, "d1") === node, 30_000, "d1 running");
    assert.ok(existsSync(st), "the Dummy's state file exists");

    rmSync(st);
    const s = await c.waitFor((s) => failedMonitor(s, "d1") && runsOn(s, "d1") === node, 30_000, "d1's monitor failure recorded");
    assert.equal(s.failedActions.find((f) => f.resource === "d1")!.rcText, "not running");
    await until(() => existsSync(st), 20_000, "d1 started again");
    assert.equal(transient(cib(), "fail-count-d1#monitor_2000"), "1");
    assert.match(cib(), /<lrm_rsc_op id="d1_last_failure_0" operation_key="d1_monitor_2000" operation="monitor" crm-debug-origin="do_update_resource"/);
    assert.match(c.box.logTail(), /recurring d1_monitor_2000 on node1: rc 7|stop d1 on/);
  });

  test("resource disable / enable / restart / cleanup", async () => {
    const node = c!.nodeName;
    const st = c!.hostDummyState("d1");
    await c!.pacerOk("resource", "disable", "d1");
    await c!.waitFor((s) => runsOn(s, "d1") === undefined, 30_000, "d1 stopped");
    await until(() => !existsSync(st), 5000, "state file removed by stop");
    await c!.pacerOk("resource", "enable", "d1");
    await c!.waitFor((s) => runsOn(s, "d1") === node, 30_000, "d1 running again");
    await until(() => existsSync(st), 5000, "state file back");
    const before = statSync(st, { bigint: true }).mtimeNs;
    await c!.pacerOk("resource", "restart", "d1", "--timeout", "30");
    await c!.waitFor((s) => runsOn(s, "d1") === node, 30_000, "d1 running after restart");
    await until(() => existsSync(st) && statSync(st, { bigint: true }).mtimeNs !== before, 10_000, "state file recreated by the restart");
    await c!.pacerOk("resource", "cleanup", "d1");
    await c!.waitFor((s) => !failedMonitor(s, "d1") && runsOn(s, "d1") === node, 30_000, "d1's failure cleaned up");
    assert.equal(transient(cib(), "fail-count-d1#monitor_2000"), undefined, "fail count gone");
  });

  test("migration-threshold=1: one failure keeps d2 stopped; failure-timeout expiry clears the count and d2 runs again", async () => {
    const node = c!.nodeName;
    const st = c!.hostDummyState("d2");
    await c!.pacerOk("resource", "create", "d2", "ocf:pacemaker:Dummy", `state=${st}`, "op", "monitor", "interval=1s", "meta", "migration-threshold=1", "failure-timeout=5s");
    await c!.waitFor((s) => runsOn(s, "d2") === node, 30_000, "d2 running");
    rmSync(st);
    await c!.waitFor((s) => runsOn(s, "d2") === undefined && failedMonitor(s, "d2"), 30_000, "d2 stopped after its failure");
    assert.equal(transient(cib(), "fail-count-d2#monitor_1000"), "1");
    assert.equal(existsSync(st), false, "not restarted while the threshold is reached");
    await c!.waitFor((s) => runsOn(s, "d2") === node, 30_000, "d2 back once the failure expired");
    assert.equal(transient(cib(), "fail-count-d2#monitor_1000"), undefined, "the recheck cleared the expired fail count");
    assert.match(c!.box.logTail(), /clear fail count of d2 on node1 → done/);
  });

  test("crm_simulate reads pacer's CIB: same placement, nothing to do", async () => {
    const node = c!.nodeName;
    const s = await c!.status();
    const r = spawnSync("crm_simulate", ["-x", c!.cibFile, "-S"], { encoding: "utf8", timeout: 60_000 });
    if (r.error) return; // crm_simulate not installed
    assert.equal(r.status, 0, r.stderr);
    for (const rsc of ["d1", "d2"]) {
      assert.equal(runsOn(s, rsc), node);
      assert.match(r.stdout, new RegExp(`\\* ${rsc}\\s+\\(ocf:pacemaker:Dummy\\):\\s+Started ${node}`));
    }
    assert.match(r.stdout, /Transition Summary:\n\nExecuting Cluster Transition:\n\nRevised/, "an empty transition");
  });

  test("pacerd SIGTERM and start again while d1 runs: nothing is restarted, same status", async () => {
    const st = c!.hostDummyState("d1");
    const before = await c!.status();
    const mtime = statSync(st, { bigint: true }).mtimeNs;
    const logLength = readFileSync(c!.box.pacerdLog, "utf8").length;
    assert.equal(await c!.stopPacerd(), 0);
    assert.ok(existsSync(st), "d1 still runs without pacerd");
    await c!.startPacerd();
    await c!.waitFor((s) => runsOn(s, "d1") === c!.nodeName && runsOn(s, "d2") === c!.nodeName, 30_000, "reattached");
    await until(() => /transition \d+: nothing to do/.test(readFileSync(c!.box.pacerdLog, "utf8").slice(logLength)), 20_000, "the engine settled");
    const log = readFileSync(c!.box.pacerdLog, "utf8").slice(logLength);
    assert.match(log, /probe d1 on node1 → unexpected \(rc 0, expected 7/, "the probe found d1 running");
    assert.doesNotMatch(log, /: (start|stop) d[12] on /, "no start or stop");
    assert.equal(statSync(st, { bigint: true }).mtimeNs, mtime, "the state file was not touched");
    const after = await c!.status();
    assert.deepEqual(after.resources.map((r) => [r.id, r.state]), before.resources.map((r) => [r.id, r.state]));
  });

  test("an invalid update is refused with the reason; nothing stored is lost", async () => {
    const version = (await c!.status()).summary.version.split(":").slice(0, 2).join(":");
    const r = await c!.pacer("constraint", "location", "add", "ghost", c!.nodeName, "INFINITY");
    assert.equal(r.rc, 1);
    assert.match(r.stderr, /ghost/);
    const bad = join(c!.box.dir, "bad.xml");
    writeFileSync(bad, cib().replace("<constraints/>", '<constraints><rsc_order id="o1" first="nope" then="d1"/></constraints>'));
    const pushed = await c!.pacer("cib", "push", bad);
    assert.equal(pushed.rc, 1);
    assert.match(pushed.stderr, /refused/);
    const s = await c!.status();
    assert.equal(s.summary.version.split(":").slice(0, 2).join(":"), version, "configuration version unchanged");
    assert.deepEqual(s.resources.map((x) => x.id).sort(), ["d1", "d2"]);
    assert.equal(runsOn(s, "d1"), c!.nodeName);
  });
});
