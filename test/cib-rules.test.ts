import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateRule, ruleScore, validateRule, type RuleContext } from "../src/cib/rules/index.js";
import { buildIdIndex } from "../src/cib/id-index.js";
import { parseIsoDate } from "../src/cib/iso8601.js";
import { INFINITY } from "../src/cib/score.js";
import { parseXml } from "../src/cib/xml.js";

const at = (date: string) => parseIsoDate(date)!;
const NOW = at("2019-09-22 13:05:00 Z"); // a Sunday

function rule(xml: string) {
  return parseXml(xml.startsWith("<rule") ? xml : `<rule id="r" score="5">${xml}</rule>`);
}
function attrs(o: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(o));
}
function matches(xml: string, ctx: Partial<RuleContext> = {}): boolean {
  return evaluateRule(rule(xml), { now: NOW, ...ctx }).matched;
}

// Node attributes of the two nodes of the crm_simulate experiment the tables below come from.
const node1 = attrs({ "#uname": "node1", "#id": "1", "#kind": "cluster", "#is_dc": "true", "#cluster-name": "mycl", "#site-name": "mycl", s: "abc", v: "1.9.0", i: "10", d: "1.25", m: "3" });
const node2 = attrs({ "#uname": "node2", "#id": "2", "#kind": "cluster", "#is_dc": "false", "#cluster-name": "mycl", "#site-name": "mycl", i: "7", d: "x", s: "", v: "1.10.1" });
const params = attrs({ fake: "7" });
const meta = attrs({ mymeta: "3" });

// [expression attributes, matches on node1, matches on node2] — crm_simulate gave the rule's
// score on exactly the nodes marked true.
const expressions: [string, boolean, boolean][] = [
  ['attribute="missing" operation="eq" value="1"', false, false],
  ['attribute="missing" operation="ne" value="1"', true, true],
  ['attribute="missing" operation="lt" value="1"', false, false],
  ['attribute="missing" operation="gt" value="1"', false, false],
  ['attribute="missing" operation="lte" value="1"', false, false],
  ['attribute="missing" operation="gte" value="1"', false, false],
  ['attribute="missing" operation="defined"', false, false],
  ['attribute="missing" operation="not_defined"', true, true],
  ['attribute="I" operation="defined"', false, false],
  ['attribute="s" operation="eq" value="ABC"', true, false],
  ['attribute="s" operation="lt" value="abd"', true, true],
  ['attribute="s" operation="eq"', false, false],
  ['attribute="s" operation="ne"', true, true],
  ['attribute="missing" operation="eq"', true, true],
  ['attribute="missing" operation="ne"', false, false],
  ['attribute="v" operation="gt" value="1.10" type="version"', false, true],
  ['attribute="v" operation="lt" value="1.10" type="version"', true, false],
  ['attribute="v" operation="eq" value="1.9.0" type="version"', true, false],
  ['attribute="i" operation="eq" value="10"', true, false],
  ['attribute="i" operation="eq" value="10" type="integer"', true, false],
  ['attribute="i" operation="lt" value="9"', false, true],
  ['attribute="i" operation="gt" value="9abc" type="integer"', true, false],
  ['attribute="i" operation="eq" value="1e1" type="number"', true, false],
  ['attribute="i" operation="eq" value="0x0a" type="integer"', false, false],
  ['attribute="i" operation="eq" value=" 10" type="integer"', true, false],
  ['attribute="#uname" operation="eq" value="node1"', true, false],
  ['attribute="#id" operation="eq" value="2"', false, true],
  ['attribute="#kind" operation="eq" value="cluster"', true, true],
  ['attribute="#is_dc" operation="eq" value="true"', true, false],
  ['attribute="#cluster-name" operation="eq" value="mycl"', true, true],
  ['attribute="#site-name" operation="eq" value="mycl"', true, true],
  ['attribute="i" operation="eq" value="fake" value-source="param"', false, true],
  ['attribute="m" operation="eq" value="mymeta" value-source="meta"', true, false],
  ['attribute="m" operation="eq" value="nosuch" value-source="param"', false, true],
  ['attribute="missing" operation="eq" value="nosuch" value-source="param"', true, true],
  ['attribute="i" operation="bogus" value="10"', false, false],
  ['attribute="i" operation="eq" value="10" type="bogus"', true, true],
  ['operation="eq" value="10"', false, false],
  ['attribute="d" operation="lt" value="1.5"', true, false],
  ['attribute="d" operation="eq" value="1.50" type="number"', false, false],
  ['attribute="s" operation="gt" value="9"', true, false],
  ['attribute="s" operation="gt" value="9" type="integer"', true, false],
  ['attribute="s" operation="gt" value="9" type="number"', true, false],
  ['attribute="s" operation="gt" value="9" type="version"', false, false],
];

