// bench/remote-exec: 2,000 monitor operations of a trivial OCF agent over one TLS connection,
// against pacer-remoted and the real pacemaker-remoted 2.1.5 in the same run. Each daemon runs
// in its own network + mount namespace with the same agent tree bind-mounted over
// /usr/lib/ocf/resource.d, and the same client (src/remote/client.ts) drives both.
// Each configuration keeps R monitors in flight (R resources, one op each): R=1 is a
// controller's sequential pace (latency-bound), R=8 loads the daemon (throughput-bound).
//   node dist/bench/remote-exec.js [--ops N] [--in-flight 1,8]   (root; needs .deps, see .ci/setup)
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RemoteClient } from "../src/remote/client.js";
import type { OpResult } from "../src/executor/executor.js";
import { Netns, PACEMAKER_REMOTED, netnsSkipReason, pacemakerRemotedSkipReason, waitForPort } from "../test/helpers/netns.js";

const REMOTED_JS = new URL("../src/cli/remoted.js", import.meta.url).pathname;

interface Stats {
  daemon: string;
  inFlight: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  max: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One client; `resources` workers each keep one monitor in flight; `ops` in total. */
async function drive(label: string, host: string, port: number, key: Buffer, ops: number, resources: number): Promise<Stats> {
  const client = new RemoteClient({ host, port, key, name: "bench" });
  await client.connect();
  const waiting = new Map<number, (r: OpResult) => void>();
  const early = new Map<number, OpResult>();
  client.on("result", (r) => {
    const w = waiting.get(r.callId);
    if (w) {
      waiting.delete(r.callId);
      w(r);
    } else early.set(r.callId, r);
  });
  const result = (id: number) =>
    new Promise<OpResult>((resolve) => {
      const r = early.get(id);
      if (r) {
        early.delete(id);
        resolve(r);
      } else waiting.set(id, resolve);
    });
  const ids = Array.from({ length: resources }, (_, i) => `bench${resources}-${i}`);
  for (const id of ids) await client.register({ id, class: "ocf", provider: "pacerbench", type: "Trivial" });
  const one = async (rscId: string): Promise<number> => {
    const t0 = performance.now();
    const id = await client.exec({ rscId, action: "monitor", timeoutMs: 20_000 });
    const r = await result(id);
    if (r.rc !== 0 || r.status !== 0) throw new Error(`${label}: monitor of ${rscId} gave rc ${r.rc} status ${r.status} (${r.exitReason ?? ""})`);
    return performance.now() - t0;
  };
  // Warm-up, not counted.
  await Promise.all(ids.map((id) => one(id)));
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    ids.map(async (id) => {
      while (next < ops) {
        next++;
        latencies.push(await one(id));
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  client.close();
  latencies.sort((a, b) => a - b);
  return { daemon: label, inFlight: resources, ops: latencies.length, seconds, opsPerSec: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] };
}

async function main(): Promise<number> {
  const ops = Number(arg("--ops", "2000"));
  const inFlight = arg("--in-flight", "1,8").split(",").map(Number);
  if (!Number.isInteger(ops) || ops < 1 || inFlight.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write("usage: remote-exec [--ops N] [--in-flight N,N,...]\n");
    return 2;
  }
  const skip = netnsSkipReason();
  if (skip) {
    process.stderr.write(`remote-exec bench: ${skip}\n`);
    return 1;
  }
  const pmSkip = pacemakerRemotedSkipReason();
  const dir = mkdtempSync(join(tmpdir(), "pacer-bench-"));
  chmodSync(dir, 0o755);
  const ra = join(dir, "resource.d");
  mkdirSync(join(ra, "pacerbench"), { recursive: true, mode: 0o755 });
  // The trivial agent: answers every action at once.
  writeFileSync(join(ra, "pacerbench", "Trivial"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const key = randomBytes(256);
  writeFileSync(join(dir, "authkey"), key, { mode: 0o640 });
  const results: Stats[] = [];
  const daemons: [string, string, string[]][] = [];
  if (!pmSkip) daemons.push(["pacemaker-remoted 2.1.5", PACEMAKER_REMOTED, []]);
  else process.stderr.write(`remote-exec bench: skipping pacemaker-remoted: ${pmSkip}\n`);
  daemons.push(["pacer-remoted", process.execPath, [REMOTED_JS]]);
  try {
    for (const [label, cmd, args] of daemons) {
      const ns = Netns.create("bench");
      try {
        const { nsIp } = ns.linkToHost();
        ns.spawn(cmd, args, {
          env: { ...process.env, PCMK_authkey_location: join(dir, "authkey"), PCMK_remote_port: "3121", PCMK_logfile: join(dir, `${label.split(" ")[0]}.log`), PCMK_debug: "no" },
          logFile: join(dir, `${label.split(" ")[0]}.out`),
          binds: [[ra, "/usr/lib/ocf/resource.d"]],
        });
        await waitForPort(nsIp, 3121, 15_000, label);
        for (const n of inFlight) {
          const s = await drive(label, nsIp, 3121, key, ops, n);
          results.push(s);
          process.stdout.write(`${label.padEnd(24)} in flight ${String(n).padStart(2)}: ${s.ops} ops in ${s.seconds.toFixed(2).padStart(6)} s  ${s.opsPerSec.toFixed(0).padStart(5)} ops/s  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  max ${s.max.toFixed(1)} ms\n`);
        }
      } finally {
        await ns.destroy();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const n of inFlight) {
    const pm = results.find((r) => r.daemon.startsWith("pacemaker") && r.inFlight === n);
    const pc = results.find((r) => r.daemon === "pacer-remoted" && r.inFlight === n);
    if (pm && pc) process.stdout.write(`in flight ${n}: throughput pacer/pacemaker ${(pc.opsPerSec / pm.opsPerSec).toFixed(2)}x, p50 ${pc.p50.toFixed(2)} vs ${pm.p50.toFixed(2)} ms, p99 ${pc.p99.toFixed(2)} vs ${pm.p99.toFixed(2)} ms\n`);
  }
  process.stdout.write(JSON.stringify({ bench: "remote-exec", ops, inFlight, results }) + "\n");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`remote-exec bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
