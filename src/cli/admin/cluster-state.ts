// What the status section says, read through the scheduler's unpack (the same view the
// scheduler plans from): node states, where each resource runs, failed operations. Used by
// `pacer status`, `resource list|show` and `resource restart`.
import { CibError } from "../../cib/errors.js";
import { parseCib } from "../../cib/model-parse.js";
import type { CibModel } from "../../cib/model.js";
import type { XmlElement } from "../../cib/xml.js";
import { unpack } from "../../scheduler/schedule.js";
import { clusterStatusLines, countsLine, exitText } from "../../scheduler/status-display.js";
import { ROLE_NAMES, type Resource, type WorkingSet } from "../../scheduler/types.js";
import { CliError } from "../errors.js";
import type { StatusResult } from "../../controller/api-protocol.js";

export function workingSet(root: XmlElement, now = Math.floor(Date.now() / 1000)): WorkingSet {
  let model: CibModel;
  try {
    model = parseCib(root);
  } catch (err) {
    if (err instanceof CibError) throw new CliError(`the CIB is invalid: ${err.message}`, 65);
    throw err;
  }
  return unpack(model, now);
}

export interface ResourceState {
  id: string;
  kind: string;
  agent?: string;
  parent?: string;
  /** "Started node1", "Stopped", "Started [ n1 n2 ]", "FAILED node1", ... */
  state: string;
  role: string;
  nodes: string[];
  failed: boolean;
  managed: boolean;
  targetRole?: string;
}

function agentOf(r: Resource): string | undefined {
  if (!r.agentClass) return undefined;
  return r.provider ? `${r.agentClass}:${r.provider}:${r.type}` : `${r.agentClass}:${r.type}`;
}

function stateOf(r: Resource): ResourceState {
  const nodes = [...new Set(r.runningOn.map((n) => n.uname))];
  const role = ROLE_NAMES[r.role] ?? String(r.role);
  let state: string;
  if (r.children.length > 0) {
    const leafNodes = new Set<string>();
    const visit = (c: Resource) => (c.children.length ? c.children.forEach(visit) : c.runningOn.forEach((n) => leafNodes.add(n.uname)));
    visit(r);
    state = leafNodes.size ? `Started [ ${[...leafNodes].join(" ")} ]` : "Stopped";
    nodes.splice(0, nodes.length, ...leafNodes);
  } else state = r.failed ? `FAILED ${nodes.join(" ")}`.trim() : nodes.length ? `${role} ${nodes.join(" ")}` : "Stopped";
  if (!r.managed) state += " (unmanaged)";
  const targetRole = r.meta.get("target-role");
  return { id: r.id, kind: r.kind, ...(agentOf(r) ? { agent: agentOf(r) } : {}), ...(r.parent ? { parent: r.parent.id } : {}), state, role, nodes, failed: r.failed, managed: r.managed, ...(targetRole ? { targetRole } : {}) };
}

/** Every configured resource (any level; anonymous clone instances folded into the clone). */
export function resourceStates(root: XmlElement, ws = workingSet(root)): ResourceState[] {
  const out: ResourceState[] = [];
  const visit = (r: Resource) => {
    if (r.orphan) return;
    out.push(stateOf(r));
    if (r.kind !== "clone") r.children.forEach(visit);
  };
  ws.resources.forEach(visit);
  return out;
}

export interface FailedAction {
  key: string;
  resource: string;
  task: string;
  intervalMs: number;
  node: string;
  rc: number;
  rcText: string;
  status: string;
  callId: number;
  exitReason: string;
  lastRcChange?: string;
  execMs?: number;
  queueMs?: number;
}

const EXEC_STATUS: Record<number, string> = {
  0: "complete", 1: "Cancelled", 2: "Timed Out", 3: "NOT SUPPORTED", 4: "Error", 5: "Hard error", 6: "Fatal error",
  7: "Not installed", 8: "Not connected", 9: "Invalid", 10: "No fence device", 11: "No secrets",
};

