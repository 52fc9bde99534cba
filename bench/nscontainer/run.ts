// bench/nscontainer: what guests cost before any controller logic — N ocf:pacer:nscontainer
// containers started through the agent, a remote-client connection to each, R Dummy
// resources started in each, then everything stopped. The sum is a floor for issue 5's
// "cold start → converged" figure.
// Usage (root): node dist/bench/nscontainer/run.js [--guests 10,50] [--resources 3]
//   [--parallel 4] [--remoted pacer|pacemaker]
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RemoteClient } from "../../src/remote/client.js";
import type { OpResult } from "../../src/executor/executor.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const AGENT = join(ROOT, "agents", "ocf", "pacer", "nscontainer");
const COMMANDS: Record<string, string> = {
  pacer: `${process.execPath} ${join(ROOT, "dist", "src", "cli", "remoted.js")}`,
  pacemaker: join(ROOT, ".deps", "pacemaker-remote", "usr", "sbin", "pacemaker-remoted"),
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const sizes = arg("guests", "10,50").split(",").map(Number);
const resources = Number(arg("resources", "3"));
const parallel = Number(arg("parallel", "4"));
const remoted = arg("remoted", "pacer");
const command = COMMANDS[remoted];
if (!command) throw new Error(`--remoted must be one of ${Object.keys(COMMANDS).join(", ")}`);
if (process.getuid?.() !== 0) throw new Error("run as root: the agent creates namespaces and bridges");

const tag = process.pid.toString(36);
const BRIDGE = `pb${tag}`.slice(0, 15);
const work = mkdtempSync(join(tmpdir(), "pacer-bench-nsc-"));
const authkey = join(work, "authkey");
writeFileSync(authkey, Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 53 + 11) & 0xff)), { mode: 0o640 });
const live = new Map<string, Record<string, string>>();

function agent(action: string, name: string, params: Record<string, string>): Promise<number> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: name, OCF_RESKEY_CRM_meta_timeout: "120000" };
  for (const [k, v] of Object.entries(params)) env[`OCF_RESKEY_${k}`] = v;
  return new Promise((resolve) => execFile(AGENT, [action], { env }, (err) => resolve(err ? Number((err as { code?: number }).code ?? -1) : 0)));
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

function rssOfTree(pid: number): number {
  let kib = 0;
  const status = (p: number) => { try { return readFileSync(`/proc/${p}/status`, "utf8"); } catch { return ""; } };
  const m = /VmRSS:\s+(\d+)/.exec(status(pid));
  if (m) kib += Number(m[1]);
  for (const task of (() => { try { return readdirSync(`/proc/${pid}/task`); } catch { return []; } })()) {
    let children = "";
    try { children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8"); } catch { /* gone */ }
    for (const c of children.trim().split(/\s+/).filter(Boolean)) kib += rssOfTree(Number(c));
  }
  return kib;
}

function waitResult(client: RemoteClient, callId: number): Promise<OpResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`call ${callId}: no result`)), 60_000);
    const on = (r: OpResult) => { if (r.callId === callId) { clearTimeout(timer); client.off("result", on); resolve(r); } };
    client.on("result", on);
  });
}

async function connect(client: RemoteClient): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try { return await client.connect(); } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function cleanup(): Promise<void> {
  await pool([...live.entries()], parallel, async ([name, params]) => { await agent("stop", name, params); });
  live.clear();
  spawnSync("ip", ["link", "del", BRIDGE]);
}

process.on("SIGINT", () => { void cleanup().then(() => process.exit(130)); });

try {
  console.log(`remoted=${remoted} resources/guest=${resources} parallel=${parallel} cores=${(await import("node:os")).cpus().length}`);
  for (const n of sizes) {
    const names = Array.from({ length: n }, (_, i) => `b${i}-${tag}`);
    // One /16 on the bridge: the host is 10.199.0.1, guest i is 10.199.(1 + i/250).(2 + i%250).
    const addr = (i: number) => `10.199.${1 + Math.floor(i / 250)}.${2 + (i % 250)}`;
    const paramsFor = (i: number) => ({ address: `${addr(i)}/16`, bridge: BRIDGE, bridge_address: "10.199.0.1/16", authkey, command });
    const t0 = performance.now();
    await pool(names.map((name, i) => ({ name, i })), parallel, async ({ name, i }) => {
      live.set(name, paramsFor(i));
      const rc = await agent("start", name, paramsFor(i));
      if (rc !== 0) throw new Error(`start ${name}: rc ${rc}`);
    });
    const tContainers = performance.now();
    const clients: RemoteClient[] = [];
    await pool(names.map((name, i) => ({ name, i })), parallel * 4, async ({ i }) => {
      const client = new RemoteClient({ host: addr(i), key: readFileSync(authkey), name: "bench", connectTimeoutMs: 5000 });
      clients.push(client);
      await connect(client);
      await Promise.all(Array.from({ length: resources }, async (_, r) => {
        const rscId = `d${r}`;
        await client.register({ id: rscId, class: "ocf", provider: "pacemaker", type: "Dummy" });
        const res = await waitResult(client, await client.exec({ rscId, action: "start", timeoutMs: 20_000 }));
        if (res.rc !== 0) throw new Error(`Dummy start in guest ${i}: rc ${res.rc}`);
      }));
    });
    const tConverged = performance.now();
    let rssKiB = 0;
    for (const name of names) rssKiB += rssOfTree(Number(readFileSync(`/run/pacer/nscontainer/${name}/init`, "utf8").split(" ")[0]));
    for (const c of clients) c.close();
    const t1 = performance.now();
    await cleanup();
    const tStopped = performance.now();
    console.log(
      `guests=${n}: containers up ${((tContainers - t0) / 1000).toFixed(1)} s, + connect & ${resources} Dummy starts each ${((tConverged - tContainers) / 1000).toFixed(1)} s ` +
        `(cold start → converged floor ${((tConverged - t0) / 1000).toFixed(1)} s); RSS ${(rssKiB / 1024 / n).toFixed(1)} MiB/guest; stop all ${((tStopped - t1) / 1000).toFixed(1)} s`,
    );
  }
} finally {
  await cleanup();
  rmSync(work, { recursive: true, force: true });
}
