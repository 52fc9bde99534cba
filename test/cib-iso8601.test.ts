import { test } from "node:test";
import assert from "node:assert/strict";
import { addDuration, calendarFields, formatIsoDate, parseIsoDate, parseIsoDuration, parseIsoPeriod } from "../src/cib/iso8601.js";
import { evaluateRule } from "../src/cib/rules/index.js";
import { moonPhase } from "../src/cib/rules/date-spec.js";
import { parseXml } from "../src/cib/xml.js";

// text → epoch seconds, as Pacemaker's `iso8601 -d TEXT -S` printed them on a UTC host.
const dates: [string, number | undefined][] = [
  ["2019-09-24 00:30:00", 1569285000],
  ["2019-09-24 00:30:00 +01:00", 1569281400],
  ["2019-09-24 00:30:00 +0100", 1569281400],
  ["2019-09-24 00:30:00 +01", 1569281400],
  ["2019-07-24 00:30:00 -01:30", 1563933600],
  ["2019-09-24T00:30:00Z", 1569285000],
  ["2019-07-24 00:30:00 Z", 1563928200],
  ["2019-09-24T00:30", 1569285000],
  ["2019-09-24 00", 1569283200],
  ["2019-09-24T003000", 1569285000],
  ["2019-09-24", 1569283200],
  ["20190924", 1569283200],
  ["2019-7-4", 1562198400],
  ["2005-001", 1104537600],
  ["2019-040", 1549670400],
  ["2004-W53-6", 1104537600],
  ["2019-W01-1", 1546214400],
  ["2020-W53-1", 1609113600],
  ["2020-366", 1609372800],
  ["2020-02-29", 1582934400],
  ["2019-07-24T24:00:00", 1564012800],
  ["2019-07-24T00:30:00.123 +01:00", 1563924600],
  ["1969-12-31 23:59:59 Z", -1],
  ["2019-09-24 25:00:00", undefined],
  ["2019-07-24T23:60:00", undefined],
  ["2019-13-01", undefined],
  ["2019-02-29", undefined],
  ["2019-02-30", undefined],
  ["2019-366", undefined],
  ["2019-W53-1", undefined],
  ["2019-07-24 00:30:00 +25:00", undefined],
  ["2019", undefined],
  ["garbage", undefined],
  ["2019-07-24 garbage", undefined],
];

for (const [text, want] of dates) {
  test(`parseIsoDate(${JSON.stringify(text)}) = ${want} (iso8601 -d)`, () => {
    assert.equal(parseIsoDate(text), want);
  });
}

test("a time without offset is local: the caller gives the offset (date-only stays UTC)", () => {
  // TZ=America/Chicago iso8601 -d gave +6h for both (the zone's offset in November, not at that date)
  assert.equal(parseIsoDate("2019-09-24 00:30:00", { localOffset: -6 * 3600 }), 1569306600);
  assert.equal(parseIsoDate("2019-09-24", { localOffset: -6 * 3600 }), 1569283200);
  assert.equal(parseIsoDate("2019-09-24 00:30:00 Z", { localOffset: -6 * 3600 }), 1569285000);
});

// text → [years, months, days, seconds] (iso8601 -D)
const durations: [string, [number, number, number, number] | undefined][] = [
  ["P1D", [0, 0, 1, 0]],
  ["P1W", [0, 0, 7, 0]],
  ["P2W", [0, 0, 14, 0]],
  ["P1W2D", [0, 0, 9, 0]],
  ["P1Y2M3DT4H5M6S", [1, 2, 3, 14706]],
  ["PT1M30S", [0, 0, 0, 90]],
  ["P1H", [0, 0, 0, 3600]],
  ["PT1D", [0, 0, 1, 0]],
  ["PT1S1M", [0, 0, 0, 61]],
  ["PT1H1H", [0, 0, 0, 7200]],
  ["P2DT", [0, 0, 2, 0]],
  ["PT", [0, 0, 0, 0]],
  ["P1D ", [0, 0, 1, 0]],
  ["P1Y1W", [1, 0, 7, 0]],
  ["PT0.5S", undefined],
  ["P1.5D", undefined],
  ["P10", undefined],
  ["P1d", undefined],
  ["P 1D", undefined],
  ["1D", undefined],
];

