import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateNvsets, evaluateOpDefaults, evaluateRscDefaults, orderedNvsets } from "../src/cib/nvset.js";
import { buildIdIndex } from "../src/cib/id-index.js";
import { parseIsoDate } from "../src/cib/iso8601.js";
import { parseXml } from "../src/cib/xml.js";
import { CibError } from "../src/cib/errors.js";

const NOW = parseIsoDate("2019-09-20 12:05:00 Z")!; // a Friday
const node = (uname: string) => new Map([["#uname", uname]]);

test("the docs' mySpecialRsc example: scores order the sets, rules select them", () => {
  const rsc = parseXml(`<primitive id="mySpecialRsc" class="ocf" type="Special" provider="me">
    <instance_attributes id="special-node1" score="3">
      <rule id="node1-special-case" score="INFINITY"><expression id="e1" attribute="#uname" operation="eq" value="node1"/></rule>
      <nvpair id="node1-interface" name="interface" value="eth1"/>
    </instance_attributes>
    <instance_attributes id="special-node2" score="2">
      <rule id="node2-special-case" score="INFINITY"><expression id="e2" attribute="#uname" operation="eq" value="node2"/></rule>
      <nvpair id="node2-interface" name="interface" value="eth2"/>
      <nvpair id="node2-port" name="port" value="8888"/>
    </instance_attributes>
    <instance_attributes id="defaults" score="1">
      <nvpair id="default-interface" name="interface" value="eth0"/>
      <nvpair id="default-port" name="port" value="9999"/>
    </instance_attributes>
  </primitive>`);
  const on = (n: string) => Object.fromEntries(evaluateNvsets(rsc, "instance_attributes", { now: NOW, node: node(n) }));
  assert.deepEqual(on("node1"), { interface: "eth1", port: "9999" });
  assert.deepEqual(on("node2"), { interface: "eth2", port: "8888" });
  assert.deepEqual(on("node3"), { interface: "eth0", port: "9999" });
});

test("equal scores: the set written last wins; within a set the first nvpair wins (crm_simulate)", () => {
  const rsc = parseXml(`<primitive id="p">
    <meta_attributes id="m1"><nvpair id="a" name="target-role" value="Stopped"/><nvpair id="a2" name="x" value="1"/><nvpair id="a3" name="x" value="2"/></meta_attributes>
    <meta_attributes id="m2"><nvpair id="b" name="target-role" value="Started"/></meta_attributes>
  </primitive>`);
  assert.deepEqual(Object.fromEntries(evaluateNvsets(rsc, "meta_attributes", { now: NOW })), { "target-role": "Started", x: "1" });
  assert.deepEqual(orderedNvsets(rsc, "meta_attributes").map((s) => s.attrs.id), ["m2", "m1"]);
});

test("#default leaves a name unset; an nvpair without value is skipped; overwrite replaces", () => {
  const rsc = parseXml(`<primitive id="p">
    <meta_attributes id="m1" score="2"><nvpair id="a" name="target-role" value="#default"/><nvpair id="a2" name="y"/></meta_attributes>
    <meta_attributes id="m2" score="1"><nvpair id="b" name="target-role" value="Stopped"/><nvpair id="b2" name="y" value="2"/></meta_attributes>
  </primitive>`);
  assert.deepEqual(Object.fromEntries(evaluateNvsets(rsc, "meta_attributes", { now: NOW })), { "target-role": "Stopped", y: "2" });
  const into = new Map([["target-role", "Started"], ["z", "9"]]);
  evaluateNvsets(rsc, "meta_attributes", { now: NOW }, undefined, into, { overwrite: true });
  assert.deepEqual(Object.fromEntries(into), { "target-role": "Stopped", y: "2", z: "9" });
});

test("#default removes the value so far, and a later nvpair may set it again (crm_simulate)", () => {
  const node = parseXml(`<node id="1" uname="n1">
    <instance_attributes id="hi" score="2"><nvpair id="a" name="k" value="62"/><nvpair id="b" name="k" value="#default"/></instance_attributes>
    <instance_attributes id="mid" score="1"><nvpair id="c" name="k" value="#default"/><nvpair id="d" name="k" value="50"/><nvpair id="e" name="k" value="51"/></instance_attributes>
    <instance_attributes id="lo" score="0"><nvpair id="f" name="j" value="1"/><nvpair id="g" name="j" value="#default"/></instance_attributes>
  </node>`);
  assert.deepEqual(Object.fromEntries(evaluateNvsets(node, "instance_attributes", { now: NOW })), { k: "50" });
});

