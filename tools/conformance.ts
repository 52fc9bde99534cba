// `npm run conformance`: runs Pacemaker's scheduler regression cases through pacer and
// reports, per case, per tier and overall, whether pacer's output is identical:
//   ts     the Transition Summary section of `simulate -S`
//   sum    the whole `simulate -S` summary
//   graph  the transition graph (`simulate -G`)
//   scores the allocation scores (`simulate -s`), when simulate() returns them
//   exec   self-check of the simulated execution: executing the case's expected graph
//          against its input reproduces the expected "Executing Cluster Transition" section
// Cases come from $PACER_CONFORMANCE_DIR (default ../shared/conformance/scheduler beside the
// project). Every case runs in this one process; simulate() runs in a worker thread with a
// time budget per call, so a hang is reported as such instead of stopping the run.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseXml } from "../src/cib/xml.js";
import { parseIsoDate } from "../src/cib/iso8601.js";
import { readGraphXml } from "../src/scheduler/graph/read.js";
import { executeTransition } from "../src/cli/simulate/execute.js";
import { loadCases, readCaseFile, type Case } from "./conformance/cases.js";
import { graphsMatch, normaliseGraph, normaliseSummaryLine, scoresMatch, sectionsMatch, showDiff, summariesMatch, summarySection } from "./conformance/compare.js";
import { simulateAvailable } from "./conformance/worker.js";
import { SimulateRunner } from "./conformance/runner.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BUDGET_MS = 2000;

interface Options {
  dir: string;
  tier?: number;
  only: string[];
  diff: boolean;
  json: boolean;
}

type Verdict = "pass" | "fail" | "error" | "hang" | "n/a";

interface CaseResult {
  name: string;
  tier?: number;
  ts: Verdict;
  sum: Verdict;
  graph: Verdict;
  scores: Verdict;
  exec: Verdict;
  ms?: number;
  error?: string;
  diffs?: Record<string, string>;
}

function usage(): string {
  return [
    "usage: npm run conformance -- [--tier N] [--only NAME...] [--diff] [--json]",
    "  cases are read from $PACER_CONFORMANCE_DIR (default ../shared/conformance/scheduler)",
    "  --tier N     run only the cases of tier N (tiers.txt)",
    "  --only NAME  run only the named cases (several names may follow)",
    "  --diff       show a diff for every output that differs",
    "  --json       print the results as JSON",
    "",
  ].join("\n");
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { dir: process.env.PACER_CONFORMANCE_DIR ?? resolve(ROOT, "..", "shared", "conformance", "scheduler"), only: [], diff: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--tier") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n)) throw new Error(`--tier needs a tier number, got '${argv[i] ?? ""}'`);
      opts.tier = n;
    } else if (a === "--only") {
      while (i + 1 < argv.length && !argv[i + 1].startsWith("--")) opts.only.push(argv[++i]);
      if (opts.only.length === 0) throw new Error("--only needs at least one case name");
    } else if (a === "--diff") opts.diff = true;
    else if (a === "--json") opts.json = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(usage());
      process.exit(0);
    } else throw new Error(`unknown option '${a}'\n${usage()}`);
  }
  return opts;
}

/** Execute the expected graph against the input: must reproduce the expected Executing section. */
function selfCheck(c: Case, xml: string, summary: string, exp: string | undefined): { verdict: Verdict; error?: string; diff?: string } {
  if (exp === undefined) return { verdict: "n/a" };
  try {
    const result = executeTransition(parseXml(xml, `${c.name}.xml`), readGraphXml(exp, `${c.name}.exp`), { now: 0 });
    const expected = summarySection(summary, "Executing Cluster Transition") ?? "";
    const items = expected.split("\n").slice(1).filter((l) => l.startsWith("  * "));
    const actual = result.lines.map((l) => `  * ${l}`);
    if (items.join("\n") === actual.join("\n")) return { verdict: "pass" };
    return { verdict: "fail", diff: showDiff(items.join("\n"), actual.join("\n")) };
  } catch (err) {
    return { verdict: "error", error: err instanceof Error ? err.message : String(err) };
  }
}

