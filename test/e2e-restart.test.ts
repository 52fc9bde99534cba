// pacerd restarted while guests and their resources run (issue 5: "nothing is restarted"):
// SIGTERM leaves the resources running, and the new pacerd finds them again through probes —
// the containers keep their init process, the Dummies keep their state files untouched, the
// log shows no start or stop of any of them, and the status is the same as before.
import { test, after, describe as suite } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { clusterSkip, guestOnline, PacerCluster, runsOn, type StatusJson } from "./helpers/pacer-cluster.js";
import { demoCommands } from "../src/cli/sandbox/demo-config.js";

const SKIP = clusterSkip();

suite("pacerd restart with guests running", { skip: SKIP, timeout: 240_000 }, () => {
  let c: PacerCluster | undefined;
  after(async () => {
    await c?.destroy();
  });

  test("SIGTERM and start again: containers, Dummies in guests and on the host are not restarted; same status", async () => {
    c = await PacerCluster.start();
    const box = c.box;
    for (const cmd of demoCommands(box, { guests: 2, monitorInterval: "5s" })) await c.pacerOk(...cmd);
    await c.pacerOk("resource", "create", "hd", "ocf:pacemaker:Dummy", `state=${c.hostDummyState("hd")}`, "op", "monitor", "interval=5s");
    await c.pacerOk("constraint", "location", "add", "hd", c.nodeName, "INFINITY");
    const allRun = (s: StatusJson) =>
      guestOnline(s, "guest1") && guestOnline(s, "guest2") && runsOn(s, "guest1-dummy") === "guest1" && runsOn(s, "guest2-dummy") === "guest2" && runsOn(s, "hd") === c!.nodeName;
    const before = await c.waitConverged(allRun, 90_000, "guests, their Dummies and hd running");

    const inits = ["guest1", "guest2"].map((g) => box.containerInitPid(g));
    assert.ok(inits.every((p) => p !== undefined), "both containers run");
    const guestState = (g: string) => box.inGuest(g, `stat -c '%i %.9Y' /run/Dummy-${g}-dummy.state`).trim();
    const hostState = () => {
      const st = statSync(c!.hostDummyState("hd"), { bigint: true });
      return `${st.ino} ${st.mtimeNs}`;
    };
    const states = { guest1: guestState("guest1"), guest2: guestState("guest2"), hd: hostState() };

    assert.equal(await c.stopPacerd(), 0, "pacerd stops cleanly on SIGTERM");
    assert.deepEqual(["guest1", "guest2"].map((g) => box.containerInitPid(g)), inits, "the containers outlive pacerd");
    const logBefore = readFileSync(box.pacerdLog, "utf8").length;

    await c.startPacerd();
    const again = await c.waitConverged(allRun, 90_000, "the same resources found running again");

    assert.deepEqual(["guest1", "guest2"].map((g) => box.containerInitPid(g)), inits, "the same container processes");
    assert.deepEqual({ guest1: guestState("guest1"), guest2: guestState("guest2"), hd: hostState() }, states, "the Dummies' state files were not touched");
    const newLog = readFileSync(box.pacerdLog, "utf8").slice(logBefore);
    assert.match(newLog, /probe /, "the new pacerd probed what runs");
    assert.doesNotMatch(newLog, /transition \d+: (start|stop) (guest\d-ctr|guest\d-dummy|hd) on/, "no resource was started or stopped");
    const view = (s: StatusJson) => ({
      nodes: s.nodes.map((n) => [n.name, n.type, n.online]),
      resources: s.resources.map((r) => [r.id, r.state]),
      failed: s.failedActions.length,
    });
    assert.deepEqual(view(again), view(before));
  });
});
