// simulate(): crm_simulate's summary for one CIB text — current status, the Transition
// Summary, and (once the graph is built) the simulated execution and the revised status.
import { parseXml } from "../../cib/xml.js";
import { parseCib } from "../../cib/model-parse.js";
import { schedule, unpack } from "../../scheduler/schedule.js";
import { clusterStatusLines } from "../../scheduler/status-display.js";
import { writeGraphXml } from "../../scheduler/graph/index.js";
import { executeTransition } from "./execute.js";

export interface SimulateOptions {
  fileName?: string;
  /** "Now" in epoch seconds; defaults to the CIB's execution-date, else the wall clock. */
  now?: number;
  wantScores?: boolean;
}

export interface SimulateResult {
  summary: string;
  graphXml: string;
  scores?: string;
}

function formatDate(epoch: number): string {
  const d = new Date(epoch * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}Z`;
}

export function simulate(xmlText: string, opts: SimulateOptions = {}): SimulateResult {
  const root = parseXml(xmlText, opts.fileName);
  const model = parseCib(root);
  const now = opts.now ?? model.executionDate ?? Math.floor(Date.now() / 1000);
  const res = schedule(model, now, { scores: opts.wantScores ?? false });
  const out: string[] = [];
  if (model.executionDate !== undefined && opts.now === undefined) out.push(`Using the original execution date of: ${formatDate(model.executionDate)}`);
  let printed = false;
  if (res.maintenanceMode) {
    out.push("", "              *** Resource management is DISABLED ***", "  The cluster will not attempt to start, stop or recover services");
    printed = true;
  } else if (res.stopAll) {
    out.push("", "    *** Resource management is DISABLED ***", "  The cluster will keep all resources stopped");
    printed = true;
  }
  if (res.countsLine) {
    if (printed) out.push("");
    out.push(res.countsLine);
    printed = true;
  }
  if (printed) out.push("");
  out.push("Current cluster status:");
  append(out, res.statusLines);
  out.push("", "Transition Summary:");
  append(out, res.summaryLines);
  // The model was read out of the tree and the schedule is complete: the execution may write
  // into the tree itself, and an execution that wrote nothing leaves the same model.
  const executed = executeTransition(root, res.graph, { now, inPlace: true });
  out.push("", "Executing Cluster Transition:");
  for (const l of executed.lines) out.push(`  * ${l}`);
  const revisedModel = executed.changed ? parseCib(executed.cib) : model;
  const revised = unpack(revisedModel, now);
  // crm_simulate unpacks the revised CIB afresh, which announces its execution date again.
  if (revisedModel.executionDate !== undefined && opts.now === undefined) out.push(`Using the original execution date of: ${formatDate(revisedModel.executionDate)}`);
  out.push("", "Revised Cluster Status:");
  append(out, clusterStatusLines(revised, { showPending: false }));
  const scores = opts.wantScores ? (res.scores.length ? "\n" + res.scores.join("\n") : "") + "\n" : undefined;
  // The graph XML is written only for a caller that reads it (-G, the conformance runner).
  let graphXml: string | undefined;
  return {
    summary: out.join("\n") + "\n",
    get graphXml() {
      return (graphXml ??= writeGraphXml(res.graph));
    },
    scores,
  };
}

/** out.push(...items) without the argument-count limit (a big transition has 10⁵ lines). */
function append(out: string[], items: string[]): void {
  for (const item of items) out.push(item);
}
