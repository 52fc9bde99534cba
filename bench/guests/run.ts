// bench/guests: issue 5's figures for pacerd with namespace guests, in one run.
//   (a) guest recovery: all processes of a guest's container killed (kill -9) → the Dummy
//       inside running again (its state file present in the new container, and pacer status
//       saying so); monitor interval 2 s; several repetitions: median and max. With
//       --pacemaker, the same scenario on real Pacemaker 2.1.5 (pacemaker.ts) for the ratio.
//   (b) cold start → converged for N guests × 3 Dummies: one CIB push, until every guest is
//       GuestOnline, every Dummy started in its guest, and the engine idle after a transition
//       with nothing left to do; then the stop of everything through pacerd.
//   (c) for comparison, the no-controller floor of bench/nscontainer (same sizes, same run).
// Usage (root): node dist/bench/guests/run.js [--sizes 10,50,100] [--reps 5] [--no-floor]
//   [--pacemaker] [--no-recovery] [--no-cold] [--discovery exclusive|always]
import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../../src/controller/api-client.js";
import type { CibGetResult } from "../../src/controller/api-protocol.js";
import { parseXml } from "../../src/cib/xml.js";
import { statusReport } from "../../src/cli/admin/cluster-state.js";
import { reapOrphans, Sandbox } from "../../src/cli/sandbox/sandbox.js";
import { container, dummy, guest, withLayout, type GuestLayout } from "./config.js";
import { pacemakerColdStart, pacemakerRecovery, pacemakerUnavailable } from "./pacemaker.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const sizes = arg("sizes", "10,50,100").split(",").map(Number);
const reps = Number(arg("reps", "5"));
const discovery = arg("discovery", "exclusive");
if (discovery !== "exclusive" && discovery !== "always") throw new Error("--discovery must be exclusive or always");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface View {
  guestsOnline: Set<string>;
  /** rsc → nodes it runs on */
  running: Map<string, string[]>;
  engineIdleAndDone: boolean;
}

async function view(box: Sandbox): Promise<View> {
  const client = new ApiClient(box.socket);
  try {
    const cib = await client.call<CibGetResult>("cib.get");
    const engine = await client.call<{ state: string; transition?: { state: string; actions?: number } }>("status");
    const json = statusReport(parseXml(cib.xml, "CIB")).json as { nodes: { name: string; type: string; online: boolean }[]; resources: { id: string; role: string; nodes: string[] }[] };
    return {
      guestsOnline: new Set(json.nodes.filter((n) => n.type === "guest" && n.online).map((n) => n.name)),
      running: new Map(json.resources.filter((r) => r.role === "Started").map((r) => [r.id, r.nodes])),
      engineIdleAndDone: engine.state === "idle" && engine.transition?.state === "complete" && (engine.transition.actions ?? 0) === 0,
    };
  } finally {
    client.close();
  }
}

function allRunning(v: View, l: GuestLayout): boolean {
  for (let i = 1; i <= l.guests; i++) {
    if (!v.guestsOnline.has(guest(i))) return false;
    if (v.running.get(container(i))?.join() !== l.host) return false;
    for (let j = 1; j <= l.dummiesPerGuest; j++) if (v.running.get(dummy(i, j))?.join() !== guest(i)) return false;
  }
  return true;
}

function layoutFor(box: Sandbox, guests: number, dummiesPerGuest: number, monitor: string): GuestLayout {
  return { guests, dummiesPerGuest, monitor, discovery: discovery as "exclusive" | "always", host: box.nodeName, containerParams: (i) => box.containerParams(guest(i), i), guestAddress: (i) => box.guestAddress(i) };
}

async function pushLayout(box: Sandbox, l: GuestLayout): Promise<void> {
  const client = new ApiClient(box.socket);
  try {
    const cib = await client.call<CibGetResult>("cib.get");
    await client.call("cib.replace", { xml: withLayout(cib.xml, l), client: "bench-guests" });
  } finally {
    client.close();
  }
}