// crm_simulate: with cib-bootstrap-options symmetric-cluster=true and a score="1000" set saying
// false, the cluster stayed symmetric; of two unscored sets, the later one won.
test("cluster options: cib-bootstrap-options always first; date rules pick sets (date-2/date-3 style)", () => {
  const crm = parseXml(`<crm_config>
    <cluster_property_set id="overrides" score="2">
      <nvpair name="cluster-delay" id="o1" value="10s"/>
      <rule score="0" id="noon"><date_expression operation="date_spec" id="de"><date_spec id="ds" hours="12"/></date_expression></rule>
    </cluster_property_set>
    <cluster_property_set id="boo" score="1"><nvpair name="cluster-delay" id="b1" value="50s"/><nvpair name="stonith-enabled" id="b2" value="false"/></cluster_property_set>
    <cluster_property_set id="cib-bootstrap-options"><nvpair name="stonith-enabled" id="c1" value="true"/></cluster_property_set>
  </crm_config>`);
  const at = (d: string) => Object.fromEntries(evaluateNvsets(crm, "cluster_property_set", { now: parseIsoDate(d)! }));
  assert.deepEqual(at("2019-09-20 12:30:00 Z"), { "stonith-enabled": "true", "cluster-delay": "10s" });
  assert.deepEqual(at("2019-09-20 13:30:00 Z"), { "stonith-enabled": "true", "cluster-delay": "50s" });
});

test("set rules: any true rule applies the set; nextChange is reported", () => {
  const rsc = parseXml(`<primitive id="p">
    <meta_attributes id="m1">
      <rule id="r1" score="0"><date_expression id="d1" operation="lt" end="2000-01-01"/></rule>
      <rule id="r2" score="0"><date_expression id="d2" operation="lt" end="2019-09-21"/></rule>
      <nvpair id="a" name="target-role" value="Stopped"/>
    </meta_attributes>
  </primitive>`);
  let next: number | undefined;
  const m = evaluateNvsets(rsc, "meta_attributes", { now: NOW }, undefined, undefined, { onNextChange: (t) => (next = t) });
  assert.equal(m.get("target-role"), "Stopped");
  assert.equal(next, parseIsoDate("2019-09-21"));
});

test("id-ref sets and nvpairs resolve through the index; dangling refs are errors", () => {
  const cib = parseXml(`<cib><configuration><resources>
    <primitive id="a"><instance_attributes id="shared" score="1"><nvpair id="port" name="port" value="9999"/></instance_attributes></primitive>
    <primitive id="b"><instance_attributes id-ref="shared"/><instance_attributes id="own"><nvpair id-ref="port"/></instance_attributes></primitive>
    <primitive id="c"><instance_attributes id-ref="gone"/></primitive>
  </resources></configuration></cib>`);
  const index = buildIdIndex(cib);
  const [, b, c] = cib.children[0].children[0].children;
  assert.deepEqual(Object.fromEntries(evaluateNvsets(b, "instance_attributes", { now: NOW }, index)), { port: "9999" });
  assert.throws(() => evaluateNvsets(c, "instance_attributes", { now: NOW }, index), (e: unknown) => e instanceof CibError && /<instance_attributes> \(line 4\): id-ref="gone" names no element/.test(e.message));
});

test("rsc_defaults / op_defaults with rsc_expression and op_expression (crm_simulate)", () => {
  const conf = parseXml(`<configuration>
    <rsc_defaults>
      <meta_attributes id="ip-stopped"><rule id="r1" score="INFINITY"><rsc_expression id="e1" class="ocf" provider="heartbeat" type="IPaddr2"/></rule><nvpair id="n1" name="target-role" value="Stopped"/></meta_attributes>
      <meta_attributes id="ocf-any"><rule id="r2" score="INFINITY"><rsc_expression id="e2" class="ocf"/></rule><nvpair id="n2" name="is-managed" value="false"/></meta_attributes>
      <meta_attributes id="base" score="-1"><nvpair id="n3" name="resource-stickiness" value="1"/></meta_attributes>
    </rsc_defaults>
    <op_defaults>
      <meta_attributes id="mon10"><rule id="r3" score="INFINITY"><op_expression id="e3" name="monitor" interval="PT10S"/></rule><nvpair id="n4" name="timeout" value="7s"/></meta_attributes>
      <meta_attributes id="all" score="-1"><nvpair id="n5" name="timeout" value="30s"/></meta_attributes>
    </op_defaults>
  </configuration>`);
  const ip = { class: "ocf", provider: "heartbeat", type: "IPaddr2" };
  // class="ocf" without provider does not match an OCF agent in Pacemaker 2.1.5
  assert.deepEqual(Object.fromEntries(evaluateRscDefaults(conf, { now: NOW, rsc: ip })), { "target-role": "Stopped", "resource-stickiness": "1" });
  assert.deepEqual(Object.fromEntries(evaluateRscDefaults(conf, { now: NOW, rsc: { class: "stonith", type: "fence_xvm" } })), { "resource-stickiness": "1" });
  const own = new Map([["target-role", "Started"]]);
  evaluateRscDefaults(conf, { now: NOW, rsc: ip }, undefined, own);
  assert.equal(own.get("target-role"), "Started");
  assert.equal(evaluateOpDefaults(conf, { now: NOW, rsc: ip, op: { name: "monitor", interval: 10_000 } }).get("timeout"), "7s");
  assert.equal(evaluateOpDefaults(conf, { now: NOW, rsc: ip, op: { name: "monitor", interval: 0 } }).get("timeout"), "30s");
  assert.equal(evaluateOpDefaults(conf, { now: NOW, rsc: ip, op: { name: "start", interval: 0 } }).get("timeout"), "30s");
});
