// Guests end to end: pacerd (in its own network namespace) runs ocf:pacer:nscontainer
// containers as guest nodes and a Dummy inside each, through the router and the connection
// manager; then we break things the way real guests break and watch pacerd recover them.
// Uses the shared harness (test/helpers/pacer-cluster.ts). Recovery times are printed.
import { test, describe as suite, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PacerCluster, clusterSkip, guestOnline, runsOn, type StatusJson } from "./helpers/pacer-cluster.js";
import { NSCONTAINER_AGENT, REAL_PACEMAKER_REMOTED } from "../src/cli/sandbox/sandbox.js";

const SKIP = clusterSkip();
// ocf:pacemaker:Dummy keeps its state in ${HA_VARRUN}/Dummy-ID.state, HA_VARRUN being /run.
const DUMMY_STATE = (rsc: string) => `/run/Dummy-${rsc}.state`;

function stateInGuest(c: PacerCluster, guest: string, rsc: string): boolean {
  try {
    c.box.inGuest(guest, `test -f ${DUMMY_STATE(rsc)}`);
    return true;
  } catch {
    return false;
  }
}

/** Wait until cond() holds, polling every 100 ms; resolves with the time it took. */
async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, c?: PacerCluster): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) {
      const status = c ? (await c.pacer("status")).stdout : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${c ? `\n--- status:\n${status}\n--- pacerd log:\n${c.box.logTail()}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `pacer ARGS`, again on a fresh copy while pacerd's CIB only moved on under it (the engine
 *  commits status all the time; the CLI may or may not retry by itself). */
async function pacerOk(c: PacerCluster, ...args: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    const r = await c.pacer(...args);
    if (r.rc === 0) return r.stdout;
    if (i < 10 && /is older than the current/.test(r.stderr)) continue;
    throw new Error(`pacer ${args.join(" ")} exited ${r.rc}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
}

/** Guest NAME (number i) in an nscontainer: created stopped, made a guest, then enabled, so
 *  that the plain container is never placed inside another guest meanwhile. */
async function addGuest(c: PacerCluster, name: string, i: number, o: { command?: string; authkey?: string; monitor?: string } = {}): Promise<void> {
  const params = Object.entries({ ...c.box.containerParams(name, i, o.command), ...(o.authkey ? { authkey: o.authkey } : {}) }).map(([k, v]) => `${k}=${v}`);
  await pacerOk(c, "resource", "create", `${name}-ctr`, "ocf:pacer:nscontainer", ...params, "op", "monitor", `interval=${o.monitor ?? "2s"}`, "meta", "target-role=Stopped");
  await pacerOk(c, "guest", "add", name, "--container", `${name}-ctr`, "--addr", c.box.guestAddress(i));
  await pacerOk(c, "resource", "enable", `${name}-ctr`);
}

const running = (s: StatusJson, rsc: string, node: string) => runsOn(s, rsc) === node && !s.resources.find((r) => r.id === rsc)?.failed;

suite("guest nodes with pacer-remoted", { skip: SKIP }, () => {
  let c: PacerCluster;
  before(async () => {
    c = await PacerCluster.start();
    await addGuest(c, "guest1", 1);
    await pacerOk(c, "resource", "create", "gd1", "ocf:pacemaker:Dummy", "op", "monitor", "interval=2s");
    await pacerOk(c, "constraint", "location", "add", "gd1", "guest1", "INFINITY");
    await pacerOk(c, "constraint", "location", "add", "gd1", c.nodeName, "-INFINITY");
  });
  after(async () => {
    const left = await c?.destroy();
    assert.deepEqual(left ?? [], []);
  });

  test("the guest comes online and the Dummy runs inside it, state in the guest's private /run", async () => {
    const s = await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 90_000, "guest1 online with gd1");
    assert.ok(s.nodes.find((n) => n.name === "guest1")?.type === "guest");
    const text = await c.pacerOk("status");
    assert.match(text, /GuestOnline: \[ guest1 \]/);
    assert.ok(stateInGuest(c, "guest1", "gd1"), "state file inside the guest");
    assert.ok(!existsSync(DUMMY_STATE("gd1")), "no state file in the host's /run");
  });

  test("kill -9 of the container's processes: guest recovered, Dummy running again", async () => {
    await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 60_000, "a healthy guest1");
    const before = c.box.containerInitPid("guest1")!;
    const t0 = Date.now();
    process.kill(before, "SIGKILL");
    await waitUntil(() => {
      const now = c.box.containerInitPid("guest1");
      return now !== undefined && now !== before && stateInGuest(c, "guest1", "gd1");
    }, 90_000, "gd1 running again in a new guest1 container", c);
    const took = Date.now() - t0;
    await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 30_000, "status: gd1 Started on guest1");
    process.stdout.write(`# guest recovery (container killed → Dummy running again, monitors 2 s): ${took} ms\n`);
  });

  test("kill -9 of pacer-remoted alone: the same recovery", async () => {
    await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 60_000, "a healthy guest1");
    const init = c.box.containerInitPid("guest1")!;
    // The remote executor is the container's command: a child of its first process.
    const pid = Number(c.box.inGuest("guest1", `for p in /proc/[0-9]*; do case "$(readlink "$p/exe")" in */node) echo "\${p#/proc/}"; break;; esac; done`).trim());
    assert.ok(pid > 1, "found pacer-remoted in the guest");
    const t0 = Date.now();
    c.box.inGuest("guest1", `kill -9 ${pid}`);
    await waitUntil(() => {
      const now = c.box.containerInitPid("guest1");
      return now !== undefined && now !== init && stateInGuest(c, "guest1", "gd1");
    }, 90_000, "gd1 running again after pacer-remoted was killed", c);
    process.stdout.write(`# guest recovery (pacer-remoted killed → Dummy running again): ${Date.now() - t0} ms\n`);
    await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 30_000, "status: gd1 Started on guest1");
  });

  test("a monitor failure of the Dummy inside the guest restarts it in place", async () => {
    await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 60_000, "a healthy guest1");
    const init = c.box.containerInitPid("guest1")!;
    c.box.inGuest("guest1", `rm -f ${DUMMY_STATE("gd1")}`);
    const s = await c.waitFor((st) => st.failedActions.some((f) => f.resource === "gd1" && f.node === "guest1" && f.task === "monitor"), 30_000, "gd1's failed monitor");
    assert.ok(s);
    await waitUntil(() => stateInGuest(c, "guest1", "gd1"), 30_000, "gd1 restarted in guest1", c);
    assert.equal(c.box.containerInitPid("guest1"), init, "the container was not restarted");
    await c.waitFor((st) => running(st, "gd1", "guest1"), 30_000, "status: gd1 Started on guest1");
  });

  test("pacerd restarted while the guest runs: it reconnects, probes, and restarts nothing", async () => {
    await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 60_000, "a healthy guest1");
    const init = c.box.containerInitPid("guest1")!;
    const stamp = c.box.inGuest("guest1", `stat -c %Y.%i ${DUMMY_STATE("gd1")}`).trim();
    assert.equal(await c.stopPacerd(), 0);
    const logStart = readFileSync(c.box.pacerdLog, "utf8").length;
    await c.startPacerd();
    const since = () => readFileSync(c.box.pacerdLog, "utf8").slice(logStart);
    await c.waitFor((st) => guestOnline(st, "guest1") && running(st, "gd1", "guest1"), 60_000, "guest1 and gd1 after the restart");
    // Settled: the container probed running, its connection started again, the guest's
    // resources probed again (their history starts empty when the connection comes up) and
    // their monitors set up again.
    await waitUntil(async () => (await c.pacer("status", "--json")).rc === 0 && /monitor \(every 2000 ms\) gd1 on guest1 → ok/.test(since()), 30_000, "gd1's monitor set up again", c);
    assert.equal(c.box.containerInitPid("guest1"), init, `the container was not restarted; pacerd after the restart:\n${since()}`);
    assert.equal(c.box.inGuest("guest1", `stat -c %Y.%i ${DUMMY_STATE("gd1")}`).trim(), stamp, "gd1 was not restarted");
    assert.doesNotMatch(since(), /start gd1 on guest1|guest1 fenced/);
    assert.match(since(), /connection guest1: up/);
    // And the monitor really watches it again.
    c.box.inGuest("guest1", `rm -f ${DUMMY_STATE("gd1")}`);
    await waitUntil(() => stateInGuest(c, "guest1", "gd1"), 30_000, "gd1 restarted in place after its monitor failed", c);
    // The container the previous pacerd started is still recovered as a whole when killed.
    process.kill(init, "SIGKILL");
    await waitUntil(() => {
      const now = c.box.containerInitPid("guest1");
      return now !== undefined && now !== init && stateInGuest(c, "guest1", "gd1");
    }, 90_000, "gd1 running again in a new guest1 container", c);
  });

  test("a guest with a wrong authkey: a clear failed action naming the key, nothing else disturbed", async () => {
    const wrong = join(c.box.dir, "wrong-authkey");
    writeFileSync(wrong, randomBytes(256), { mode: 0o600 });
    await addGuest(c, "guest9", 9, { authkey: wrong, monitor: "10s" });
    const s = await c.waitFor((st) => st.failedActions.some((f) => f.resource === "guest9" && f.task === "start"), 60_000, "guest9's failed connection start");
    const f = s.failedActions.find((x) => x.resource === "guest9" && x.task === "start")!;
    assert.match(f.exitReason, /pre-shared key mismatch with guest9 at [\d.]+:3121 — compare .*authkey on both sides/);
    const text = await c.pacerOk("status");
    assert.match(text, /Failed Resource Actions:[\s\S]*guest9[\s\S]*pre-shared key mismatch/);
    assert.ok(!guestOnline(s, "guest9"));
    assert.ok(guestOnline(s, "guest1") && running(s, "gd1", "guest1"), "guest1 and its Dummy are untouched");
    await pacerOk(c, "guest", "remove", "guest9");
    await pacerOk(c, "resource", "delete", "guest9-ctr");
  });
});

