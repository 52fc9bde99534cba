// bench/guests' generated configuration (N nscontainer guests × R Dummies, opt-in cluster):
// Pacemaker's scheduler plans exactly the intended cluster from it, so the benchmark measures
// what it says it measures — for pacer and for Pacemaker alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withLayout, type GuestLayout } from "../bench/guests/config.js";

const crm = spawnSync("sh", ["-c", "command -v crm_simulate"]).status === 0;

const BASE = `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.9" crm_feature_set="3.16.1" have-quorum="1" dc-uuid="1">
  <configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes><resources/><constraints/></configuration>
  <status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/></status>
</cib>`;

test("3 guests × 2 Dummies: containers on the host, connections, each Dummy in its own guest", { skip: crm ? false : "crm_simulate is not installed" }, () => {
  const layout: GuestLayout = {
    guests: 3,
    dummiesPerGuest: 2,
    monitor: "2s",
    host: "node1",
    containerParams: (i) => ({ name: `bench-g${i}`, address: `10.213.1.${i + 1}/16`, command: "/bin/true" }),
    guestAddress: (i) => `10.213.1.${i + 1}`,
  };
  const dir = mkdtempSync(join(tmpdir(), "pacer-bench-config-"));
  try {
    const file = join(dir, "cib.xml");
    writeFileSync(file, withLayout(BASE, layout));
    const out = execFileSync("crm_simulate", ["-x", file, "-S"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const lines = out.split("\n");
    const summary = lines
      .slice(lines.indexOf("Transition Summary:") + 1, lines.indexOf("Executing Cluster Transition:"))
      .map((l) => l.replace(/\s+/g, " ").trim())
      .filter(Boolean)
      .sort();
    const expected: string[] = [];
    for (let i = 1; i <= 3; i++) {
      expected.push(`* Start guest${i} ( node1 )`, `* Start guest${i}-ctr ( node1 )`);
      for (let j = 1; j <= 2; j++) expected.push(`* Start guest${i}-d${j} ( guest${i} )`);
    }
    assert.deepEqual(summary, expected.sort());
    assert.match(out, /GuestOnline: \[ guest1 guest2 guest3 \]/);
    assert.match(out, /guest2-ctr\s+monitor=2000 on node1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
