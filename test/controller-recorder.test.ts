// ResultRecorder: results become lrm_rsc_op records and transient fail counts as Pacemaker
// writes them, in one CIB commit per batch; crm_simulate reads the result.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { child, element, serializeXml, walk, type XmlElement } from "../src/cib/xml.js";
import { CibStore } from "../src/controller/cib-store.js";
import { applyRecords, failCountIncrement, ResultRecorder, RECORDER_CLIENT, type OperationRecord } from "../src/controller/result-recorder.js";
import { AgentInfoCache } from "../src/controller/agent-info.js";
import { existsSync } from "node:fs";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function openStore(resources = 3): Promise<CibStore> {
  const dir = await mkdtemp(join(tmpdir(), "pacer-rec-"));
  dirs.push(dir);
  const store = await CibStore.open({ stateDir: dir, origin: "node1" });
  await store.update((cib) => {
    const conf = child(cib, "configuration")!;
    child(conf, "crm_config")!.children.push(
      element("cluster_property_set", { id: "opts" }, [element("nvpair", { id: "opts-st", name: "stonith-enabled", value: "false" })]),
    );
    child(conf, "nodes")!.children.push(element("node", { id: "1", uname: "node1" }));
    for (let i = 0; i < resources; i++) {
      child(conf, "resources")!.children.push(
        element("primitive", { id: `d${i}`, class: "ocf", provider: "pacemaker", type: "Dummy" }, [
          element("operations", {}, [element("op", { id: `d${i}-mon`, name: "monitor", interval: "10s", timeout: "20s" })]),
        ]),
      );
    }
    cib.attrs["have-quorum"] = "1";
    cib.attrs["dc-uuid"] = "1";
    child(cib, "status")!.children.push(element("node_state", { id: "1", uname: "node1", in_ccm: "true", crmd: "online", join: "member", expected: "member" }));
  });
  return store;
}

const DUMMY = { class: "ocf", provider: "pacemaker", type: "Dummy" };

function op(rsc: string, task: string, extra: Partial<OperationRecord> = {}, attrs: Record<string, string> = {}): OperationRecord {
  const intervalMs = extra.intervalMs ?? 0;
  const targetRc = extra.targetRc ?? 0;
  return {
    kind: "operation",
    node: "node1",
    nodeId: "1",
    resource: { id: rsc, ...DUMMY },
    task,
    intervalMs,
    params: { CRM_meta_timeout: "20000", ...(intervalMs ? { CRM_meta_interval: String(intervalMs) } : {}), crm_feature_set: "3.16.1", ...attrs },
    transitionKey: `${extra.outcome?.callId ?? 1}:3:${targetRc}:0d9b1a9e-3c3c-4b63-9c41-6f4b8b1e2a11`,
    targetRc,
    outcome: { callId: 1, rc: 0, opStatus: 0, lastRcChange: 1700000000, execTimeMs: 12, queueTimeMs: 1 },
    ...extra,
  };
}

function transient(cib: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const el of walk(cib)) if (el.name === "nvpair" && el.attrs.name?.match(/^(fail-count|last-failure)-/)) out[el.attrs.name] = el.attrs.value;
  return out;
}

function ops(cib: XmlElement): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const el of walk(cib)) if (el.name === "lrm_rsc_op") out[el.attrs.id] = el.attrs;
  return out;
}

test("fail counts: which failures count and by how much", () => {
  const fail = (task: string, intervalMs: number, rc: number, opStatus = 0, targetRc = 0, offsets: Partial<OperationRecord> = {}) =>
    failCountIncrement({ task, intervalMs, targetRc, outcome: { callId: 1, rc, opStatus, lastRcChange: 0, execTimeMs: 0, queueTimeMs: 0 }, ...offsets });
  assert.equal(fail("monitor", 10000, 7), "1", "recurring monitor failure");
  assert.equal(fail("monitor", 10000, 0), undefined, "success");
  assert.equal(fail("monitor", 0, 0, 0, 7), undefined, "a probe finding it running");
  assert.equal(fail("monitor", 0, 1, 0, 7), undefined, "probe errors are judged from the history alone");
  assert.equal(fail("start", 0, 1), "INFINITY", "start-failure-is-fatal default");
  assert.equal(fail("start", 0, 1, 0, 0, { failedStartOffset: "1" }), "1");
  assert.equal(fail("stop", 0, 0, 2), "INFINITY", "a timed-out stop");
  assert.equal(fail("promote", 0, 1), "1");
  assert.equal(fail("notify", 0, 1), undefined);
  assert.equal(fail("monitor", 10000, 0, 1), undefined, "cancelled");
});