// A second crm_simulate run: node1 v=1.10 n=3.4 big=99999999999999999999; node2 v=1.9 n=inf.
const nodeA = attrs({ v: "1.10", n: "3.4", big: "99999999999999999999" });
const nodeB = attrs({ v: "1.9", n: "inf" });
const expressions2: [string, boolean, boolean][] = [
  ['attribute="v" operation="eq" value="1.10.0" type="version"', true, false],
  ['attribute="v" operation="lt" value="1.10.0.1" type="version"', true, true],
  ['attribute="v" operation="eq" value="1.010" type="version"', true, false],
  ['attribute="v" operation="eq" value="" type="version"', false, false],
  ['attribute="n" operation="gt" value="inf" type="number"', false, false],
  ['attribute="n" operation="lt" value="inf" type="number"', true, false],
  ['attribute="n" operation="eq" value="3.4abc" type="number"', true, false],
  ['attribute="n" operation="eq" value=" 3.4" type="number"', true, false],
  ['attribute="n" operation="eq" value="3.4" type="integer"', true, false],
  ['attribute="big" operation="eq" value="9223372036854775807" type="integer"', false, false],
  ['attribute="big" operation="gt" value="9223372036854775806" type="integer"', true, false],
  ['attribute="n" operation="gt" value="3"', true, true],
  ['attribute="n" operation="eq" value="3.40"', false, false],
  ['attribute="n" operation="lte" value="3.4"', true, false],
  ['attribute="n" operation="gte" value="3.4"', true, true],
  ['attribute="v" operation="eq" value="1.10" type="string"', true, false],
  ['attribute="n" operation="eq" value="3.4" value-source="bogus"', true, false],
  ['attribute="n" operation="eq" value="3.4" value-source="PARAM"', false, false],
  ['attribute="n" operation="EQ" value="3.4"', true, false],
  ['attribute="n" operation="DEFINED"', true, true],
  ['attribute="v" operation="eq" value="1.10" type="VERSION"', true, false],
];

// Third run: node1 e="" a="x"; node2 has neither. value="" acts as no value at all.
const nodeE = attrs({ e: "", a: "x" });
const nodeNone = attrs({});
const expressions3: [string, boolean, boolean][] = [
  ['attribute="e" operation="eq" value=""', false, true],
  ['attribute="e" operation="ne" value=""', true, false],
  ['attribute="a" operation="eq" value=""', false, true],
  ['attribute="a" operation="ne" value=""', true, false],
  ['attribute="missing" operation="eq" value=""', true, true],
  ['attribute="missing" operation="ne" value=""', false, false],
  ['attribute="a" operation="gt" value=""', false, false],
  ['attribute="a" operation="lt" value=""', false, false],
  ['attribute="e" operation="lte" value=""', false, false],
  ['attribute="e" operation="lt" value="a"', true, false],
  ['attribute="e" operation="gte" value="a"', false, false],
  ['attribute="e" operation="ne" value="a"', true, true],
];
// Zero is a number only when written with nothing but "0" and "." before the end of the
// number (Pacemaker's underflow check): node x="0" / x="16".
const nodeZero = attrs({ x: "0" });
const nodeSixteen = attrs({ x: "16" });
const zeros: [string, boolean, boolean][] = [
  ['attribute="x" operation="eq" value="0" type="number"', true, false],
  ['attribute="x" operation="eq" value="0.0" type="number"', true, false],
  ['attribute="x" operation="eq" value="00" type="number"', true, false],
  ['attribute="x" operation="eq" value="0." type="number"', true, false],
  ['attribute="x" operation="eq" value=".0" type="number"', true, false],
  ['attribute="x" operation="eq" value="0abc" type="number"', true, false],
  ['attribute="x" operation="eq" value="-0" type="number"', false, false],
  ['attribute="x" operation="eq" value="+0" type="number"', false, false],
  ['attribute="x" operation="eq" value="0e5" type="number"', false, false],
  ['attribute="x" operation="eq" value="0x0" type="number"', false, false],
  ['attribute="x" operation="eq" value=" 0" type="number"', false, false],
  ['attribute="x" operation="eq" value="1e-400" type="number"', false, false],
  ['attribute="x" operation="eq" value="nan" type="number"', true, true],
  ['attribute="x" operation="eq" value="0x10" type="number"', false, true],
];