async function runCase(c: Case, runner: SimulateRunner | undefined, opts: Options): Promise<CaseResult> {
  const xml = readCaseFile(c, "xml")!;
  const summary = readCaseFile(c, "summary")!;
  const exp = readCaseFile(c, "exp");
  const scores = readCaseFile(c, "scores");
  const r: CaseResult = { name: c.name, tier: c.tier, ts: "n/a", sum: "n/a", graph: "n/a", scores: "n/a", exec: "n/a" };
  const diffs: Record<string, string> = {};

  const check = selfCheck(c, xml, summary, exp);
  r.exec = check.verdict;
  if (check.error) r.error = `exec: ${check.error}`;
  if (check.diff) diffs.exec = check.diff;

  if (runner) {
    // Pacemaker produces summaries without the case's -t date, graphs and scores with it.
    const date = c.date !== undefined ? parseIsoDate(c.date) : undefined;
    const first = await runner.run({ name: c.name, xmlText: xml, wantScores: date === undefined && scores !== undefined });
    const second = date === undefined ? first : await runner.run({ name: c.name, xmlText: xml, now: date, wantScores: scores !== undefined });
    r.ms = (first === "hang" ? BUDGET_MS : first.ms) + (second === first ? 0 : second === "hang" ? BUDGET_MS : second.ms);
    const failed = [first, second].find((x) => x === "hang" || !x.ok);
    if (failed !== undefined) {
      const v: Verdict = failed === "hang" ? "hang" : "error";
      r.ts = r.sum = r.graph = v;
      if (scores !== undefined) r.scores = v;
      r.error = failed === "hang" ? `no answer within ${BUDGET_MS} ms` : !failed.ok ? failed.error : "";
    } else if (first !== "hang" && first.ok && second !== "hang" && second.ok) {
      r.ts = sectionsMatch(summary, first.summary, "Transition Summary") ? "pass" : "fail";
      r.sum = summariesMatch(summary, first.summary) ? "pass" : "fail";
      if (r.ts === "fail") diffs.ts = showDiff(summarySection(summary, "Transition Summary") ?? "", summarySection(first.summary, "Transition Summary") ?? "(no Transition Summary section)", normaliseSummaryLine);
      if (r.sum === "fail") diffs.sum = showDiff(summary, first.summary, normaliseSummaryLine);
      if (exp !== undefined) {
        r.graph = graphsMatch(exp, second.graphXml) ? "pass" : "fail";
        if (r.graph === "fail") diffs.graph = showDiff(normaliseGraph(exp), normaliseGraph(second.graphXml));
      }
      if (scores !== undefined && second.scores !== undefined) {
        r.scores = scoresMatch(scores, second.scores) ? "pass" : "fail";
        if (r.scores === "fail") diffs.scores = showDiff(sortLines(scores), sortLines(second.scores));
      }
    }
  }
  if (opts.diff && Object.keys(diffs).length > 0) r.diffs = diffs;
  return r;
}

function sortLines(text: string): string {
  return text.split("\n").filter((l) => l.trim() !== "").sort().join("\n");
}

const COLUMNS = ["ts", "sum", "graph", "scores", "exec"] as const;

interface Tally {
  cases: number;
  pass: Record<(typeof COLUMNS)[number], number>;
  ran: Record<(typeof COLUMNS)[number], number>;
  errors: number;
  hangs: number;
  /** Slowest simulate() time of a case (ms), and which case. */
  slowestMs: number;
  slowest?: string;
}

function tally(results: CaseResult[]): Tally {
  const t: Tally = { cases: results.length, pass: { ts: 0, sum: 0, graph: 0, scores: 0, exec: 0 }, ran: { ts: 0, sum: 0, graph: 0, scores: 0, exec: 0 }, errors: 0, hangs: 0, slowestMs: 0 };
  for (const r of results) {
    for (const col of COLUMNS) {
      if (r[col] !== "n/a") t.ran[col]++;
      if (r[col] === "pass") t.pass[col]++;
    }
    if ([r.ts, r.exec].includes("error")) t.errors++;
    if (r.ts === "hang") t.hangs++;
    if (r.ms !== undefined && r.ms > t.slowestMs) {
      t.slowestMs = r.ms;
      t.slowest = r.name;
    }
  }
  return t;
}

