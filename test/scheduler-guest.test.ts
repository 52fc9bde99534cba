// Guest and remote nodes: behaviour the crm_simulate fixtures (guest-*.xml, remote-*.xml in
// test/fixtures/scheduler) pin down in full, checked here at the level of the working set and
// the graph's routing, plus the configuration errors pacer reports on its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseXml } from "../src/cib/xml.js";
import { parseCib } from "../src/cib/model-parse.js";
import { CibError } from "../src/cib/errors.js";
import { schedule } from "../src/scheduler/schedule.js";

const dir = join(import.meta.dirname, "..", "..", "test", "fixtures", "scheduler");
const NOW = 1_800_000_000;
const run = (name: string) => schedule(parseCib(parseXml(readFileSync(join(dir, `${name}.xml`), "utf8"))), NOW);
const action = (r: ReturnType<typeof run>, key: string) => r.graph.synapses.flatMap((s) => s.actions).find((a) => a.operationKey === key);

test("a guest node appears when its container starts; resources for it wait for the connection", () => {
  const r = run("guest-start");
  const guest = r.ws.nodeByName.get("guest1");
  assert.equal(guest?.kind, "guest");
  assert.equal(guest?.attrs.get("#kind"), "container");
  assert.equal(guest?.remoteRsc?.container?.id, "vm1");
  assert.deepEqual(r.summaryLines.filter((l) => l.includes("Start")).map((l) => l.replace(/\s+/g, " ").trim()), ["* Start vm1 ( n1 )", "* Start app ( guest1 )", "* Start guest1 ( n1 )"]);
  const start = action(r, "app_start_0");
  assert.equal(start?.onNode, "guest1");
  assert.equal(start?.routerNode, "n1");
  assert.equal(start?.attributes.CRM_meta_physical_host, "n1");
  const inputs = r.graph.synapses.find((s) => s.actions[0].operationKey === "app_start_0")!.inputs.map((a) => a.operationKey);
  assert.ok(inputs.includes("guest1_start_0") && inputs.includes("vm1_start_0"), inputs.join(" "));
  // Nothing runs in a guest that is not there yet: no probe on it.
  const probes = r.graph.synapses.flatMap((s) => s.actions).filter((a) => a.operationKey === "app_monitor_0");
  assert.deepEqual(probes.map((a) => a.onNode).sort(), ["n1", "n2"]);
});

test("a resource moves into a running guest, routed through the container's host", () => {
  const r = run("guest-move-into");
  assert.ok(r.summaryLines.some((l) => /Move\s+app\s+\(\s*n2 -> guest1\s*\)/.test(l)), r.summaryLines.join("\n"));
  assert.equal(action(r, "app_stop_0")?.routerNode, undefined);
  assert.equal(action(r, "app_start_0")?.routerNode, "n1");
});

test("a failed container: the guest is fenced (pseudo), its resources recovered", () => {
  const r = run("guest-container-fails");
  assert.ok(r.ws.fenceLines?.some((l) => l.includes("Fence (reboot) guest1 (resource: vm1) 'guest is unclean'")));
  const fence = action(r, "stonith-guest1-reboot");
  assert.equal(fence?.kind, "pseudo_event");
  // The stop of app is implied by the pseudo fencing: not sent to a dead guest.
  assert.equal(action(r, "app_stop_0")?.kind, "pseudo_event");
  assert.ok(r.summaryLines.some((l) => /Recover\s+app\s+\(\s*guest1\s*\)/.test(l)));
});

test("a remote connection moves (and migrates when allowed)", () => {
  const moved = run("remote-move");
  assert.ok(moved.summaryLines.some((l) => /Move\s+rem1\s+\(\s*n1 -> n2\s*\)/.test(l)));
  // What runs on the remote node stays; its monitor is re-sent through the new host.
  assert.equal(action(moved, "app_stop_0"), undefined);
  assert.equal(action(moved, "app_monitor_10000")?.routerNode, "n2");
  const migrated = run("remote-migrate");
  assert.ok(migrated.summaryLines.some((l) => /Migrate\s+rem1\s+\(\s*n1 -> n2\s*\)/.test(l)));
});

const clash = (guestName: string) => `<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.7">
  <configuration><crm_config/>
    <nodes><node id="1" uname="n1"/></nodes>
    <resources>
      <primitive id="vm1" class="ocf" provider="pacemaker" type="Dummy">
        <meta_attributes id="vm1-meta"><nvpair id="vm1-rn" name="remote-node" value="${guestName}"/></meta_attributes>
      </primitive>
      <primitive id="app" class="ocf" provider="pacemaker" type="Dummy"/>
    </resources><constraints/>
  </configuration><status/></cib>`;

test("a guest named like a cluster node or a resource is a clear configuration error", () => {
  for (const [name, what] of [
    ["n1", /guest node name 'n1' \(remote-node\) is already the name of a cluster node/],
    ["app", /guest node name 'app' \(remote-node\) is already the id of a resource/],
  ] as const) {
    assert.throws(
      () => schedule(parseCib(parseXml(clash(name), "clash.xml")), NOW),
      (e: unknown) => e instanceof CibError && what.test(e.message) && /vm1/.test(e.message),
    );
  }
  assert.doesNotThrow(() => schedule(parseCib(parseXml(clash("guest1"), "ok.xml")), NOW));
});