suite("a remote node (ocf:pacemaker:remote) with pacer-remoted", { skip: SKIP }, () => {
  let c: PacerCluster;
  let agentEnv: NodeJS.ProcessEnv;
  const agent = (action: string) => execFileSync("nsenter", [`--net=/run/netns/${c.box.netns}`, NSCONTAINER_AGENT, action], { env: agentEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  before(async () => {
    c = await PacerCluster.start();
    // The remote host: a container the cluster does not manage, on the sandbox's bridge.
    agentEnv = { ...process.env, OCF_ROOT: "/usr/lib/ocf", OCF_RESOURCE_INSTANCE: "rhost", OCF_RESKEY_CRM_meta_timeout: "30000" };
    for (const [k, v] of Object.entries(c.box.containerParams("remote1", 5))) agentEnv[`OCF_RESKEY_${k}`] = v;
    agent("start");
  });
  after(async () => {
    const left = await c?.destroy();
    assert.deepEqual(left ?? [], []);
  });

  test("connects (RemoteOnline), runs a Dummy there, and reports the lost connection", async () => {
    await pacerOk(c, "remote", "add", "remote1", "--server", c.box.guestAddress(5));
    await pacerOk(c, "resource", "create", "rd1", "ocf:pacemaker:Dummy", "op", "monitor", "interval=2s");
    await pacerOk(c, "constraint", "location", "add", "rd1", "remote1", "INFINITY");
    await pacerOk(c, "constraint", "location", "add", "rd1", c.nodeName, "-INFINITY");
    const s = await c.waitFor((st) => st.nodes.some((n) => n.name === "remote1" && n.type === "remote" && n.online) && running(st, "rd1", "remote1"), 60_000, "remote1 online with rd1");
    assert.ok(s);
    assert.match(await c.pacerOk("status"), /RemoteOnline: \[ remote1 \]/);
    assert.ok(stateInGuest(c, "remote1", "rd1"), "rd1's state is in the remote host's /run");
    // The remote host goes away: the connection's monitor reports it, the node goes offline.
    const init = c.box.containerInitPid("remote1")!;
    process.kill(init, "SIGKILL");
    await c.waitFor((st) => st.failedActions.some((f) => f.resource === "remote1" && f.task === "monitor") && !st.nodes.some((n) => n.name === "remote1" && n.online), 30_000, "remote1's failed connection monitor, node offline");
  });
});

suite("a guest running the real pacemaker-remoted 2.1.5", { skip: SKIP || (existsSync(REAL_PACEMAKER_REMOTED) ? false : `${REAL_PACEMAKER_REMOTED} is not unpacked (.ci/setup)`) }, () => {
  let c: PacerCluster;
  before(async () => {
    c = await PacerCluster.start();
    await addGuest(c, "pmk1", 1, { command: "pacemaker" });
    await pacerOk(c, "resource", "create", "pd1", "ocf:pacemaker:Dummy", "op", "monitor", "interval=2s");
    await pacerOk(c, "constraint", "location", "add", "pd1", "pmk1", "INFINITY");
    await pacerOk(c, "constraint", "location", "add", "pd1", c.nodeName, "-INFINITY");
  });
  after(async () => {
    const left = await c?.destroy();
    assert.deepEqual(left ?? [], []);
  });

  test("comes online, runs the Dummy, and recovers from a killed container", async () => {
    await c.waitFor((st) => guestOnline(st, "pmk1") && running(st, "pd1", "pmk1"), 90_000, "pmk1 online with pd1");
    assert.ok(stateInGuest(c, "pmk1", "pd1"));
    const before = c.box.containerInitPid("pmk1")!;
    const t0 = Date.now();
    process.kill(before, "SIGKILL");
    await waitUntil(() => {
      const now = c.box.containerInitPid("pmk1");
      return now !== undefined && now !== before && stateInGuest(c, "pmk1", "pd1");
    }, 90_000, "pd1 running again in a new pmk1 container", c);
    process.stdout.write(`# guest recovery with pacemaker-remoted 2.1.5: ${Date.now() - t0} ms\n`);
    await c.waitFor((st) => guestOnline(st, "pmk1") && running(st, "pd1", "pmk1"), 30_000, "status: pd1 Started on pmk1");
  });

  test("a wrong authkey in a pacemaker-remoted guest is named as such too", async () => {
    const wrong = join(c.box.dir, "wrong-authkey");
    writeFileSync(wrong, randomBytes(256), { mode: 0o600 });
    await addGuest(c, "pmk9", 9, { command: "pacemaker", authkey: wrong, monitor: "10s" });
    const s = await c.waitFor((st) => st.failedActions.some((f) => f.resource === "pmk9" && f.task === "start"), 60_000, "pmk9's failed connection start");
    const f = s.failedActions.find((x) => x.resource === "pmk9" && x.task === "start")!;
    // GnuTLS just hangs up on a TLS 1.3 client with another key: named as the probable cause.
    assert.match(f.exitReason, /pre-shared key mismatch with pmk9 at [\d.]+:3121 \(it closes the connection during the TLS handshake\) — compare .*authkey on both sides/);
    assert.ok(guestOnline(s, "pmk1") && running(s, "pd1", "pmk1"), "pmk1 and its Dummy are untouched");
  });
});
