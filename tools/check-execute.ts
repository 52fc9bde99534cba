// Checks src/cli/simulate/execute.ts against the real Pacemaker 2.1.5 crm_simulate over a
// directory of scheduler cases (default ../shared/conformance/scheduler, or
// $PACER_CONFORMANCE_DIR). For every case, the case's expected graph (exp/) is executed
// against its input and compared with what `crm_simulate -S -G -O` does with the same input:
//   lines    the "Executing Cluster Transition" items (also against summary/)
//   cib      the revised CIB, byte for byte, ignoring last-rc-change (crm_simulate writes the
//            wall clock) and the cib's validate-with (crm_simulate upgrades old schemas on load)
// Run: node dist/tools/check-execute.js [--only NAME...] [--diff]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseXml } from "../src/cib/xml.js";
import { formatPcmkXml } from "../src/cib/pcmk-format.js";
import { readGraphXml } from "../src/scheduler/graph/read.js";
import { executeTransition } from "../src/cli/simulate/execute.js";
import { summarySection, showDiff } from "./conformance/compare.js";
import { loadCases } from "./conformance/cases.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = process.env.PACER_CONFORMANCE_DIR ?? resolve(ROOT, "..", "shared", "conformance", "scheduler");
const args = process.argv.slice(2);
const showDiffs = args.includes("--diff");
const only = args.filter((a) => !a.startsWith("--"));

const untimed = (xml: string) => xml.replace(/last-rc-change="\d+"/g, 'last-rc-change="T"').replace(/^(<cib [^>]*)validate-with="[^"]*"/, "$1");

if (!existsSync(join(dir, "xml"))) {
  process.stdout.write(`check-execute: no cases at ${dir}\n`);
  process.exit(0);
}
let lines = 0;
let cibs = 0;
let total = 0;
const differ: string[] = [];
// Cases Pacemaker itself does not run (stale expected graph) are left out.
for (const { name } of loadCases(dir).cases) {
  const file = `${name}.xml`;
  if (only.length > 0 && !only.includes(name)) continue;
  if (!existsSync(join(dir, "exp", `${name}.exp`))) continue;
  total++;
  const tmp = mkdtempSync(join(tmpdir(), "pacer-execute-"));
  try {
    const input = join(dir, "xml", file);
    const sim = spawnSync("crm_simulate", ["-x", input, "-S", "-O", join(tmp, "out.xml")], { env: { ...process.env, LC_ALL: "C" }, encoding: "utf8", maxBuffer: 64 << 20 });
    const result = executeTransition(parseXml(readFileSync(input, "utf8"), file), readGraphXml(readFileSync(join(dir, "exp", `${name}.exp`), "utf8"), `${name}.exp`), { now: 0 });
    const expected = (summarySection(sim.stdout ?? "", "Executing Cluster Transition") ?? "").split("\n").slice(1).filter((l) => l.startsWith("  * "));
    const got = result.lines.map((l) => `  * ${l}`);
    if (expected.join("\n") === got.join("\n")) lines++;
    else {
      differ.push(`${name}: Executing lines`);
      if (showDiffs) process.stdout.write(`--- ${name} lines\n${showDiff(expected.join("\n"), got.join("\n"))}\n`);
    }
    const theirs = existsSync(join(tmp, "out.xml")) ? untimed(readFileSync(join(tmp, "out.xml"), "utf8")) : "";
    const mine = untimed(formatPcmkXml(result.cib, { pretty: true }));
    if (theirs === mine) cibs++;
    else {
      differ.push(`${name}: revised CIB`);
      if (showDiffs) process.stdout.write(`--- ${name} revised CIB\n${showDiff(theirs, mine)}\n`);
    }
  } catch (err) {
    differ.push(`${name}: error ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
process.stdout.write(`cases ${total}: Executing lines identical ${lines}, revised CIB identical ${cibs}\n`);
for (const d of differ) process.stdout.write(`  differs: ${d}\n`);
