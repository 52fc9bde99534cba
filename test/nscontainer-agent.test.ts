// Runs the real ocf:pacer:nscontainer agent: namespaces, a bridge, veth pairs, processes.
// Needs root; every name (bridge, containers, subnet) is unique to this run and removed in
// after(), whatever happened.
import { test, describe as suite, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { child, parseXml } from "../src/cib/xml.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AGENT = join(ROOT, "agents", "ocf", "pacer", "nscontainer");
const REAL_REMOTED = join(ROOT, ".deps", "pacemaker-remote", "usr", "sbin", "pacemaker-remoted");

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return "the nscontainer agent needs root (namespaces, bridges)";
  for (const tool of ["ip", "unshare", "nsenter", "ss", "flock"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return false;
}
const SKIP = skipReason();

const tag = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`;
const BRIDGE = `pt${tag}`.slice(0, 15);
const SUBNET = `10.${240 + (process.pid % 10)}.${Math.floor(Math.random() * 250) + 1}`;
const BRIDGE_ADDRESS = `${SUBNET}.1/24`;
let work = "";
let authkey = "";
let listener = "";
const started = new Set<string>();

interface Result {
  rc: number;
  stdout: string;
  stderr: string;
}

function agent(action: string, name: string, params: Record<string, string> = {}, meta: Record<string, string> = {}): Promise<Result> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    OCF_ROOT: "/usr/lib/ocf",
    OCF_RA_VERSION_MAJOR: "1",
    OCF_RA_VERSION_MINOR: "1",
    OCF_RESOURCE_INSTANCE: name,
    OCF_RESOURCE_TYPE: "nscontainer",
    OCF_RESOURCE_PROVIDER: "pacer",
  };
  for (const [k, v] of Object.entries(params)) env[`OCF_RESKEY_${k}`] = v;
  for (const [k, v] of Object.entries(meta)) env[`OCF_RESKEY_CRM_meta_${k}`] = v;
  if (action === "start") started.add(JSON.stringify([name, params]));
  return new Promise((resolve) => {
    execFile(AGENT, [action], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const rc = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
      resolve({ rc, stdout, stderr });
    });
  });
}

function params(host: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    address: `${SUBNET}.${host}/24`,
    bridge: BRIDGE,
    bridge_address: BRIDGE_ADDRESS,
    authkey,
    command: `${process.execPath} ${listener} 3121`,
    ...extra,
  };
}

function initPid(name: string): number {
  return Number(readFileSync(`/run/pacer/nscontainer/${name}/init`, "utf8").split(" ")[0]);
}

/** Run a shell command inside the container's namespaces (all of them). */
function inside(name: string, script: string): string {
  try {
    return execFileSync("nsenter", ["-t", String(initPid(name)), "-a", "sh", "-c", script], { encoding: "utf8", timeout: 20_000 });
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

/** The same without blocking this process (needed when this process must answer). */
function insideAsync(name: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("nsenter", ["-t", String(initPid(name)), "-a", "sh", "-c", script], { encoding: "utf8", timeout: 20_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

function request(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: 5000 });
    let data = "";
    socket.on("data", (d) => (data += d));
    socket.on("end", () => resolve(data));
    socket.on("timeout", () => socket.destroy(new Error(`timeout connecting to ${host}:${port}`)));
    socket.on("error", reject);
  });
}

function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/pacer-${name}`);
}

