// The tests that hold pacer to fixtures made with the real crm_simulate 2.1.5
// (tools/make-fixture.sh): for every NAME.xml in a directory, pacer's summary and graph must
// equal NAME.summary and NAME.exp (and, when asked, its scores NAME.scores).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { simulate } from "../../src/cli/simulate/run.js";

/** The fixture names (NAME of each NAME.xml) in a directory. */
export function fixtureNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".xml"))
    .map((f) => f.slice(0, -4));
}

/** The graph without what legitimately differs between runs (feature set, batch limit). */
const normGraph = (s: string) => s.replace(/ (crm_feature_set|batch-limit)="[^"]*"/g, "").trimEnd();

/** Define one test per fixture and output; returns the fixture names. */
export function crmSimulateFixtureTests(dir: string, options: { scores: boolean }): string[] {
  const names = fixtureNames(dir);
  for (const name of names) {
    const xml = readFileSync(join(dir, `${name}.xml`), "utf8");
    test(`${name}: summary identical to crm_simulate -S`, () => {
      assert.equal(simulate(xml, { fileName: `${name}.xml` }).summary, readFileSync(join(dir, `${name}.summary`), "utf8"));
    });
    if (options.scores) {
      test(`${name}: allocation scores identical to crm_simulate -s`, () => {
        const got = simulate(xml, { wantScores: true });
        const sorted = (t: string) => t.split("\n").filter((l) => l !== "").sort().join("\n");
        assert.equal(sorted(got.scores ?? ""), sorted(readFileSync(join(dir, `${name}.scores`), "utf8")));
      });
    }
    test(`${name}: transition graph identical to crm_simulate -G`, () => {
      assert.equal(normGraph(simulate(xml, {}).graphXml), normGraph(readFileSync(join(dir, `${name}.exp`), "utf8")));
    });
  }
  return names;
}
