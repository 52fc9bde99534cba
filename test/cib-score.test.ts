import { test } from "node:test";
import assert from "node:assert/strict";
import { INFINITY, addScores, formatScore, parseScore, parseScoreStrict } from "../src/cib/score.js";
import { CibError } from "../src/cib/errors.js";
import { parseXml } from "../src/cib/xml.js";

// Each row: text → score crm_simulate gave a location constraint with that score
// (validate-with="none" so that the schema does not reject the odd ones first).
const observed: [string, number][] = [
  ["INFINITY", INFINITY],
  ["+INFINITY", INFINITY],
  ["-INFINITY", -INFINITY],
  ["infinity", 0],
  ["5", 5],
  ["+5", 5],
  [" -7", -7],
  ["10.5", 10],
  ["5abc", 5],
  ["1e3", 1],
  ["0x10", 0],
  ["abc", 0],
  ["", 0],
  ["-", 0],
  ["--5", 0],
  ["99999999999", INFINITY],
  ["-99999999999", -INFINITY],
  ["1000001", INFINITY],
  ["red", 0],
];

for (const [text, want] of observed) {
  test(`parseScore(${JSON.stringify(text)}) = ${want} (crm_simulate)`, () => {
    assert.equal(parseScore(text), want);
  });
}

test("health colours use the given scores", () => {
  assert.equal(parseScore("red", { red: -INFINITY }), -INFINITY);
  assert.equal(parseScore("yellow", { yellow: -10 }), -10);
  assert.equal(parseScore(undefined), 0);
});

test("parseScoreStrict accepts what the schema accepts and names the element otherwise", () => {
  assert.equal(parseScoreStrict("-INFINITY", "score"), -INFINITY);
  assert.equal(parseScoreStrict(" 12 ", "score"), 12);
  const el = parseXml('<constraints>\n<rsc_location id="loc1" score="10.5"/></constraints>').children[0];
  assert.throws(
    () => parseScoreStrict("10.5", "score", el),
    (e: unknown) => e instanceof CibError && /<rsc_location id="loc1"> \(line 2\): invalid score "10.5"/.test(e.message),
  );
  for (const bad of ["abc", "", "infinity", "5abc", "1e3"]) assert.throws(() => parseScoreStrict(bad, "score"), CibError);
  assert.throws(() => parseScoreStrict(undefined, "score"), /missing score/);
});

test("addScores: -INFINITY wins over +INFINITY, sums clamp", () => {
  assert.equal(addScores(INFINITY, -INFINITY), -INFINITY);
  assert.equal(addScores(-INFINITY, INFINITY), -INFINITY);
  assert.equal(addScores(INFINITY, -5), INFINITY);
  assert.equal(addScores(999_999, 5), INFINITY);
  assert.equal(addScores(-999_999, -5), -INFINITY);
  assert.equal(addScores(3, -5), -2);
});

test("formatScore", () => {
  assert.equal(formatScore(INFINITY), "INFINITY");
  assert.equal(formatScore(2 * INFINITY), "INFINITY");
  assert.equal(formatScore(-INFINITY), "-INFINITY");
  assert.equal(formatScore(0), "0");
  assert.equal(formatScore(-42), "-42");
});