for (const [a, want1, want2] of expressions3) {
  test(`<expression ${a}>: e="" ${want1}, unset ${want2} (crm_simulate, third run)`, () => {
    const xml = `<expression id="e" ${a}/>`;
    assert.equal(matches(xml, { node: nodeE }), want1, "node1");
    assert.equal(matches(xml, { node: nodeNone }), want2, "node2");
  });
}

for (const [a, want1, want2] of zeros) {
  test(`<expression ${a}>: x=0 ${want1}, x=16 ${want2} (crm_simulate)`, () => {
    const xml = `<expression id="e" ${a}/>`;
    assert.equal(matches(xml, { node: nodeZero }), want1, "x=0");
    assert.equal(matches(xml, { node: nodeSixteen }), want2, "x=16");
  });
}

test("boolean-op is read ignoring case; unknown values mean and (crm_simulate)", () => {
  const body = '<expression id="a" attribute="nope" operation="defined"/><expression id="b" attribute="n" operation="defined"/>';
  assert.equal(matches(`<rule id="r" boolean-op="OR">${body}</rule>`, { node: nodeA }), true);
  assert.equal(matches(`<rule id="r" boolean-op="bogus">${body}</rule>`, { node: nodeA }), false);
});

for (const [a, want1, want2] of expressions2) {
  test(`<expression ${a}>: node1 ${want1}, node2 ${want2} (crm_simulate, second run)`, () => {
    const xml = `<expression id="e" ${a}/>`;
    assert.equal(matches(xml, { node: nodeA }), want1, "node1");
    assert.equal(matches(xml, { node: nodeB }), want2, "node2");
  });
}

test("version components with letters do not hang (Pacemaker 2.1.5 loops forever on them)", () => {
  assert.equal(matches('<expression id="e" attribute="v" operation="gt" value="1.9z" type="version"/>', { node: nodeA }), true);
});

for (const [a, want1, want2] of expressions) {
  test(`<expression ${a}>: node1 ${want1}, node2 ${want2} (crm_simulate)`, () => {
    const xml = `<expression id="e" ${a}/>`;
    assert.equal(matches(xml, { node: node1, params, meta }), want1, "node1");
    assert.equal(matches(xml, { node: node2, params, meta }), want2, "node2");
  });
}

// The rule-* conformance cases, each reduced to its expression: node attribute test_val,
// expression attributes, and whether crm_simulate applied the -INFINITY ban to the node.
const conformance: [string, string, string, boolean][] = [
  ["rule-dbl-as-auto-number-match", "10.4", 'operation="gt" value="3.4"', true],
  ["rule-dbl-as-auto-number-no-match", "3.4", 'operation="gt" value="10.6"', false],
  ["rule-dbl-as-integer-match", "3.4", 'operation="eq" type="integer" value="3.6"', true],
  ["rule-dbl-as-integer-no-match", "3.4", 'operation="eq" type="integer" value="4.6"', false],
  ["rule-dbl-as-number-match", "3.4", 'operation="eq" type="number" value="3.4"', true],
  ["rule-dbl-as-number-no-match", "3.4", 'operation="eq" type="number" value="3.6"', false],
  ["rule-int-as-auto-integer-match", "10", 'operation="gt" value="3"', true],
  ["rule-int-as-auto-integer-no-match", "3", 'operation="gt" value="10"', false],
  ["rule-int-as-integer-match", "3", 'operation="eq" type="integer" value="3"', true],
  ["rule-int-as-integer-no-match", "3", 'operation="eq" type="integer" value="4"', false],
  ["rule-int-as-number-match", "3", 'operation="eq" type="number" value="3"', true],
  ["rule-int-as-number-no-match", "3", 'operation="eq" type="number" value="3.6"', false],
  ["rule-int-parse-fail-default-str-match", "as2", 'operation="gt" type="integer" value="as10"', true],
  // and the reverse, which string comparison must reject
  ["(parse failure, string order)", "as10", 'operation="gt" type="integer" value="as2"', false],
];

