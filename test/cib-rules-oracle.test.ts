// Differential tests: many generated rules and attribute sets are evaluated by pacer and by
// Pacemaker's own crm_simulate, one location constraint per case; the allocation scores show
// what Pacemaker decided on each node. Skipped when crm_simulate is not installed (.ci/setup
// installs it). Another seed explores other cases: PACER_ORACLE_SEED=n npm test
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateRule } from "../src/cib/rules/index.js";
import { evaluateNvsets } from "../src/cib/nvset.js";
import { child, escapeAttr, parseXml, walk, type XmlElement } from "../src/cib/xml.js";
import { parseInterval, parseTimeout } from "../src/cib/duration.js";
import { parseIsoDate, parseIsoPeriod } from "../src/cib/iso8601.js";
import { formatScore, parseScore } from "../src/cib/score.js";

function hasCrmSimulate(): boolean {
  try {
    execFileSync("crm_simulate", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const skip = hasCrmSimulate() ? false : "crm_simulate is not installed";
const SEED = Number(process.env.PACER_ORACLE_SEED ?? 20_250_101);

/** Deterministic pseudo-random choices (mulberry32), so a failure is reproducible. */
function chooser(seed: number) {
  let s = seed >>> 0;
  const next = (n: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  return { next, pick: <T>(a: readonly T[]): T => a[next(a.length)] };
}

/** "ID" in generated XML stands for a per-case prefix (ids, attribute names): all cases share
 * one CIB and its two nodes. */
const perCase = (text: string, i: number) => text.replaceAll("ID", `c${i}`);
const perCaseAttrs = (attrs: Record<string, string>, i: number) => Object.fromEntries(Object.entries(attrs).map(([k, v]) => [perCase(k, i), v]));
const nvpairs = (attrs: Record<string, string>, prefix: string) =>
  Object.entries(attrs).map(([k, v], i) => `<nvpair id="${prefix}-${i}" name="${escapeAttr(k)}" value="${escapeAttr(v)}"/>`).join("");

interface CibParts {
  resources: string;
  constraints: string;
  node1: string; // children of <node id="1">
  node2: string;
}

/** Run crm_simulate -s at `now`; return the allocation score text per "case/node". */
function pacemakerScores(parts: CibParts, now: string, count: number): Map<string, string> {
  const cib = `<cib validate-with="none" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1"><configuration>
<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="node1">${parts.node1}</node><node id="2" uname="node2">${parts.node2}</node></nodes>
<resources>${parts.resources}</resources><constraints>${parts.constraints}</constraints></configuration>
<status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/><node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`;
  const dir = mkdtempSync(join(tmpdir(), "pacer-oracle-"));
  try {
    const file = join(dir, "cib.xml");
    writeFileSync(file, cib);
    const out = execFileSync("crm_simulate", ["-x", file, "-s", "-t", now], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 60_000, env: { ...process.env, TZ: "UTC" } });
    const scores = new Map<string, string>();
    for (const m of out.matchAll(/^pcmk__primitive_assign: r(\d+) allocation score on (node\d): (\S+)/gm)) scores.set(`${m[1]}/${m[2]}`, m[3]);
    assert.equal(scores.size, count * 2, "crm_simulate scored every case");
    return scores;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- rules -----------------------------------------------------------------------------------

interface RuleCase {
  rule: string; // conditions inside the rule
  node1: Record<string, string>;
  node2: Record<string, string>;
  params?: Record<string, string>;
  meta?: Record<string, string>;
}

function compareRules(cases: RuleCase[], now: string): string[] {
  const parts: CibParts = { resources: "", constraints: "", node1: "", node2: "" };
  let n1 = "";
  let n2 = "";
  cases.forEach((c, i) => {
    const ia = c.params ? `<instance_attributes id="r${i}-ia">${nvpairs(c.params, `r${i}-p`)}</instance_attributes>` : "";
    const ma = c.meta ? `<meta_attributes id="r${i}-ma">${nvpairs(c.meta, `r${i}-m`)}</meta_attributes>` : "";
    parts.resources += `<primitive class="ocf" id="r${i}" provider="heartbeat" type="Dummy">${ia}${ma}</primitive>`;
    parts.constraints += `<rsc_location id="l${i}" rsc="r${i}"><rule id="ru${i}" score="5">${perCase(c.rule, i)}</rule></rsc_location>`;
    n1 += nvpairs(perCaseAttrs(c.node1, i), `a${i}`);
    n2 += nvpairs(perCaseAttrs(c.node2, i), `b${i}`);
  });
  parts.node1 = `<instance_attributes id="n1">${n1}</instance_attributes>`;
  parts.node2 = `<instance_attributes id="n2">${n2}</instance_attributes>`;
  const scores = pacemakerScores(parts, now, cases.length);
  const mismatches: string[] = [];
  const at = parseIsoDate(now)!;
  cases.forEach((c, i) => {
    const rule: XmlElement = parseXml(`<rule id="ru${i}" score="5">${perCase(c.rule, i)}</rule>`);
    for (const [name, attrs] of [["node1", c.node1], ["node2", c.node2]] as const) {
      const ctx = {
        now: at,
        node: new Map(Object.entries({ "#uname": name, ...perCaseAttrs(attrs, i) })),
        params: new Map(Object.entries(c.params ?? {})),
        meta: new Map(Object.entries(c.meta ?? {})),
      };
      const mine = evaluateRule(rule, ctx).matched;
      const theirs = scores.get(`${i}/${name}`) === "5";
      if (mine !== theirs) mismatches.push(`${name} ${JSON.stringify(attrs)} ${c.rule}: pacemaker ${theirs}, pacer ${mine}`);
    }
  });
  return mismatches;
}

const VALUES = ["3", "3.4", "10", "abc", "ABC", "-2", "1e1", " 7", "1.10", "1.9", "", "as2", "as10", "0x10", "inf", "9abc", "3.40", "10.0", "-0", "+0", "0e5", " 0", "0.", ".5", "1e400", "99999999999999999999", "9223372036854775807", "-1.5", "Abc", "abd", "a b", "0", "00", "NaN"];
// Pacemaker 2.1.5 never returns from a version comparison with letters, so versions are digits.
const VERSIONS = ["3", "3.4", "10", "1.10", "1.9", "", "10.0", "007", "1.2.3", "2", "1.10.0"];
const OPERATIONS = ["lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"];
const TYPES = [undefined, undefined, "string", "integer", "number", "version"];

test("attribute expressions, value-source and boolean-op agree with crm_simulate", { skip }, () => {
  const { next, pick } = chooser(SEED);
  const cases: RuleCase[] = [];
  for (let i = 0; i < 250; i++) {
    const c: RuleCase = { rule: "", node1: {}, node2: {}, params: { p: pick(VALUES) }, meta: { m: pick(VALUES) } };
    const expression = (k: number) => {
      const type = pick(TYPES);
      const pool = type === "version" ? VERSIONS : VALUES;
      const source = pick([undefined, undefined, undefined, "literal", "param", "meta"]);
      let value: string | undefined = next(10) === 0 ? undefined : pick(pool);
      if (source === "param") value = pick(["p", "p", "nosuch"]);
      if (source === "meta") value = pick(["m", "m", "nosuch"]);
      if (type === "version") c.params!.p = c.meta!.m = pick(VERSIONS);
      const attr = `ID-t${k}`;
      c.node1[attr] = pick(pool);
      if (next(5) !== 0) c.node2[attr] = pick(pool);
      return `<expression id="ID-${k}" attribute="${attr}" operation="${pick(OPERATIONS)}"${value === undefined ? "" : ` value="${escapeAttr(value)}"`}${type ? ` type="${type}"` : ""}${source ? ` value-source="${source}"` : ""}/>`;
    };
    const shape = next(4);
    if (shape === 0) c.rule = `<rule id="ID-r" boolean-op="${pick(["and", "or"])}">${expression(1)}${expression(2)}</rule>${expression(3)}`;
    else if (shape === 1) c.rule = `${expression(1)}${expression(2)}`;
    else c.rule = expression(1);
    if (shape === 1 && next(2) === 0) c.rule = `<rule id="ID-o" boolean-op="or">${c.rule}</rule>`;
    cases.push(c);
  }
  assert.deepEqual(compareRules(cases, "2019-09-22 13:05:00Z"), []);
});

test("date_spec fields and date ranges agree with crm_simulate", { skip }, () => {
  const { next, pick } = chooser(SEED + 1);
  const fields: [string, number, number][] = [["years", 2017, 2021], ["months", 1, 12], ["monthdays", 1, 31], ["hours", 0, 23], ["minutes", 0, 59], ["weekdays", 1, 7], ["yeardays", 1, 366], ["weeks", 1, 53], ["weekyears", 2017, 2021], ["moon", 0, 7]];
  const range = (lo: number, hi: number) => {
    const a = lo + next(hi - lo + 1);
    const b = lo + next(hi - lo + 1);
    return pick([`${a}`, `${Math.min(a, b)}-${Math.max(a, b)}`, `${a}-`, `-${a}`, `${a},${b}`]);
  };
  const dates = ["2018-12-31 23:00:00Z", "2019-01-01 00:30:00Z", "2020-02-29 12:00:00Z", "2019-09-22 13:05:00Z", "2021-01-03 08:00:00Z"];
  const cases: RuleCase[] = [];
  for (let i = 0; i < 300; i++) {
    const [f1, f2] = [pick(fields), pick(fields)];
    const spec = (f1 === f2 ? [f1] : [f1, f2]).map(([f, lo, hi]) => `${f}="${range(lo, hi)}"`).join(" ");
    const start = pick(dates);
    const end = pick(dates);
    cases.push({
      rule: pick([
        `<date_expression id="ID" operation="date_spec"><date_spec id="ID-s" ${spec}/></date_expression>`,
        `<date_expression id="ID" operation="date_spec"><date_spec id="ID-s" ${spec}/></date_expression>`,
        `<date_expression id="ID" operation="date_spec"><date_spec id="ID-s" ${spec}/></date_expression>`,
        `<date_expression id="ID" operation="in_range" start="${start}" end="${end}"/>`,
        `<date_expression id="ID" operation="gt" start="${start}"/>`,
        `<date_expression id="ID" operation="lt" end="${end}"/>`,
        `<date_expression id="ID" operation="in_range" start="${start}"><duration id="ID-d" ${pick(["hours", "days", "months", "years", "weeks"])}="${next(3)}"/></date_expression>`,
      ]),
      node1: {},
      node2: {},
    });
  }
  for (const now of ["2019-09-22 13:05:00Z", "2019-01-01 00:30:00Z", "2021-01-03 08:00:00Z"]) {
    assert.deepEqual(compareRules(cases, now), [], `at ${now}`);
  }
});

// --- attribute sets ---------------------------------------------------------------------------

test("node attribute sets (score order, rules, #default, duplicates) agree with crm_simulate", { skip }, () => {
  const { next, pick } = chooser(SEED + 2);
  const now = "2019-09-22 13:05:00Z";
  const count = 150;
  // Each case: several instance_attributes sets on each node setting the attribute "ID-k";
  // a location rule with score-attribute="ID-k" shows the merged value as the node's score.
  const sets = (i: number, node: string) => {
    let xml = "";
    const n = 1 + next(4);
    for (let s = 0; s < n; s++) {
      const score = pick([undefined, undefined, "0", "1", "2", "-1", "INFINITY", "-INFINITY", "abc", "1.5"]);
      const rule = pick([
        "",
        "",
        `<rule id="c${i}-${node}-${s}-r" score="0"><date_expression id="c${i}-${node}-${s}-d" operation="gt" start="2019-01-01"/></rule>`,
        `<rule id="c${i}-${node}-${s}-r" score="0"><date_expression id="c${i}-${node}-${s}-d" operation="lt" end="2019-01-01"/></rule>`,
      ]);
      let pairs = "";
      for (let p = 0, np = next(3); p <= np; p++) {
        const value = pick([String(1 + next(99)), String(1 + next(99)), "#default", undefined]);
        pairs += `<nvpair id="c${i}-${node}-${s}-${p}" name="c${i}-k"${value === undefined ? "" : ` value="${value}"`}/>`;
      }
      xml += `<instance_attributes id="c${i}-${node}-${s}"${score === undefined ? "" : ` score="${score}"`}>${rule}${pairs}</instance_attributes>`;
    }
    return xml;
  };
  const parts: CibParts = { resources: "", constraints: "", node1: "", node2: "" };
  for (let i = 0; i < count; i++) {
    parts.resources += `<primitive class="ocf" id="r${i}" provider="heartbeat" type="Dummy"/>`;
    parts.constraints += `<rsc_location id="l${i}" rsc="r${i}"><rule id="ru${i}" score-attribute="c${i}-k"><expression id="e${i}" attribute="c${i}-k" operation="defined"/></rule></rsc_location>`;
    parts.node1 += sets(i, "n1");
    parts.node2 += sets(i, "n2");
  }
  const scores = pacemakerScores(parts, now, count);
  const nodes = parseXml(`<nodes><node id="1" uname="node1">${parts.node1}</node><node id="2" uname="node2">${parts.node2}</node></nodes>`);
  const mismatches: string[] = [];
  for (const [n, name] of [[0, "node1"], [1, "node2"]] as const) {
    const attrs = evaluateNvsets(nodes.children[n], "instance_attributes", { now: parseIsoDate(now)! });
    for (let i = 0; i < count; i++) {
      const v = attrs.get(`c${i}-k`);
      const mine = v === undefined ? "0" : String(parseScore(v));
      const theirs = scores.get(`${i}/${name}`);
      if (mine !== theirs) {
        const mySets = nodes.children[n].children.filter((s) => s.attrs.id.startsWith(`c${i}-`));
        mismatches.push(`${name} case ${i}: pacemaker ${theirs}, pacer ${mine}: ${mySets.map((s) => JSON.stringify(s.attrs) + s.children.map((c) => c.attrs.value ?? c.name).join(",")).join(" | ")}`);
      }
    }
  }
  assert.deepEqual(mismatches, []);
});

// --- time specs -------------------------------------------------------------------------------

test("operation intervals and timeouts agree with crm_simulate's graph", { skip }, () => {
  const { next, pick } = chooser(SEED + 3);
  const numbers = ["10", "1", "0", "1.5", ".5", "010", "+10", "-1", "", "abc", "2147483", "2147484", "4294968", "90", "1..5", "10."];
  const units = ["", "", "s", "ms", "msec", "us", "usec", "sec", "m", "min", "mins", "h", "hr", "hours", "d", "x", "S", "MIN", "Ms", "sx"];
  const iso = ["PT10S", "PT1M30S", "P1D", "P2D", "P1W", "P1DT1H", "PT36H", "P1M", "P1Y", "P2Y", "PT0.5S", "PT10s", "P", "PT", "P1WT1S", "P0DT10S", "P3D", "P1Y1D"];
  const specs: string[] = [];
  for (let i = 0; i < 150; i++) {
    specs.push(next(4) === 0 ? pick(iso) : `${pick(["", "", " "])}${pick(numbers)}${pick(["", "", " "])}${pick(units)}`);
  }
  const resources = specs
    .map((s, i) => `<primitive class="ocf" id="r${i}" provider="heartbeat" type="Dummy"><operations><op id="r${i}-m" name="monitor" interval="${escapeAttr(s)}"/><op id="r${i}-s" name="start" interval="0" timeout="${escapeAttr(s)}"/></operations></primitive>`)
    .join("");
  const cib = `<cib validate-with="none" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1"><configuration>
<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="node1"/></nodes><resources>${resources}</resources><constraints/></configuration>
<status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`;
  const dir = mkdtempSync(join(tmpdir(), "pacer-oracle-"));
  let graph: XmlElement;
  try {
    writeFileSync(join(dir, "cib.xml"), cib);
    execFileSync("crm_simulate", ["-x", join(dir, "cib.xml"), "-S", "-G", join(dir, "graph.xml")], { stdio: "ignore", timeout: 60_000 });
    graph = parseXml(readFileSync(join(dir, "graph.xml"), "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const interval = new Map<number, number>();
  const timeout = new Map<number, number>();
  for (const op of walk(graph)) {
    if (op.name !== "rsc_op") continue;
    const key = /^r(\d+)_(monitor|start)_(\d+)$/.exec(op.attrs.operation_key ?? "");
    if (!key) continue;
    const attributes = child(op, "attributes");
    if (!attributes) continue; // a trigger's copy of the action header
    const attrs = attributes.attrs;
    if (key[2] === "monitor" && key[3] !== "0") interval.set(Number(key[1]), Number(key[3]));
    if (key[2] === "start") timeout.set(Number(key[1]), Number(attrs.CRM_meta_timeout));
  }
  const mismatches: string[] = [];
  specs.forEach((s, i) => {
    const myInterval = parseInterval(s) || undefined; // 0 and invalid both mean "no recurring op"
    const myTimeout = parseTimeout(s) ?? 20_000; // Pacemaker's default
    if (myInterval !== interval.get(i)) mismatches.push(`interval ${JSON.stringify(s)}: pacemaker ${interval.get(i)}, pacer ${myInterval}`);
    if (myTimeout !== timeout.get(i)) mismatches.push(`timeout ${JSON.stringify(s)}: pacemaker ${timeout.get(i)}, pacer ${myTimeout}`);
  });
  assert.equal(timeout.size, specs.length, "every start action is in the graph");
  assert.deepEqual(mismatches, []);
});

// --- ISO 8601 dates ---------------------------------------------------------------------------

function hasIso8601(): boolean {
  try {
    execFileSync("iso8601", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

test("ISO 8601 dates agree with Pacemaker's iso8601 tool (UTC host)", { skip: hasIso8601() ? false : "iso8601 is not installed" }, () => {
  const { next, pick } = chooser(SEED + 4);
  const p2 = (n: number) => String(n).padStart(2, "0");
  const dateForm = () => {
    const y = pick([2019, 2020, 2004, 2100, 2000, 1999]);
    switch (next(4)) {
      case 0: return `${y}-${p2(1 + next(13))}-${p2(1 + next(31))}`;
      case 1: return `${y}${p2(1 + next(12))}${p2(1 + next(29))}`;
      case 2: return `${y}-${String(1 + next(367)).padStart(3, "0")}`;
      default: return `${y}-W${p2(1 + next(53))}-${1 + next(7)}`;
    }
  };
  const timeForm = () => {
    const [h, m, s] = [pick([0, 9, 12, 23, 24, 25]), pick([0, 30, 59, 60]), pick([0, 1, 59, 60])];
    return pick([`${p2(h)}:${p2(m)}:${p2(s)}`, `${p2(h)}:${p2(m)}`, p2(h), `${p2(h)}${p2(m)}${p2(s)}`, `${p2(h)}:${p2(m)}:${p2(s)}.25`]);
  };
  const offsetForm = () => pick(["", "", "Z", " Z", " +01:00", " -01:30", " +0530", " +05", " -12:00", " +24:00"]);
  const texts: string[] = [];
  for (let i = 0; i < 80; i++) {
    const d = dateForm();
    const time = timeForm();
    // Pacemaker misreads an offset after an hours-only time (a documented divergence).
    const offset = time.length === 2 ? pick(["", "Z"]) : offsetForm();
    texts.push(next(4) === 0 ? d : `${d}${pick(["T", " "])}${time}${offset}`);
  }
  const mismatches: string[] = [];
  for (const text of texts) {
    let theirs: number | undefined;
    try {
      const out = execFileSync("iso8601", ["-d", text, "-S"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, TZ: "UTC" } });
      theirs = Number(/Date: (-?\d+)/.exec(out)?.[1]);
    } catch {
      theirs = undefined; // rejected (non-zero exit)
    }
    const mine = parseIsoDate(text);
    if (mine !== theirs) mismatches.push(`${JSON.stringify(text)}: pacemaker ${theirs}, pacer ${mine}`);
  }
  assert.deepEqual(mismatches, []);
});

test("ISO 8601 periods (duration arithmetic) agree with Pacemaker's iso8601 tool", { skip: hasIso8601() ? false : "iso8601 is not installed" }, () => {
  const { next, pick } = chooser(SEED + 5);
  const starts = ["2004-02-29", "2005-01-31", "2005-03-31", "2004-12-31", "2005-12-31T23:30:00Z", "2000-02-29 12:00:00Z", "2005-060", "2004-W53-6", "2100-02-28"];
  const durations = ["P1M", "P1Y", "P1Y1M", "P13M", "P1M1D", "P1M2DT3H", "PT36H", "P2W", "P1D", "P4Y", "P100Y", "P25M", "P1YT1S", "PT1M", "P1W2DT4H5M6S"];
  const texts: string[] = [];
  for (let i = 0; i < 50; i++) texts.push(next(3) === 0 ? `${pick(durations)}/${pick(starts)}` : `${pick(starts)}/${pick(durations)}`);
  const mismatches: string[] = [];
  for (const text of texts) {
    let theirs: string | undefined;
    try {
      const out = execFileSync("iso8601", ["-p", text, "-S"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, TZ: "UTC" } });
      theirs = /Period: (-?\d+) to (-?\d+)/.exec(out)?.slice(1).join("/");
    } catch {
      theirs = undefined;
    }
    // Known difference (see addDuration): years and months together from day 366.
    if (/^2004-12-31\/P\d+Y\d+M/.test(text)) continue;
    const p = parseIsoPeriod(text);
    const mine = p && `${p.start}/${p.end}`;
    if (mine !== theirs) mismatches.push(`${text}: pacemaker ${theirs}, pacer ${mine}`);
  }
  assert.deepEqual(mismatches, []);
});

// --- scores -----------------------------------------------------------------------------------

test("lenient score parsing agrees with crm_simulate", { skip }, () => {
  const { next, pick } = chooser(SEED + 6);
  const pieces = ["INFINITY", "+INFINITY", "-INFINITY", "infinity", "5", "-5", "+5", "10.5", "abc", "", "0x10", "1e3", "-", "--5", " ", "99999999999", "1000001", "-999999", "red", "green", "yellow", "007", "5abc", "\t3"];
  const texts = Array.from({ length: 80 }, () => (next(3) === 0 ? pick(pieces) + pick(pieces) : pick(pieces)));
  const parts: CibParts = { resources: "", constraints: "", node1: "", node2: "" };
  texts.forEach((t, i) => {
    parts.resources += `<primitive class="ocf" id="r${i}" provider="heartbeat" type="Dummy"/>`;
    parts.constraints += `<rsc_location id="l${i}" rsc="r${i}" node="node1" score="${escapeAttr(t)}"/>`;
  });
  const scores = pacemakerScores(parts, "2019-09-22 13:05:00Z", texts.length);
  const mismatches = texts.flatMap((t, i) => {
    const theirs = scores.get(`${i}/node1`);
    const mine = formatScore(parseScore(t));
    return mine === theirs ? [] : [`${JSON.stringify(t)}: pacemaker ${theirs}, pacer ${mine}`];
  });
  assert.deepEqual(mismatches, []);
});