function ctime(epoch: number): string {
  const d = new Date(epoch * 1000);
  return d.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, (_m, wd, day, mon, y, t) => `${wd} ${mon} ${String(day).padStart(2, " ")} ${t} ${y}`);
}

/** Operations whose result was not the expected one (the expected rc is in the transition key). */
export function failedActions(model: CibModel): FailedAction[] {
  const out: FailedAction[] = [];
  const seen = new Set<string>();
  for (const ns of model.nodeStates)
    for (const r of ns.resources)
      for (const op of r.ops) {
        if (op.opStatus === -1) continue;
        const key = op.transitionKey?.split(":");
        const expected = key && key.length >= 3 ? Number(key[2]) : 0;
        // A probe's answer is news, not a failure: not running, running, or running promoted.
        const probeAnswer = op.operation === "monitor" && op.interval === 0 && (op.rcCode === 7 || op.rcCode === 0 || op.rcCode === 8);
        if (op.opStatus === 0 && (op.rcCode === expected || probeAnswer)) continue;
        // A failed one-shot op is recorded twice (RSC_last_failure_0 and RSC_last_0): show it once.
        const seenKey = `${ns.uname ?? ns.id}\u0000${r.id}\u0000${op.operation}\u0000${op.interval}\u0000${op.callId}`;
        if (seen.has(seenKey)) continue;
        seen.add(seenKey);
        out.push({
          key: `${r.id}_${op.operation}_${op.interval}`,
          resource: r.id,
          task: op.operation,
          intervalMs: op.interval,
          node: ns.uname ?? ns.id,
          rc: op.rcCode,
          rcText: exitText(op.rcCode),
          status: EXEC_STATUS[op.opStatus] ?? String(op.opStatus),
          callId: op.callId,
          exitReason: op.exitReason ?? "",
          ...(op.lastRcChange !== undefined ? { lastRcChange: ctime(op.lastRcChange) } : {}),
          ...(op.el.attrs["exec-time"] !== undefined ? { execMs: Number(op.el.attrs["exec-time"]) } : {}),
          ...(op.el.attrs["queue-time"] !== undefined ? { queueMs: Number(op.el.attrs["queue-time"]) } : {}),
        });
      }
  return out;
}

export interface StatusReport {
  text: string;
  json: unknown;
}

export interface StatusHeader {
  stack?: string;
  dc?: string;
  /** pacerd's transition engine, when the CIB came from a running pacerd. */
  engine?: StatusResult;
}

