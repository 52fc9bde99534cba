// The pure CIB edits behind the `pacer` admin commands (src/cib/edit): what they write, and
// that bad input is an EditError naming the problem with the tree left as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseXml, serializeXml, type XmlElement } from "../src/cib/xml.js";
import { EditError, setNvpair, uniqueId } from "../src/cib/edit/tree.js";
import { createResource, deleteResource, parseAgent, setResourceMeta } from "../src/cib/edit/resources.js";
import { addColocation, addLocation, addOrder, listConstraints, removeReferences } from "../src/cib/edit/constraints.js";
import { knownNodes, setStandby } from "../src/cib/edit/nodes.js";
import { addGuest, addRemote } from "../src/cib/edit/guests.js";
import { setProperty } from "../src/cib/edit/properties.js";
import { cleanupHistory } from "../src/cib/edit/history.js";

const BASE = `<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes>
<resources>
  <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
  <group id="g"><primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/></group>
  <clone id="c-clone"><primitive id="c" class="ocf" provider="heartbeat" type="Dummy"/></clone>
</resources>
<constraints>
  <rsc_colocation id="set-col" score="INFINITY"><resource_set id="s1"><resource_ref id="a"/><resource_ref id="b"/></resource_set></rsc_colocation>
  <rsc_order id="set-ord"><resource_set id="s2"><resource_ref id="b"/></resource_set></rsc_order>
</constraints></configuration>
<status><node_state id="1" uname="n1"><transient_attributes id="1"><instance_attributes id="st-1">
  <nvpair id="f1" name="fail-count-c#monitor_10000" value="2"/><nvpair id="f2" name="fail-count-a#start_0" value="1"/>
</instance_attributes></transient_attributes><lrm id="1"><lrm_resources>
  <lrm_resource id="c:0" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="c:0_last_0" operation="monitor" operation_key="c:0_monitor_10000" call-id="2" rc-code="7" op-status="0" interval="10000" transition-key="1:1:0:x"/></lrm_resource>
  <lrm_resource id="b" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="b_last_0" operation="start" operation_key="b_start_0" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="2:1:0:x"/></lrm_resource>
</lrm_resources></lrm></node_state></status></cib>`;

function cib(): XmlElement {
  return parseXml(BASE, "test.xml");
}

/** The edit throws an EditError matching `message` (the CLI then stores nothing). */
function refuses(edit: (c: XmlElement) => unknown, message: RegExp): void {
  assert.throws(() => edit(cib()), (e: unknown) => e instanceof EditError && message.test(e.message));
}

test("parseAgent accepts the classes Pacemaker runs and names the expected form otherwise", () => {
  assert.deepEqual(parseAgent("ocf:heartbeat:IPaddr2"), { class: "ocf", provider: "heartbeat", type: "IPaddr2" });
  assert.deepEqual(parseAgent("systemd:nginx"), { class: "systemd", type: "nginx" });
  assert.throws(() => parseAgent("Dummy"), /expected CLASS:\[PROVIDER:\]TYPE/);
  assert.throws(() => parseAgent("ocf:heartbeat"), /ocf:PROVIDER:TYPE/);
});

test("createResource: pcs ids for attribute blocks, pairs and ops", () => {
  const c = cib();
  createResource(c, { id: "d", agent: parseAgent("ocf:heartbeat:Dummy"), params: { state: "/x" }, meta: { "target-role": "Stopped" }, ops: [{ name: "monitor", attrs: { interval: "5s" } }] });
  const d = c.children[0].children.find((s) => s.name === "resources")!.children.at(-1)!;
  assert.equal(
    serializeXml(d),
    '<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"><instance_attributes id="d-instance_attributes"><nvpair id="d-instance_attributes-state" name="state" value="/x"/></instance_attributes><meta_attributes id="d-meta_attributes"><nvpair id="d-meta_attributes-target-role" name="target-role" value="Stopped"/></meta_attributes><operations><op id="d-monitor-interval-5s" name="monitor" interval="5s"/></operations></primitive>',
  );
  refuses((x) => createResource(x, { id: "e", agent: parseAgent("ocf:heartbeat:Dummy"), params: {}, meta: {}, ops: [{ name: "monitor", attrs: { interval: "5s" } }, { name: "monitor", attrs: { interval: "5s" } }] }), /operation monitor with interval 5s is given twice/);
  refuses((x) => createResource(x, { id: "s1", agent: parseAgent("ocf:heartbeat:Dummy"), params: {}, meta: {}, ops: [] }), /resource id 's1' is already used by <resource_set id="s1"> \(line 8\)/);
  refuses((x) => createResource(x, { id: "e", agent: parseAgent("ocf:heartbeat:Dummy"), params: {}, meta: {}, ops: [], group: "c-clone" }), /'c-clone' is a <clone>, not a group/);
});