/** Poll until everything runs and the engine has nothing left to do; times of both. */
async function converge(box: Sandbox, l: GuestLayout, t0: number, timeoutMs: number, periodMs: number): Promise<{ allStarted: number; converged: number }> {
  let allStarted = 0;
  for (;;) {
    const v = await view(box);
    const now = performance.now();
    if (allRunning(v, l)) {
      if (!allStarted) allStarted = now - t0;
      if (v.engineIdleAndDone) return { allStarted, converged: now - t0 };
    }
    if (now - t0 > timeoutMs) {
      let dummies = 0;
      for (let i = 1; i <= l.guests; i++) for (let j = 1; j <= l.dummiesPerGuest; j++) if (v.running.get(dummy(i, j))?.join() === guest(i)) dummies++;
      const gaveUp = /\d+ transitions in a row did something without settling[^\n]*/.exec(box.logTail(200))?.[0];
      throw new Error(`not converged after ${secs(timeoutMs)}: ${v.guestsOnline.size}/${l.guests} guests online, ${dummies}/${l.guests * l.dummiesPerGuest} Dummies running${gaveUp ? `; pacerd: "${gaveUp}"` : ""}\n${box.logTail(15)}`);
    }
    await sleep(periodMs);
  }
}

/** Every process of the container's PID namespace, its init included. */
function containerProcesses(init: number): number[] {
  const ns = readlinkSync(`/proc/${init}/ns/pid`);
  const pids: number[] = [];
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readlinkSync(`/proc/${p}/ns/pid`) === ns) pids.push(Number(p));
    } catch {
      // gone
    }
  }
  return pids;
}

export function killContainer(init: number): number {
  const pids = containerProcesses(init);
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.length;
}

async function pacerRecovery(): Promise<number[]> {
  const box = await Sandbox.create();
  try {
    await box.startPacerd({ args: ["--stop-resources-on-exit"] });
    const l = layoutFor(box, 2, 1, "2s");
    await pushLayout(box, l);
    await converge(box, l, performance.now(), 120_000, 300);
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const i = (r % l.guests) + 1;
      const g = guest(i);
      const old = box.containerInitPid(g)!;
      const n = killContainer(old);
      const t0 = performance.now();
      for (;;) {
        const init = box.containerInitPid(g);
        if (init !== undefined && init !== old) {
          let inside = false;
          try {
            inside = box.inGuest(g, `test -f /run/Dummy-${dummy(i, 1)}.state && echo yes`).trim() === "yes";
          } catch {
            // the container is still coming up
          }
          if (inside) {
            const v = await view(box);
            if (v.guestsOnline.has(g) && v.running.get(dummy(i, 1))?.join() === g) break;
          }
        }
        if (performance.now() - t0 > 120_000) throw new Error(`${g} not recovered after 120 s:\n${box.logTail(20)}`);
        await sleep(100);
      }
      const t = performance.now() - t0;
      times.push(t);
      console.log(`  pacer recovery ${r + 1}/${reps}: ${g} (${n} processes killed) → ${dummy(i, 1)} running again after ${secs(t)}`);
      await converge(box, l, performance.now(), 60_000, 300);
      await sleep(1000);
    }
    return times;
  } finally {
    await box.destroy({ pacerdTimeoutMs: 60_000 });
  }
}

interface ColdResult {
  guests: number;
  allStarted: number;
  converged: number;
  stopAll: number;
}

async function coldStart(n: number): Promise<ColdResult> {
  const box = await Sandbox.create();
  try {
    await box.startPacerd({ args: ["--stop-resources-on-exit"] });
    const l = layoutFor(box, n, 3, "10s");
    const t0 = performance.now();
    await pushLayout(box, l);
    const { allStarted, converged } = await converge(box, l, t0, 300_000, n >= 50 ? 1000 : 300);
    const t1 = performance.now();
    await box.stopPacerd(300_000);
    const stopAll = performance.now() - t1;
    return { guests: n, allStarted, converged, stopAll };
  } finally {
    await box.destroy({ pacerdTimeoutMs: 60_000 });
  }
}

