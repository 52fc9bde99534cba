// Planner with a real CIB store and scheduler and a scripted dispatcher: runs coalesce,
// the engine's own commits do not re-trigger it, dispatcher events are recorded and planned.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { child, element, walk, type XmlElement } from "../src/cib/xml.js";
import { CibStore } from "../src/controller/cib-store.js";
import { ResultRecorder } from "../src/controller/result-recorder.js";
import { Planner } from "../src/controller/planner.js";
import type { ActionDispatcher, ActionOutcome, DispatchEvent } from "../src/controller/action-dispatch.js";
import type { GraphAction } from "../src/scheduler/graph/types.js";
import { sleep, until } from "./helpers/wait.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Probes: not running; everything else: ok, after `delayMs`. */
class FakeCluster extends EventEmitter<{ event: [DispatchEvent] }> implements ActionDispatcher {
  ran: string[] = [];
  /** The executor's call counter (call ids only grow, as a real executor's). */
  call = 0;
  /** rc of recurring monitors' first run (7: fails right after every start). */
  monitorRc = 0;
  constructor(private readonly delayMs = 30) {
    super();
  }
  async run(action: GraphAction): Promise<ActionOutcome> {
    this.ran.push(`${action.operationKey}@${action.onNode}`);
    await sleep(this.delayMs);
    const probe = action.operation === "monitor" && (action.attributes.CRM_meta_interval ?? "0") === "0";
    const recurring = action.operation === "monitor" && !probe;
    return { callId: ++this.call, rc: probe ? 7 : recurring ? this.monitorRc : 0, opStatus: 0, lastRcChange: Math.floor(Date.now() / 1000), execTimeMs: this.delayMs, queueTimeMs: 0 };
  }
  connectedNodes(): string[] {
    return [];
  }
  async close(): Promise<void> {}
}

function primitive(id: string): XmlElement {
  return element("primitive", { id, class: "ocf", provider: "pacemaker", type: "Dummy" }, [
    element("operations", {}, [element("op", { id: `${id}-mon`, name: "monitor", interval: "10s", timeout: "20s" })]),
  ]);
}

async function setup(delayMs = 30) {
  const dir = await mkdtemp(join(tmpdir(), "pacer-planner-"));
  dirs.push(dir);
  const store = await CibStore.open({ stateDir: dir, origin: "node1" });
  await store.update((cib) => {
    const conf = child(cib, "configuration")!;
    child(conf, "crm_config")!.children.push(element("cluster_property_set", { id: "o" }, [element("nvpair", { id: "o-st", name: "stonith-enabled", value: "false" })]));
    child(conf, "nodes")!.children.push(element("node", { id: "1", uname: "node1" }));
    cib.attrs["have-quorum"] = "1";
    cib.attrs["dc-uuid"] = "1";
    child(cib, "status")!.children.push(element("node_state", { id: "1", uname: "node1", in_ccm: "true", crmd: "online", join: "member", expected: "member" }));
  }, { client: "test" });
  const dispatcher = new FakeCluster(delayMs);
  const recorder = new ResultRecorder(store, undefined);
  const log: string[] = [];
  const planner = new Planner({ store, dispatcher, recorder, log: (m) => log.push(m), uuid: "u" });
  return { store, dispatcher, recorder, planner, log };
}

const started = (cib: XmlElement, id: string) => [...walk(cib)].some((e) => e.name === "lrm_rsc_op" && e.attrs.id === `${id}_last_0` && e.attrs.operation === "start");
const idle = (p: Planner) => p.status().state === "idle";

test("changes during a run abort it and lead to exactly one more plan; then it stays idle", async () => {
  const { store, dispatcher, planner, log } = await setup(40);
  planner.start();
  await store.update((cib) => void child(child(cib, "configuration")!, "resources")!.children.push(primitive("a")), { client: "test" });
  await until(() => dispatcher.ran.length > 0, 5000, "the first transition runs");
  for (const id of ["b", "c", "d", "e"]) await store.update((cib) => void child(child(cib, "configuration")!, "resources")!.children.push(primitive(id)), { client: "test" });
  await until(() => idle(planner) && ["a", "b", "c", "d", "e"].every((id) => started(store.snapshot(), id)), 15_000, "all started");
  const planned = log.filter((l) => /action\(s\) planned/.test(l));
  assert.ok(log.some((l) => /aborted: CIB configuration change \(test\)/.test(l)), log.join("\n"));
  // The four updates arrived while one transition was running: one abort, one replan for them all.
  assert.ok(planned.length <= 3, `transitions with actions: ${planned.length}\n${log.join("\n")}`);
  const id = planner.status().transition!.id;
  await sleep(400);
  assert.equal(planner.status().transition!.id, id, "the engine's own commits do not trigger more plans");
  assert.equal(planner.status().state, "idle");
  assert.ok(planner.status().commits > 0);
  await planner.stop();
  await store.close();
});

