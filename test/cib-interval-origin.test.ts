import { test } from "node:test";
import assert from "node:assert/strict";
import { intervalOriginDelay } from "../src/cib/interval-origin.js";
import { parseIsoDate } from "../src/cib/iso8601.js";

const HOUR = 3_600_000;
const origin = "2014-06-01 00:35:00";

// now → CRM_meta_start_delay crm_simulate -t NOW wrote for a 1h monitor with this origin
const observed: [string, number][] = [
  ["2014-05-07 00:28:00", 420_000],
  ["2014-05-07 00:35:00", 0],
  ["2014-05-07 00:35:01", 3_599_000],
  ["2014-07-07 00:34:59", 1_000],
];

for (const [now, delay] of observed) {
  test(`interval-origin ${origin}, 1h, at ${now}: start delay ${delay} ms (crm_simulate)`, () => {
    assert.equal(intervalOriginDelay(origin, HOUR, parseIsoDate(now)!), delay);
  });
}

test("an unparsable origin or a zero interval gives no delay", () => {
  const now = parseIsoDate("2014-05-07 00:28:00")!;
  assert.equal(intervalOriginDelay("garbage", HOUR, now), undefined);
  assert.equal(intervalOriginDelay(origin, 0, now), undefined);
});

test("the origin's offset counts (daily interval)", () => {
  const now = parseIsoDate("2014-05-07 00:00:00 Z")!;
  assert.equal(intervalOriginDelay("2014-06-01 02:00:00 +01:00", 24 * HOUR, now), HOUR);
  assert.equal(intervalOriginDelay("2014-06-01 02:00:00", 24 * HOUR, now, { localOffset: 3600 }), HOUR);
});