test("records: lrm_rsc_op layout, failures, fail-count and last-failure, clear_failcount, cancel, forget", () => {
  const cib = element("cib", {}, [element("configuration"), element("status", {}, [element("node_state", { id: "1", uname: "node1" })])]);
  applyRecords(cib, [op("d1", "start"), op("d1", "monitor", { intervalMs: 10000, outcome: { callId: 2, rc: 0, opStatus: 0, lastRcChange: 1700000001, execTimeMs: 3, queueTimeMs: 0 } })], 1700000100);
  let o = ops(cib);
  assert.deepEqual(Object.keys(o), ["d1_last_0", "d1_monitor_10000"]);
  assert.deepEqual(Object.keys(o.d1_last_0), [
    "id", "operation_key", "operation", "crm-debug-origin", "crm_feature_set", "transition-key", "transition-magic", "exit-reason", "on_node",
    "call-id", "rc-code", "op-status", "interval", "last-rc-change", "exec-time", "queue-time", "op-digest",
  ]);
  assert.equal(o.d1_last_0["crm-debug-origin"], "do_update_resource");
  assert.equal(o.d1_last_0["transition-magic"], "0:0;1:3:0:0d9b1a9e-3c3c-4b63-9c41-6f4b8b1e2a11");
  assert.equal(o.d1_last_0.on_node, "node1");
  assert.equal(o.d1_last_0["exec-time"], "12");

  // Two monitor failures: last_failure record, fail count 2, last-failure stamped.
  const failed = (callId: number) => op("d1", "monitor", { intervalMs: 10000, outcome: { callId, rc: 7, opStatus: 0, exitReason: "gone", lastRcChange: 1700000200, execTimeMs: 3, queueTimeMs: 0 } });
  applyRecords(cib, [failed(3)], 1700000200);
  applyRecords(cib, [failed(4)], 1700000300);
  o = ops(cib);
  assert.equal(o.d1_last_failure_0["rc-code"], "7");
  assert.equal(o.d1_last_failure_0["exit-reason"], "gone");
  assert.equal(o.d1_monitor_10000["rc-code"], "0", "the recurring record keeps its last success, as Pacemaker's does");
  assert.deepEqual(transient(cib), { "fail-count-d1#monitor_10000": "2", "last-failure-d1#monitor_10000": "1700000300" });
  const ta = child(child(cib, "status")!.children[0], "transient_attributes")!;
  assert.equal(ta.attrs.id, "1");
  assert.equal(child(ta, "instance_attributes")!.attrs.id, "status-1");
  assert.equal(child(ta, "instance_attributes")!.children[0].attrs.id, "status-1-fail-count-d1.monitor_10000");

  // A failed start: fatal by default.
  applyRecords(cib, [op("d2", "start", { outcome: { callId: 5, rc: 1, opStatus: 0, lastRcChange: 1700000400, execTimeMs: 1, queueTimeMs: 0 } })], 1700000400);
  assert.equal(transient(cib)["fail-count-d2#start_0"], "INFINITY");
  assert.ok(ops(cib).d2_last_failure_0 && ops(cib).d2_last_0, "a failed one-shot op is recorded as last_failure and last");

  applyRecords(cib, [{ kind: "clear-failcount", node: "node1", nodeId: "1", rscId: "d1" }], 1700000500);
  assert.deepEqual(Object.keys(transient(cib)), ["fail-count-d2#start_0", "last-failure-d2#start_0"], "only d1's counts went");

  applyRecords(cib, [{ kind: "cancelled", node: "node1", nodeId: "1", rscId: "d1", task: "monitor", intervalMs: 10000 }], 1700000600);
  assert.equal(ops(cib).d1_monitor_10000, undefined);
  applyRecords(cib, [{ kind: "forget-resource", node: "node1", nodeId: "1", rscId: "d2" }], 1700000600);
  assert.deepEqual(Object.keys(ops(cib)), ["d1_last_0", "d1_last_failure_0"]);

  // A guest: node_state created as a remote node's, recorded under its name; its implied
  // fencing takes the history away.
  applyRecords(cib, [op("g", "start", { node: "guest1", nodeId: "guest1", remote: true })], 1700000700);
  const guest = child(cib, "status")!.children.find((s) => s.attrs.uname === "guest1")!;
  assert.equal(guest.attrs.remote_node, "true");
  assert.ok(serializeXml(guest).includes('on_node="guest1"'));
  applyRecords(cib, [{ kind: "node-down", node: "guest1", nodeId: "guest1", origin: "pseudo-fencing" }], 1700000800);
  assert.equal(child(guest, "lrm"), undefined);
  assert.equal(guest.attrs.in_ccm, "false");
});

