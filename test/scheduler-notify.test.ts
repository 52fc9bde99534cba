// Clone notifications (notify=true): the per-instance notify ops and their CRM_meta_notify_*
// lists, on small CIBs written for the purpose (the fixture clone-notify covers the whole graph).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { simulate } from "../src/cli/simulate/run.js";
import { readGraphXml } from "../src/scheduler/graph/read.js";

const dummyOp = (id: string, key: string, rc: number) =>
  `<lrm><lrm_resources><lrm_resource id="${id}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="${id}_last_0" operation_key="${id}_${key}_0" operation="${key}" transition-key="1:1:${rc}:x" transition-magic="0:${rc};1:1:${rc}:x" call-id="2" rc-code="${rc}" op-status="0" interval="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource></lrm_resources></lrm>`;

function cib(notify: string, states: string[]): string {
  const nodes = states.map((_, i) => `<node id="${i + 1}" uname="n${i + 1}"/>`).join("");
  const status = states.map((s, i) => `<node_state id="${i + 1}" uname="n${i + 1}" in_ccm="true" crmd="online" join="member" expected="member">${s}</node_state>`).join("");
  return `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="true" crm_feature_set="3.16.1"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes>${nodes}</nodes><resources><clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="notify" value="${notify}"/></meta_attributes><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone></resources><constraints/></configuration><status>${status}</status></cib>`;
}

/** The graph's notify rsc_ops as "KEY@NODE" plus their attributes. */
function notifies(xml: string): { key: string; attrs: Record<string, string> }[] {
  const out: { key: string; attrs: Record<string, string> }[] = [];
  const graph = simulate(xml).graphXml;
  for (const m of graph.matchAll(/<rsc_op [^>]*operation="notify"[^>]*internal_operation_key="([^"]*)" on_node="([^"]*)"[^>]*>\s*<primitive[^>]*\/>\s*<attributes ([^>]*)\/>/g)) {
    const attrs: Record<string, string> = {};
    for (const a of m[3].matchAll(/(\w+)="([^"]*)"/g)) attrs[a[1]] = a[2];
    out.push({ key: `${m[1]}@${m[2]}`, attrs });
  }
  return out.sort((x, y) => (x.key < y.key ? -1 : 1));
}

test("a starting instance: pre-start to the active instance, post-start to both", () => {
  const xml = cib("true", [dummyOp("d", "start", 0), dummyOp("d", "monitor", 7)]);
  const n = notifies(xml);
  assert.deepEqual(n.map((x) => x.key), ["d:0_post_notify_start_0@n1", "d:0_pre_notify_start_0@n1", "d:1_post_notify_start_0@n2"]);
  const pre = n[1].attrs;
  assert.equal(pre.CRM_meta_notify_type, "pre");
  assert.equal(pre.CRM_meta_notify_operation, "start");
  assert.equal(pre.CRM_meta_notify_key_operation, "start");
  assert.equal(pre.CRM_meta_notify_active_resource, "d:0");
  assert.equal(pre.CRM_meta_notify_active_uname, "n1");
  assert.equal(pre.CRM_meta_notify_start_resource, "d:1");
  assert.equal(pre.CRM_meta_notify_start_uname, "n2");
  assert.equal(pre.CRM_meta_notify_stop_resource, " ");
  assert.equal(pre.CRM_meta_notify_all_uname, "n1 n2");
  assert.equal(n[0].attrs.CRM_meta_notify_key_operation, "running");
  const summary = simulate(xml).summary;
  assert.match(summary, /Pseudo action: +c_pre_notify_start_0/);
  assert.match(summary, /Pseudo action: +c_confirmed-post_notify_running_0/);
});

test("without notify=true there are no notifications", () => {
  const xml = cib("false", [dummyOp("d", "start", 0), dummyOp("d", "monitor", 7)]);
  assert.deepEqual(notifies(xml), []);
  assert.doesNotMatch(simulate(xml).summary, /notify/);
});

test("an instance stopped by fencing: survivors hear of it right after the fencing (fixture clone-notify-fenced-instance)", () => {
  const dir = join(import.meta.dirname, "..", "..", "test", "fixtures", "scheduler");
  const xml = readFileSync(join(dir, "clone-notify-fenced-instance.xml"), "utf8");
  const graph = readGraphXml(simulate(xml).graphXml);
  const byKey = (k: string) => graph.synapses.find((s) => s.actions[0].internalOperationKey === k || s.actions[0].operationKey === k);
  const inputs = (k: string) => byKey(k)!.inputs.map((a) => a.internalOperationKey ?? a.operationKey).sort();
  // c (notify on the clone) and r-clone (notify on the primitive only) both get the post-only
  // bracket keyed on the fencing op, announcing a stop.
  for (const i of ["d", "r"]) {
    const post = byKey(`${i}:2_post_notify_stonith_0`)!.actions[0];
    assert.equal(post.kind, "pseudo_event");
    assert.equal(post.operationKey, `${i}_post_notify_stop_0`);
    assert.equal(post.attributes.CRM_meta_notify_key_operation, "stonith");
    assert.equal(post.attributes.CRM_meta_notify_operation, "stop");
    assert.deepEqual(inputs(`${i}:2_post_notify_stonith_0`), ["stonith-n3-reboot"]);
    const done = byKey(`${i}:2_confirmed-post_notify_stonith_0`)!.actions[0];
    assert.equal(done.operationKey, `${i}_notified_0`);
    assert.deepEqual(inputs(`${i}:2_confirmed-post_notify_stonith_0`), [`${i}:0_post_notify_stop_0`, `${i}:1_post_notify_stop_0`, `${i}:2_post_notify_stonith_0`]);
  }
  // The fenced node hears nothing; the survivors' notify names the stopped instance and node.
  const rNotifies = graph.synapses.flatMap((s) => s.actions).filter((a) => a.internalOperationKey?.startsWith("r:") && a.operation === "notify" && a.kind === "rsc_op");
  assert.deepEqual(rNotifies.map((a) => a.onNode).sort(), ["n1", "n2"]);
  for (const a of rNotifies) {
    assert.equal(a.attributes.CRM_meta_notify_stop_resource, "r:2");
    assert.equal(a.attributes.CRM_meta_notify_stop_uname, "n3");
  }
  // With the clone's own stop bracket the same op serves both announcements: it keeps the
  // fencing's key and gains the clone's full lists; it waits for either post pseudo-action.
  const d0 = byKey("d:0_post_notify_stop_0")!;
  assert.equal(d0.actions[0].attributes.CRM_meta_notify_key_operation, "stonith");
  assert.equal(d0.actions[0].attributes.CRM_meta_notify_active_resource, "d:0 d:1 d:2");
  assert.equal(d0.actions[0].attributes.CRM_meta_timeout, "45000");
  assert.deepEqual(inputs("d:0_post_notify_stop_0"), ["c_post_notify_stopped_0", "d:2_post_notify_stonith_0"]);
  // The survivors' monitors resume once the fencing is announced.
  assert.ok(inputs("d:0_monitor_10000").includes("d:2_confirmed-post_notify_stonith_0"));
});
