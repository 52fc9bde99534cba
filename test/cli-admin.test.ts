// The `pacer` admin commands run as the real binary on CIB files (-f): every command
// family, --json output, errors that name the problem, exit non-zero and leave the file as
// it was. Where Pacemaker's own tools are installed, they judge the CIBs pacer writes.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MAIN = join(ROOT, "dist", "src", "cli", "main.js");
const FIXTURE = join(ROOT, "test", "fixtures", "cli", "two-nodes.xml");

const dir = mkdtempSync(join(tmpdir(), "pacer-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function fresh(): string {
  const f = join(dir, `cib-${++n}.xml`);
  copyFileSync(FIXTURE, f);
  return f;
}

function pacer(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PACER_SOCKET: join(dir, "no-daemon.sock") } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function ok(...args: string[]): string {
  const r = pacer(...args);
  assert.equal(r.code, 0, `pacer ${args.join(" ")} failed: ${r.err}${r.out}`);
  return r.out;
}

/** The command fails with a message matching `message`, and the file is byte-for-byte unchanged. */
function refused(file: string, message: RegExp, ...args: string[]): void {
  const before = readFileSync(file, "utf8");
  const r = pacer(...args, "-f", file);
  assert.notEqual(r.code, 0, `expected pacer ${args.join(" ")} to fail`);
  assert.match(r.err, message);
  assert.equal(readFileSync(file, "utf8"), before, "a refused command must not touch the file");
  const j = pacer(...args, "-f", file, "--json");
  assert.notEqual(j.code, 0);
  const parsed = JSON.parse(j.out) as { error: { message: string } };
  assert.match(parsed.error.message, message);
}

const hasCrm = spawnSync("crm_simulate", ["--version"]).status === 0;

/** Pacemaker's scheduler accepts the CIB pacer wrote. */
function pacemakerAccepts(file: string): void {
  if (!hasCrm) return;
  const r = spawnSync("crm_simulate", ["-x", file, "-S"], { encoding: "utf8" });
  assert.equal(r.status, 0, `crm_simulate refused ${file}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /error/i, r.stderr);
}

test("resource create: pcs ids, default ops from the agent's meta-data, group, --json", () => {
  const f = fresh();
  const out = JSON.parse(ok("resource", "create", "ip", "ocf:heartbeat:Dummy", "fake=42", "op", "monitor", "interval=30s", "meta", "resource-stickiness=5", "--group", "grp", "-f", f, "--json"));
  assert.equal(out.ok, true);
  assert.equal(out.version, "0:2:0");
  const show = JSON.parse(ok("resource", "show", "ip", "-f", f, "--json"));
  assert.equal(show.agent, "ocf:heartbeat:Dummy");
  assert.deepEqual(show.attributes, { fake: "42" });
  assert.deepEqual(show.meta, { "resource-stickiness": "5" });
  const ops = Object.fromEntries(show.operations.map((o: { id: string; name: string }) => [o.name, o.id]));
  assert.deepEqual(ops, { monitor: "ip-monitor-interval-30s", start: "ip-start-interval-0s", stop: "ip-stop-interval-0s" });
  ok("resource", "create", "d2", "ocf:heartbeat:Dummy", "-f", f);
  const d2 = JSON.parse(ok("resource", "show", "d2", "-f", f, "--json"));
  // Dummy advertises monitor interval=10s timeout=20s.
  assert.deepEqual(d2.operations.find((o: { name: string }) => o.name === "monitor"), { id: "d2-monitor-interval-10s", name: "monitor", attrs: { interval: "10s", timeout: "20s" } });
  const list = JSON.parse(ok("resource", "list", "-f", f, "--json")).resources as { id: string; parent?: string; state: string }[];
  assert.deepEqual(list.map((r) => r.id), ["web", "db", "box", "grp", "ip", "d2"]);
  assert.equal(list.find((r) => r.id === "ip")!.parent, "grp");
  assert.equal(list.find((r) => r.id === "web")!.state, "Started node1");
  assert.match(ok("resource", "list", "-f", f), /^web \(primitive ocf:heartbeat:Dummy\): Started node1$/m);
  pacemakerAccepts(f);
});

test("resource create: a used id, an unknown agent, a bad id are refused and change nothing", () => {
  const f = fresh();
  refused(f, /resource id 'web' is already used by <primitive id="web"> \(line 13\)/, "resource", "create", "web", "ocf:heartbeat:Dummy");
  refused(f, /unknown agent 'ocf:heartbeat:NoSuchAgent'/, "resource", "create", "x", "ocf:heartbeat:NoSuchAgent");
  refused(f, /OCF agents are written ocf:PROVIDER:TYPE/, "resource", "create", "x", "ocf:Dummy");
  refused(f, /invalid resource id '1x'/, "resource", "create", "1x", "ocf:heartbeat:Dummy");
  refused(f, /'web' is a <primitive>, not a group/, "resource", "create", "x", "ocf:heartbeat:Dummy", "--group", "web");
  refused(f, /resource 'nope' does not exist/, "resource", "update", "nope", "a=1");
  refused(f, /invalid interval|interval/, "resource", "update", "web", "op", "monitor", "interval=soon");
});

test("resource create --clone / --promotable; agent checks per class, --force skips them", () => {
  const f = fresh();
  ok("resource", "create", "st", "ocf:pacemaker:Stateful", "--promotable", "-f", f);
  const clone = JSON.parse(ok("resource", "show", "st-clone", "-f", f, "--json"));
  assert.deepEqual([clone.kind, clone.meta, clone.members], ["clone", { promotable: "true" }, ["st"]]);
  const st = JSON.parse(ok("resource", "show", "st", "-f", f, "--json"));
  assert.ok(st.operations.filter((o: { name: string }) => o.name === "monitor").length >= 2, "Stateful advertises a monitor per role");
  ok("resource", "create", "pinger", "ocf:heartbeat:Dummy", "--clone", "-f", f);
  assert.match(ok("status", "-f", f), /Clone Set: pinger-clone \[pinger\]:/);
  refused(f, /--group and --clone\/--promotable do not go together/, "resource", "create", "x", "ocf:heartbeat:Dummy", "--clone", "--group", "g");
  ok("resource", "create", "zz-clone", "ocf:heartbeat:Dummy", "-f", f);
  refused(f, /clone id 'zz-clone' is already used by <primitive id="zz-clone">/, "resource", "create", "zz", "ocf:heartbeat:Dummy", "--clone");
  refused(f, /unknown agent 'systemd:no-such-unit-here': no unit no-such-unit-here.service/, "resource", "create", "u", "systemd:no-such-unit-here");
  refused(f, /unknown agent 'lsb:no-such-script'/, "resource", "create", "u", "lsb:no-such-script");
  ok("resource", "create", "u", "systemd:no-such-unit-here", "--force", "-f", f);
  pacemakerAccepts(f);
});

test("status --watch refreshes until interrupted", async () => {
  const f = fresh();
  const child = spawn(process.execPath, [MAIN, "status", "-f", f, "--json", "--watch", "0.2"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no refresh within 10s: ${out}`)), 10_000);
    child.stdout!.on("data", () => {
      if (out.split("\n").length > 3) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  const docs = out.trim().split("\n").map((l) => JSON.parse(l) as { summary: { version: string } });
  assert.ok(docs.length >= 3);
  for (const d of docs) assert.equal(d.summary.version, "0:1:0");
  const bad = pacer("status", "--watch", "0", "-f", f);
  assert.equal(bad.code, 2);
});

