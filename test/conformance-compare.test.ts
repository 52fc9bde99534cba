import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { graphsMatch, normaliseSummaryLine, scoresMatch, sectionsMatch, showDiff, summariesMatch, summarySection } from "../tools/conformance/compare.js";
import { loadCases } from "../tools/conformance/cases.js";

const SUMMARY = [
  "Current cluster status:",
  "  * Node List:",
  "    * Online: [ n1 n2 ]",
  "",
  "  * Full List of Resources:",
  "    * rsc1\t(ocf:heartbeat:apache):\t Started n1",
  "",
  "Transition Summary:",
  "  * Move       rsc1     ( n1 -> n2 )",
  "",
  "Executing Cluster Transition:",
  "  * Resource action: rsc1            stop on n1",
  "",
  "Revised Cluster Status:",
  "  * Node List:",
  "    * Online: [ n1 n2 ]",
  "",
].join("\n");

test("summaries compare like diff -w -B after Pacemaker's seds", () => {
  assert.ok(summariesMatch(SUMMARY, SUMMARY));
  // White space inside lines and blank lines do not matter.
  assert.ok(summariesMatch(SUMMARY, SUMMARY.replace("  * Move       rsc1     ( n1 -> n2 )", "* Move rsc1 (n1->n2)").replace(/\n\n/g, "\n\n\n")));
  // Legacy spellings are mapped.
  assert.ok(summariesMatch("* db\t(ocf:linbit:drbd):\t Promoted n1\n  * Promoted: [ n1 ]\n", "* db\t(ocf::linbit:drbd):\t Master n1\n  * Masters: [ n1 ]\n"));
  assert.equal(normaliseSummaryLine("    * Slaves: [ a ]"), "    * Unpromoted: [ a ]");
  assert.equal(normaliseSummaryLine("  * Demote  db:0 ( Master -> Slave n1 )"), "  * Demote  db:0 ( Promoted -> Unpromoted n1 )");
  // A real difference is one.
  assert.ok(!summariesMatch(SUMMARY, SUMMARY.replace("n1 -> n2", "n1 -> n3")));
  assert.ok(!summariesMatch(SUMMARY, SUMMARY.replace("  * Resource action: rsc1            stop on n1\n", "")));
  assert.ok(!summariesMatch(SUMMARY, SUMMARY + "extra line\n"));
});

test("sections are cut at the next title; a missing section never matches", () => {
  assert.equal(summarySection(SUMMARY, "Transition Summary"), "Transition Summary:\n  * Move       rsc1     ( n1 -> n2 )\n");
  assert.ok(sectionsMatch(SUMMARY, SUMMARY.replace("Started n1", "Stopped"), "Transition Summary"));
  assert.ok(!sectionsMatch(SUMMARY, SUMMARY.replace("( n1 -> n2 )", "( n1 -> n1 )"), "Transition Summary"));
  assert.ok(!sectionsMatch(SUMMARY, "Current cluster status:\n", "Transition Summary"));
});

test("graphs compare without crm_feature_set and batch-limit; scores as sorted lines", () => {
  const raw = '<transition_graph cluster-delay="60s" batch-limit="10" transition_id="0">\n  <attributes CRM_meta_timeout="20000" crm_feature_set="3.16.1"/>\n</transition_graph>\n';
  const stored = '<transition_graph cluster-delay="60s"  transition_id="0">\n  <attributes CRM_meta_timeout="20000" />\n</transition_graph>\n';
  assert.ok(graphsMatch(stored, raw));
  assert.ok(!graphsMatch(stored, raw.replace("20000", "30000")));
  assert.ok(scoresMatch("b 1\na 2\n", "a 2\nb 1"));
  assert.ok(!scoresMatch("b 1\na 2\n", "a 2\nb 2"));
});

test("diff display shows what changed with context", () => {
  const d = showDiff("a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nX\ne\nf\ng\n", (l) => l, 1);
  assert.equal(d, "   c\n-  d\n+  X\n   e\n   ...");
  assert.equal(showDiff("same\n", "same\n"), "");
});

test("case directories: tiers, date arguments, exclusions", () => {
  const dir = mkdtempSync(join(tmpdir(), "pacer-cases-"));
  try {
    for (const sub of ["xml", "summary", "exp"]) mkdirSync(join(dir, sub));
    for (const n of ["a", "b", "stale", "nosummary"]) writeFileSync(join(dir, "xml", `${n}.xml`), "<cib/>");
    for (const n of ["a", "b", "stale"]) writeFileSync(join(dir, "summary", `${n}.summary`), "");
    writeFileSync(join(dir, "tiers.txt"), "tier 1: a\ntier 3: b\n");
    writeFileSync(join(dir, "tests.tsv"), "test\tdescription\textra_args\na\tfirst\t-t,  2005-020\nb\tsecond\t\n");
    writeFileSync(join(dir, "features.csv"), "test,features\nstale,primitive;meta:not-in-cts-list\n");
    const set = loadCases(dir);
    assert.deepEqual(set.cases.map((c) => [c.name, c.tier, c.date]), [["a", 1, "2005-020"], ["b", 3, undefined]]);
    assert.deepEqual(set.excluded.map((e) => e.name), ["nosummary", "stale"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
