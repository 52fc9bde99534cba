// pacerd as a process and `pacer cib` as its client: the CIB survives restarts, bad pushes
// are refused with the reason and change nothing, a second daemon on the same state
// directory is turned away.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiCallError, ApiClient } from "../src/controller/api-client.js";
import type { PingResult } from "../src/controller/api-protocol.js";
import { Daemon } from "../src/controller/daemon.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PACERD = join(ROOT, "dist", "src", "cli", "pacerd.js");
const PACER = join(ROOT, "dist", "src", "cli", "main.js");

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "pacer-pacerd-"));
  dirs.push(d);
  return d;
}

function startPacerd(dir: string): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [PACERD, "--state-dir", dir, "--socket", join(dir, "api.sock"), "--node-name", "node1"], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pacerd did not come up: ${stderr}`)), 15_000);
    child.stderr!.on("data", () => {
      if (/API on /.test(stderr)) {
        clearTimeout(timer);
        resolve({ child, stderr: () => stderr });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`pacerd exited with ${code}: ${stderr}`));
    });
  });
}

function stopPacerd(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

function pacer(dir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [PACER, ...args, "--socket", join(dir, "api.sock")], { encoding: "utf8", timeout: 20_000 });
  return { rc: r.status, stdout: r.stdout, stderr: r.stderr };
}

const DUMMY = '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>';

test("pacerd keeps the CIB across restarts and serves it to pacer cib", async () => {
  const dir = await tempDir();
  let { child } = await startPacerd(dir);

  let shown = pacer(dir, "cib", "show");
  assert.equal(shown.rc, 0, shown.stderr);
  assert.match(shown.stdout, /<node id="1" uname="node1"\/>/, "the node joined the configuration");
  assert.match(shown.stdout, /<node_state id="1" uname="node1" in_ccm="true" crmd="online"/);
  assert.match(shown.stdout, /have-quorum="1" dc-uuid="1"/);

  const edited = join(dir, "edited.xml");
  await writeFile(edited, shown.stdout.replace("<resources/>", `<resources>${DUMMY}</resources>`));
  assert.deepEqual(pacer(dir, "cib", "verify", edited), { rc: 0, stdout: `${edited}: valid\n`, stderr: "" });
  const pushed = pacer(dir, "cib", "push", edited, "--json");
  assert.equal(pushed.rc, 0, pushed.stderr);
  assert.equal(JSON.parse(pushed.stdout).kind, "configuration");

  // the same file again is now older than the CIB: refused, with the reason, nothing lost
  const stale = pacer(dir, "cib", "push", edited);
  assert.equal(stale.rc, 1);
  assert.match(stale.stderr, /^pacer: cib push: CIB replacement refused\n  - <cib> \(line 1\): its version 0:1:1 is older than the current 0:2:\d+/);

  // an invalid CIB: every problem named, the stored one intact
  const bad = join(dir, "bad.xml");
  const current = pacer(dir, "cib", "show").stdout;
  assert.match(current, /<constraints\/>/);
  await writeFile(bad, current.replace("<constraints/>", '<constraints><rsc_location id="l1" rsc="ghost" node="node1" score="10"/></constraints>'));
  const verify = pacer(dir, "cib", "verify", bad);
  assert.equal(verify.rc, 1);
  assert.match(verify.stderr, /rsc_location id="l1"> \(line \d+\): rsc "ghost" names no resource/);
  const refused = pacer(dir, "cib", "push", bad);
  assert.equal(refused.rc, 1);
  assert.match(refused.stderr, /rsc "ghost" names no resource/);
  await writeFile(bad, "<cib><configuration>");
  assert.match(pacer(dir, "cib", "push", bad).stderr, /CIB replacement refused\n  - pushed CIB:1:\d+: /);
  assert.equal(pacer(dir, "cib", "show").stdout, current);

  // a second daemon on the same state directory is turned away
  const second = spawnSync(process.execPath, [PACERD, "--state-dir", dir, "--socket", join(dir, "other.sock")], { encoding: "utf8", timeout: 20_000 });
  assert.equal(second.status, 78);
  assert.match(second.stderr, /cannot start: .*state directory is in use by process \d+/);

  assert.equal(await stopPacerd(child), 0);
  assert.equal(existsSync(join(dir, "api.sock")), false, "the socket is removed");
  const stored = await readFile(join(dir, "cib", "cib.xml"), "utf8");
  assert.match(stored, /<node_state id="1" uname="node1" in_ccm="false" crmd="offline" crm-debug-origin="pacerd-stop" join="down" expected="down"/);
  assert.match(stored, /<primitive id="d1"/);

  const unreachable = pacer(dir, "cib", "show");
  assert.equal(unreachable.rc, 69);
  assert.match(unreachable.stderr, /cannot reach pacerd at .*api\.sock: it is not running/);

  ({ child } = await startPacerd(dir));
  shown = pacer(dir, "cib", "show");
  assert.match(shown.stdout, /<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"\/>/, "the configuration survived the restart");
  assert.match(shown.stdout, /in_ccm="true" crmd="online"/);
  assert.match(shown.stdout, /epoch="2" num_updates="\d+"/, "restart changed the status only");
  assert.equal(await stopPacerd(child), 0);
});

test("the local API answers bad requests with errors and keeps serving", async () => {
  const dir = await tempDir();
  const daemon = await Daemon.start({ stateDir: dir, socketPath: join(dir, "api.sock"), nodeName: "node1", log: () => undefined });
  const client = new ApiClient(join(dir, "api.sock"));
  try {
    const ping = await client.call<PingResult>("ping");
    assert.deepEqual({ ...ping, pid: 0 }, { node: "node1", nodeId: "1", infrastructure: "single-host", dc: true, quorate: true, version: "0:1:1", pid: 0 });
    await assert.rejects(client.call("no.such.op"), (e: unknown) => e instanceof ApiCallError && e.error.code === "bad-request" && /unknown op "no.such.op"/.test(e.message));
    await assert.rejects(client.call("cib.replace", {}), /argument "xml" \(a string\) is required/);
    await assert.rejects(client.call("cib.replace", { xml: "<cib/>" }), (e: unknown) => e instanceof ApiCallError && e.error.code === "refused" && e.error.problems!.some((p) => /missing <configuration>/.test(p)));
    assert.equal((await client.call<PingResult>("ping")).version, "0:1:1");
  } finally {
    client.close();
    await daemon.stop();
  }
});
