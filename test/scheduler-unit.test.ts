// Unit tests of scheduler rules that the fixtures exercise only indirectly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { naturalCompare } from "../src/scheduler/natural-sort.js";
import { simulate } from "../src/cli/simulate/run.js";
import { parseCib } from "../src/cib/model-parse.js";
import { parseXml } from "../src/cib/xml.js";
import { CibError } from "../src/cib/errors.js";

function cib(resources: string, constraints = "", status = "", nodes = ["n1", "n2"], opts = ""): string {
  const nodeXml = nodes.map((n, i) => `<node id="${i + 1}" uname="${n}"/>`).join("");
  const states = nodes.map((n, i) => `<node_state id="${i + 1}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member">${status.includes(`@${n}`) ? status.split(`@${n}`)[1].split("@end")[0] : ""}</node_state>`).join("");
  return `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="true" crm_feature_set="3.16.1"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/>${opts}</cluster_property_set></crm_config><nodes>${nodeXml}</nodes><resources>${resources}</resources><constraints>${constraints}</constraints></configuration><status>${states}</status></cib>`;
}

const dummy = (id: string, meta = "") => `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy">${meta}</primitive>`;
const running = (id: string, call = 2) =>
  `<lrm><lrm_resources><lrm_resource id="${id}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="${id}_last_0" operation_key="${id}_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="${call}" rc-code="0" op-status="0" interval="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource></lrm_resources></lrm>`;

function summaryOf(xml: string): string {
  const s = simulate(xml).summary;
  // Column padding is covered by the fixtures; here only the words matter.
  return s.slice(s.indexOf("Transition Summary:"), s.indexOf("Executing Cluster Transition:")).trim().replace(/[ \t]+/g, " ");
}

test("node names sort naturally (node2 < node10, case-insensitive)", () => {
  const names = ["node10", "Node2", "node1", "alpha", "node02"];
  assert.deepEqual([...names].sort(naturalCompare), ["alpha", "node1", "Node2", "node02", "node10"]);
});

test("equal scores: the node with fewer assigned resources wins, then the name", () => {
  const out = summaryOf(cib(dummy("a") + dummy("b") + dummy("c")));
  assert.match(out, /Start a \( n1 \)/);
  assert.match(out, /Start b \( n2 \)/);
  assert.match(out, /Start c \( n1 \)/);
});

test("a running resource stays put when scores tie (no stickiness needed)", () => {
  const out = summaryOf(cib(dummy("a"), "", `@n2${running("a")}@end`));
  assert.equal(out, "Transition Summary:");
});

test("-INFINITY plus INFINITY is -INFINITY: a banned node stays banned", () => {
  const cons = `<rsc_location id="l1" rsc="a" node="n1" score="INFINITY"/><rsc_location id="l2" rsc="a" node="n1" score="-INFINITY"/>`;
  const out = summaryOf(cib(dummy("a"), cons));
  assert.match(out, /Start a \( n2 \)/);
});

test("a mandatory order keeps the dependent stopped while the first one is stopped", () => {
  const status = `@n1${running("a")}@end`;
  const cons = `<rsc_order id="ord1" first="a" then="b"/>`;
  const xml = cib(dummy("a", `<meta_attributes id="am"><nvpair id="am1" name="target-role" value="Stopped"/></meta_attributes>`) + dummy("b"), cons, status);
  const out = summaryOf(xml);
  // crm_simulate 2.1.5 prints exactly these two lines for this CIB.
  assert.match(out, /Stop a \( n1 \) due to node availability/);
  assert.match(out, /Start b \( n1 \) due to unrunnable a start \(blocked\)/);
});

test("bad input: a dangling constraint reference is an error naming the element and line", () => {
  const xml = cib(dummy("a"), `\n<rsc_colocation id="c1" rsc="a" with-rsc="nope" score="100"/>`);
  assert.throws(() => parseCib(parseXml(xml)), (e: unknown) => e instanceof CibError && /rsc_colocation id="c1"/.test(e.message) && /line 2/.test(e.message) && /nope/.test(e.message));
});

test("bad input: an invalid score is an error", () => {
  const xml = cib(dummy("a"), `<rsc_location id="l1" rsc="a" node="n1" score="lots"/>`);
  assert.throws(() => parseCib(parseXml(xml)), (e: unknown) => e instanceof CibError && /invalid score/.test(e.message) && /l1/.test(e.message));
});

test("bad input: an invalid op interval is an error naming the op", () => {
  const xml = cib(`<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="a-mon" name="monitor" interval="often"/></operations></primitive>`);
  assert.throws(() => parseCib(parseXml(xml)), (e: unknown) => e instanceof CibError && /a-mon/.test(e.message) && /interval/.test(e.message));
});

test("bad input: duplicate ids are refused", () => {
  const xml = cib(dummy("a") + dummy("a"));
  assert.throws(() => parseCib(parseXml(xml)), (e: unknown) => e instanceof CibError && /duplicate id "a"/.test(e.message));
});

test("bad input: malformed XML is an error, not a crash", () => {
  assert.throws(() => simulate("<cib><configuration>"), /XML|line/);
});

