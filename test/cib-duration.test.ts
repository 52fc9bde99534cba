import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInterval, parseIntervalStrict, parseTimeout, parseTimeoutStrict } from "../src/cib/duration.js";
import { CibError } from "../src/cib/errors.js";

// text → [interval ms, timeout ms] as crm_simulate showed them (the recurring monitor's key,
// CRM_meta_timeout of the start action); undefined = Pacemaker rejected it (no recurring
// monitor / default 20s timeout).
const observed: [string, number | undefined, number | undefined][] = [
  ["10", 10_000, 10_000],
  ["10s", 10_000, 10_000],
  ["10S", 10_000, 10_000],
  ["10sec", 10_000, 10_000],
  ["10ms", 10, 10],
  ["10msec", 10, 10],
  ["1500us", 1, 1],
  ["10US", 0, 0],
  ["1min", 60_000, 60_000],
  ["10m", 600_000, 600_000],
  ["10M", 600_000, 600_000],
  ["10mins", 600_000, 600_000],
  ["10 min", 600_000, 600_000],
  ["10m s", 600_000, 600_000],
  ["2h", 7_200_000, 7_200_000],
  ["1hr", 3_600_000, 3_600_000],
  ["10Hr", 36_000_000, 36_000_000],
  ["10hours", 36_000_000, 36_000_000],
  [" 10s", 10_000, 10_000],
  ["10 ", 10_000, 10_000],
  ["10sx", 10_000, 10_000],
  ["10msx", 10, 10],
  ["1.5s", 1000, 1000],
  ["1.9m", 60_000, 60_000],
  ["1.5", 1000, 1000],
  ["10.s", 10_000, 10_000],
  ["1..5s", 1000, 1000],
  ["010", 10_000, 10_000],
  ["0", 0, 0],
  ["abc", undefined, undefined],
  ["10x", undefined, undefined],
  ["5d", undefined, undefined],
  ["+10", undefined, undefined],
  ["-1", undefined, undefined],
  [".5s", undefined, undefined],
  [" .5 usec", 0, 0],
  ["s", undefined, undefined],
  ["", undefined, undefined],
  ["PT10S", 10_000, undefined],
  ["PT1M30S", 90_000, undefined],
  ["PT1H", 3_600_000, undefined],
  ["PT36H", 129_600_000, undefined],
  ["P0DT10S", 10_000, undefined],
  // Pacemaker counts one day (and one year) fewer than an ISO duration has:
  ["P1D", 0, undefined],
  ["P2D", 86_400_000, undefined],
  ["P1DT1H", 3_600_000, undefined],
  ["P1W", 518_400_000, undefined],
  ["P1WT1S", 518_401_000, undefined],
  ["P1M", 2_592_000_000, undefined],
  ["P1M1D", 2_592_000_000, undefined],
  ["P1Y", 0, undefined],
  ["P2M", 4_294_967_295, undefined],
  ["P2Y", 4_294_967_295, undefined],
  ["PT0.5S", undefined, undefined],
  ["PT10s", undefined, undefined],
  ["p1d", undefined, undefined],
  ["P", undefined, undefined],
  [" PT10S", undefined, undefined],
  // limits: intervals cap at 2^32-1 ms; timeouts wrap modulo 2^32 and must fit 2^31-1
  ["2147483", 2_147_483_000, 2_147_483_000],
  ["2147484", 2_147_484_000, undefined],
  ["4294967", 4_294_967_000, undefined],
  ["4294968", 4_294_967_295, 704],
  ["1000000000000", 4_294_967_295, undefined],
  ["9999999999999999999", 4_294_967_295, undefined],
];

for (const [text, interval, timeout] of observed) {
  test(`interval/timeout ${JSON.stringify(text)} = ${interval}/${timeout} (crm_simulate)`, () => {
    assert.equal(parseInterval(text), interval);
    assert.equal(parseTimeout(text), timeout);
  });
}

test("strict variants name the problem", () => {
  assert.equal(parseIntervalStrict("PT10S", "interval"), 10_000);
  assert.throws(() => parseIntervalStrict("10x", "interval"), (e: unknown) => e instanceof CibError && /invalid interval "10x"/.test(e.message));
  assert.throws(() => parseIntervalStrict(undefined, "interval"), /missing interval/);
  assert.equal(parseTimeoutStrict("20s", "timeout"), 20_000);
  assert.throws(() => parseTimeoutStrict("PT10S", "timeout"), /invalid timeout "PT10S"/);
  assert.throws(() => parseTimeoutStrict("4294968", "timeout"), /too long/);
});
