// The scheduler against the real crm_simulate: each CIB in test/fixtures/scheduler was run
// through crm_simulate 2.1.5 (tools/make-fixture.sh) and pacer must print the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { simulate } from "../src/cli/simulate/run.js";

const dir = join(import.meta.dirname, "..", "..", "test", "fixtures", "scheduler");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".xml"))
  .map((f) => f.slice(0, -4));

const normGraph = (s: string) => s.replace(/ (crm_feature_set|batch-limit)="[^"]*"/g, "").trimEnd();

for (const name of names) {
  const xml = readFileSync(join(dir, `${name}.xml`), "utf8");
  test(`${name}: summary identical to crm_simulate -S`, () => {
    const got = simulate(xml, { fileName: `${name}.xml` });
    assert.equal(got.summary, readFileSync(join(dir, `${name}.summary`), "utf8"));
  });
  test(`${name}: allocation scores identical to crm_simulate -s`, () => {
    const got = simulate(xml, { wantScores: true });
    const sorted = (t: string) => t.split("\n").filter((l) => l !== "").sort().join("\n");
    assert.equal(sorted(got.scores ?? ""), sorted(readFileSync(join(dir, `${name}.scores`), "utf8")));
  });
  test(`${name}: transition graph identical to crm_simulate -G`, () => {
    const got = simulate(xml, {});
    assert.equal(normGraph(got.graphXml), normGraph(readFileSync(join(dir, `${name}.exp`), "utf8")));
  });
}

test("fixtures are present", () => {
  assert.ok(names.length >= 4);
});