test("pacer's own agents are found (ocf:pacer:nscontainer)", () => {
  const f = fresh();
  ok("resource", "create", "c1", "ocf:pacer:nscontainer", "--no-default-ops", "-f", f);
  assert.match(readFileSync(f, "utf8"), /<primitive id="c1" class="ocf" provider="pacer" type="nscontainer"\/>/);
});

test("resource update, meta, disable, enable, delete (constraints naming it go too)", () => {
  const f = fresh();
  ok("resource", "update", "web", "state=/tmp/x", "op", "monitor", "interval=20s", "-f", f);
  let show = JSON.parse(ok("resource", "show", "web", "-f", f, "--json"));
  assert.deepEqual(show.attributes, { state: "/tmp/x" });
  assert.deepEqual(show.operations, [{ id: "web-monitor-interval-20s", name: "monitor", attrs: { interval: "20s" } }]);
  ok("resource", "update", "web", "state=", "-f", f);
  show = JSON.parse(ok("resource", "show", "web", "-f", f, "--json"));
  assert.deepEqual(show.attributes, {});
  assert.doesNotMatch(readFileSync(f, "utf8"), /web-instance_attributes/, "an emptied attribute block is removed");
  ok("resource", "disable", "web", "-f", f);
  assert.match(readFileSync(f, "utf8"), /<nvpair id="web-meta_attributes-target-role" name="target-role" value="Stopped"\/>/);
  assert.match(ok("plan", "resource", "enable", "web", "-f", f), /Transition Summary:\n  \(nothing would change\)|Start/);
  ok("resource", "enable", "web", "-f", f);
  assert.doesNotMatch(readFileSync(f, "utf8"), /target-role/);
  ok("resource", "meta", "db", "migration-threshold=3", "-f", f);
  assert.deepEqual(JSON.parse(ok("resource", "show", "db", "-f", f, "--json")).meta, { "migration-threshold": "3" });
  ok("constraint", "colocation", "add", "db", "web", "-f", f);
  ok("constraint", "order", "add", "web", "db", "-f", f);
  const del = JSON.parse(ok("resource", "delete", "web", "-f", f, "--json"));
  assert.match(del.message, /removed constraints colocation-db-web-INFINITY, order-web-db-mandatory/);
  const text = readFileSync(f, "utf8");
  assert.doesNotMatch(text, /<primitive id="web"/);
  assert.match(text, /<lrm_resource id="web"/, "history stays so the cluster can stop it");
  refused(f, /resource 'web' does not exist/, "resource", "delete", "web");
  pacemakerAccepts(f);
});