for (const [text, want] of durations) {
  test(`parseIsoDuration(${JSON.stringify(text)}) (iso8601 -D)`, () => {
    const d = parseIsoDuration(text);
    assert.deepEqual(d && [d.years, d.months, d.days, d.seconds], want);
  });
}

// start/duration periods → end, as iso8601 -p printed them
const periods: [string, string, string][] = [
  ["2005-01-31/P1M", "2005-01-31 00:00:00Z", "2005-02-28 00:00:00Z"],
  ["2004-02-29/P1Y", "2004-02-29 00:00:00Z", "2005-03-01 00:00:00Z"],
  ["2004-12-31/P1Y", "2004-12-31 00:00:00Z", "2005-12-31 00:00:00Z"],
  ["2004-02-29/P1Y1M", "2004-02-29 00:00:00Z", "2005-04-01 00:00:00Z"],
  ["2005-01-31T10:00:00Z/P1MT15H", "2005-01-31 10:00:00Z", "2005-03-01 01:00:00Z"],
  ["2005-01-30T10:00:00Z/P1MT15H", "2005-01-30 10:00:00Z", "2005-03-01 01:00:00Z"],
  ["2005-01-30T10:00:00Z/P1M2D", "2005-01-30 10:00:00Z", "2005-03-02 10:00:00Z"],
  ["2005-040/2005-043", "2005-02-09 00:00:00Z", "2005-02-12 00:00:00Z"],
  ["P1D/2005-043", "2005-02-11 00:00:00Z", "2005-02-12 00:00:00Z"],
];

for (const [text, start, end] of periods) {
  test(`parseIsoPeriod(${text}) (iso8601 -p)`, () => {
    const p = parseIsoPeriod(text)!;
    assert.equal(formatIsoDate(p.start), start);
    assert.equal(formatIsoDate(p.end), end);
  });
}

test("calendar fields, ISO weeks and weekyears", () => {
  const f = calendarFields(parseIsoDate("2005-01-01")!);
  assert.deepEqual([f.year, f.yearday, f.weekyear, f.week, f.weekday], [2005, 1, 2004, 53, 6]);
  const g = calendarFields(parseIsoDate("2019-09-20 12:05:07 Z")!);
  assert.deepEqual([g.month, g.monthday, g.hour, g.minute, g.second, g.yearday, g.week, g.weekday], [9, 20, 12, 5, 7, 263, 38, 5]);
  assert.equal(calendarFields(parseIsoDate("2019-09-20 23:30:00 Z")!, 3600).monthday, 21);
  assert.equal(addDuration(parseIsoDate("2005-03-31")!, { years: 0, months: 1, days: 0, seconds: 0 }, -1), parseIsoDate("2005-02-28"));
});

test("moon phase (day of the year counted from 1): crm_simulate phases 6, 7, 7, 5", () => {
  assert.equal(moonPhase(2019, 263), 6);
  assert.equal(moonPhase(2019, 265), 7);
  assert.equal(moonPhase(2019, 1), 7);
  assert.equal(moonPhase(2021, 3), 5);
});

