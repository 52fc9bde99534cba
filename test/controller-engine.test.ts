// The transition engine inside a real Daemon (in this process) with the real local Executor
// and ocf:pacemaker:Dummy: plans, runs, records, recovers, honours migration-threshold and
// failure-timeout, and stops. Also measures a transition of 50 starts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { child, element, walk, type XmlElement } from "../src/cib/xml.js";
import { Daemon } from "../src/controller/daemon.js";
import { until, sleep } from "./helpers/wait.js";

const haveDummy = existsSync("/usr/lib/ocf/resource.d/pacemaker/Dummy");
const skip = !haveDummy && "ocf:pacemaker:Dummy not installed";

let dir = "";
let daemon: Daemon | undefined;
const logLines: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "pacer-engine-"));
});
after(async () => {
  await daemon?.stop({ stopResources: true, timeoutMs: 30_000 });
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<Daemon> {
  daemon = await Daemon.start({ stateDir: join(dir, "state"), socketPath: join(dir, "api.sock"), nodeName: "node1", log: (m) => logLines.push(m) });
  return daemon;
}

function state(id: string): string {
  return join(dir, `${id}.state`);
}

function dummy(id: string, meta: Record<string, string> = {}, monitor = "1s"): XmlElement {
  const children = [
    element("instance_attributes", { id: `${id}-ia` }, [element("nvpair", { id: `${id}-ia-state`, name: "state", value: state(id) })]),
    element("operations", {}, [element("op", { id: `${id}-mon`, name: "monitor", interval: monitor, timeout: "20s" })]),
  ];
  if (Object.keys(meta).length > 0) {
    children.push(element("meta_attributes", { id: `${id}-meta` }, Object.entries(meta).map(([k, v]) => element("nvpair", { id: `${id}-meta-${k}`, name: k, value: v }))));
  }
  return element("primitive", { id, class: "ocf", provider: "pacemaker", type: "Dummy" }, children);
}

function resources(cib: XmlElement): XmlElement {
  return child(child(cib, "configuration")!, "resources")!;
}

/** Where the recorded history says each resource's last action left it. */
function lastOp(cib: XmlElement, id: string): string | undefined {
  const op = [...walk(cib)].find((e) => e.name === "lrm_rsc_op" && e.attrs.id === `${id}_last_0`);
  return op ? `${op.attrs.operation}:${op.attrs["rc-code"]}` : undefined;
}

function transient(cib: XmlElement, name: string): string | undefined {
  return [...walk(cib)].find((e) => e.name === "nvpair" && e.attrs.name === name)?.attrs.value;
}

async function settled(d: Daemon, what: string, cond: (cib: XmlElement) => boolean, timeoutMs = 20_000): Promise<void> {
  try {
    await until(() => cond(d.store.snapshot()) && d.planner!.status().state === "idle", timeoutMs, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}; engine log:\n${logLines.slice(-25).join("\n")}`);
  }
}

test("configure, run, recover in place, disable", { skip }, async () => {
  const d = await start();
  await d.store.update((cib) => {
    child(child(cib, "configuration")!, "crm_config")!.children.push(
      element("cluster_property_set", { id: "opts" }, [element("nvpair", { id: "opts-st", name: "stonith-enabled", value: "false" })]),
    );
    resources(cib).children.push(dummy("d1"));
  });
  await settled(d, "d1 started", (cib) => lastOp(cib, "d1") === "start:0" && existsSync(state("d1")));
  const s = d.planner!.status();
  assert.equal(s.state, "idle");
  assert.equal(s.transition?.graphActions, 0, "the last plan found nothing to do");
  assert.match(logLines.join("\n"), /transition \d+: start d1 on node1 → ok \(rc 0, \d+ ms\)/);

  // A monitor failure: recorded with a fail count, and d1 restarted where it was.
  rmSync(state("d1"));
  await settled(d, "d1 recovered", (cib) => transient(cib, "fail-count-d1#monitor_1000") === "1" && existsSync(state("d1")) && lastOp(cib, "d1") === "start:0");
  assert.match(logLines.join("\n"), /recurring d1_monitor_1000 on node1: rc 7/);
  assert.match(logLines.join("\n"), /stop d1 on node1 → ok/);

  // target-role=Stopped: stopped; the change of configuration aborts nothing here but is planned.
  await d.store.update((cib) => {
    const p = resources(cib).children.find((r) => r.attrs.id === "d1")!;
    p.children.push(element("meta_attributes", { id: "d1-meta" }, [element("nvpair", { id: "d1-meta-tr", name: "target-role", value: "Stopped" })]));
  });
  await settled(d, "d1 stopped", (cib) => lastOp(cib, "d1") === "stop:0" && !existsSync(state("d1")));
});

test("migration-threshold bans after a failure; failure-timeout expires it through the recheck timer", { skip }, async () => {
  const d = daemon!;
  await d.store.update((cib) => void resources(cib).children.push(dummy("d2", { "migration-threshold": "1", "failure-timeout": "4s" })));
  await settled(d, "d2 started", (cib) => lastOp(cib, "d2") === "start:0" && existsSync(state("d2")));
  rmSync(state("d2"));
  // One failure reaches the threshold: the only node is banned, so d2 stays stopped.
  await settled(d, "d2 stopped after its failure", (cib) => transient(cib, "fail-count-d2#monitor_1000") === "1" && lastOp(cib, "d2") === "stop:0");
  await sleep(1000);
  assert.equal(existsSync(state("d2")), false, "not restarted while banned");
  const recheckIn = (d.planner!.status().recheckAt ?? Infinity) - Date.now();
  assert.ok(recheckIn < 5000, `a recheck is armed for the failure's expiry (in ${recheckIn} ms)`);
  // The failure expires (4 s after it happened): the recheck clears the count and starts d2.
  await settled(d, "d2 back after failure-timeout", (cib) => transient(cib, "fail-count-d2#monitor_1000") === undefined && lastOp(cib, "d2") === "start:0" && existsSync(state("d2")), 15_000);
  assert.match(logLines.join("\n"), /clear fail count of d2 on node1 → done/);
});

test("50 Dummy starts in one transition: time and commits (measured)", { skip }, async (t) => {
  const d = daemon!;
  const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
  const commitsBefore = d.planner!.status().commits;
  const t0 = Date.now();
  await d.store.update((cib) => {
    for (const id of ids) resources(cib).children.push(dummy(id, {}, "60s"));
  });
  await settled(d, "50 started", (cib) => ids.every((id) => lastOp(cib, id) === "start:0"), 60_000);
  const elapsed = Date.now() - t0;
  const commits = d.planner!.status().commits - commitsBefore;
  const transitions = logLines.filter((l) => /transition \d+: \d+ action\(s\) planned/.test(l)).slice(-3);
  t.diagnostic(`50 Dummy (probe + start + monitor each, 150 actions): ${elapsed} ms to converge, ${commits} engine commits; ${transitions.join(" | ")}`);
  assert.ok(commits < 150, `results were batched (${commits} commits for 150 results)`);
  for (const id of ids) assert.ok(existsSync(state(id)));
});

test("SIGTERM-style stop leaves resources running; a new daemon reattaches through probes and restarts nothing", { skip }, async () => {
  const d = daemon!;
  const mtime = statSync(state("d2")).mtimeMs;
  await d.stop();
  daemon = undefined;
  assert.ok(existsSync(state("d2")), "d2 still running after the stop");
  const before = logLines.length;
  const d2 = await start();
  await settled(d2, "reattached", (cib) => lastOp(cib, "d2") !== undefined);
  const lines = logLines.slice(before).join("\n");
  assert.match(lines, /probe d2 on node1 → unexpected \(rc 0, expected 7/, "the probe found d2 running");
  assert.doesNotMatch(lines, / start d2 on node1| stop d2 on node1/, "nothing restarted");
  assert.equal(statSync(state("d2")).mtimeMs, mtime);
  assert.equal(lastOp(d2.store.snapshot(), "d2"), "monitor:0", "the history is the probe's");
});

test("stop with stopResources stops everything before exiting", { skip }, async () => {
  const d = daemon!;
  await d.stop({ stopResources: true, timeoutMs: 60_000 });
  daemon = undefined;
  assert.equal(existsSync(state("d2")), false);
  assert.equal(existsSync(state("m0")), false);
});