test("the typed model judges the edited CIB: a bad interval is refused with the element", () => {
  refuses((x) => createResource(x, { id: "e", agent: parseAgent("ocf:heartbeat:Dummy"), params: {}, meta: {}, ops: [{ name: "monitor", attrs: { interval: "often" } }] }), /the change would make the CIB invalid: <op id="e-monitor-interval-often">/);
});

test("deleteResource removes an emptied group or clone and the constraints naming the resource, sets included", () => {
  const c = cib();
  const r = deleteResource(c, "b");
  assert.match(r.message, /deleted resource 'b' \(and its now empty group 'g'\); removed constraints set-ord/);
  assert.deepEqual(listConstraints(c), [{ id: "set-col", type: "colocation", attrs: { score: "INFINITY" }, sets: [["a"]] }]);
  deleteResource(c, "c");
  assert.doesNotMatch(serializeXml(c), /c-clone/);
  assert.deepEqual(removeReferences(c, new Set(["a"])), ["set-col"]);
});

test("constraints: generated ids, unknown resources and bad scores refused", () => {
  const c = cib();
  assert.equal(addLocation(c, "a", "n1", "-INFINITY").message, "added location-a-n1--INFINITY: a avoids n1 (-INFINITY)");
  addColocation(c, "a", "g", "50", "Started");
  addOrder(c, "a", "c-clone", "start", "start", "Serialize");
  assert.deepEqual(
    listConstraints(c).slice(2).map((x) => x.id),
    ["location-a-n1--INFINITY", "colocation-a-g-50", "order-a-c-clone-serialize"],
  );
  refuses((x) => addLocation(x, "zz", "n1", "5"), /resource 'zz' does not exist/);
  refuses((x) => addLocation(x, "a", "n1", "5.5"), /invalid score '5.5'/);
  refuses((x) => addColocation(x, "a", "a"), /cannot be colocated with itself/);
  refuses((x) => addOrder(x, "a", "b", "start", "start", "Sometimes"), /invalid order kind 'Sometimes'/);
  refuses((x) => addLocation(x, "a", "n2", "5", ["n1"]), /node 'n2' is not a cluster node \(known: n1\)/);
});

test("guest and remote nodes: names checked against nodes, resources and every id", () => {
  const c = cib();
  addGuest(c, "vm1", "a");
  assert.deepEqual(knownNodes(c), [{ name: "n1", kind: "cluster" }, { name: "vm1", kind: "guest", resource: "a" }]);
  refuses((x) => (addGuest(x, "vm1", "a"), addGuest(x, "vm2", "a")), /already hosts guest node 'vm1'/);
  refuses((x) => addGuest(x, "g", "a"), /'g' is already the id of a <group>/);
  refuses((x) => addGuest(x, "n1", "a"), /'n1' is already a cluster node/);
  refuses((x) => addGuest(x, "vm", "g"), /'g' is a group: a guest's container must be a primitive/);
  addRemote(c, "r1", "192.0.2.1");
  setStandby(c, "r1", true);
  assert.match(serializeXml(c), /<node id="r1" uname="r1" type="remote"><instance_attributes id="nodes-r1"><nvpair id="nodes-r1-standby" name="standby" value="on"\/>/);
});

test("properties: known names only (unless forced); nvpair ids in cib-bootstrap-options", () => {
  const c = cib();
  setProperty(c, "stonith-enabled", "false");
  assert.match(serializeXml(c), /<crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"\/><\/cluster_property_set><\/crm_config>/);
  setProperty(c, "stonith-enabled", undefined);
  assert.match(serializeXml(c), /<crm_config\/>/);
  refuses((x) => setProperty(x, "stonith_enabled", "false"), /unknown cluster property 'stonith_enabled'/);
});

test("cleanup forgets failed history and fail counts of clone instances (id:N) only", () => {
  const c = cib();
  const r = cleanupHistory(c, { rsc: "c-clone" });
  assert.deepEqual(r.cleaned, ["c:0@n1"]);
  const text = serializeXml(c);
  assert.doesNotMatch(text, /fail-count-c#/);
  assert.match(text, /fail-count-a#start_0/);
  assert.match(text, /lrm_resource id="b"/);
  refuses((x) => cleanupHistory(x, { rsc: "nope" }), /resource 'nope' does not exist/);
});

test("setNvpair and uniqueId: no id is ever reused", () => {
  const c = cib();
  const a = c.children[0].children.find((s) => s.name === "resources")!.children[0];
  assert.equal(uniqueId(c, "a"), "a-1");
  setResourceMeta(c, "a", [["x", "1"]]);
  setNvpair(c, a, "meta_attributes", "a", "x", "2");
  assert.match(serializeXml(a), /<nvpair id="a-meta_attributes-x" name="x" value="2"\/>/);
});
