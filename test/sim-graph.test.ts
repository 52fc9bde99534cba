import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { graphElement, readGraphXml, writeGraphXml, GraphFormatError, type TransitionGraph } from "../src/scheduler/graph/index.js";
import { formatPcmkXml } from "../src/cib/pcmk-format.js";
import { conformanceDir, fixture } from "./helpers/fixtures.js";

/** The comparison Pacemaker's own test suite applies to graphs. */
const normalise = (xml: string) => xml.replace(/crm_feature_set="[^"]*"/g, "").replace(/batch-limit="[^"]*"/g, "");

for (const name of ["basic", "fencing", "promotable"]) {
  test(`graph ${name}: crm_simulate -G output reads and writes back byte for byte`, () => {
    const text = fixture("sim", `${name}.graph`);
    const graph = readGraphXml(text, `${name}.graph`);
    assert.ok(graph.synapses.length > 5);
    assert.equal(writeGraphXml(graph), text);
    assert.equal(formatPcmkXml(graphElement(graph), { pretty: true }), text, "the element tree form says the same");
  });
}

test("graph model carries what the XML says", () => {
  const g = readGraphXml(fixture("sim", "fencing.graph"));
  assert.equal(g.batchLimit, "5");
  assert.equal(g.clusterDelay, "60s");
  const all = g.synapses.flatMap((s) => s.actions);
  const fence = all.find((a) => a.kind === "crm_event" && a.operation === "stonith");
  assert.ok(fence);
  assert.equal(fence.onNode, "beta");
  assert.deepEqual(fence.downed, ["102"]);
  assert.equal(fence.attributes.CRM_meta_stonith_action, "reboot");
  assert.equal(fence.attributes.crm_feature_set, undefined, "the feature set is graph-wide, not an action parameter");
  const migrate = all.find((a) => a.operation === "migrate_to");
  assert.equal(migrate?.primitive?.id, "vm");
  assert.equal(migrate?.attributes.CRM_meta_migrate_target, "gamma");
  const remote = readGraphXml(fixture("sim", "promotable.graph")).synapses.flatMap((s) => s.actions).find((a) => a.routerNode !== undefined);
  assert.equal(remote?.onNode, "rnode");
  assert.equal(remote?.routerNode, "n1");
  // Inputs point at the very action objects of other synapses.
  const withInputs = g.synapses.find((s) => s.inputs.length > 0)!;
  assert.ok(all.includes(withInputs.inputs[0]));
});

test("graph writer: parameters sorted, invalid names as <param>, Pacemaker escaping", () => {
  const graph: TransitionGraph = {
    clusterDelay: "60s", stonithTimeout: "60s", failedStopOffset: "INFINITY", failedStartOffset: "INFINITY",
    batchLimit: "0", transitionId: 3, crmFeatureSet: "3.16.1",
    synapses: [{
      id: 0, priority: 5, inputs: [],
      actions: [{
        kind: "rsc_op", id: 7, operation: "start", operationKey: "ip_start_0", onNode: "n1", onNodeUuid: "1",
        primitive: { id: "ip", class: "ocf", provider: "heartbeat", type: "IPaddr" },
        attributes: { zz: "last", "1": "192.0.2.1", CRM_meta_timeout: "20000", note: "a\tb\nc <&> \"q\" 'x'" },
      }],
    }],
  };
  const xml = writeGraphXml(graph);
  assert.equal(xml, [
    '<transition_graph cluster-delay="60s" stonith-timeout="60s" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" batch-limit="0" transition_id="3">',
    '  <synapse id="0" priority="5">',
    "    <action_set>",
    '      <rsc_op id="7" operation="start" operation_key="ip_start_0" on_node="n1" on_node_uuid="1">',
    '        <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr"/>',
    '        <attributes CRM_meta_timeout="20000" crm_feature_set="3.16.1" note="a    b\\nc &lt;&amp;&gt; &quot;q&quot; &apos;x&apos;" zz="last">',
    '          <param name="1" value="192.0.2.1"/>',
    "        </attributes>",
    "      </rsc_op>",
    "    </action_set>",
    "    <inputs/>",
    "  </synapse>",
    "</transition_graph>",
    "",
  ].join("\n"));
  const back = readGraphXml(xml);
  assert.equal(back.synapses[0].actions[0].attributes["1"], "192.0.2.1");
  assert.equal(back.synapses[0].priority, 5);
});

test("graph reader is strict and names the synapse", () => {
  const wrap = (body: string) => `<transition_graph cluster-delay="60s" stonith-timeout="60s" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" transition_id="0">\n${body}\n</transition_graph>`;
  const synapse = (id: string, action: string, inputs = "<inputs/>") => `<synapse id="${id}"><action_set>${action}</action_set>${inputs}</synapse>`;
  const pseudo = (id: number, extra = "") => `<pseudo_event id="${id}" operation="stop" operation_key="g_stop_0"${extra}><attributes CRM_meta_timeout="20000"/></pseudo_event>`;
  const bad: [string, RegExp][] = [
    ["<nothing/>", /expected <transition_graph>/],
    [wrap(synapse("0", pseudo(1, ' bogus="1"'))), /synapse 0 .*unknown attribute bogus/],
    [wrap(synapse("1", pseudo(1))), /synapse ids must count up from 0/],
    [wrap(synapse("0", pseudo(1), `<inputs><trigger><pseudo_event id="9" operation="x" operation_key="y"/></trigger></inputs>`)), /synapse 0 .*trigger names action 9 .*in no synapse/],
    [wrap(synapse("0", pseudo(1)) + synapse("1", pseudo(1))), /synapse 1 .*action id 1 is used twice/],
    [wrap(synapse("0", `<rsc_op id="1" operation="start" operation_key="r_start_0"/>`)), /synapse 0 .*action 1 \(r_start_0\): missing <attributes>/],
    [wrap(synapse("0", `<rsc_op id="x" operation="start" operation_key="r_start_0"><attributes/></rsc_op>`)), /id="x" is not an integer/],
    [wrap(`<synapse id="0"><inputs/></synapse>`), /synapse 0 .*expected <action_set> then <inputs>/],
  ];
  for (const [xml, message] of bad) {
    assert.throws(() => readGraphXml(xml, "g.xml"), (e: unknown) => e instanceof GraphFormatError && message.test(e.message) && e.message.startsWith("g.xml: "), xml);
  }
});

test("graph round trip over Pacemaker's regression graphs (skipped without ../shared)", (t) => {
  const dir = conformanceDir();
  if (!dir) return t.skip("conformance cases not present");
  let count = 0;
  for (const file of readdirSync(join(dir, "exp"))) {
    const text: string = readFileSync(join(dir, "exp", file), "utf8");
    assert.equal(normalise(writeGraphXml(readGraphXml(text, file))), text, file);
    count++;
  }
  assert.ok(count > 600);
});