suite("ocf:pacer:nscontainer", { skip: SKIP, timeout: 180_000 }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), "pacer-nsc-"));
    authkey = join(work, "authkey");
    await writeFile(authkey, Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff)), { mode: 0o600 });
    listener = join(work, "listener.cjs");
    // Answers each connection with the host name it sees, so the test knows which side answered.
    await writeFile(listener, `require("net").createServer((s) => s.end(require("os").hostname() + "\\n")).listen(Number(process.argv[2]));\n`);
  });

  after(async () => {
    for (const entry of started) {
      const [name, p] = JSON.parse(entry) as [string, Record<string, string>];
      await agent("stop", name, p);
    }
    spawnSync("ip", ["link", "del", BRIDGE]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const c1 = `c1-${tag}`;
  const c2 = `c2-${tag}`;

  test("meta-data is OCF XML describing the parameters and actions", async () => {
    const r = await agent("meta-data", "x");
    assert.equal(r.rc, 0);
    const root = parseXml(r.stdout.replace(/^<\?xml[^>]*\?>\s*<!DOCTYPE[^>]*>/, ""));
    assert.equal(root.name, "resource-agent");
    assert.equal(root.attrs.name, "nscontainer");
    assert.equal(child(root, "version")?.text, "1.1");
    const names = child(root, "parameters")!.children.map((p) => p.attrs.name);
    assert.deepEqual(names, ["name", "address", "bridge", "bridge_address", "hostname", "authkey", "command", "port"]);
    const actions = child(root, "actions")!.children.map((a) => a.attrs.name);
    for (const a of ["start", "stop", "monitor", "validate-all", "meta-data"]) assert.ok(actions.includes(a), a);
  });

  test("validate-all names what is wrong", async () => {
    assert.equal((await agent("validate-all", c1, params(2))).rc, 0);
    let r = await agent("validate-all", c1, { ...params(2), address: "" });
    assert.equal(r.rc, 6);
    assert.match(r.stderr, /'address' parameter .* is required/);
    r = await agent("validate-all", c1, params(2, { address: "10.1.2.300/24" }));
    assert.equal(r.rc, 6);
    assert.match(r.stderr, /address '10\.1\.2\.300\/24' is not an IPv4 address/);
    r = await agent("validate-all", c1, params(2, { bridge: "a-bridge-name-too-long" }));
    assert.equal(r.rc, 6);
    r = await agent("validate-all", c1, params(2, { command: "/nonexistent/pacer-remoted --x" }));
    assert.equal(r.rc, 5);
    assert.match(r.stderr, /command '\/nonexistent\/pacer-remoted' not found/);
    r = await agent("validate-all", c1, params(2, { authkey: join(work, "missing") }));
    assert.equal(r.rc, 5);
    // a probe on a host that cannot run the container says "not running", not "failed"
    assert.equal((await agent("monitor", c1, params(2, { authkey: join(work, "missing") }))).rc, 7);
    assert.equal((await agent("bogus", c1, params(2))).rc, 3);
  });

  test("start, monitor and stop, all idempotent", async () => {
    assert.equal((await agent("monitor", c1, params(2))).rc, 7);
    assert.equal((await agent("stop", c1, params(2))).rc, 0, "stopping a stopped container succeeds");
    const r = await agent("start", c1, params(2));
    assert.equal(r.rc, 0, r.stderr);
    assert.equal((await agent("monitor", c1, params(2))).rc, 0);
    assert.equal((await agent("start", c1, params(2))).rc, 0, "starting a running container succeeds");
    assert.equal((await request(`${SUBNET}.2`, 3121)).trim(), c1, "the guest answers on its address, with its own host name");
  });

  test("the container is isolated: its own /run, /dev/shm, /etc/pacemaker, PIDs and host name", async () => {
    const marker = `marker-${tag}`;
    inside(c1, `echo hello > /run/${marker}; echo shm > /dev/shm/${marker}`);
    assert.equal(inside(c1, `cat /run/${marker}`).trim(), "hello");
    assert.equal(existsSync(`/run/${marker}`), false, "a file written in the guest's /run is not in the host's");
    assert.equal(existsSync(`/dev/shm/${marker}`), false);
    assert.equal(inside(c1, "test -e /run/pacer && echo visible || echo hidden").trim(), "hidden", "the host's /run is not visible inside");
    assert.equal(inside(c1, "od -An -tx1 /etc/pacemaker/authkey | tr -d ' \\n'"), readFileSync(authkey).toString("hex"), "the authkey is copied in");
    assert.equal(inside(c1, "stat -c %a /etc/pacemaker/authkey").trim(), "640");
    assert.equal(inside(c1, "cat /proc/sys/kernel/hostname").trim(), c1);
    const pids = inside(c1, "ls /proc | grep -E '^[0-9]+$' | sort -n").trim().split("\n").map(Number);
    assert.equal(pids[0], 1, "the container has its own PID namespace");
    assert.ok(pids.length < 10, `only the container's processes are visible (${pids.join(" ")})`);
    assert.match(inside(c1, "ip -o -4 addr show dev eth0"), new RegExp(` ${SUBNET.replace(/\./g, "\\.")}\\.2/24 `));
  });

  test("guests reach the host and each other across the bridge; two start at once", async () => {
    // c2 starts while c1 is restarted: both set up the shared bridge concurrently.
    assert.equal((await agent("stop", c1, params(2))).rc, 0);
    spawnSync("ip", ["link", "del", BRIDGE]);
    const [a, b] = await Promise.all([agent("start", c1, params(2)), agent("start", c2, params(3))]);
    assert.equal(a.rc, 0, a.stderr);
    assert.equal(b.rc, 0, b.stderr);
    const server: Server = createServer((s) => s.end("host\n"));
    await new Promise<void>((resolve) => server.listen(0, `${SUBNET}.1`, resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const fromGuest = await insideAsync(c1, `${process.execPath} -e 'require("net").connect(${port}, "${SUBNET}.1").on("data", (d) => process.stdout.write(d))'`);
      assert.equal(fromGuest.trim(), "host");
    } finally {
      server.close();
    }
    const guestToGuest = inside(c1, `${process.execPath} -e 'require("net").connect(3121, "${SUBNET}.3").on("data", (d) => process.stdout.write(d))'`);
    assert.equal(guestToGuest.trim(), c2);
    assert.equal((await request(`${SUBNET}.3`, 3121)).trim(), c2);
  });

  test("kill -9 of the container's processes: monitor says not running, start recovers", async () => {
    const mac = inside(c1, "cat /sys/class/net/eth0/address").trim();
    assert.match(mac, /^02:7a:/);
    process.kill(initPid(c1), "SIGKILL");
    await waitFor(async () => (await agent("monitor", c1, params(2))).rc === 7);
    assert.ok(netnsExists(c1), "the network namespace is left over until stop or start");
    let r = await agent("start", c1, params(2));
    assert.equal(r.rc, 0, r.stderr);
    // the guest keeps its MAC, so the host's neighbour cache still reaches it at once
    assert.equal(inside(c1, "cat /sys/class/net/eth0/address").trim(), mac);
    assert.equal((await request(`${SUBNET}.2`, 3121)).trim(), c1);

    // kill -9 of the command alone ends the container too
    // (from the host: a process inside would die with the namespace and fail the exec)
    const command = execFileSync("pgrep", ["-P", String(initPid(c1))], { encoding: "utf8" }).trim();
    assert.match(command, /^\d+$/);
    assert.match(readFileSync(`/proc/${command}/cmdline`, "utf8"), /listener\.cjs/);
    process.kill(Number(command), "SIGKILL");
    await waitFor(async () => (await agent("monitor", c1, params(2))).rc === 7);
    r = await agent("start", c1, params(2));
    assert.equal(r.rc, 0, r.stderr);
  });

  test("a half-dead container (its veth gone) is a failure, and stop clears it", async () => {
    const veth = readFileSync(`/run/pacer/nscontainer/${c1}/veth`, "utf8").trim();
    execFileSync("ip", ["link", "del", veth]);
    const r = await agent("monitor", c1, params(2));
    assert.equal(r.rc, 1);
    assert.match(r.stderr, /veth .* is gone/);
    const pid = initPid(c1);
    assert.equal((await agent("stop", c1, params(2))).rc, 0);
    assert.equal((await agent("monitor", c1, params(2))).rc, 7);
    assert.equal(netnsExists(c1), false);
    assert.equal(existsSync(`/run/pacer/nscontainer/${c1}`), false);
    assert.equal(existsSync(`/proc/${pid}`), false, "the container's first process is gone");
    assert.equal((await agent("stop", c1, params(2))).rc, 0);
  });

  test("stop kills every process of the container and removes its network", async () => {
    const pid = initPid(c2);
    const veth = readFileSync(`/run/pacer/nscontainer/${c2}/veth`, "utf8").trim();
    // a stray process that joined the network namespace from outside
    const stray = execFile("ip", ["netns", "exec", `pacer-${c2}`, "sleep", "300"]);
    await waitFor(async () => execFileSync("ip", ["netns", "pids", `pacer-${c2}`], { encoding: "utf8" }).trim() !== "");
    assert.equal((await agent("stop", c2, params(3))).rc, 0);
    assert.equal(existsSync(`/proc/${pid}`), false);
    assert.equal(netnsExists(c2), false);
    assert.equal(spawnSync("ip", ["link", "show", veth]).status, 1, "the veth is gone");
    await waitFor(async () => stray.exitCode !== null || stray.signalCode !== null);
  });

  const remotedSkip = existsSync(REAL_REMOTED) ? false : `${REAL_REMOTED} is absent (run .ci/setup)`;
  test("runs the real pacemaker-remoted 2.1.5", { skip: remotedSkip }, async () => {
    const c3 = `c3-${tag}`;
    const p = params(4, { command: REAL_REMOTED });
    const r = await agent("start", c3, p, { timeout: "30000" });
    assert.equal(r.rc, 0, r.stderr);
    assert.equal((await agent("monitor", c3, p)).rc, 0);
    assert.match(inside(c3, "ss -Htlnp"), /:3121 .*pacemaker-remot/);
    assert.equal((await agent("stop", c3, p)).rc, 0);
    assert.equal(netnsExists(c3), false);
  });

  const ocfTester = ["/usr/sbin/ocf-tester", "/usr/bin/ocf-tester"].find(existsSync);
  test("ocf-tester passes", { skip: ocfTester ? false : "ocf-tester is not installed" }, () => {
    const p = params(5);
    const args = ["-n", `oct-${tag}`, ...Object.entries(p).flatMap(([k, v]) => ["-o", `${k}=${v}`]), AGENT];
    started.add(JSON.stringify([`oct-${tag}`, p]));
    // ocf-tester waits on the agent without a limit of its own: bound it so a stuck stop fails the test instead of hanging the suite.
    const r = spawnSync(ocfTester!, args, { encoding: "utf8", timeout: 150_000, killSignal: "SIGKILL" });
    assert.equal(r.error, undefined, `ocf-tester did not finish: ${r.error?.message}`);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /passed all tests/);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