test("resource move, ban, clear: crm_resource's constraint ids", () => {
  const f = fresh();
  ok("resource", "move", "web", "node2", "-f", f);
  ok("resource", "ban", "web", "node1", "-f", f);
  const cons = JSON.parse(ok("constraint", "list", "-f", f, "--json")).constraints;
  assert.deepEqual(cons, [
    { id: "cli-prefer-web", type: "location", attrs: { rsc: "web", role: "Started", node: "node2", score: "INFINITY" } },
    { id: "cli-ban-web-on-node1", type: "location", attrs: { rsc: "web", role: "Started", node: "node1", score: "-INFINITY" } },
  ]);
  refused(f, /node 'node9' is not a cluster node \(known: node1, node2\)/, "resource", "move", "web", "node9");
  ok("resource", "clear", "web", "-f", f);
  assert.deepEqual(JSON.parse(ok("constraint", "list", "-f", f, "--json")).constraints, []);
  // Without a node: away from where it runs now (web runs on node1).
  assert.match(ok("plan", "resource", "move", "web", "-f", f), /\* Move\s+web\s+\( node1 -> node2 \)/);
  assert.match(ok("resource", "move", "web", "-f", f), /'web' will move away from node1 \(constraint cli-ban-web-on-node1;/);
  assert.match(ok("plan", "resource", "clear", "web", "-f", f), /^Change: removed cli-ban-web-on-node1 \(not committed\)/);
  refused(f, /'db' runs on no node: give the NODE to move it to/, "resource", "move", "db");
  pacemakerAccepts(f);
});

test("resource cleanup and refresh edit the status section, as crm_resource does", () => {
  const f = fresh();
  const before = readFileSync(f, "utf8");
  assert.match(ok("status", "-f", f), /Failed Resource Actions:\n  \* db start on node1 returned 'error' \(boom\)/);
  const r = JSON.parse(ok("resource", "cleanup", "db", "-f", f, "--json"));
  assert.equal(r.changed, "status");
  assert.equal(r.version, "0:1:1", "a status change bumps num_updates only");
  const after = readFileSync(f, "utf8");
  assert.doesNotMatch(after, /lrm_resource id="db"/);
  assert.doesNotMatch(after, /fail-count-db/);
  assert.match(after, /lrm_resource id="web"/, "web did not fail: its history stays");
  assert.doesNotMatch(ok("status", "-f", f), /Failed Resource Actions/);
  assert.notEqual(before, after);
  assert.match(ok("resource", "cleanup", "-f", f), /nothing to clean up/);
  ok("resource", "refresh", "web", "--node", "node1", "-f", f);
  assert.doesNotMatch(readFileSync(f, "utf8"), /lrm_resource id="web"/);
  refused(f, /node 'node7' has no status entry/, "resource", "refresh", "--node", "node7");
  pacemakerAccepts(f);
});

test("constraint location|colocation|order add, list, remove; bad input refused", () => {
  const f = fresh();
  ok("constraint", "location", "add", "web", "node1", "100", "-f", f);
  ok("constraint", "location", "db", "avoids", "node2=50", "-f", f);
  ok("constraint", "location", "box", "prefers", "node2", "-f", f);
  ok("constraint", "colocation", "add", "db", "web", "-500", "-f", f);
  ok("constraint", "order", "add", "web", "db", "--kind", "optional", "-f", f);
  const list = JSON.parse(ok("constraint", "list", "-f", f, "--json")).constraints.map((c: { id: string }) => c.id);
  assert.deepEqual(list, ["location-web-node1-100", "location-db-node2--50", "location-box-node2-INFINITY", "colocation-db-web--500", "order-web-db-optional"]);
  assert.match(ok("constraint", "order", "list", "-f", f), /order-web-db-optional: start web then start db \(Optional\)/);
  refused(f, /constraint 'location-web-node1-100' already exists/, "constraint", "location", "add", "web", "node1", "100");
  refused(f, /resource 'ghost' does not exist/, "constraint", "location", "add", "ghost", "node1");
  refused(f, /resource 'ghost' does not exist/, "constraint", "colocation", "add", "web", "ghost");
  refused(f, /invalid score 'lots'/, "constraint", "location", "add", "web", "node2", "lots");
  refused(f, /node 'node3' is not a cluster node/, "constraint", "location", "add", "web", "node3");
  refused(f, /invalid action 'begin'/, "constraint", "order", "add", "web", "db", "--first-action", "begin");
  refused(f, /constraint 'order-web-db-optional' is a <rsc_order>, not a <rsc_location>/, "constraint", "location", "remove", "order-web-db-optional");
  ok("constraint", "location", "add", "web", "node3", "--force", "-f", f);
  ok("constraint", "remove", "location-web-node3-INFINITY", "-f", f);
  ok("constraint", "order", "remove", "order-web-db-optional", "-f", f);
  refused(f, /constraint 'order-web-db-optional' does not exist/, "constraint", "remove", "order-web-db-optional");
  pacemakerAccepts(f);
});

test("node standby, unstandby, attribute", () => {
  const f = fresh();
  ok("node", "standby", "node1", "-f", f);
  const st = JSON.parse(ok("status", "-f", f, "--json"));
  assert.equal(st.nodes.find((x: { name: string }) => x.name === "node1").standby, true);
  assert.match(ok("status", "-f", f), /Node node1: standby \(with active resources\)/);
  ok("node", "unstandby", "node1", "-f", f);
  assert.doesNotMatch(readFileSync(f, "utf8"), /standby/);
  ok("node", "attribute", "node2", "rack=3", "ssd=yes", "-f", f);
  assert.deepEqual(JSON.parse(ok("node", "attribute", "node2", "-f", f, "--json")).attributes, { node2: { rack: "3", ssd: "yes" } });
  ok("node", "attribute", "node2", "ssd=", "-f", f);
  assert.match(readFileSync(f, "utf8"), /<nvpair id="nodes-2-rack" name="rack" value="3"\/>/);
  refused(f, /node 'node9' is not a cluster, guest or remote node/, "node", "standby", "node9");
  refused(f, /node 'node2' has no attribute 'ssd'/, "node", "attribute", "node2", "ssd=");
  pacemakerAccepts(f);
});

test("guest add|remove and remote add|remove; clashing names refused", () => {
  const f = fresh();
  ok("guest", "add", "guest1", "--container", "box", "--addr", "10.0.0.5", "--port", "3121", "-f", f);
  const meta = JSON.parse(ok("resource", "show", "box", "-f", f, "--json")).meta;
  assert.deepEqual(meta, { "remote-node": "guest1", "remote-addr": "10.0.0.5", "remote-port": "3121" });
  assert.deepEqual(JSON.parse(ok("node", "list", "-f", f, "--json")).nodes.map((x: { name: string; kind: string }) => `${x.name}:${x.kind}`), ["node1:cluster", "node2:cluster", "guest1:guest"]);
  refused(f, /'web' is already the id of a <primitive>/, "guest", "add", "web", "--container", "db");
  refused(f, /'node1' is already a cluster node/, "guest", "add", "node1", "--container", "db");
  refused(f, /'guest1' is already a guest node/, "guest", "add", "guest1", "--container", "db");
  refused(f, /resource 'box' already hosts guest node 'guest1'/, "guest", "add", "g2", "--container", "box");
  refused(f, /resource 'nobox' does not exist/, "guest", "add", "g2", "--container", "nobox");
  refused(f, /invalid port '99999'/, "guest", "add", "g2", "--container", "db", "--port", "99999");
  ok("node", "attribute", "guest1", "zone=a", "-f", f);
  assert.match(readFileSync(f, "utf8"), /<node id="guest1" uname="guest1" type="remote">/);
  assert.match(ok("plan", "resource", "enable", "box", "-f", f), /Start      box/);
  ok("guest", "remove", "guest1", "-f", f);
  assert.doesNotMatch(readFileSync(f, "utf8"), /guest1/);
  refused(f, /'guest1' is not a guest node/, "guest", "remove", "guest1");
  ok("remote", "add", "rem1", "--server", "192.0.2.7", "--port", "3121", "-f", f);
  assert.equal(JSON.parse(ok("resource", "show", "rem1", "-f", f, "--json")).agent, "ocf:pacemaker:remote");
  refused(f, /'rem1' is already a remote node/, "remote", "add", "rem1", "--server", "x");
  refused(f, /--server ADDRESS is required/, "remote", "add", "rem2");
  ok("constraint", "location", "add", "web", "rem1", "10", "-f", f);
  assert.match(ok("remote", "remove", "rem1", "-f", f), /removed remote node 'rem1' and constraints location-web-rem1-10/);
  pacemakerAccepts(f);
});

test("property set|unset|list", () => {
  const f = fresh();
  ok("property", "set", "no-quorum-policy=ignore", "cluster-recheck-interval=2min", "-f", f);
  assert.deepEqual(JSON.parse(ok("property", "list", "-f", f, "--json")).properties, { "stonith-enabled": "false", "no-quorum-policy": "ignore", "cluster-recheck-interval": "2min" });
  assert.match(readFileSync(f, "utf8"), /<nvpair id="cib-bootstrap-options-no-quorum-policy" name="no-quorum-policy" value="ignore"\/>/);
  ok("property", "unset", "no-quorum-policy", "-f", f);
  refused(f, /unknown cluster property 'stonith-enabeld'/, "property", "set", "stonith-enabeld=false");
  refused(f, /cluster property 'no-quorum-policy' is not set/, "property", "unset", "no-quorum-policy");
  ok("property", "set", "my-own=1", "--force", "-f", f);
  ok("property", "set", "maintenance-mode=true", "-f", f);
  assert.match(ok("status", "-f", f), /Resource management is DISABLED/);
});

test("plan: the Transition Summary of a pending change, nothing stored", () => {
  const f = fresh();
  const before = readFileSync(f, "utf8");
  const out = ok("plan", "node", "standby", "node1", "-f", f);
  assert.match(out, /^Change: node node1 is in standby \(not committed\)/);
  assert.match(out, /\* Move       web     \( node1 -> node2 \)/);
  const j = JSON.parse(ok("plan", "resource", "ban", "web", "node1", "-f", f, "--json"));
  assert.equal(j.committed, false);
  assert.ok(j.transition.some((l: string) => /Move\s+web\s+\( node1 -> node2 \)/.test(l)), j.transition.join("\n"));
  assert.equal(readFileSync(f, "utf8"), before);
  refused(f, /resource 'ghost' does not exist/, "plan", "resource", "delete", "ghost");
  const r = pacer("plan", "resource", "list", "-f", f);
  assert.equal(r.code, 2);
  assert.match(r.err, /does not change the configuration/);
  assert.equal(pacer("plan", "status").code, 2);
});

test("status: crm_mon -1's layout from a file, --json parses", () => {
  const f = fresh();
  const text = ok("status", "-f", f);
  assert.match(text, /^Cluster Summary:\n  \* Current DC: node1 - partition with quorum\n/);
  assert.match(text, /  \* 2 nodes configured\n  \* 3 resource instances configured\n/);
  assert.match(text, /\nNode List:\n  \* Online: \[ node1 node2 \]\n\nFull List of Resources:\n  \* web\t\(ocf:heartbeat:Dummy\):\t Started node1\n/);
  const j = JSON.parse(ok("status", "-f", f, "--json"));
  assert.deepEqual(j.nodes.map((x: { name: string; online: boolean }) => [x.name, x.online]), [["node1", true], ["node2", true]]);
  assert.deepEqual(j.failedActions.map((x: { key: string; rc: number; exitReason: string }) => [x.key, x.rc, x.exitReason]), [["db_start_0", 1, "boom"]]);
  assert.equal(j.summary.version, "0:1:0");
  if (hasCrm) {
    // crm_mon reads the same file: its failed-action lines are ours.
    const mon = spawnSync("crm_mon", ["-1"], { encoding: "utf8", env: { ...process.env, CIB_file: f } });
    const theirs = mon.stdout.slice(mon.stdout.indexOf("Failed Resource Actions:"));
    assert.equal(text.slice(text.indexOf("Failed Resource Actions:")), theirs);
  }
  const bad = pacer("status", "-f", join(dir, "missing.xml"));
  assert.equal(bad.code, 66);
  assert.match(bad.err, /cannot read .*missing\.xml: ENOENT/);
});

test("status shows GuestOnline and RemoteOnline nodes", () => {
  const f = fresh();
  ok("guest", "add", "guest1", "--container", "web", "-f", f);
  // The connection and container are running: the CIB says so in the status section.
  const text = readFileSync(f, "utf8").replace(
    "</lrm_resources>",
    `<lrm_resource id="guest1" class="ocf" provider="pacemaker" type="remote"><lrm_rsc_op id="guest1_last_0" operation_key="guest1_start_0" operation="start" crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" transition-key="9:1:0:aaaaaaaa-0000-0000-0000-000000000001" transition-magic="0:0;9:1:0:aaaaaaaa-0000-0000-0000-000000000001" exit-reason="" on_node="node1" call-id="9" rc-code="0" op-status="0" interval="0" last-rc-change="1700000000" exec-time="1" queue-time="0"/></lrm_resource></lrm_resources>`,
  );
  writeFileSync(f, text);
  assert.match(ok("status", "-f", f), /GuestOnline: \[ guest1 \]/);
  const j = JSON.parse(ok("status", "-f", f, "--json"));
  assert.deepEqual(j.nodes.find((x: { name: string }) => x.name === "guest1"), { name: "guest1", id: "guest1", type: "guest", online: true, standby: false, maintenance: false, unclean: false, dc: false, resources: [] });
});

test("every command has --help; unknown sub-commands exit 2", () => {
  for (const c of ["status", "resource", "constraint", "node", "guest", "remote", "property", "plan", "simulate", "cib"]) {
    const r = pacer(c, "--help");
    assert.equal(r.code, 0, `${c} --help`);
    assert.match(r.out, /usage: pacer/);
  }
  for (const args of [["resource", "frobnicate", "x"], ["constraint", "bogus"], ["node", "x"], ["guest", "x"], ["remote", "x"], ["property", "x"]]) {
    const r = pacer(...args, "-f", FIXTURE);
    assert.equal(r.code, 2, args.join(" "));
  }
});

test("without -f, commands need pacerd and say so", () => {
  const r = pacer("resource", "list");
  assert.equal(r.code, 69);
  assert.match(r.err, /cannot reach pacerd at .*no-daemon\.sock: it is not running \(or use -f CIB\.xml/);
});

