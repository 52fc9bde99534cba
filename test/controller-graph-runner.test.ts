// GraphRunner with a scripted dispatcher: firing order, limits, abort, deadlines, pseudo and
// cluster events; results land in a real CIB store through the recorder.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { child, element, walk } from "../src/cib/xml.js";
import { CibStore } from "../src/controller/cib-store.js";
import { ResultRecorder } from "../src/controller/result-recorder.js";
import { GraphRunner, type GraphRunnerOptions } from "../src/controller/graph-runner.js";
import type { ActionDispatcher, ActionOutcome, DispatchEvent } from "../src/controller/action-dispatch.js";
import type { GraphAction, Synapse, TransitionGraph } from "../src/scheduler/graph/types.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function openStore(): Promise<CibStore> {
  const dir = await mkdtemp(join(tmpdir(), "pacer-gr-"));
  dirs.push(dir);
  const store = await CibStore.open({ stateDir: dir, origin: "node1", checkModel: false });
  await store.update((cib) => {
    child(child(cib, "configuration")!, "nodes")!.children.push(element("node", { id: "1", uname: "node1" }));
    child(cib, "status")!.children.push(element("node_state", { id: "1", uname: "node1", in_ccm: "true", crmd: "online" }));
  });
  return store;
}

/** Answers each action after `delay(action)` ms with `rc(action)`; logs start and end. */
class ScriptedDispatcher extends EventEmitter<{ event: [DispatchEvent] }> implements ActionDispatcher {
  log: string[] = [];
  running = 0;
  maxRunning = 0;
  constructor(
    private readonly rc: (a: GraphAction) => number = () => 0,
    private readonly delay: (a: GraphAction) => number = () => 20,
  ) {
    super();
  }
  /** Called as each action begins. */
  onBegin?: (a: GraphAction) => void;
  async run(action: GraphAction): Promise<ActionOutcome> {
    this.log.push(`begin ${action.operationKey}`);
    this.onBegin?.(action);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const ms = this.delay(action);
    if (ms < 0) return new Promise(() => {}); // never answers
    await new Promise((r) => setTimeout(r, ms));
    this.running--;
    this.log.push(`end ${action.operationKey}`);
    return { callId: action.id, rc: this.rc(action), opStatus: 0, lastRcChange: 1700000000, execTimeMs: ms, queueTimeMs: 0 };
  }
  connectedNodes(): string[] {
    return [];
  }
  async close(): Promise<void> {}
}

let nextId = 1;
function rscOp(rsc: string, task: string, attrs: Record<string, string> = {}, node = "node1"): GraphAction {
  const interval = attrs.CRM_meta_interval ?? "0";
  return {
    kind: "rsc_op",
    id: nextId++,
    operation: task,
    operationKey: `${rsc}_${task}_${interval}`,
    onNode: node,
    onNodeUuid: "1",
    primitive: { id: rsc, class: "ocf", provider: "pacemaker", type: "Dummy" },
    attributes: { CRM_meta_timeout: "20000", ...attrs },
  };
}
function pseudo(key: string): GraphAction {
  return { kind: "pseudo_event", id: nextId++, operation: key.split("_")[1] ?? key, operationKey: key, attributes: {} };
}

function graph(pairs: [GraphAction, GraphAction[]][], extra: Partial<TransitionGraph> = {}): TransitionGraph {
  const synapses: Synapse[] = pairs.map(([a, inputs], i) => ({ id: i, actions: [a], inputs }));
  return { clusterDelay: "60s", stonithTimeout: "60s", failedStopOffset: "INFINITY", failedStartOffset: "INFINITY", batchLimit: "0", transitionId: 7, crmFeatureSet: "3.16.1", synapses, ...extra };
}

async function run(g: TransitionGraph, d: ActionDispatcher, over: Partial<GraphRunnerOptions> = {}) {
  const store = await openStore();
  const recorder = new ResultRecorder(store, undefined);
  const lines: string[] = [];
  const runner = new GraphRunner({
    graph: g,
    transitionId: 7,
    uuid: "uuid",
    dispatcher: d,
    recorder,
    clusterNodes: new Set(["node1"]),
    nodeNames: new Map([["1", "node1"]]),
    nodeActionLimit: 4,
    batchLimit: 0,
    clusterDelayMs: 1000,
    log: (m) => lines.push(m),
    ...over,
  });
  const result = await runner.run();
  await store.close();
  return { result, lines, store, recorder, runner };
}

