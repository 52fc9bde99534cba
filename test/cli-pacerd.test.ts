// The admin commands against a running pacerd (temp state directory and socket): edits go
// through the daemon's CIB store, refusals reach the admin, status/simulate/plan read the
// live CIB.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PACERD = join(ROOT, "dist", "src", "cli", "pacerd.js");
const PACER = join(ROOT, "dist", "src", "cli", "main.js");

let dir = "";
let daemon: ChildProcess | undefined;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "pacer-cli-d-"));
  // pacerd runs what these tests configure (on this host): stop it all on the way out.
  const child = spawn(process.execPath, [PACERD, "--state-dir", dir, "--socket", join(dir, "api.sock"), "--node-name", "node1", "--stop-resources-on-exit"], { stdio: ["ignore", "ignore", "pipe"] });
  daemon = child;
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pacerd did not come up: ${stderr}`)), 15_000);
    child.stderr!.on("data", (d) => {
      stderr += d;
      if (/API on /.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`pacerd exited with ${code}: ${stderr}`));
    });
  });
});

after(async () => {
  if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
    const exited = new Promise((r) => daemon!.once("exit", r));
    daemon.kill("SIGTERM");
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
});

function pacer(...args: string[]) {
  const r = spawnSync(process.execPath, [PACER, ...args, "--socket", join(dir, "api.sock")], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(...args: string[]): string {
  const r = pacer(...args);
  assert.equal(r.code, 0, `pacer ${args.join(" ")}: ${r.err}${r.out}`);
  return r.out;
}

test("edits go through pacerd's store; status, plan and simulate read the live CIB", () => {
  const created = JSON.parse(ok("resource", "create", "d1", "ocf:heartbeat:Dummy", `state=${join(dir, "d1.state")}`, "--disabled", "--json"));
  assert.equal(created.ok, true);
  assert.match(created.version, /^0:\d+:0$/);
  const cib = JSON.parse(ok("cib", "show", "--json")).xml as string;
  assert.match(cib, /<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy">/);
  // The engine may have recorded the probe of d1 since.
  assert.match(cib, /update-client="(pacer resource|pacerd-engine)"/);
  ok("property", "set", "stonith-enabled=false");
  const status = JSON.parse(ok("status", "--json"));
  assert.equal(status.summary.stack, "pacer (single-host)");
  assert.equal(status.summary.dc, "node1");
  assert.ok(status.nodes.some((n: { name: string; online: boolean }) => n.name === "node1" && n.online), JSON.stringify(status.nodes));
  assert.deepEqual(status.resources.map((r: { id: string }) => r.id), ["d1"]);
  assert.match(ok("status"), /^Cluster Summary:\n  \* Stack: pacer \(single-host\)\n  \* Current DC: node1/);
  const plan = JSON.parse(ok("plan", "resource", "enable", "d1", "--json"));
  assert.ok(plan.transition.some((l: string) => /Start\s+d1\s+\( node1 \)/.test(l)), plan.transition.join("\n"));
  assert.match(ok("cib", "show"), /target-role/, "plan stores nothing");
  assert.match(ok("simulate", "-S"), /Current cluster status:[\s\S]*Transition Summary:/);
});

test("a constraint on an unknown resource is refused by the CLI; the stored CIB is unchanged", () => {
  const before = JSON.parse(ok("cib", "show", "--json")).version;
  const r = pacer("constraint", "location", "add", "ghost", "node1");
  assert.equal(r.code, 1);
  assert.match(r.err, /resource 'ghost' does not exist/);
  assert.equal(JSON.parse(ok("cib", "show", "--json")).version, before);
});

test("resource restart: stopped (target-role=Stopped), then target-role restored", () => {
  ok("resource", "meta", "d1", "target-role=Started");
  const r = JSON.parse(ok("resource", "restart", "d1", "--timeout", "10", "--json"));
  assert.match(r.message, /restarted 'd1' \(stopped, then target-role back to Started\)/);
  assert.match(ok("cib", "show"), /name="target-role" value="Started"/);
  const bad = pacer("resource", "restart", "nope");
  assert.equal(bad.code, 1);
  assert.match(bad.err, /resource 'nope' does not exist/);
});
