// Real Pacemaker 2.1.5 drives pacer-remoted: a one-node cluster (corosync + pacemakerd) in
// one network namespace, pacer-remoted in a second one, linked by a veth pair. An
// ocf:pacemaker:remote resource connects the cluster to pacer-remoted; a Dummy resource is
// placed on that remote node and started, stopped, restarted and recovered there. Its state
// file lives in the guest's private /run.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseXml, walk, type XmlElement } from "../src/cib/xml.js";
import { lookupUser } from "../src/executor/accounts.js";
import { Netns, netnsSkipReason } from "./helpers/netns.js";
import { sleep } from "./helpers/wait.js";

const REMOTED_JS = new URL("../src/cli/remoted.js", import.meta.url).pathname;
const binaries = ["corosync", "pacemakerd", "crm_mon", "cibadmin", "crm_resource"];
function skipReason(): string | undefined {
  const ns = netnsSkipReason();
  if (ns) return ns;
  for (const b of binaries) if (spawnSync("sh", ["-c", `command -v ${b}`]).status !== 0) return `needs ${b} (Debian packages corosync, pacemaker, pacemaker-cli-utils)`;
  if (!lookupUser("hacluster")) return "needs the hacluster user (installed with pacemaker)";
  if (!existsSync("/usr/lib/ocf/resource.d/pacemaker/remote")) return "needs ocf:pacemaker:remote";
  return undefined;
}
const skip = skipReason();

let root: string;
let hostNs: Netns;
let guestNs: Netns;
let anchor: ChildProcess;
let remoted: ChildProcess;
const daemons: ChildProcess[] = [];
let hostIp: string;
let guestIp: string;