test("synapses fire when their inputs completed; pseudo-events complete at once; every result is recorded", async () => {
  const probeA = rscOp("a", "monitor", { CRM_meta_op_target_rc: "7" });
  const startA = rscOp("a", "start");
  const done = pseudo("grp_running_0");
  const startB = rscOp("b", "start");
  const monB = rscOp("b", "monitor", { CRM_meta_interval: "10000" });
  const d = new ScriptedDispatcher((a) => (a === probeA ? 7 : 0));
  const g = graph([
    [monB, [startB]],
    [startB, [done]],
    [done, [startA]],
    [startA, [probeA]],
    [probeA, []],
  ]);
  const { result, lines, store, recorder } = await run(g, d);
  assert.deepEqual(result, { state: "complete", reason: undefined, actions: 4, failed: 0, fencingFailed: [], unfired: 0 });
  assert.deepEqual(d.log, ["begin a_monitor_0", "end a_monitor_0", "begin a_start_0", "end a_start_0", "begin b_start_0", "end b_start_0", "begin b_monitor_10000", "end b_monitor_10000"]);
  const recorded = [...walk(store.snapshot())].filter((e) => e.name === "lrm_rsc_op").map((e) => `${e.attrs.id} ${e.attrs["transition-key"]}`);
  assert.deepEqual(recorded.sort(), [`a_last_0 ${startA.id}:7:0:uuid`, `b_last_0 ${startB.id}:7:0:uuid`, `b_monitor_10000 ${monB.id}:7:0:uuid`]);
  assert.equal(recorder.stats.commits, 4, "one commit per step of this chain");
  assert.ok(lines.includes("transition 7: probe a on node1 → not running (rc 7, " + lines.find((l) => l.startsWith("transition 7: probe a"))!.split("(rc 7, ")[1]));
  assert.match(lines.join("\n"), /transition 7: start a on node1 → ok \(rc 0, \d+ ms\)/);
});

test("limits: per node, and batch-limit for the whole graph", async () => {
  const starts = Array.from({ length: 6 }, (_, i) => rscOp(`r${i}`, "start", {}, i % 2 ? "node1" : "node2"));
  const d1 = new ScriptedDispatcher();
  await run(graph(starts.map((a) => [a, []])), d1, { nodeActionLimit: 1 });
  assert.equal(d1.maxRunning, 2, "one per node");
  const d2 = new ScriptedDispatcher();
  const { result } = await run(graph(starts.map((a) => [a, []])), d2, { nodeActionLimit: 10, batchLimit: 3 });
  assert.equal(d2.maxRunning, 3);
  assert.equal(result.actions, 6);
});

test("an unexpected result aborts: nothing new fires, in-flight actions finish and are recorded", async () => {
  const bad = rscOp("x", "start");
  const slow = rscOp("y", "start");
  const after1 = rscOp("x", "monitor", { CRM_meta_interval: "10000" });
  const after2 = rscOp("z", "start");
  const d = new ScriptedDispatcher((a) => (a === bad ? 1 : 0), (a) => (a === slow ? 200 : 10));
  const { result, store } = await run(graph([[bad, []], [slow, []], [after1, [bad]], [after2, [bad]]]), d);
  assert.equal(result.state, "aborted");
  assert.match(result.reason!, /x_start_0 on node1 did not have the expected result/);
  assert.equal(result.failed, 1);
  assert.equal(result.unfired, 2);
  assert.deepEqual(d.log, ["begin x_start_0", "begin y_start_0", "end x_start_0", "end y_start_0"]);
  const ids = [...walk(store.snapshot())].filter((e) => e.name === "lrm_rsc_op").map((e) => e.attrs.id).sort();
  assert.deepEqual(ids, ["x_last_0", "x_last_failure_0", "y_last_0"], "the slow in-flight start was still recorded");
});

test("an outside abort stops firing; on-fail=ignore failures do not abort", async () => {
  const d = new ScriptedDispatcher((a) => (a.primitive!.id === "ign" ? 1 : 0), () => 50);
  const ign = rscOp("ign", "start", { CRM_meta_on_fail: "ignore" });
  const next = rscOp("n", "start");
  const last = rscOp("l", "start");
  const store = await openStore();
  const runner = new GraphRunner({
    graph: graph([[ign, []], [next, [ign]], [last, [next]]]),
    transitionId: 8, uuid: "u", dispatcher: d, recorder: new ResultRecorder(store, undefined), clusterNodes: new Set(["node1"]), nodeNames: new Map(),
    nodeActionLimit: 4, batchLimit: 0, clusterDelayMs: 0, log: () => {},
  });
  // The change arrives while n is in flight.
  d.onBegin = (a) => {
    if (a === next) runner.abort("CIB configuration change");
  };
  const done = runner.run();
  const result = await done;
  assert.equal(result.state, "aborted");
  assert.equal(result.reason, "CIB configuration change");
  assert.deepEqual(d.log, ["begin ign_start_0", "end ign_start_0", "begin n_start_0", "end n_start_0"], "n was in flight and completed; l never fired");
  await store.close();
});

test("deadline: an action without a result by its timeout plus cluster-delay is recorded as timed out", async () => {
  const hung = rscOp("h", "stop", { CRM_meta_timeout: "100" });
  const d = new ScriptedDispatcher(() => 0, () => -1);
  const t0 = Date.now();
  const { result, store } = await run(graph([[hung, []]]), d, { clusterDelayMs: 100 });
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 190 && elapsed < 2000, `${elapsed} ms`);
  assert.equal(result.state, "aborted");
  const rec = [...walk(store.snapshot())].find((e) => e.name === "lrm_rsc_op" && e.attrs.id === "h_last_failure_0")!;
  assert.equal(rec.attrs["op-status"], "2");
  const fc = [...walk(store.snapshot())].find((e) => e.name === "nvpair" && e.attrs.name === "fail-count-h#stop_0")!;
  assert.equal(fc.attrs.value, "INFINITY", "a stop that timed out is fatal for the node");
});