test("a recurring-result event is recorded (fail count) and planned: the resource is recovered", async () => {
  const { store, dispatcher, planner, log } = await setup(5);
  planner.start();
  await store.update((cib) => void child(child(cib, "configuration")!, "resources")!.children.push(primitive("r")), { client: "test" });
  await until(() => idle(planner) && started(store.snapshot(), "r"), 10_000, "r started");
  const monitor = [...walk(store.snapshot())].find((e) => e.name === "lrm_rsc_op" && e.attrs.id === "r_monitor_10000")!;
  const before = dispatcher.ran.length;
  dispatcher.emit("event", {
    kind: "recurring-result",
    node: "node1",
    resource: { id: "r", class: "ocf", provider: "pacemaker", type: "Dummy" },
    task: "monitor",
    intervalMs: 10000,
    transitionKey: monitor.attrs["transition-key"],
    params: { CRM_meta_interval: "10000", CRM_meta_timeout: "20000", CRM_meta_name: "monitor" },
    outcome: { callId: ++dispatcher.call, rc: 7, opStatus: 0, lastRcChange: Math.floor(Date.now() / 1000), execTimeMs: 1, queueTimeMs: 0 },
  });
  await until(() => idle(planner) && dispatcher.ran.slice(before).includes("r_start_0@node1"), 10_000, "r recovered");
  assert.deepEqual(dispatcher.ran.slice(before), ["r_stop_0@node1", "r_start_0@node1", "r_monitor_10000@node1"]);
  assert.equal([...walk(store.snapshot())].find((e) => e.name === "nvpair" && e.attrs.name === "fail-count-r#monitor_10000")?.attrs.value, "1");
  assert.match(log.join("\n"), /Recover\s+r\s+\( node1 \)/);
  await planner.stop();
  await store.close();
});

test("stop with stopResources plans a stop of everything without writing stop-all-resources", async () => {
  const { store, dispatcher, planner } = await setup(5);
  planner.start();
  await store.update((cib) => void child(child(cib, "configuration")!, "resources")!.children.push(primitive("s1"), primitive("s2")), { client: "test" });
  await until(() => idle(planner) && started(store.snapshot(), "s1") && started(store.snapshot(), "s2"), 10_000, "started");
  await planner.stop({ stopResources: true, timeoutMs: 10_000 });
  assert.ok(dispatcher.ran.includes("s1_stop_0@node1") && dispatcher.ran.includes("s2_stop_0@node1"), dispatcher.ran.join(" "));
  assert.doesNotMatch(store.text(), /stop-all-resources/);
  assert.equal(planner.status().state, "stopped");
  await store.close();
});

test("a guest's connection coming up starts its history over; going away marks it not in the membership", async () => {
  const { store, dispatcher, planner } = await setup(5);
  await store.update((cib) => {
    child(cib, "status")!.children.push(
      element("node_state", { id: "g1", uname: "g1", remote_node: "true", in_ccm: "false" }, [
        element("lrm", { id: "g1" }, [element("lrm_resources", {}, [element("lrm_resource", { id: "x", class: "ocf", provider: "pacemaker", type: "Dummy" })])]),
        element("transient_attributes", { id: "g1" }, [element("instance_attributes", { id: "status-g1" }, [element("nvpair", { id: "n", name: "fail-count-x#monitor_10000", value: "1" })])]),
      ]),
    );
  }, { client: "test" });
  planner.start();
  await until(() => idle(planner), 5000, "idle");
  const g1 = () => child(store.snapshot(), "status")!.children.find((s) => s.attrs.uname === "g1")!;
  (dispatcher as unknown as EventEmitter).emit("node", "g1", true);
  await until(() => g1().attrs.in_ccm === "true", 5000, "g1 recorded up");
  assert.equal(child(g1(), "lrm"), undefined);
  assert.equal(child(g1(), "transient_attributes"), undefined);
  assert.equal(g1().attrs["crm-debug-origin"], "remote_node_up");
  (dispatcher as unknown as EventEmitter).emit("node", "g1", false);
  await until(() => g1().attrs.in_ccm === "false", 5000, "g1 recorded down");
  await planner.stop();
  await store.close();
});

test("a plan that never converges (a monitor failing right after every start) stops after the same graph 10 times", async () => {
  const { store, dispatcher, planner, log } = await setup(2);
  dispatcher.monitorRc = 7;
  planner.start();
  await store.update((cib) => void child(child(cib, "configuration")!, "resources")!.children.push(primitive("bad")), { client: "test" });
  await until(() => log.some((l) => /the same graph ran 10 times in a row/.test(l)), 20_000, "the loop stops");
  await until(() => idle(planner), 5000, "idle");
  const starts = dispatcher.ran.filter((r) => r === "bad_start_0@node1").length;
  await sleep(300);
  assert.equal(dispatcher.ran.filter((r) => r === "bad_start_0@node1").length, starts, "no more transitions");
  assert.ok(starts >= 10 && starts <= 12, `${starts} starts`);
  await planner.stop();
  await store.close();
});