for (const [name, testVal, a, want] of conformance) {
  test(`${name}: test_val=${testVal} ${a} → ${want}`, () => {
    const r = rule(`<rule id="ban" score="-INFINITY"><expression id="e" attribute="test_val" ${a}/></rule>`);
    assert.equal(evaluateRule(r, { now: NOW, node: attrs({ test_val: testVal }) }).matched, want);
  });
}

test("boolean-op: and/or, nesting, and empty rules (crm_simulate: empty 'and' true, empty 'or' false)", () => {
  const T = '<expression id="t" attribute="#uname" operation="defined"/>';
  const F = '<expression id="f" attribute="nope" operation="defined"/>';
  const ctx = { node: node1 };
  assert.equal(matches(`<rule id="r">${T}${F}</rule>`, ctx), false);
  assert.equal(matches(`<rule id="r" boolean-op="or">${T}${F}</rule>`, ctx), true);
  assert.equal(matches(`<rule id="r" boolean-op="or">${F}${F}</rule>`, ctx), false);
  assert.equal(matches(`<rule id="r">${T}<rule id="n" boolean-op="or">${F}${T}</rule></rule>`, ctx), true);
  assert.equal(matches(`<rule id="r">${T}<rule id="n">${F}${T}</rule></rule>`, ctx), false);
  assert.equal(matches('<rule id="r" score="5"></rule>'), true);
  assert.equal(matches('<rule id="r" score="5" boolean-op="or"></rule>'), false);
});

test("rule id-ref resolves through the index; dangling refs are errors", () => {
  const cib = parseXml(`<cib><configuration><constraints>
    <rsc_location id="a" rsc="x"><rule id="shared" score="1"><expression id="e" attribute="#uname" operation="eq" value="node1"/></rule></rsc_location>
    <rsc_location id="b" rsc="y"><rule id-ref="shared"/></rsc_location>
    <rsc_location id="c" rsc="y"><rule id-ref="nosuch"/></rsc_location>
  </constraints></configuration></cib>`);
  const index = buildIdIndex(cib);
  const [, b, c] = cib.children[0].children[0].children;
  assert.equal(evaluateRule(b.children[0], { now: NOW, node: node1 }, index).matched, true);
  assert.equal(evaluateRule(b.children[0], { now: NOW, node: node2 }, index).matched, false);
  assert.throws(() => evaluateRule(c.children[0], { now: NOW }, index), /<rule> \(line 4\): id-ref="nosuch" names no element/);
  assert.deepEqual(validateRule(c.children[0], index).map((e) => e.message), ['<rule> (line 4): id-ref="nosuch" names no element in the configuration']);
});

test("ruleScore: score wins, score-attribute reads the node, missing → -INFINITY (crm_simulate)", () => {
  assert.equal(ruleScore(rule('<rule id="r" score="5" score-attribute="i"/>'), node1), 5);
  assert.equal(ruleScore(rule('<rule id="r" score-attribute="i"/>'), node1), 10);
  assert.equal(ruleScore(rule('<rule id="r" score-attribute="i"/>'), node2), 7);
  assert.equal(ruleScore(rule('<rule id="r" score-attribute="s"/>'), node1), 0);
  assert.equal(ruleScore(rule('<rule id="r" score-attribute="missing"/>'), node1), -INFINITY);
  assert.equal(ruleScore(rule('<rule id="r"/>'), node1), undefined);
  assert.equal(ruleScore(rule('<rule id="r" score="-INFINITY"/>'), node1), -INFINITY);
  assert.equal(ruleScore(rule('<rule id="r" score-attribute="%1-score"/>'), attrs({ "db-score": "42" }), ["db1", "db"]), 42);
});

test("rsc-pattern submatches expand in expression attributes, not in values (crm_simulate)", () => {
  const lit = '<expression id="e" attribute="w" operation="eq" value="%1"/>';
  assert.equal(matches(lit, { node: attrs({ w: "%1" }), match: { submatches: ["r0", "r", "0"] } }), true);
  assert.equal(matches(lit, { node: attrs({ w: "r" }), match: { submatches: ["r0", "r", "0"] } }), false);
  const none = '<expression id="e" attribute="%3rx" operation="eq" value="yes"/>';
  assert.equal(matches(none, { node: attrs({ rx: "yes" }), match: { submatches: ["r0", "r", "0"] } }), true);
  const r = '<expression id="e" attribute="%1-ok" operation="eq" value="yes"/>';
  assert.equal(matches(r, { node: attrs({ "web-ok": "yes" }), match: { submatches: ["web1", "web"] } }), true);
  assert.equal(matches(r, { node: attrs({ "web-ok": "yes" }), match: { submatches: ["db1", "db"] } }), false);
});