test("batching: results submitted together are one commit; commits are marked as the engine's", async () => {
  const store = await openStore(20);
  const clients: string[] = [];
  store.onCommit((cib) => clients.push(cib.attrs["update-client"] ?? ""));
  const recorder = new ResultRecorder(store, undefined);
  const before = store.version;
  await Promise.all(Array.from({ length: 20 }, (_, i) => recorder.submit(op(`d${i}`, "start", { outcome: { callId: i + 1, rc: 0, opStatus: 0, lastRcChange: 1700000000, execTimeMs: 5, queueTimeMs: 0 } }))));
  assert.equal(recorder.stats.commits, 1);
  assert.equal(recorder.stats.items, 20);
  assert.deepEqual(clients, [RECORDER_CLIENT]);
  assert.equal(store.version.numUpdates, before.numUpdates + 1);
  assert.equal(Object.keys(ops(store.snapshot())).length, 20);

  // Results arriving while a commit is written wait and go together into the next one.
  const first = recorder.submit(op("d0", "monitor", { intervalMs: 10000 }));
  await new Promise((r) => setImmediate(r));
  const rest = Array.from({ length: 5 }, (_, i) => recorder.submit(op(`d${i + 1}`, "monitor", { intervalMs: 10000 })));
  await Promise.all([first, ...rest]);
  assert.equal(recorder.stats.commits, 3, "one commit for the first, one for the five that waited");
  await store.close();
});

test("digests from the agent's meta-data; crm_simulate accepts what was recorded and plans nothing", { skip: !existsSync("/usr/lib/ocf/resource.d/pacemaker/Dummy") && "no ocf:pacemaker:Dummy" }, async () => {
  const store = await openStore(2);
  const recorder = new ResultRecorder(store, new AgentInfoCache());
  let call = 0;
  const outcome = () => ({ callId: ++call, rc: 0, opStatus: 0, lastRcChange: Math.floor(Date.now() / 1000), execTimeMs: 5, queueTimeMs: 0 });
  for (const id of ["d0", "d1"]) {
    await recorder.submit(op(id, "monitor", { targetRc: 7, outcome: { ...outcome(), rc: 7 } }));
    await recorder.submit(op(id, "start", { outcome: outcome() }));
    await recorder.submit(op(id, "monitor", { intervalMs: 10000, outcome: outcome() }, { CRM_meta_name: "monitor", CRM_meta_timeout: "20000" }));
  }
  const o = ops(store.snapshot());
  assert.equal(o.d0_last_0["op-force-restart"], "  state  ", "Dummy: state cannot be reloaded");
  assert.equal(o.d0_last_0["op-secure-params"], "  passwd  ");
  assert.ok(o.d0_last_0["op-restart-digest"] && o.d0_last_0["op-secure-digest"]);
  const file = join(dirs[dirs.length - 1], "copy.xml");
  await writeFile(file, store.text());
  const r = spawnSync("crm_simulate", ["-x", file, "-S"], { encoding: "utf8", timeout: 30_000 });
  if (r.error) return; // crm_simulate not installed
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /d0\s+\(ocf:pacemaker:Dummy\):\s+Started node1/);
  assert.match(r.stdout, /d1\s+\(ocf:pacemaker:Dummy\):\s+Started node1/);
  assert.match(r.stdout, /Transition Summary:\n\nExecuting Cluster Transition:\n\nRevised/, "nothing left to do");
  await store.close();
});