test("cluster events: clear_failcount and lrm_delete act on the CIB; fencing a cluster node fails; a guest's pseudo fence records it down", async () => {
  const d = new ScriptedDispatcher();
  const clear: GraphAction = { kind: "crm_event", id: nextId++, operation: "clear_failcount", operationKey: "a_clear_failcount_0", onNode: "node1", onNodeUuid: "1", primitive: { id: "a", class: "ocf", provider: "pacemaker", type: "Dummy" }, attributes: { CRM_meta_op_no_wait: "true" } };
  const del: GraphAction = { kind: "crm_event", id: nextId++, mode: "cib", operation: "lrm_delete", operationKey: "b_lrm_delete_0", onNode: "node1", onNodeUuid: "1", primitive: { id: "b", class: "ocf", provider: "pacemaker", type: "Dummy" }, attributes: {} };
  const guestFence: GraphAction = { kind: "pseudo_event", id: nextId++, operation: "stonith", operationKey: "stonith-guest1-reboot", onNode: "guest1", onNodeUuid: "guest1", attributes: {} };
  const fence: GraphAction = { kind: "crm_event", id: nextId++, operation: "stonith", operationKey: "stonith-node1-reboot", onNode: "node1", onNodeUuid: "1", attributes: { CRM_meta_stonith_action: "reboot" } };
  const store = await openStore();
  await store.update((cib) => {
    const state = child(cib, "status")!.children[0];
    state.children.push(
      element("lrm", { id: "1" }, [element("lrm_resources", {}, [element("lrm_resource", { id: "b", class: "ocf", provider: "pacemaker", type: "Dummy" })])]),
      element("transient_attributes", { id: "1" }, [element("instance_attributes", { id: "status-1" }, [element("nvpair", { id: "x", name: "fail-count-a#monitor_10000", value: "3" })])]),
    );
    child(cib, "status")!.children.push(element("node_state", { id: "guest1", uname: "guest1", remote_node: "true", in_ccm: "true" }, [element("lrm", { id: "guest1" })]));
  });
  const lines: string[] = [];
  const runner = new GraphRunner({
    graph: graph([[clear, []], [del, []], [guestFence, []], [fence, [clear, del, guestFence]]]),
    transitionId: 9, uuid: "u", dispatcher: d, recorder: new ResultRecorder(store, undefined), clusterNodes: new Set(["node1"]), nodeNames: new Map([["1", "node1"]]),
    nodeActionLimit: 4, batchLimit: 0, clusterDelayMs: 0, log: (m) => lines.push(m),
  });
  const result = await runner.run();
  assert.equal(result.state, "aborted");
  assert.deepEqual(result.fencingFailed, ["node1"]);
  assert.match(lines.join("\n"), /fencing node1 \(reboot\) → failed: pacerd runs no fence devices/);
  const cib = store.snapshot();
  assert.equal([...walk(cib)].some((e) => e.name === "nvpair" && e.attrs.name?.startsWith("fail-count-a")), false);
  assert.equal([...walk(cib)].some((e) => e.name === "lrm_resource" && e.attrs.id === "b"), false);
  const guest = child(cib, "status")!.children.find((s) => s.attrs.uname === "guest1")!;
  assert.equal(guest.attrs.in_ccm, "false");
  assert.equal(child(guest, "lrm"), undefined);
  assert.deepEqual(d.log, [], "nothing went to the executor");
  await store.close();
});

test("record-pending: a one-shot action is recorded as pending (call-id -1, op-status -1, rc 193) while it runs, then replaced by its result", async () => {
  const start = rscOp("p", "start", { CRM_meta_record_pending: "true" });
  const store = await openStore();
  let seenPending: Record<string, string> | undefined;
  const d = new ScriptedDispatcher(() => 0, () => 150);
  d.onBegin = () => {
    setTimeout(() => {
      seenPending = [...walk(store.snapshot())].find((e) => e.name === "lrm_rsc_op" && e.attrs.id === "p_last_0")?.attrs;
    }, 100);
  };
  const runner = new GraphRunner({
    graph: graph([[start, []]]), transitionId: 10, uuid: "u", dispatcher: d, recorder: new ResultRecorder(store, undefined), clusterNodes: new Set(["node1"]), nodeNames: new Map(),
    nodeActionLimit: 4, batchLimit: 0, clusterDelayMs: 0, log: () => {},
  });
  const result = await runner.run();
  assert.equal(result.state, "complete");
  assert.deepEqual([seenPending?.["call-id"], seenPending?.["op-status"], seenPending?.["rc-code"], seenPending?.operation], ["-1", "-1", "193", "start"]);
  const final = [...walk(store.snapshot())].find((e) => e.name === "lrm_rsc_op" && e.attrs.id === "p_last_0")!.attrs;
  assert.deepEqual([final["op-status"], final["rc-code"]], ["0", "0"]);
  await store.close();
});