// Date expressions: [rule body, date, matched, nextChange]; boundaries from crm_rule -c -d
// (0 = in effect, 110 = expired, 111 = not yet), the rest from crm_simulate -t.
const E = (s: string) => parseIsoDate(s)!;
const inRange = '<date_expression id="e" operation="in_range" start="2019-09-20 15:00:00 Z" end="2019-09-20 15:30:00 Z"/>';
const gt = '<date_expression id="e" operation="gt" start="2019-09-20 15:00:00 Z"/>';
const lt = '<date_expression id="e" operation="lt" end="2019-09-20 15:30:00 Z"/>';
const inDuration = '<date_expression id="e" operation="in_range" start="2019-09-20 15:00:00 Z"><duration id="d" minutes="30"/></date_expression>';
const spec = (a: string) => `<date_expression id="e" operation="date_spec"><date_spec id="s" ${a}/></date_expression>`;
const dateCases: [string, string, boolean, number | undefined][] = [
  [inRange, "2019-09-20 14:59:59 Z", false, E("2019-09-20 15:00:00 Z")],
  [inRange, "2019-09-20 15:00:00 Z", true, E("2019-09-20 15:30:01 Z")],
  [inRange, "2019-09-20 15:30:00 Z", true, E("2019-09-20 15:30:01 Z")],
  [inRange, "2019-09-20 15:30:01 Z", false, undefined],
  [gt, "2019-09-20 15:00:00 Z", false, E("2019-09-20 15:00:01 Z")],
  [gt, "2019-09-20 15:00:01 Z", true, undefined],
  [lt, "2019-09-20 15:29:59 Z", true, E("2019-09-20 15:30:00 Z")],
  [lt, "2019-09-20 15:30:00 Z", false, undefined],
  [inDuration, "2019-09-20 15:30:00 Z", true, E("2019-09-20 15:30:01 Z")],
  [inDuration, "2019-09-20 15:30:01 Z", false, undefined],
  ['<date_expression id="e" operation="in_range" end="2005-001"/>', "2004-06-01", true, E("2005-01-01 00:00:01 Z")],
  ['<date_expression id="e" operation="in_range" start="2005-001"><duration id="d" years="1"/></date_expression>', "2005-12-31 23:59:59 Z", true, E("2006-01-01 00:00:01 Z")],
  ['<date_expression id="e" operation="gt" start="garbage"/>', "2019-09-20", false, undefined],
  ['<date_expression id="e" operation="in_range"/>', "2019-09-20", false, undefined],
  ['<date_expression id="e" operation="eq" start="2019-01-01"/>', "2019-09-20", false, undefined],
  ['<date_expression id="e" operation="date_spec"/>', "2019-09-20", true, undefined],
  ['<date_expression id="e" operation="GT" start="2019-01-01"/>', "2019-09-22 13:05:00 Z", true, undefined],
  ['<date_expression id="e" start="2019-01-01"/>', "2019-09-22 13:05:00 Z", true, undefined],
  ['<date_expression id="e" start="2019-01-01" end="2019-02-01"/>', "2019-09-22 13:05:00 Z", false, undefined],
  ['<date_expression id="e" start="2019-09-22 12:00:00 Z"><duration id="d" hours="1" minutes="5"/></date_expression>', "2019-09-22 13:05:00 Z", true, E("2019-09-22 13:05:01 Z")],
  ['<date_expression id="e" start="2019-09-22 12:00:00 Z"><duration id="d" hours="1" minutes="4"/></date_expression>', "2019-09-22 13:05:00 Z", false, undefined],
  ['<date_expression id="e" start="2019-09-22 12:00:00 Z"><duration id="d" hours="1.5"/></date_expression>', "2019-09-22 13:05:00 Z", false, undefined],
  ['<date_expression id="e" start="2019-08-22 14:00:00 Z"><duration id="d" months="1"/></date_expression>', "2019-09-22 13:05:00 Z", true, E("2019-09-22 14:00:01 Z")],
  ['<date_expression id="e" start="2019-09-22 14:00:00 Z" end="2019-09-22 15:00:00 Z"><duration id="d" days="1"/></date_expression>', "2019-09-22 13:05:00 Z", false, E("2019-09-22 14:00:00 Z")],
  ['<date_expression id="e" end="2019-09-22 15:00:00 Z"><duration id="d" days="1"/></date_expression>', "2019-09-22 13:05:00 Z", true, E("2019-09-22 15:00:01 Z")],
  ['<date_expression id="e" start="2019-09-22 12:00:00 Z"><duration id="d" weeks="-1"/></date_expression>', "2019-09-22 13:05:00 Z", false, undefined],
  ['<date_expression id="e" operation="Date_Spec"><date_spec id="s" hours="13"/></date_expression>', "2019-09-22 13:05:00 Z", true, undefined],
  [spec('hours="9-16" weekdays="1-5"'), "2019-09-20 12:05:00 Z", true, undefined],
  [spec('hours="9-16" weekdays="1-5"'), "2019-09-21 12:05:00 Z", false, undefined],
  [spec('hours="9-"'), "2019-09-20 12:05:00 Z", true, undefined],
  [spec('hours="-11"'), "2019-09-20 12:05:00 Z", false, undefined],
  [spec('hours="-14"'), "2019-09-22 13:05:00 Z", true, undefined],
  [spec('hours="14-"'), "2019-09-22 13:05:00 Z", false, undefined],
  [spec('hours="13-11"'), "2019-09-20 12:05:00 Z", false, undefined],
  [spec('hours="13"'), "2019-09-20 12:05:00 Z", false, undefined],
  [spec('hours="abc"'), "2019-09-20 12:05:00 Z", true, undefined],
  [spec('hours="12abc"'), "2019-09-22 13:05:00 Z", true, undefined],
  [spec('hours="12,13"'), "2019-09-22 13:05:00 Z", true, undefined],
  [spec('hours="abc" minutes="1"'), "2019-09-22 13:05:00 Z", false, undefined],
  [spec('weekdays="7"'), "2019-09-22 13:05:00 Z", true, undefined],
  [spec('hours="12" weekdays="6"'), "2019-09-20 12:05:00 Z", false, undefined],
  [spec('yeardays="263"'), "2019-09-20 12:05:00 Z", true, undefined],
  [spec('weeks="38" weekyears="2019"'), "2019-09-20 12:05:00 Z", true, undefined],
  [spec('moon="5"'), "2019-09-20 12:05:00 Z", false, undefined],
  [spec('moon="6"'), "2019-09-20 12:05:00 Z", true, undefined],
  [spec('years="2019" months="9" monthdays="20" minutes="0-10" seconds="0-59"'), "2019-09-20 12:05:00 Z", true, undefined],
  [spec('years="2005"'), "2005-06-01", true, undefined],
  [spec('weekyears="2004"'), "2005-01-01", true, undefined],
];

