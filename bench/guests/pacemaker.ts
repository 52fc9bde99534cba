// The guest-recovery scenario on real Pacemaker 2.1.5, for the ratio: a one-node cluster
// (corosync + pacemakerd) in a sandbox's network namespace, with a private mount and UTS
// namespace ("anchor": its own /run, /dev/shm, /etc/corosync, /etc/pacemaker, /var/lib/pacemaker,
// logs; the recipe of research/corosync-netns.md §4, as in test/remote-cluster.test.ts), the
// same configuration as pacer gets (bench/guests/config.ts: ocf:pacer:nscontainer guests
// running pacer-remoted, a Dummy in each, monitors every 2 s), and the same kill.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseXml, walk } from "../../src/cib/xml.js";
import { lookupUser } from "../../src/executor/accounts.js";
import { NSCONTAINER_AGENT, Sandbox } from "../../src/cli/sandbox/sandbox.js";
import { dummy, guest, withLayout, type GuestLayout } from "./config.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function pacemakerUnavailable(): string | undefined {
  for (const b of ["corosync", "pacemakerd", "crm_mon", "crm_attribute"]) if (spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0) return `${b} is not installed`;
  if (!lookupUser("hacluster")) return "no hacluster user";
  return undefined;
}

const BASE_CIB = `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="2s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>`;

class PacemakerHost {
  anchor!: ChildProcess;
  private stopped = false;
  private readonly daemons: ChildProcess[] = [];
  constructor(
    readonly box: Sandbox,
    readonly root: string,
  ) {}

  run(cmd: string, args: string[], timeoutMs = 30_000) {
    return spawnSync("nsenter", ["-t", String(this.anchor.pid), "-n", "-m", "-u", "--", cmd, ...args], { encoding: "utf8", timeout: timeoutMs });
  }

  daemon(cmd: string, args: string[], log: string): void {
    const out = openSync(join(this.root, log), "a");
    this.daemons.push(spawn("nsenter", ["-t", String(this.anchor.pid), "-n", "-m", "-u", "--", cmd, ...args], { env: { ...process.env, PCMK_logfacility: "none" }, stdio: ["ignore", out, out], detached: true }));
  }

  async start(layout: GuestLayout, initialCib = withLayout(BASE_CIB, layout)): Promise<void> {
    const hc = lookupUser("hacluster")!;
    const host = (d: string) => join(this.root, "host", d);
    for (const d of ["etc/corosync", "etc/pacemaker", "var/lib/pacemaker/cib", "var/lib/pacemaker/pengine", "var/lib/pacemaker/blackbox", "var/lib/pacemaker/cores", "var/lib/pacemaker/lrm", "var/log/pacemaker", "var/log/corosync", "var/lib/corosync", "resource.d/pacer", "resource.d/heartbeat", "resource.d/pacemaker"]) mkdirSync(host(d), { recursive: true, mode: 0o755 });
    for (const d of ["var/lib/pacemaker", "var/lib/pacemaker/cib", "var/lib/pacemaker/pengine", "var/lib/pacemaker/blackbox", "var/lib/pacemaker/cores", "var/lib/pacemaker/lrm", "var/log/pacemaker"]) {
      chownSync(host(d), hc.uid, hc.gid);
      chmodSync(host(d), 0o770);
    }
    // The cluster's authkey is the one the containers get (nscontainer's authkey parameter).
    copyFileSync(this.box.authkey, host("etc/pacemaker/authkey"));
    chownSync(host("etc/pacemaker/authkey"), hc.uid, hc.gid);
    chmodSync(host("etc/pacemaker/authkey"), 0o640);
    const addr = this.box.bridgeAddress.split("/")[0];
    writeFileSync(host("etc/corosync/corosync.conf"), `totem {\n  version: 2\n  cluster_name: pacerbench\n  transport: knet\n  crypto_cipher: none\n  crypto_hash: none\n  token: 1000\n  token_coefficient: 0\n}\nnodelist {\n  node {\n    ring0_addr: ${addr}\n    name: ${layout.host}\n    nodeid: 1\n  }\n}\nquorum {\n  provider: corosync_votequorum\n}\nlogging {\n  to_stderr: no\n  to_syslog: no\n  to_logfile: yes\n  logfile: /var/log/corosync/corosync.log\n}\nsystem {\n  sched_rr: no\n}\n`);
    const cibFile = host("var/lib/pacemaker/cib/cib.xml");
    writeFileSync(cibFile, initialCib, { mode: 0o600 });
    chownSync(cibFile, hc.uid, hc.gid);
    // Pacemaker looks for agents only under /usr/lib/ocf/resource.d: a copy of that directory
    // with pacer's own agents in it is mounted over it inside the anchor.
    const binds = [
      ["/usr/lib/ocf/resource.d/heartbeat", host("resource.d/heartbeat")],
      ["/usr/lib/ocf/resource.d/pacemaker", host("resource.d/pacemaker")],
      [join(NSCONTAINER_AGENT, ".."), host("resource.d/pacer")],
      [host("resource.d"), "/usr/lib/ocf/resource.d"],
      ...["/etc/corosync", "/etc/pacemaker", "/var/lib/pacemaker", "/var/log/pacemaker", "/var/log/corosync", "/var/lib/corosync"].map((d) => [host(d.slice(1)), d]),
    ];
    const setup = [
      `hostname ${layout.host}`,
      "mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
      "mount -t tmpfs -o mode=755 tmpfs /run",
      "mkdir -p /run/crm /run/resource-agents",
      `chown ${hc.uid}:${hc.gid} /run/crm`,
      ...binds.map(([from, to]) => `mount --rbind '${from}' '${to}'`),
      "touch /run/.anchor-ready",
    ];
    this.anchor = spawn("nsenter", [`--net=/run/netns/${this.box.netns}`, "unshare", "-m", "-u", "--propagation", "private", "sh", "-c", `set -e; ${setup.join("; ")}; exec sleep infinity`], { stdio: ["ignore", "ignore", openSync(join(this.root, "anchor.err"), "a")], detached: true });
    for (let i = 0; i < 100 && spawnSync("nsenter", ["-t", String(this.anchor.pid), "-m", "--", "test", "-f", "/run/.anchor-ready"]).status !== 0; i++) await sleep(50);
    this.daemon("corosync", ["-f"], "corosync.out");
    for (let i = 0; i < 100 && this.run("corosync-quorumtool", ["-s"]).status !== 0; i++) await sleep(100);
    this.daemon("pacemakerd", [], "pacemakerd.out");
  }