test("rsc_expression and op_expression (rsc_defaults / op_defaults)", () => {
  const ipaddr = { class: "ocf", provider: "heartbeat", type: "IPaddr2" };
  const rscExpr = '<rsc_expression id="e" class="ocf" provider="heartbeat" type="IPaddr2"/>';
  assert.equal(matches(rscExpr, { rsc: ipaddr }), true);
  assert.equal(matches(rscExpr, { rsc: { ...ipaddr, type: "Dummy" } }), false);
  assert.equal(matches(rscExpr), false);
  assert.equal(matches('<rsc_expression id="e" class="stonith"/>', { rsc: { class: "stonith", type: "fence_xvm" } }), true);
  const monitor10 = '<op_expression id="o" name="monitor" interval="10s"/>';
  assert.equal(matches(monitor10, { op: { name: "monitor", interval: 10_000 } }), true);
  assert.equal(matches(monitor10, { op: { name: "monitor", interval: 20_000 } }), false);
  assert.equal(matches('<op_expression id="o" name="monitor"/>', { op: { name: "monitor", interval: 20_000 } }), true);
  assert.equal(matches('<op_expression id="o" name="start"/>', { op: { name: "monitor", interval: 0 } }), false);
  assert.equal(matches(`${rscExpr}${monitor10}`, { rsc: ipaddr, op: { name: "monitor", interval: 10_000 } }), true);
});

test("validateRule reports what Pacemaker silently evaluates as false", () => {
  const r = rule(`<rule id="r" boolean-op="xor">
  <expression id="e1" attribute="a" operation="bogus" value="1"/>
  <expression id="e2" attribute="a" operation="eq"/>
  <expression id="e3" attribute="a" operation="eq" value="1" type="float"/>
  <date_expression id="d1" operation="gt" start="garbage"/>
  <date_expression id="d2" operation="date_spec"><date_spec id="s" hours="12,13"/></date_expression>
  <op_expression id="o" name="monitor" interval="10x"/>
  <node id="oops"/>
</rule>`);
  const messages = validateRule(r).map((e) => e.message);
  assert.deepEqual(messages, [
    '<rule id="r"> (line 1): unknown boolean-op "xor" (expected and or or)',
    '<expression id="e1"> (line 2): unknown operation "bogus" (expected one of lt, gt, lte, gte, eq, ne, defined, not_defined)',
    '<expression id="e2"> (line 3): operation "eq" needs a value',
    '<expression id="e3"> (line 4): unknown type "float" (expected string, integer, number or version)',
    '<date_expression id="d1"> (line 5): start="garbage" is not an ISO 8601 date/time (e.g. 2019-09-20 15:00:00 +00:00)',
    '<date_spec id="s"> (line 6): hours="12,13" is not a number or a range such as 9-16 (Pacemaker ignores the field)',
    '<op_expression id="o"> (line 7): interval="10x" is not an interval (e.g. 10s, 1min, PT10S)',
    '<node id="oops"> (line 8): <node> is not a rule condition',
  ]);
  assert.deepEqual(validateRule(rule('<expression id="e" attribute="a" operation="defined"/>')), []);
});

test("a rule that contains itself through id-ref is an error, not a stack overflow", () => {
  const cib = parseXml(`<cib><configuration><constraints>
    <rsc_location id="a" rsc="x"><rule id="outer" score="1"><rule id="inner" boolean-op="or"><rule id-ref="outer"/></rule></rule></rsc_location>
  </constraints></configuration></cib>`);
  const index = buildIdIndex(cib);
  const outer = index.get("outer")!;
  assert.throws(() => evaluateRule(outer, { now: NOW }, index), /<rule> \(line 2\): rule id-ref="outer" makes the rule contain itself/);
  assert.deepEqual(validateRule(outer, index).map((e) => e.message), ['<rule> (line 2): rule id-ref="outer" makes the rule contain itself']);
});