for (const [body, now, matched, nextChange] of dateCases) {
  test(`${body} at ${now} → ${matched}${nextChange !== undefined ? `, next change ${formatIsoDate(nextChange)}` : ""}`, () => {
    const r = evaluateRule(parseXml(`<rule id="r" score="1">${body}</rule>`), { now: E(now) });
    assert.equal(r.matched, matched);
    assert.equal(r.nextChange, nextChange);
  });
}

test("location-date-rules: nested rules report the earliest change", () => {
  const r = parseXml(`<rule id="rule-2-1" score="INFINITY" boolean-op="and">
    <expression id="x" attribute="#uname" operation="eq" value="rhel7-3"/>
    <rule id="rule-2-2" score="INFINITY"><date_expression id="d" operation="gt" start="2019-09-20 15:15:52 +00:00"/></rule>
  </rule>`);
  const res = evaluateRule(r, { now: 1568992252, node: new Map([["#uname", "rhel7-3"]]) });
  assert.deepEqual(res, { matched: false, nextChange: E("2019-09-20 15:15:53 Z") });
});

test("date_spec reads the calendar at the given UTC offset", () => {
  const r = parseXml(`<rule id="r" score="1">${spec('hours="0"')}</rule>`);
  assert.equal(evaluateRule(r, { now: E("2019-09-20 23:30:00 Z") }).matched, false);
  assert.equal(evaluateRule(r, { now: E("2019-09-20 23:30:00 Z"), utcOffset: 3600 }).matched, true);
});