  /** crm_mon's view: online guest nodes and resource → node of started resources. */
  view(): { guests: Set<string>; running: Map<string, string> } | undefined {
    const r = this.run("crm_mon", ["-1", "--output-as=xml"], 15_000);
    if (r.status !== 0) return undefined;
    const guests = new Set<string>();
    const running = new Map<string, string>();
    for (const el of walk(parseXml(r.stdout))) {
      if (el.name === "node" && el.attrs.type === "remote" && el.attrs.online === "true" && el.attrs.name) guests.add(el.attrs.name);
      if (el.name === "resource" && el.attrs.role === "Started" && el.attrs.failed !== "true") {
        const n = el.children.find((c) => c.name === "node")?.attrs.name;
        if (n) running.set(el.attrs.id, n);
      }
    }
    return { guests, running };
  }

  initPid(name: string): number | undefined {
    const r = spawnSync("nsenter", ["-t", String(this.anchor.pid), "-m", "--", "cat", `/run/pacer/nscontainer/${name}/init`], { encoding: "utf8" });
    if (r.status !== 0) return undefined;
    const pid = Number(r.stdout.split(" ")[0]);
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  /** The DC's state machine is idle (no transition in progress). */
  idle(): boolean {
    const r = this.run("crmadmin", ["-q", "-S", "h1"], 15_000);
    return /S_IDLE/.test(`${r.stdout}${r.stderr}`);
  }

  /** Stop the resources through Pacemaker (stop-all-resources), then the daemons, then any container left, then the anchor. */
  async stop(layout: GuestLayout): Promise<void> {
    if (!this.anchor || this.stopped) return;
    this.stopped = true;
    this.run("crm_attribute", ["-t", "crm_config", "-n", "stop-all-resources", "-v", "true"]);
    for (let i = 0; i < 240; i++) {
      const v = this.view();
      if (v && v.running.size === 0) break;
      await sleep(500);
    }
    for (const p of [...this.daemons].reverse()) {
      if (p.pid === undefined || p.exitCode !== null) continue;
      try {
        process.kill(p.pid, "SIGTERM");
      } catch {
        // gone
      }
      for (let i = 0; i < 150 && p.exitCode === null && p.signalCode === null; i++) await sleep(100);
      if (p.exitCode === null && p.signalCode === null) process.kill(p.pid, "SIGKILL");
    }
    for (let i = 1; i <= layout.guests; i++) {
      const name = this.box.containerName(guest(i));
      this.run("env", ["OCF_ROOT=/usr/lib/ocf", `OCF_RESKEY_name=${name}`, "OCF_RESKEY_CRM_meta_timeout=30000", NSCONTAINER_AGENT, "stop"]);
    }
    try {
      process.kill(this.anchor.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/**
 * Cold start on real Pacemaker: the cluster up with fencing off and nothing configured, then
 * the layout pushed with `cibadmin --replace`; until every Dummy runs in its guest and the DC
 * is idle. Then stop-all-resources until nothing runs.
 */
export async function pacemakerColdStart(n: number, discovery: "exclusive" | "always", timeoutMs: number): Promise<{ allStarted: number; converged: number; stopAll: number }> {
  const box = await Sandbox.create({ nodeName: "h1" });
  const pm = new PacemakerHost(box, box.dir);
  const layout: GuestLayout = { guests: n, dummiesPerGuest: 3, monitor: "10s", discovery, host: "h1", containerParams: (i) => box.containerParams(guest(i), i), guestAddress: (i) => box.guestAddress(i) };
  const empty: GuestLayout = { ...layout, guests: 0 };
  try {
    chmodSync(box.dir, 0o755);
    await pm.start(layout, withLayout(BASE_CIB, empty));
    for (let i = 0; !pm.idle(); i++) {
      if (i > 120) throw new Error("Pacemaker's DC did not become idle within 60 s");
      await sleep(500);
    }
    const current = pm.run("cibadmin", ["-Q"]).stdout;
    const file = join(box.dir, "layout.xml");
    writeFileSync(file, withLayout(current, layout));
    chmodSync(file, 0o644);
    const t0 = performance.now();
    const pushed = pm.run("cibadmin", ["--replace", "--xml-file", file]);
    if (pushed.status !== 0) throw new Error(`cibadmin --replace: ${pushed.stderr}`);
    let allStarted = 0;
    for (;;) {
      const v = pm.view();
      const now = performance.now();
      let ok = !!v;
      for (let i = 1; ok && i <= n; i++) {
        if (!v!.guests.has(guest(i))) ok = false;
        for (let j = 1; ok && j <= 3; j++) if (v!.running.get(dummy(i, j)) !== guest(i)) ok = false;
      }
      if (ok) {
        if (!allStarted) allStarted = now - t0;
        if (pm.idle()) {
          const converged = performance.now() - t0;
          const t1 = performance.now();
          await pm.stop(layout);
          return { allStarted, converged, stopAll: performance.now() - t1 };
        }
      }
      if (now - t0 > timeoutMs) throw new Error(`Pacemaker: not converged after ${(timeoutMs / 1000).toFixed(0)} s: ${v?.guests.size ?? "?"}/${n} guests online`);
      await sleep(n >= 50 ? 1000 : 300);
    }
  } finally {
    await pm.stop(layout);
    await box.destroy();
  }
}

/** Recovery times (ms) of `reps` container kills on real Pacemaker. */
export async function pacemakerRecovery(reps: number, killContainer: (init: number) => number): Promise<number[]> {
  const box = await Sandbox.create({ nodeName: "h1" });
  const pm = new PacemakerHost(box, box.dir);
  const layout: GuestLayout = { guests: 2, dummiesPerGuest: 1, monitor: "2s", host: "h1", containerParams: (i) => box.containerParams(guest(i), i), guestAddress: (i) => box.guestAddress(i) };
  const runs = (v: ReturnType<PacemakerHost["view"]>, i: number) => !!v && v.guests.has(guest(i)) && v.running.get(dummy(i, 1)) === guest(i);
  try {
    chmodSync(box.dir, 0o755);
    await pm.start(layout);
    const t0 = performance.now();
    while (!(runs(pm.view(), 1) && runs(pm.view(), 2))) {
      if (performance.now() - t0 > 180_000) throw new Error(`Pacemaker did not start the guests within 180 s:\n${pm.run("crm_mon", ["-1"]).stdout}`);
      await sleep(500);
    }
    console.log(`  Pacemaker: both guests and Dummies running ${((performance.now() - t0) / 1000).toFixed(1)} s after pacemakerd started`);
    await sleep(3000);
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const i = (r % 2) + 1;
      const name = box.containerName(guest(i));
      const old = pm.initPid(name)!;
      const n = killContainer(old);
      const t1 = performance.now();
      for (;;) {
        const init = pm.initPid(name);
        if (init !== undefined && init !== old) {
          const inside = spawnSync("nsenter", ["-t", String(init), "-a", "sh", "-c", `test -f /run/Dummy-${dummy(i, 1)}.state`]).status === 0;
          if (inside && runs(pm.view(), i)) break;
        }
        if (performance.now() - t1 > 120_000) throw new Error(`Pacemaker: ${guest(i)} not recovered after 120 s:\n${pm.run("crm_mon", ["-1"]).stdout}`);
        await sleep(100);
      }
      const t = performance.now() - t1;
      times.push(t);
      console.log(`  Pacemaker recovery ${r + 1}/${reps}: ${guest(i)} (${n} processes killed) → ${dummy(i, 1)} running again after ${(t / 1000).toFixed(1)} s`);
      await sleep(4000);
    }
    return times;
  } finally {
    await pm.stop(layout);
    await box.destroy({ keepDir: !!process.env.PACER_KEEP_BENCH_DIR });
    if (process.env.PACER_KEEP_BENCH_DIR) console.log(`  kept ${box.dir}`);
  }
}
