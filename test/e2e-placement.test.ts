// After a real scenario — a Dummy on the host, two guests with a Dummy each, one of them
// moved with `pacer resource move` — Pacemaker's own scheduler reading the CIB pacer wrote
// (`crm_simulate -x <state-dir>/cib/cib.xml -S`) sees the same placement as `pacer status`
// and has nothing to do: pacer's recorded history is what Pacemaker would have recorded.
import { test, after, describe as suite } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { clusterSkip, guestOnline, PacerCluster, runsOn, type StatusJson } from "./helpers/pacer-cluster.js";

const crm = spawnSync("sh", ["-c", "command -v crm_simulate"]).status === 0;
const SKIP = clusterSkip() || (crm ? false : "crm_simulate is not installed");

/** resource → node from crm_simulate's "Current cluster status" (primitives only). */
function crmPlacement(out: string): Map<string, string | undefined> {
  const lines = out.split("\n");
  const from = lines.findIndex((l) => l.startsWith("Current cluster status:"));
  const to = lines.indexOf("Transition Summary:");
  assert.ok(from >= 0 && to > from, `unexpected crm_simulate output:\n${out}`);
  const placed = new Map<string, string | undefined>();
  for (const l of lines.slice(from, to)) {
    const m = /^\s+\* (\S+)\t\([^)]+\):\t (\w+)(?: (\S+))?/.exec(l);
    if (m) placed.set(m[1], m[2] === "Started" ? m[3] : undefined);
  }
  return placed;
}

function transitionSummary(out: string): string[] {
  const lines = out.split("\n");
  return lines.slice(lines.indexOf("Transition Summary:") + 1, lines.indexOf("Executing Cluster Transition:")).filter((l) => l.trim());
}

/** resource → node from `pacer status --json`, without guests' implicit connection resources (crm_simulate does not list them). */
function pacerPlacement(s: StatusJson): Map<string, string | undefined> {
  const guests = new Set(s.nodes.filter((n) => n.type === "guest").map((n) => n.name));
  return new Map(s.resources.filter((r) => r.kind === "primitive" && !guests.has(r.id)).map((r) => [r.id, runsOn(s, r.id)]));
}

suite("placement: crm_simulate on pacer's CIB agrees with pacer status", { skip: SKIP, timeout: 240_000 }, () => {
  let c: PacerCluster | undefined;
  after(async () => {
    await c?.destroy();
  });

  test("host Dummy + two guests with Dummies, one moved: same placement, empty transition", async () => {
    c = await PacerCluster.start();
    await c.addGuest("guest1", 1);
    await c.addGuest("guest2", 2);
    await c.pacerOk("resource", "create", "hd", "ocf:pacemaker:Dummy", `state=${c.hostDummyState("hd")}`, "op", "monitor", "interval=10s");
    await c.pacerOk("constraint", "location", "add", "hd", c.nodeName, "100");
    for (const i of [1, 2]) {
      await c.pacerOk("resource", "create", `gd${i}`, "ocf:pacemaker:Dummy", "op", "monitor", "interval=10s");
      await c.pacerOk("constraint", "location", "add", `gd${i}`, `guest${i}`, "100");
    }
    const placedAsConfigured = (s: StatusJson) =>
      guestOnline(s, "guest1") && guestOnline(s, "guest2") && runsOn(s, "hd") === c!.nodeName && runsOn(s, "gd1") === "guest1" && runsOn(s, "gd2") === "guest2";
    await c.waitConverged(placedAsConfigured, 90_000, "hd on node1, gd1 in guest1, gd2 in guest2");
    assert.ok(existsSync(c.hostDummyState("hd")), "the host Dummy's state file exists");

    assert.match(await c.pacerOk("resource", "move", "gd1", "guest2"), /gd1/);
    const status = await c.waitConverged((s) => runsOn(s, "gd1") === "guest2" && runsOn(s, "gd2") === "guest2", 60_000, "gd1 moved to guest2");
    assert.equal(c.box.inGuest("guest2", "ls /run/Dummy-gd1.state").trim(), "/run/Dummy-gd1.state", "gd1's state is in guest2's /run now");
    assert.equal(c.box.inGuest("guest1", "ls /run/Dummy-gd1.state 2>/dev/null || echo gone").trim(), "gone", "and no longer in guest1's");

    const out = execFileSync("crm_simulate", ["-x", c.cibFile, "-S"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const theirs = crmPlacement(out);
    const ours = pacerPlacement(status);
    assert.deepEqual(Object.fromEntries([...theirs].sort()), Object.fromEntries([...ours].sort()));
    assert.deepEqual(Object.fromEntries([...ours].sort()), { "guest1-ctr": c.nodeName, "guest2-ctr": c.nodeName, gd1: "guest2", gd2: "guest2", hd: c.nodeName });
    assert.match(out, /GuestOnline: \[ guest1 guest2 \]/);
    assert.deepEqual(transitionSummary(out), [], `crm_simulate would still do something:\n${out}`);
  });
});
