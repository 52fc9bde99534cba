import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseXml } from "../src/cib/xml.js";
import { formatPcmkXml } from "../src/cib/pcmk-format.js";
import { readGraphXml, type Synapse, type TransitionGraph } from "../src/scheduler/graph/index.js";
import { executeTransition, ExecuteError, firePasses } from "../src/cli/simulate/execute.js";
import { conformanceDir, fixture } from "./helpers/fixtures.js";

/** The items of the "Executing Cluster Transition" section, as printed. */
function executingSection(summary: string): string[] {
  const lines = summary.split("\n");
  const start = lines.indexOf("Executing Cluster Transition:");
  assert.ok(start >= 0, "summary has an Executing section");
  const items: string[] = [];
  for (let i = start + 1; i < lines.length && lines[i].startsWith("  * "); i++) items.push(lines[i].slice(4));
  return items;
}

/** crm_simulate stamps fake results with the wall clock. */
const untimed = (xml: string) => xml.replace(/last-rc-change="\d+"/g, 'last-rc-change="T"');

for (const name of ["basic", "fencing", "promotable"]) {
  test(`execute ${name}: same lines and same revised CIB as crm_simulate`, () => {
    const cib = parseXml(fixture("sim", `${name}.xml`));
    const before = formatPcmkXml(cib, { pretty: true });
    const result = executeTransition(cib, readGraphXml(fixture("sim", `${name}.graph`)), { now: 1800000000 });
    assert.deepEqual(result.lines, executingSection(fixture("sim", `${name}.summary`)));
    assert.equal(untimed(formatPcmkXml(result.cib, { pretty: true })), untimed(fixture("sim", `${name}.out.xml`)));
    assert.equal(formatPcmkXml(cib, { pretty: true }), before, "the input CIB is not modified");
    assert.deepEqual(result.unfired, []);
    assert.match(formatPcmkXml(result.cib), /last-rc-change="1800000000"/);
  });
}

test("execute: a synapse whose input never completes does not fire and is reported", () => {
  const graph = readGraphXml(fixture("sim", "basic.graph"));
  const victim = graph.synapses.find((s) => s.inputs.length > 0)!;
  const cut: TransitionGraph = { ...graph, synapses: graph.synapses.map((s) => (s === victim ? { ...s, inputs: [...s.inputs, { ...s.inputs[0], id: 9999 }] } : s)) };
  const result = executeTransition(parseXml(fixture("sim", "basic.xml")), cut, { now: 0 });
  assert.ok(result.unfired.some((s) => s.id === victim.id));
  assert.ok(result.lines.length < executingSection(fixture("sim", "basic.summary")).length);
});

test("execute: a resource operation without a resource is an error naming the action", () => {
  const graph = readGraphXml(fixture("sim", "basic.graph"));
  const action = graph.synapses.flatMap((s) => s.actions).find((a) => a.kind === "rsc_op")!;
  delete action.primitive;
  assert.throws(() => executeTransition(parseXml(fixture("sim", "basic.xml")), graph, { now: 0 }), (e: unknown) => e instanceof ExecuteError && e.message.includes(`action ${action.id} (${action.operationKey})`));
});

test("execute: events without a node and notifications without their details are errors", () => {
  const load = () => readGraphXml(fixture("sim", "fencing.graph"));
  const graph = load();
  const fence = graph.synapses.flatMap((s) => s.actions).find((a) => a.operation === "stonith")!;
  delete fence.onNode;
  assert.throws(() => executeTransition(parseXml(fixture("sim", "fencing.xml")), graph, { now: 0 }), /stonith event without on_node/);
  const promo = readGraphXml(fixture("sim", "promotable.graph"));
  const notify = promo.synapses.flatMap((s) => s.actions).find((a) => a.operation === "notify")!;
  delete notify.attributes.CRM_meta_notify_type;
  assert.throws(() => executeTransition(parseXml(fixture("sim", "promotable.xml")), promo, { now: 0 }), (e: unknown) => e instanceof ExecuteError && e.message.includes(`action ${notify.id}`) && /CRM_meta_notify_type/.test(e.message));
});

test("execute: every regression case reproduces its Executing section (skipped without ../shared)", (t) => {
  const dir = conformanceDir();
  if (!dir) return t.skip("conformance cases not present");
  let count = 0;
  for (const file of readdirSync(join(dir, "xml"))) {
    const name = file.replace(/\.xml$/, "");
    if (name === "bundle-order-partial") continue; // stale summary, not in Pacemaker's list
    const summary: string = readFileSync(join(dir, "summary", `${name}.summary`), "utf8");
    const result = executeTransition(parseXml(readFileSync(join(dir, "xml", file), "utf8")), readGraphXml(readFileSync(join(dir, "exp", `${name}.exp`), "utf8")), { now: 0 });
    assert.deepEqual(result.lines, executingSection(summary), name);
    count++;
  }
  assert.ok(count > 600);
});

test("execute: the pass order equals the plain pass-by-pass walk on random graphs", () => {
  // The plain rule: walk all synapses in order, fire each whose inputs are confirmed; repeat.
  const naive = (synapses: Synapse[]): number[] => {
    const order: number[] = [];
    const confirmed = new Set<number>();
    const fired = new Set<number>();
    for (let progress = true; progress; ) {
      progress = false;
      for (const s of synapses) {
        if (fired.has(s.id) || !s.inputs.every((i) => confirmed.has(i.id))) continue;
        fired.add(s.id);
        order.push(s.id);
        progress = true;
        for (const a of s.actions) confirmed.add(a.id);
      }
    }
    return order;
  };
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 200; round++) {
    const n = 1 + Math.floor(random() * 40);
    const actions = Array.from({ length: n }, (_, i) => ({ kind: "pseudo_event" as const, id: 1000 + i, operation: "x", operationKey: `a${i}`, attributes: {} }));
    const synapses: Synapse[] = actions.map((a, i) => ({ id: i, actions: [a], inputs: [] }));
    for (const s of synapses) {
      const k = Math.floor(random() * 4);
      for (let j = 0; j < k; j++) {
        const target = actions[Math.floor(random() * n)];
        if (target !== s.actions[0] || random() < 0.05) s.inputs.push(target); // rarely a self-loop: never fires
      }
    }
    const order: number[] = [];
    const fired = firePasses(synapses, (s) => order.push(s.id));
    assert.deepEqual(order, naive(synapses), `round ${round}`);
    assert.deepEqual(fired.map((f, i) => (f ? i : -1)).filter((i) => i >= 0).sort((a, b) => a - b), [...order].sort((a, b) => a - b));
  }
});