/** crm_mon -1's layout: summary, node list, resources, failed actions. */
export function statusReport(root: XmlElement, header: StatusHeader = {}, now = Math.floor(Date.now() / 1000)): StatusReport {
  const ws = workingSet(root, now);
  const lines: string[] = ["Cluster Summary:"];
  if (header.stack) lines.push(`  * Stack: ${header.stack}`);
  const dcNode = ws.nodes.find((n) => n.isDc);
  const dc = header.dc ?? dcNode?.uname;
  lines.push(`  * Current DC: ${dc ?? "NONE"}${dc ? ` - partition ${ws.haveQuorum ? "with" : "WITHOUT"} quorum` : ""}`);
  lines.push(`  * Last updated: ${ctime(now)}`);
  const a = root.attrs;
  if (a["cib-last-written"]) lines.push(`  * Last change:  ${a["cib-last-written"]}${a["update-user"] ? ` by ${a["update-user"]}` : ""}${a["update-client"] ? ` via ${a["update-client"]}` : ""}${a["update-origin"] ? ` on ${a["update-origin"]}` : ""}`);
  const instances = countInstances(ws);
  lines.push(`  * ${ws.nodes.length} node${ws.nodes.length === 1 ? "" : "s"} configured`);
  lines.push(`  * ${instances} resource instance${instances === 1 ? "" : "s"} configured${disabledSuffix(ws)}`);
  // Only when something is under way (crm_mon has no such line; an idle cluster looks the same).
  const engine = header.engine;
  if (engine && engine.state !== "idle" && engine.transition) {
    const inFlight = engine.inFlight.map((a) => `${a.operationKey}${a.node ? ` on ${a.node}` : ""}`);
    lines.push(`  * Transition ${engine.transition.id} ${engine.state}${inFlight.length ? `: ${inFlight.join(", ")}` : ""}`);
  }
  if (ws.maintenanceMode) lines.push("", "              *** Resource management is DISABLED ***", "  The cluster will not attempt to start, stop or recover services");
  else if (ws.stopAll) lines.push("", "    *** Resource management is DISABLED ***", "  The cluster will keep all resources stopped");
  lines.push("");
  // clusterStatusLines nests the lists one level (crm_simulate's layout); crm_mon does not.
  for (const l of clusterStatusLines(ws, { showPending: true })) lines.push(/^  \* (Node List|Full List of Resources):$/.test(l) ? l.slice(4) : l.startsWith("  ") ? l.slice(2) : l);
  const failed = failedActions(ws.model);
  if (failed.length) {
    lines.push("", "Failed Resource Actions:");
    for (const f of failed) lines.push(`  * ${failedActionText(f)}`);
  }
  const json = {
    summary: { ...(header.stack ? { stack: header.stack } : {}), dc: dc ?? null, quorum: ws.haveQuorum, version: `${a.admin_epoch ?? 0}:${a.epoch ?? 0}:${a.num_updates ?? 0}`, nodesConfigured: ws.nodes.length, resourceInstances: instances, maintenanceMode: ws.maintenanceMode, stopAll: ws.stopAll },
    nodes: ws.nodes.map((n) => ({ name: n.uname, id: n.id, type: n.kind, online: n.online, standby: n.standby, maintenance: n.maintenance, unclean: n.unclean, dc: n.isDc, resources: n.running.map((r) => r.id) })),
    resources: resourceStates(root, ws),
    failedActions: failed,
    ...(header.engine ? { engine: header.engine } : {}),
  };
  return { text: lines.join("\n") + "\n", json };
}

function countInstances(ws: WorkingSet): number {
  let n = 0;
  const visit = (r: Resource) => (r.children.length ? r.children.forEach(visit) : !(r.orphan && r.runningOn.length === 0) && n++);
  ws.resources.forEach(visit);
  return n;
}

function disabledSuffix(ws: WorkingSet): string {
  const line = countsLine(ws);
  const m = line && /^(\d+) of \d+ resource instances DISABLED and (\d+) BLOCKED/.exec(line);
  if (!m) return "";
  const parts = [];
  if (m[1] !== "0") parts.push(`${m[1]} DISABLED`);
  if (m[2] !== "0") parts.push(`${m[2]} BLOCKED from further action due to failure`);
  return ` (${parts.join(", ")})`;
}

/** "1m30s", "10s", "250ms": durations as crm_mon writes them. */
export function readableMs(ms: number): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  const units: [number, string][] = [[86_400_000, "d"], [3_600_000, "h"], [60_000, "m"], [1000, "s"], [1, "ms"]];
  for (const [size, unit] of units) {
    if (ms >= size) {
      parts.push(`${Math.floor(ms / size)}${unit}`);
      ms %= size;
    }
  }
  return parts.join("");
}

/** crm_mon's line: completed with a wrong rc "returned", otherwise "could not be executed". */
export function failedActionText(f: FailedAction): string {
  const action = `${f.resource} ${f.intervalMs ? `${readableMs(f.intervalMs)}-interval ` : ""}${f.task} on ${f.node}`;
  const when = `${f.lastRcChange ? ` at ${f.lastRcChange}` : ""}${f.execMs !== undefined ? ` after ${readableMs(f.execMs)}` : ""}`;
  if (f.status === "complete") return `${action} returned '${f.rcText}'${f.exitReason ? ` (${f.exitReason})` : ""}${when}`;
  return `${action} could not be executed (${f.status}${f.exitReason ? `: ${f.exitReason}` : ""})${when}`;
}
