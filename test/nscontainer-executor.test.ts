// The container agent run by pacer's own executor, found through the search path that
// puts pacer's agents/ocf before /usr/lib/ocf/resource.d (agents/README.md). The start
// must return as soon as the container listens — the container may not hold on to the
// executor's pipes — and the container must outlive the executor (pacerd restarts).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Executor, type OpResult } from "../src/executor/executor.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AGENT = join(ROOT, "agents", "ocf", "pacer", "nscontainer");

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return "the nscontainer agent needs root (namespaces, bridges)";
  for (const tool of ["ip", "unshare", "nsenter", "ss", "flock"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return false;
}

const tag = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
const BRIDGE = `pe${tag}`.slice(0, 15);
const SUBNET = `10.${220 + (process.pid % 10)}.${Math.floor(Math.random() * 250) + 1}`;
const NAME = `ex-${tag}`;
let work = "";
let params: Record<string, string> = {};

after(async () => {
  if (!work) return;
  // Stop through the agent directly, whatever the test left behind.
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: NAME };
  for (const [k, v] of Object.entries(params)) env[`OCF_RESKEY_${k}`] = v;
  await new Promise((resolve) => execFile(AGENT, ["stop"], { env }, resolve));
  spawnSync("ip", ["link", "del", BRIDGE]);
  await rm(work, { recursive: true, force: true });
});

function run(executor: Executor, action: string, timeoutMs = 30_000): Promise<OpResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${action}: no result in time`)), timeoutMs + 10_000);
    const on = (r: OpResult) => {
      if (r.rscId !== NAME || r.action !== action) return;
      clearTimeout(timer);
      executor.off("result", on);
      resolve(r);
    };
    executor.on("result", on);
    executor.exec({ rscId: NAME, action, timeoutMs, params });
  });
}

test("the executor runs ocf:pacer:nscontainer from pacer's own agent directory", { skip: skipReason(), timeout: 120_000 }, async () => {
  work = await mkdtemp(join(tmpdir(), "pacer-nsx-"));
  await writeFile(join(work, "authkey"), Buffer.alloc(64, 7), { mode: 0o600 });
  await writeFile(join(work, "listener.cjs"), `require("net").createServer((s) => s.end("hi\\n")).listen(3121);\n`);
  params = {
    address: `${SUBNET}.2/24`,
    bridge: BRIDGE,
    bridge_address: `${SUBNET}.1/24`,
    authkey: join(work, "authkey"),
    command: `${process.execPath} ${join(work, "listener.cjs")}`,
  };
  const executor = new Executor({ paths: { ocfRaPath: [join(ROOT, "agents", "ocf"), "/usr/lib/ocf/resource.d"] } });
  executor.register({ id: NAME, class: "ocf", provider: "pacer", type: "nscontainer" });

  const probe = await run(executor, "monitor");
  assert.equal(probe.rc, 7, probe.output);
  const t0 = Date.now();
  const start = await run(executor, "start");
  assert.equal(start.rc, 0, start.output);
  assert.ok(Date.now() - t0 < 15_000, "start returns once the container listens, not when it exits");
  assert.equal((await run(executor, "monitor")).rc, 0);

  // the container outlives the executor that started it
  executor.shutdown();
  const init = Number((await import("node:fs")).readFileSync(`/run/pacer/nscontainer/${NAME}/init`, "utf8").split(" ")[0]);
  assert.ok(existsSync(`/proc/${init}`));

  const again = new Executor({ paths: { ocfRaPath: [join(ROOT, "agents", "ocf"), "/usr/lib/ocf/resource.d"] } });
  again.register({ id: NAME, class: "ocf", provider: "pacer", type: "nscontainer" });
  assert.equal((await run(again, "monitor")).rc, 0, "a new executor finds it running (reattach)");
  const stop = await run(again, "stop");
  assert.equal(stop.rc, 0, stop.output);
  assert.equal((await run(again, "monitor")).rc, 7);
  assert.equal(existsSync(`/proc/${init}`), false);
  again.shutdown();
});
