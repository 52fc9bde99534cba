// A guest in miniature, without the controller: ocf:pacer:nscontainer starts a container
// running a remote executor (pacer-remoted from this checkout, or the real
// pacemaker-remoted 2.1.5); the remote client connects over the bridge with the authkey and
// runs ocf:pacemaker:Dummy inside. The Dummy's state must land in the guest's private /run.
import { test, describe as suite, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RemoteClient } from "../src/remote/client.js";
import type { OpResult } from "../src/executor/executor.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AGENT = join(ROOT, "agents", "ocf", "pacer", "nscontainer");
const PACER_REMOTED = join(ROOT, "dist", "src", "cli", "remoted.js");
const REAL_REMOTED = join(ROOT, ".deps", "pacemaker-remote", "usr", "sbin", "pacemaker-remoted");
const DUMMY = "/usr/lib/ocf/resource.d/pacemaker/Dummy";

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return "guests need root (namespaces, bridges)";
  for (const tool of ["ip", "unshare", "nsenter", "ss", "flock"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (!existsSync(DUMMY)) return `${DUMMY} is not installed`;
  return false;
}
const SKIP = skipReason();

const tag = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
const BRIDGE = `pg${tag}`.slice(0, 15);
const SUBNET = `10.${230 + (process.pid % 10)}.${Math.floor(Math.random() * 250) + 1}`;
let work = "";
let authkey = "";
const started: [string, Record<string, string>][] = [];

function agent(action: string, name: string, params: Record<string, string>): Promise<{ rc: number; stderr: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: name, OCF_RESKEY_CRM_meta_timeout: "30000" };
  for (const [k, v] of Object.entries(params)) env[`OCF_RESKEY_${k}`] = v;
  if (action === "start") started.push([name, params]);
  return new Promise((resolve) => {
    execFile(AGENT, [action], { env, timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ rc: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0, stderr });
    });
  });
}

function inside(name: string, script: string): string {
  const pid = readFileSync(`/run/pacer/nscontainer/${name}/init`, "utf8").split(" ")[0];
  try {
    return execFileSync("nsenter", ["-t", pid, "-a", "sh", "-c", script], { encoding: "utf8", timeout: 20_000 });
  } catch (err) {
    // Say why the container is gone: its command's last words.
    let console = "";
    try {
      console = readFileSync(`/run/pacer/nscontainer/${name}/console.log`, "utf8").slice(-2000);
    } catch {
      console = "(no console.log)";
    }
    throw new Error(`${(err as Error).message}\ncontainer ${name} console:\n${console}`);
  }
}

function resultOf(client: RemoteClient, callId: number, timeoutMs = 20_000): Promise<OpResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no result for call ${callId}`)), timeoutMs);
    const listener = (r: OpResult) => {
      if (r.callId !== callId) return;
      clearTimeout(timer);
      client.off("result", listener);
      resolve(r);
    };
    client.on("result", listener);
  });
}

async function connectWithRetry(client: RemoteClient, deadlineMs: number): Promise<void> {
  for (;;) {
    try {
      await client.connect();
      return;
    } catch (err) {
      if (Date.now() > deadlineMs) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

suite("guest in an nscontainer, driven by the remote client", { skip: SKIP, timeout: 180_000 }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), "pacer-guest-"));
    authkey = join(work, "authkey");
    await writeFile(authkey, Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 91 + 7) & 0xff)), { mode: 0o640 });
  });
  after(async () => {
    for (const [name, params] of started) await agent("stop", name, params);
    spawnSync("ip", ["link", "del", BRIDGE]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const cases: [string, string, string | false][] = [
    ["pacer-remoted", `${process.execPath} ${PACER_REMOTED}`, existsSync(PACER_REMOTED) ? false : `${PACER_REMOTED} is not built`],
    ["pacemaker-remoted 2.1.5", REAL_REMOTED, existsSync(REAL_REMOTED) ? false : `${REAL_REMOTED} is absent (run .ci/setup)`],
  ];
  cases.forEach(([label, command, skip], i) => {
    test(`Dummy runs inside a guest whose container runs ${label}; killing the container drops the connection`, { skip }, async () => {
      const name = `g${i}-${tag}`;
      const host = `${SUBNET}.${10 + i}`;
      const params = { address: `${host}/24`, bridge: BRIDGE, bridge_address: `${SUBNET}.1/24`, authkey, command };
      const start = await agent("start", name, params);
      assert.equal(start.rc, 0, start.stderr);

      const client = new RemoteClient({ host, key: readFileSync(authkey), name: "pacer-test", connectTimeoutMs: 5000 });
      await connectWithRetry(client, Date.now() + 15_000);
      try {
        const rscId = `dummy-${tag}`;
        await client.register({ id: rscId, class: "ocf", provider: "pacemaker", type: "Dummy" });
        const started = await resultOf(client, await client.exec({ rscId, action: "start", timeoutMs: 20_000 }));
        assert.equal(started.rc, 0, started.output);
        const state = `/var/run/Dummy-${rscId}.state`;
        assert.equal(inside(name, `test -f ${state} && echo present || echo absent`).trim(), "present", "the state file is in the guest's /run");
        assert.equal(existsSync(state), false, "and not in the host's");
        const monitor = await resultOf(client, await client.exec({ rscId, action: "monitor", timeoutMs: 20_000 }));
        assert.equal(monitor.rc, 0);

        const lost = new Promise<Error | undefined>((resolve) => client.once("disconnect", resolve));
        const init = Number(readFileSync(`/run/pacer/nscontainer/${name}/init`, "utf8").split(" ")[0]);
        process.kill(init, "SIGKILL");
        let timer: NodeJS.Timeout | undefined;
        const reason = await Promise.race([lost, new Promise<string>((r) => (timer = setTimeout(() => r("timeout"), 10_000)))]);
        clearTimeout(timer);
        assert.notEqual(reason, "timeout", "the client notices that the guest died");
        assert.equal((await agent("monitor", name, params)).rc, 7);
      } finally {
        client.close();
      }
      assert.equal((await agent("stop", name, params)).rc, 0);
    });
  });
});