/** Run a command inside the cluster host (its network, mount and UTS namespaces). */
function onHost(cmd: string, args: string[], timeoutMs = 30_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("nsenter", ["-t", String(anchor.pid), "-n", "-m", "-u", "--", cmd, ...args], { encoding: "utf8", timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function hostDaemon(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const out = openSync(join(root, log), "a");
  const p = spawn("nsenter", ["-t", String(anchor.pid), "-n", "-m", "-u", "--", cmd, ...args], { env, stdio: ["ignore", out, out], detached: true });
  daemons.push(p);
  return p;
}


interface Status {
  hostOnline: boolean;
  remoteOnline: boolean;
  rsc?: { role: string; active: boolean; failed: boolean; node?: string };
  xml: XmlElement;
}

function status(rscId: string, remoteName: string): Status | undefined {
  const r = onHost("crm_mon", ["-1", "--output-as=xml"], 15_000);
  if (r.status !== 0) return undefined;
  let xml: XmlElement;
  try {
    xml = parseXml(r.stdout);
  } catch {
    return undefined;
  }
  let remoteOnline = false;
  let hostOnline = false;
  let rsc: Status["rsc"];
  for (const el of walk(xml)) {
    if (el.name === "node" && el.attrs.name === remoteName && el.attrs.type === "remote") remoteOnline = el.attrs.online === "true";
    if (el.name === "node" && el.attrs.name === "h1" && el.attrs.type === "member") hostOnline = el.attrs.online === "true";
    if (el.name === "resource" && el.attrs.id === rscId) {
      rsc = { role: el.attrs.role ?? "", active: el.attrs.active === "true", failed: el.attrs.failed === "true", node: el.children.find((c) => c.name === "node")?.attrs.name };
    }
  }
  return { hostOnline, remoteOnline, rsc, xml };
}

async function waitStatus(what: string, pred: (s: Status) => boolean, timeoutMs = 60_000): Promise<Status> {
  const end = Date.now() + timeoutMs;
  let last: Status | undefined;
  while (Date.now() < end) {
    last = status("d1", "guest1");
    if (last && pred(last)) return last;
    await sleep(500);
  }
  const mon = onHost("crm_mon", ["-1", "-r"]).stdout;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n--- crm_mon ---\n${mon}\n--- pacer-remoted log tail ---\n${tail(join(root, "remoted.log"), 30)}\n--- pacemaker log tail ---\n${tail(join(root, "host/var/log/pacemaker/pacemaker.log"), 40)}`);
}

function tail(file: string, n: number): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-n).join("\n") : "(no log)";
}

/** True when the Dummy's state file exists in the guest's own /run. */
function guestStateFile(): boolean {
  return spawnSync("nsenter", ["-t", String(remoted.pid), "-m", "--", "test", "-f", "/run/resource-agents/Dummy-d1.state"]).status === 0;
}

function cib(args: string[]): void {
  const r = onHost("cibadmin", args);
  assert.equal(r.status, 0, `cibadmin ${args.join(" ")}: ${r.stderr}`);
}

before(async () => {
  if (skip) return;
  root = mkdtempSync(join(tmpdir(), "pacer-cluster-"));
  chmodSync(root, 0o755);
  const hc = lookupUser("hacluster")!;
  const dirs = ["etc/corosync", "etc/pacemaker", "var/lib/pacemaker/cib", "var/lib/pacemaker/pengine", "var/lib/pacemaker/blackbox", "var/lib/pacemaker/cores", "var/lib/pacemaker/lrm", "var/log/pacemaker", "var/log/corosync", "var/lib/corosync"];
  for (const d of dirs) mkdirSync(join(root, "host", d), { recursive: true, mode: 0o755 });
  for (const d of ["var/lib/pacemaker", "var/lib/pacemaker/cib", "var/lib/pacemaker/pengine", "var/lib/pacemaker/blackbox", "var/lib/pacemaker/cores", "var/lib/pacemaker/lrm", "var/log/pacemaker"]) {
    chownSync(join(root, "host", d), hc.uid, hc.gid);
    chmodSync(join(root, "host", d), 0o750);
  }
  chmodSync(join(root, "host/var/log/pacemaker"), 0o770);
  const key = randomBytes(256);
  writeFileSync(join(root, "host/etc/pacemaker/authkey"), key, { mode: 0o640 });
  chownSync(join(root, "host/etc/pacemaker/authkey"), hc.uid, hc.gid);
  writeFileSync(join(root, "guest-authkey"), key, { mode: 0o640 });

  hostNs = Netns.create("clh");
  guestNs = Netns.create("clg");
  ({ aIp: hostIp, bIp: guestIp } = Netns.link(hostNs, guestNs));

  writeFileSync(
    join(root, "host/etc/corosync/corosync.conf"),
    `totem {
  version: 2
  cluster_name: pacertest
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: 1000
  token_coefficient: 0
}
nodelist {
  node {
    ring0_addr: ${hostIp}
    name: h1
    nodeid: 1
  }
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_stderr: no
  to_syslog: no
  to_logfile: yes
  logfile: /var/log/corosync/corosync.log
  timestamp: hires
}
system {
  sched_rr: no
}
`,
  );
  // A first CIB with fencing off and a short DC election wait (default 20 s).
  const cibFile = join(root, "host/var/lib/pacemaker/cib/cib.xml");
  writeFileSync(
    cibFile,
    `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>
        <nvpair id="opt-dc-deadtime" name="dc-deadtime" value="2s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`,
    { mode: 0o600 },
  );
  chownSync(cibFile, hc.uid, hc.gid);

  const binds: [string, string][] = ["/etc/corosync", "/etc/pacemaker", "/var/lib/pacemaker", "/var/log/pacemaker", "/var/log/corosync", "/var/lib/corosync"].map((d) => [join(root, "host", d), d]);
  anchor = hostNs.spawn("sleep", ["infinity"], {
    binds,
    hostname: "h1",
    setup: ["mkdir -p /run/crm /run/resource-agents", `chown ${hc.uid}:${hc.gid} /run/crm`, "touch /run/.pacer-anchor-ready"],
    logFile: join(root, "anchor.out"),
  });
  for (let i = 0; i < 100 && spawnSync("nsenter", ["-t", String(anchor.pid), "-m", "--", "test", "-f", "/run/.pacer-anchor-ready"]).status !== 0; i++) await sleep(50);

  remoted = guestNs.spawn(process.execPath, [REMOTED_JS], {
    env: { ...process.env, PCMK_authkey_location: join(root, "guest-authkey"), PCMK_remote_port: "3121", PCMK_logfile: join(root, "remoted.log"), PCMK_debug: "yes" },
    logFile: join(root, "remoted.out"),
  });

  const env = { ...process.env, PCMK_logfacility: "none" };
  hostDaemon("corosync", ["-f"], env, "corosync.out");
  for (let i = 0; i < 100 && onHost("corosync-quorumtool", ["-s"]).status !== 0; i++) await sleep(100);
  hostDaemon("pacemakerd", [], env, "pacemakerd.out");
});

after(async () => {
  if (skip) return;
  // pacemakerd first (it stops its children), then corosync, then the namespaces.
  for (const p of [...daemons].reverse()) {
    if (p.pid === undefined || p.exitCode !== null) continue;
    try {
      process.kill(p.pid, "SIGTERM");
    } catch {
      // gone
    }
    for (let i = 0; i < 150 && p.exitCode === null && p.signalCode === null; i++) await sleep(100);
    if (p.exitCode === null && p.signalCode === null) {
      try {
        process.kill(-p.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  await guestNs?.destroy();
  await hostNs?.destroy();
  if (process.env.PACER_KEEP_TEST_DIRS) process.stderr.write(`kept ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
});

test("real Pacemaker 2.1.5 runs a Dummy on a pacer-remoted remote node", { skip, timeout: 240_000 }, async () => {
  await waitStatus("the cluster to come up", (s) => s.hostOnline, 90_000);
  cib(["-C", "-o", "resources", "-X", `<primitive id="guest1" class="ocf" provider="pacemaker" type="remote"><instance_attributes id="guest1-ia"><nvpair id="guest1-server" name="server" value="${guestIp}"/><nvpair id="guest1-port" name="port" value="3121"/></instance_attributes><operations><op id="guest1-monitor" name="monitor" interval="5s" timeout="15s"/></operations></primitive>`]);
  await waitStatus("RemoteOnline guest1", (s) => s.remoteOnline, 60_000);

  cib(["-C", "-o", "resources", "-X", `<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="d1-monitor" name="monitor" interval="2s" timeout="10s"/></operations></primitive>`]);
  cib(["-C", "-o", "constraints", "-X", `<rsc_location id="d1-on-guest1" rsc="d1" node="guest1" score="INFINITY"/>`]);
  await waitStatus("d1 started on guest1", (s) => s.rsc?.role === "Started" && s.rsc.node === "guest1", 60_000);
  assert.ok(guestStateFile(), "the Dummy's state file is in the guest's /run");
  assert.ok(!existsSync("/run/resource-agents/Dummy-d1.state"), "and not in the host's");

  // Stop and start through target-role.
  assert.equal(onHost("crm_resource", ["-r", "d1", "--meta", "-p", "target-role", "-v", "Stopped"]).status, 0);
  await waitStatus("d1 stopped", (s) => s.rsc?.role === "Stopped");
  assert.ok(!guestStateFile(), "stop removed the state file");
  assert.equal(onHost("crm_resource", ["-r", "d1", "--meta", "-p", "target-role", "-v", "Started"]).status, 0);
  await waitStatus("d1 started again", (s) => s.rsc?.role === "Started" && s.rsc.node === "guest1");
  assert.ok(guestStateFile());

  // Restart (stop + start by the cluster).
  const restart = onHost("crm_resource", ["--restart", "-r", "d1", "--timeout", "60s"], 90_000);
  assert.equal(restart.status, 0, restart.stderr);
  await waitStatus("d1 running after restart", (s) => s.rsc?.role === "Started" && s.rsc.node === "guest1");
  const log = readFileSync(join(root, "remoted.log"), "utf8");
  assert.ok((log.match(/Running d1_stop_0/g) ?? []).length >= 2, "pacer-remoted ran the stops");

  // A failure inside the guest: the recurring monitor (run by pacer-remoted) notices, the
  // cluster recovers the resource in place.
  assert.equal(spawnSync("nsenter", ["-t", String(remoted.pid), "-m", "--", "rm", "-f", "/run/resource-agents/Dummy-d1.state"]).status, 0);
  const failed = (s: Status) => [...walk(s.xml)].some((el) => el.name === "failure" && (el.attrs.op_key ?? "").startsWith("d1_monitor"));
  await waitStatus("the monitor failure to be recorded", failed, 30_000);
  await waitStatus("d1 recovered in place", (s) => s.rsc?.role === "Started" && s.rsc.node === "guest1" && guestStateFile(), 60_000);
});