function floor(): Promise<string[]> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const p = spawn(process.execPath, [join(ROOT, "dist", "bench", "nscontainer", "run.js"), "--guests", sizes.join(","), "--resources", "3", "--parallel", "2"], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    p.stdout!.on("data", (d) => {
      buf += d;
      let k;
      while ((k = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, k);
        buf = buf.slice(k + 1);
        console.log(`  floor: ${line}`);
        lines.push(line);
      }
    });
    p.on("exit", () => resolve(lines));
  });
}

if (process.getuid?.() !== 0) throw new Error("run as root: guests need namespaces and bridges");
await reapOrphans((l) => console.log(l));
console.log(`bench/guests: cores=${cpus().length} load=${loadavg().map((x) => x.toFixed(1)).join(" ")} sizes=${sizes.join(",")} reps=${reps}`);
const summary: string[] = [];

if (!flag("no-recovery")) {
  console.log("(a) guest recovery, pacer (2 guests × 1 Dummy, monitors every 2 s):");
  const ours = await pacerRecovery();
  summary.push(`guest recovery, pacer: median ${secs(median(ours))}, max ${secs(Math.max(...ours))} (${ours.length} runs: ${ours.map(secs).join(", ")})`);
  if (flag("pacemaker")) {
    const why = pacemakerUnavailable();
    if (why) summary.push(`guest recovery, Pacemaker 2.1.5: not run (${why})`);
    else {
      console.log("(a') guest recovery, real Pacemaker 2.1.5 (same configuration):");
      const theirs = await pacemakerRecovery(reps, killContainer);
      summary.push(`guest recovery, Pacemaker 2.1.5: median ${secs(median(theirs))}, max ${secs(Math.max(...theirs))} (${theirs.length} runs: ${theirs.map(secs).join(", ")}); Pacemaker/pacer median ratio ${(median(theirs) / median(ours)).toFixed(2)}×`);
    }
  }
}

if (!flag("no-cold")) {
  console.log("(b) cold start → converged, pacer (N guests × 3 Dummies):");
  for (const n of sizes) {
    let line: string;
    try {
      const r = await coldStart(n);
      line = `cold start, ${n} guests × 3 Dummy (resource-discovery=${discovery}): all running after ${secs(r.allStarted)}, converged (engine idle) after ${secs(r.converged)}; stop all through pacerd ${secs(r.stopAll)}`;
    } catch (err) {
      line = `cold start, ${n} guests × 3 Dummy (resource-discovery=${discovery}): FAILED: ${(err as Error).message.split("\n")[0]}`;
    }
    console.log(`  ${line}`);
    summary.push(line);
    if (flag("pacemaker") && !pacemakerUnavailable()) {
      let theirs: string;
      try {
        const r = await pacemakerColdStart(n, discovery as "exclusive" | "always", 300_000);
        theirs = `cold start on Pacemaker 2.1.5, ${n} guests × 3 Dummy: all running after ${secs(r.allStarted)}, converged (DC idle) after ${secs(r.converged)}; stop all ${secs(r.stopAll)}`;
      } catch (err) {
        theirs = `cold start on Pacemaker 2.1.5, ${n} guests × 3 Dummy: FAILED: ${(err as Error).message.split("\n")[0]}`;
      }
      console.log(`  ${theirs}`);
      summary.push(theirs);
    }
  }
}

if (!flag("no-floor")) {
  console.log("(c) the no-controller floor (bench/nscontainer, same sizes):");
  for (const l of await floor()) if (l.startsWith("guests=")) summary.push(`floor: ${l}`);
}

console.log("\nsummary:");
for (const s of summary) console.log(`  ${s}`);