function pct(n: number, d: number): string {
  return d === 0 ? "  -  " : `${((100 * n) / d).toFixed(1).padStart(5)}%`;
}

function formatTally(label: string, t: Tally): string {
  const cols = COLUMNS.map((c) => `${c} ${String(t.pass[c]).padStart(3)}/${String(t.ran[c]).padEnd(3)} ${pct(t.pass[c], t.ran[c])}`);
  const slowest = t.slowest ? ` | slowest ${Math.round(t.slowestMs)} ms (${t.slowest})` : "";
  return `${label.padEnd(9)} ${String(t.cases).padStart(4)} cases | ${cols.join(" | ")} | errors ${t.errors} | hangs ${t.hangs}${slowest}`;
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`conformance: ${(err as Error).message}\n`);
    return 2;
  }
  if (!existsSync(resolve(opts.dir, "xml"))) {
    process.stdout.write(`conformance: no cases at ${opts.dir} (set PACER_CONFORMANCE_DIR); nothing to do\n`);
    return 0;
  }
  const set = loadCases(opts.dir);
  let cases = set.cases;
  if (opts.only.length > 0) {
    const unknown = opts.only.filter((n) => !cases.some((c) => c.name === n));
    if (unknown.length > 0) {
      process.stderr.write(`conformance: no such case: ${unknown.join(", ")}\n`);
      return 2;
    }
    cases = cases.filter((c) => opts.only.includes(c.name));
  }
  if (opts.tier !== undefined) cases = cases.filter((c) => c.tier === opts.tier);

  const haveSimulate = simulateAvailable();
  const runner = haveSimulate ? new SimulateRunner(BUDGET_MS) : undefined;
  const log = (s: string) => {
    if (!opts.json) process.stdout.write(s);
  };
  log(`conformance: ${cases.length} cases from ${opts.dir}` + (set.excluded.length ? ` (${set.excluded.length} excluded: ${set.excluded.map((e) => `${e.name} — ${e.reason}`).join("; ")})` : "") + "\n");
  if (!haveSimulate) log("conformance: simulate() (src/cli/simulate/run.ts) is not built yet: only the Executing-section self-check runs\n");

  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c, runner, opts);
    results.push(r);
    const cells = COLUMNS.map((col) => `${col}=${r[col]}`).join(" ");
    log(`${r.name.padEnd(48)} t${r.tier ?? "-"} ${cells}${r.ms !== undefined ? ` ${Math.round(r.ms)}ms` : ""}${r.error ? `  ! ${r.error.split("\n")[0]}` : ""}\n`);
    if (r.diffs) for (const [what, d] of Object.entries(r.diffs)) log(`--- ${r.name} ${what} (- expected, + pacer)\n${d}\n`);
  }
  await runner?.close();

  const tiers = [...new Set(results.map((r) => r.tier))].sort((a, b) => (a ?? 99) - (b ?? 99));
  const totals = {
    overall: tally(results),
    tiers: Object.fromEntries(tiers.map((t) => [t === undefined ? "none" : String(t), tally(results.filter((r) => r.tier === t))])),
    tiers12: tally(results.filter((r) => r.tier === 1 || r.tier === 2)),
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify({ dir: opts.dir, simulate: haveSimulate, excluded: set.excluded, totals, results }, null, 1) + "\n");
  } else {
    log("\n");
    for (const t of tiers) log(formatTally(`tier ${t ?? "-"}`, totals.tiers[t === undefined ? "none" : String(t)]) + "\n");
    if (tiers.includes(1) || tiers.includes(2)) log(formatTally("tiers 1-2", totals.tiers12) + "\n");
    log(formatTally("overall", totals.overall) + "\n");
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`conformance: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(70);
  },
);
