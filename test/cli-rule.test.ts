// `pacer rule --check` against what crm_rule 2.1.5 prints and returns for the same CIB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.js");

const CIB = `<cib validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" dc-uuid="1">
  <configuration><crm_config/>
  <nodes>
    <node id="1" uname="n1"><instance_attributes id="n1-a"><nvpair id="n1-rack" name="rack" value="2"/></instance_attributes></node>
    <node id="2" uname="n2"/>
  </nodes>
  <resources/>
  <constraints>
    <rsc_location id="l1" rsc="x"><rule id="inr" score="1"><date_expression id="e1" operation="in_range" start="2019-09-20 15:00:00 Z" end="2019-09-20 15:30:00 Z"/></rule></rsc_location>
    <rsc_location id="l2" rsc="x"><rule id="gt" score="1"><date_expression id="e2" operation="gt" start="2019-09-20 15:00:00 Z"/></rule></rsc_location>
    <rsc_location id="l3" rsc="x"><rule id="lt" score="1"><date_expression id="e3" operation="lt" end="2019-09-20 15:30:00 Z"/></rule></rsc_location>
    <rsc_location id="l4" rsc="x"><rule id="spec" score="1"><date_expression id="e4" operation="date_spec"><date_spec id="s4" years="2019"/></date_expression></rule></rsc_location>
    <rsc_location id="l5" rsc="x"><rule id="rack2" score="1" boolean-op="and"><expression id="e5" attribute="rack" operation="eq" value="2"/><date_expression id="e6" operation="lt" end="2019-09-20 15:30:00 Z"/></rule></rsc_location>
  </constraints></configuration><status/></cib>`;

function pacerRule(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, "rule", ...args], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// [rule, date, exit code, message] — crm_rule -c -r RULE -d DATE -X CIB gave these.
const observed: [string, string, number, string][] = [
  ["inr", "2019-09-20 14:59:59 Z", 111, "Rule inr has not yet taken effect\n"],
  ["inr", "2019-09-20 15:10:00 Z", 0, "Rule inr is still in effect\n"],
  ["inr", "2019-09-20 15:30:01 Z", 110, "Rule inr is expired\n"],
  ["gt", "2019-09-20 15:00:00 Z", 111, "Rule gt has not yet taken effect\n"],
  ["lt", "2019-09-20 15:30:00 Z", 110, "Rule lt is expired\n"],
  ["spec", "2019-06-01", 0, "Rule spec satisfies conditions\n"],
  ["spec", "2021-06-01", 110, "Rule spec is expired\n"],
];

for (const [rule, date, code, message] of observed) {
  test(`pacer rule --check -r ${rule} -d "${date}" → ${code} (crm_rule)`, () => {
    const r = pacerRule("--check", "-r", rule, "-d", date, "-X", CIB);
    assert.equal(r.out, message);
    assert.equal(r.code, code);
  });
}

test("several rules: every verdict is printed, the exit code is the last one's (crm_rule)", () => {
  const r = pacerRule("-c", "-r", "inr", "-r", "lt", "-d", "2019-09-20 15:40:00 Z", "-X", CIB);
  assert.equal(r.out, "Rule inr is expired\nRule lt is expired\n");
  assert.equal(r.code, 110);
});

test("an unknown rule: exit 105 and crm_rule's message", () => {
  const r = pacerRule("-c", "-r", "nosuch", "-X", CIB);
  assert.equal(r.err, "Could not determine whether rule nosuch is in effect: Rule not found\n");
  assert.equal(r.code, 105);
});

test("node attribute expressions use a node of the CIB or --attr (beyond crm_rule)", () => {
  const at = ["-d", "2019-09-20 15:10:00 Z", "-X", CIB];
  assert.equal(pacerRule("-c", "-r", "rack2", "-N", "n1", ...at).code, 0);
  assert.equal(pacerRule("-c", "-r", "rack2", "-N", "n2", ...at).code, 110);
  assert.equal(pacerRule("-c", "-r", "rack2", "-a", "rack=2", ...at).code, 0);
  // false now and never true later: the lt half only ever turns false
  assert.equal(pacerRule("-c", "-r", "rack2", "-N", "n2", ...at).out, "Rule rack2 is expired\n");
  assert.match(pacerRule("-c", "-r", "rack2", "-N", "n3", ...at).err, /no node named 'n3'/);
});

test("bad usage is refused with a clear message", () => {
  assert.equal(pacerRule("-r", "inr", "-X", CIB).code, 2);
  assert.match(pacerRule("-c", "-X", CIB).err, /at least one rule/);
  assert.match(pacerRule("-c", "-r", "inr", "-d", "yesterday", "-X", CIB).err, /invalid date 'yesterday'/);
  const bad = pacerRule("-c", "-r", "inr", "-X", "<cib><configuration>");
  assert.equal(bad.code, 65);
  assert.match(bad.err, /<xml-text>:1:/);
});