test("location rules: value-source=param reads the resource's parameters as on each node; '!' inverts rsc-pattern; %0 in score-attribute", () => {
  // crm_simulate 2.1.5 gives exactly these allocation scores for this CIB.
  const xml = `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="true" crm_feature_set="3.16.1"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"><instance_attributes id="n1a"><nvpair id="n1f" name="fake" value="100"/><nvpair id="n1s" name="pref-web" value="7"/></instance_attributes></node><node id="2" uname="n2"><instance_attributes id="n2a"><nvpair id="n2f" name="fake" value="200"/></instance_attributes></node></nodes>
<resources>
<primitive id="single" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="si"><nvpair id="sif" name="fake" value="200"/></instance_attributes></primitive>
<primitive id="other" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="oi2" score="1"><rule id="oi2r" score="0"><expression id="oi2e" attribute="#uname" operation="eq" value="n1"/></rule><nvpair id="oi2f" name="fake" value="100"/></instance_attributes><instance_attributes id="oi"><nvpair id="oif" name="fake" value="300"/></instance_attributes></primitive>
<primitive id="web" class="ocf" provider="pacemaker" type="Dummy"/>
</resources>
<constraints>
<rsc_location id="l1" rsc="single"><rule id="r1" score="INFINITY"><expression id="e1" attribute="fake" operation="eq" value="fake" value-source="param"/></rule></rsc_location>
<rsc_location id="l2" rsc-pattern="!^(single|web)$"><rule id="r2" score="INFINITY"><expression id="e2" attribute="fake" operation="eq" value="fake" value-source="param"/></rule></rsc_location>
<rsc_location id="l3" rsc-pattern="^(w)eb$"><rule id="r3" score-attribute="pref-%0"><expression id="e3" attribute="fake" operation="defined"/></rule></rsc_location>
</constraints></configuration><status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/><node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`;
  const scores = (simulate(xml, { wantScores: true }).scores ?? "").split("\n").filter((l) => l.startsWith("pcmk__primitive_assign"));
  assert.deepEqual(scores, [
    "pcmk__primitive_assign: single allocation score on n1: 0",
    "pcmk__primitive_assign: single allocation score on n2: INFINITY",
    "pcmk__primitive_assign: other allocation score on n1: INFINITY",
    "pcmk__primitive_assign: other allocation score on n2: 0",
    "pcmk__primitive_assign: web allocation score on n1: 7",
    "pcmk__primitive_assign: web allocation score on n2: -INFINITY",
  ]);
});

test("history without a parameter digest forces a restart (crm_simulate: 'due to resource definition change')", () => {
  const status = `@n2<lrm><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0"/></lrm_resource></lrm_resources></lrm>@end`;
  assert.equal(summaryOf(cib(dummy("a"), "", status)), "Transition Summary:\n * Restart a ( n2 ) due to resource definition change");
});

test("time: a location rule's next change becomes recheck-by; interval-origin becomes a start delay", () => {
  // crm_simulate -t "2014-05-07 00:28:00" gives recheck-by = start + 1 and a 420000 ms delay.
  const now = Date.UTC(2014, 4, 7, 0, 28, 0) / 1000;
  const rsc = `<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="a-mon" name="monitor" interval="1h" interval-origin="2014-06-01 00:35:00"/></operations></primitive>`;
  const cons = `<rsc_location id="l1" rsc="a"><rule id="r1" score="-INFINITY"><date_expression id="d1" operation="gt" start="2014-05-07 01:00:00 Z"/></rule></rsc_location>`;
  const graph = simulate(cib(rsc, cons), { now }).graphXml;
  assert.match(graph, new RegExp(`recheck-by="${now + 32 * 60 + 1}"`));
  assert.match(graph, /CRM_meta_interval_origin="2014-06-01 00:35:00"[^>]*CRM_meta_start_delay="420000"/);
});

test("a location rule's score is shown as is on an offline node (crm_simulate: 100 on n1, 0 on n2; a starts on n2)", () => {
  const xml = cib(dummy("a"), `<rsc_location id="l1" rsc="a"><rule id="r1" score="100"><expression id="e1" attribute="#uname" operation="eq" value="n1"/></rule></rsc_location>`)
    .replace(/<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">/, '<node_state id="1" uname="n1" in_ccm="false" crmd="offline" join="down" expected="down">');
  const res = simulate(xml, { wantScores: true });
  assert.deepEqual((res.scores ?? "").split("\n").filter((l) => l.startsWith("pcmk__")), [
    "pcmk__primitive_assign: a allocation score on n1: 100",
    "pcmk__primitive_assign: a allocation score on n2: 0",
  ]);
  assert.match(res.summary, /Start +a +\( +n2 \)/);
});

test("two op definitions with the same name and interval: neither is scheduled (crm_simulate)", () => {
  const ops = (second: string) =>
    `<primitive id="a" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="m1" name="monitor" interval="10s"/>${second}<op id="m3" name="monitor" interval="20s" role="Stopped"/></operations></primitive>`;
  const run = (second: string) => simulate(cib(ops(second))).summary;
  assert.match(run(""), /monitor=10000 on/);
  assert.match(run(""), /monitor=20000 on/);
  const dup = run(`<op id="m2" name="monitor" interval="PT10S" timeout="30s"/>`);
  assert.doesNotMatch(dup, /monitor=10000/);
  assert.match(dup, /monitor=20000 on/);
  assert.doesNotMatch(run(`<op id="m4" name="monitor" interval="10000ms" role="Stopped"/>`), /monitor=10000/);
});
