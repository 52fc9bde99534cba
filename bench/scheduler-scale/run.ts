// bench/scheduler-scale: pacer simulate -S against crm_simulate -S on the same generated CIBs.
// Usage: node dist/bench/scheduler-scale/run.js [--quick] [--scenario plain,mixed,guests]
//        [--nodes 3,16,32] [--sizes 1000,5000,10000] [--state fresh,steady] [--timeout SEC]
//        [--keep DIR] [--no-crm] [--crm-schedule-only]
// Prints one row per input: wall seconds and max RSS of each tool, their ratios, and whether
// the two Transition Summaries agree. With --crm-schedule-only, crm_simulate runs with -R
// (schedule and print the Transition Summary, no simulated execution: crm_simulate's -S
// rewrites its CIB once per action, which takes hours on big fresh transitions) while pacer
// still runs -S, so the comparison favours crm_simulate.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync, statSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { generateCib, type Scenario, type Spec, type State } from "./generate.js";

const here = dirname(fileURLToPath(import.meta.url));
const PACER = join(here, "..", "..", "src", "cli", "main.js");

interface Run { seconds: number; cpuSeconds: number; rssMiB: number; ok: boolean; timedOut: boolean; output: string }

function parseArgs(argv: string[]) {
  const opt = {
    scenarios: ["plain", "mixed", "guests"] as Scenario[],
    nodes: [3, 16, 32],
    sizes: [1000, 5000, 10000],
    guestSizes: [50, 100, 200],
    guestNodes: [3, 16],
    states: ["fresh", "steady"] as State[],
    timeout: 300,
    keep: undefined as string | undefined,
    crm: true,
    crmScheduleOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const list = () => argv[++i].split(",");
    if (a === "--quick") { opt.nodes = [3]; opt.sizes = [100, 1000]; opt.guestNodes = [3]; opt.guestSizes = [10, 50]; opt.timeout = 120; }
    else if (a === "--scenario") opt.scenarios = list() as Scenario[];
    else if (a === "--nodes") opt.nodes = opt.guestNodes = list().map(Number);
    else if (a === "--sizes") opt.sizes = opt.guestSizes = list().map(Number);
    else if (a === "--state") opt.states = list() as State[];
    else if (a === "--timeout") opt.timeout = Number(argv[++i]);
    else if (a === "--keep") opt.keep = argv[++i];
    else if (a === "--no-crm") opt.crm = false;
    else if (a === "--crm-schedule-only") opt.crmScheduleOnly = true;
    else throw new Error(`unknown option '${a}'`);
  }
  return opt;
}

/** Run a command under GNU time for wall time, CPU time (user + system: on a shared machine
 *  it is the steadier figure) and max RSS. */
function timed(cmd: string[], timeoutSec: number): Run {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M %U %S", "timeout", String(timeoutSec), ...cmd], {
    encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: "C" },
  });
  const lines = (r.stderr ?? "").trim().split("\n");
  const [sec, kb, user, sys] = (lines.pop() ?? "0 0 0 0").split(" ").map(Number);
  return { seconds: sec, cpuSeconds: user + sys, rssMiB: Math.round(kb / 1024), ok: r.status === 0, timedOut: r.status === 124, output: (r.stdout ?? "") + lines.join("\n") };
}

/** The Transition Summary section of a -S output. */
export function transitionSummary(output: string): string {
  const m = /^Transition Summary:\n([\s\S]*?)\n(?=Executing Cluster Transition:|Revised Cluster Status:|$)/m.exec(output);
  return m ? m[1].split("\n").map((l) => l.trim().replace(/\s+/g, " ")).filter((l) => l !== "").join("\n") : "";
}

function cell(r: Run | undefined): string {
  if (!r) return "—";
  if (r.timedOut) return "timeout";
  if (!r.ok) return "error";
  return `${r.seconds.toFixed(2)} s (cpu ${r.cpuSeconds.toFixed(2)}) ${r.rssMiB} MiB`;
}

function main(): void {
  const opt = parseArgs(process.argv.slice(2));
  const dir = opt.keep ?? mkdtempSync(join(tmpdir(), "pacer-bench-"));
  mkdirSync(dir, { recursive: true });
  const specs: Spec[] = [];
  for (const scenario of opt.scenarios) {
    const nodes = scenario === "guests" ? opt.guestNodes : opt.nodes;
    const sizes = scenario === "guests" ? opt.guestSizes : opt.sizes;
    for (const n of nodes) for (const size of sizes) for (const state of opt.states) specs.push({ scenario, nodes: n, size, state });
  }
  console.log(`| scenario | nodes | size | state | KB | pacer -S | crm_simulate ${opt.crmScheduleOnly ? "-R" : "-S"} | time ratio | cpu ratio | RSS ratio | summaries agree |`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const spec of specs) {
    const file = join(dir, `${spec.scenario}-${spec.nodes}-${spec.size}-${spec.state}.xml`);
    writeFileSync(file, generateCib(spec));
    const kb = Math.round(statSync(file).size / 1024);
    const pacer = timed([process.execPath, "--max-old-space-size=16384", PACER, "simulate", "-x", file, "-S"], opt.timeout);
    const crm = opt.crm ? timed(["crm_simulate", "-x", file, opt.crmScheduleOnly ? "-R" : "-S"], opt.timeout) : undefined;
    const both = pacer.ok && crm?.ok;
    const ratio = both ? `${(crm!.seconds / Math.max(pacer.seconds, 0.01)).toFixed(1)}×` : crm?.timedOut && pacer.ok ? `> ${(opt.timeout / Math.max(pacer.seconds, 0.01)).toFixed(0)}×` : "—";
    const cpu = both ? `${(crm!.cpuSeconds / Math.max(pacer.cpuSeconds, 0.01)).toFixed(1)}×` : "—";
    const rss = both ? `${(crm!.rssMiB / Math.max(pacer.rssMiB, 1)).toFixed(1)}×` : "—";
    const agree = both ? (transitionSummary(pacer.output) === transitionSummary(crm!.output) ? "yes" : "NO") : "—";
    console.log(`| ${spec.scenario} | ${spec.nodes} | ${spec.size}${spec.scenario === "guests" ? " guests" : ""} | ${spec.state} | ${kb} | ${cell(pacer)} | ${cell(crm)} | ${ratio} | ${cpu} | ${rss} | ${agree} |`);
    if (!pacer.ok && !pacer.timedOut) console.error(`pacer failed on ${file}:\n${pacer.output.split("\n").slice(-5).join("\n")}`);
    if (!opt.keep) rmSync(file);
  }
  if (!opt.keep) rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
