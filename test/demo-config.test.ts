// The quickstart's configuration (src/cli/sandbox/demo-config.ts), applied with the same
// `pacer` commands to a copy of a sandboxed pacerd's CIB: pacer accepts it, and Pacemaker's
// own scheduler (crm_simulate 2.1.5) plans exactly the intended cluster — containers on the
// host, guests connected, one Dummy in each guest.
import { test, after, describe as suite } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { clusterSkip, PacerCluster } from "./helpers/pacer-cluster.js";
import { demoCommands } from "../src/cli/sandbox/demo-config.js";
import { PACER_JS } from "../src/cli/sandbox/sandbox.js";

const crm = spawnSync("sh", ["-c", "command -v crm_simulate"]).status === 0;
const SKIP = clusterSkip() || (crm ? false : "crm_simulate is not installed");

function summary(out: string): string[] {
  const lines = out.split("\n");
  const from = lines.indexOf("Transition Summary:");
  const to = lines.indexOf("Executing Cluster Transition:");
  assert.ok(from >= 0 && to > from, `no Transition Summary in:\n${out}`);
  return lines.slice(from + 1, to).map((l) => l.replace(/\s+/g, " ").trim()).filter(Boolean).sort();
}

suite("pacer demo's configuration", { skip: SKIP, timeout: 120_000 }, () => {
  let c: PacerCluster | undefined;
  after(async () => {
    await c?.destroy();
  });

  test("two guests with a Dummy each: pacer cib verify accepts it, crm_simulate plans containers, connections and one Dummy per guest", async () => {
    c = await PacerCluster.start();
    const file = join(c.box.dir, "demo.xml");
    writeFileSync(file, await c.pacerOk("cib", "show"));
    for (const cmd of demoCommands(c.box, { guests: 2 })) {
      execFileSync(process.execPath, [PACER_JS, ...cmd, "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
    }
    assert.equal(await c.pacerOk("cib", "verify", file), `${file}: valid\n`);
    const out = execFileSync("crm_simulate", ["-x", file, "-S"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.deepEqual(summary(out), [
      "* Start guest1 ( node1 )",
      "* Start guest1-ctr ( node1 )",
      "* Start guest1-dummy ( guest1 )",
      "* Start guest2 ( node1 )",
      "* Start guest2-ctr ( node1 )",
      "* Start guest2-dummy ( guest2 )",
    ]);
    assert.match(out, /Revised Cluster Status:[\s\S]*GuestOnline: \[ guest1 guest2 \]/);
    // pacer's own scheduler agrees.
    const ours = execFileSync(process.execPath, [PACER_JS, "simulate", "-x", file, "-S"], { encoding: "utf8" });
    assert.deepEqual(summary(ours), summary(out));
    // The live CIB was not touched by the file edits.
    assert.doesNotMatch(await c.pacerOk("cib", "show"), /guest1-ctr/);
  });
});
