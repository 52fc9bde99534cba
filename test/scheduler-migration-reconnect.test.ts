// Live migration read back from history (partial and dangling migrations) and remote
// connections with a reconnect_interval. The crm_simulate fixtures (migration-*.xml,
// remote-reconnect-*.xml in test/fixtures/scheduler) are compared in full by
// scheduler-fixtures.test.ts; here the working set shows why the output is what it is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseXml } from "../src/cib/xml.js";
import { parseCib } from "../src/cib/model-parse.js";
import { schedule } from "../src/scheduler/schedule.js";

const dir = join(import.meta.dirname, "..", "..", "test", "fixtures", "scheduler");
const NOW = 1_800_000_000; // the fixtures' execution-date
const run = (name: string) => schedule(parseCib(parseXml(readFileSync(join(dir, `${name}.xml`), "utf8"))), NOW);
const keys = (r: ReturnType<typeof run>) => r.graph.synapses.flatMap((s) => s.actions).map((a) => `${a.operationKey}@${a.onNode ?? ""}`);
const lines = (r: ReturnType<typeof run>) => r.summaryLines.map((l) => l.replace(/\s+/g, " ").trim());

test("a migrate_to without its migrate_from: active on both ends, the migration goes on", () => {
  const r = run("migration-partial-continue");
  const vm = r.ws.rscById.get("vm")!;
  assert.deepEqual(vm.runningOn.map((n) => n.uname), ["n2", "n1"]);
  assert.equal(vm.partialMigrationSource?.uname, "n1");
  assert.equal(vm.partialMigrationTarget?.uname, "n2");
  assert.ok(lines(r).includes("* Migrate vm ( n1 -> n2 )"), lines(r).join("\n"));
  // Only the second half is left to do: no new migrate_to, the source is stopped afterwards.
  const k = keys(r);
  assert.ok(k.includes("vm_migrate_from_0@n2") && k.includes("vm_stop_0@n1"), k.join(" "));
  assert.ok(!k.some((x) => x.startsWith("vm_migrate_to_0")), k.join(" "));
  assert.ok(!k.includes("vm_stop_0@n2"));
});

test("a partial migration whose target is no longer allowed is stopped on both ends", () => {
  const r = run("migration-partial-abandon");
  const vm = r.ws.rscById.get("vm")!;
  assert.equal(vm.partialMigrationTarget, undefined, "forgotten once it cannot continue");
  assert.ok(lines(r).includes("* Move vm ( n2 -> n3 )"), lines(r).join("\n"));
  const k = keys(r);
  assert.ok(k.includes("vm_stop_0@n1") && k.includes("vm_stop_0@n2") && k.includes("vm_start_0@n3"), k.join(" "));
  assert.ok(!k.some((x) => x.startsWith("vm_migrate")), "not migrated again");
});

test("a completed migration never stopped on its source: only that stop is scheduled", () => {
  const r = run("migration-dangling");
  const vm = r.ws.rscById.get("vm")!;
  assert.deepEqual(vm.runningOn.map((n) => n.uname), ["n2"]);
  assert.deepEqual(vm.danglingMigrations.map((n) => n.uname), ["n1"]);
  assert.deepEqual(lines(r), [], "no restart on the target because of the leftover stop");
  assert.deepEqual(keys(r), ["vm_stop_0@n1"]);
});

test("a failed remote connection with reconnect_interval stays down until the failure expires", () => {
  const r = run("remote-reconnect-wait");
  const conn = r.ws.rscById.get("rem1")!;
  assert.equal(conn.reconnectMs, 60_000);
  assert.equal(conn.failureTimeout, 60, "the reconnect interval doubles as the failure timeout");
  assert.equal(conn.assigned, null);
  const remote = r.ws.nodeByName.get("rem1")!;
  assert.equal(remote.online, false);
  assert.equal(remote.unclean, false, "already fenced: not fenced again");
  // What would run on the remote node goes elsewhere meanwhile.
  assert.ok(lines(r).includes("* Start app ( n1 )"), lines(r).join("\n"));
  assert.ok(!keys(r).some((k) => k.startsWith("rem1_start")));
});

test("once the failure is older than reconnect_interval the connection comes back", () => {
  const r = run("remote-reconnect-expired");
  assert.equal(r.ws.rscById.get("rem1")!.assigned?.uname, "n1");
  const k = keys(r);
  assert.ok(k.includes("rem1_clear_failcount_0@n1") && k.includes("rem1_start_0@n1"), k.join(" "));
  assert.ok(lines(r).includes("* Start app ( rem1 )"), lines(r).join("\n"));
  // The fail count is cleared before the connection starts again.
  const start = r.graph.synapses.find((s) => s.actions[0].operationKey === "rem1_start_0")!;
  assert.ok(start.inputs.some((a) => a.operationKey === "rem1_clear_failcount_0"), start.inputs.map((a) => a.operationKey).join(" "));
});
