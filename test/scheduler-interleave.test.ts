// Interleave (instance pairing) between clones and between a bundle and a clone. The whole
// runs are compared with crm_simulate 2.1.5 in scheduler-fixtures.test.ts and
// scheduler-bundle.test.ts (clone-interleave-start/-stop, clone-min-ordering,
// bundle-clone-interleave); here the pairing itself and the orderings it makes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseXml } from "../src/cib/xml.js";
import { parseCib } from "../src/cib/model-parse.js";
import { schedule } from "../src/scheduler/schedule.js";
import { compatibleMember, interleaves } from "../src/scheduler/interleave.js";
import type { Action, WorkingSet } from "../src/scheduler/types.js";

const fixtures = join(import.meta.dirname, "..", "..", "test", "fixtures");

function run(dir: string, name: string): WorkingSet {
  const model = parseCib(parseXml(readFileSync(join(fixtures, dir, `${name}.xml`), "utf8")));
  return schedule(model, model.executionDate ?? 0, { scores: false }).ws;
}

function action(ws: WorkingSet, key: string, node?: string): Action {
  const a = ws.actions.find((x) => x.key === key && (node === undefined || x.node?.uname === node));
  assert.ok(a, `no action ${key}${node ? " on " + node : ""}`);
  return a;
}

const inputsOf = (a: Action) => a.before.map((b) => `${b.action.key}${b.action.node ? "@" + b.action.node.uname : ""}`);

test("each instance of an interleaved clone waits for its partner on the same node", () => {
  const ws = run("scheduler", "clone-interleave-start");
  const a = ws.rscById.get("A-clone")!;
  const b = ws.rscById.get("B-clone")!;
  assert.equal(interleaves(action(ws, "A-clone_running_0"), action(ws, "B-clone_start_0")), true);
  for (const inst of b.children) {
    const node = inst.assigned;
    if (!node) continue;
    const partner = compatibleMember(inst, a, false)!;
    assert.equal(partner.assigned, node);
    assert.ok(inputsOf(action(ws, `${inst.id}_start_0`)).includes(`${partner.id}_start_0@${node.uname}`));
    // ... and not for the other instances of A.
    for (const other of a.children) if (other !== partner) assert.ok(!inputsOf(action(ws, `${inst.id}_start_0`)).some((i) => i.startsWith(`${other.id}_start_0`)));
  }
});

test("an instance whose node has no partner stays stopped", () => {
  const ws = run("scheduler", "clone-interleave-start");
  const onN3 = ws.rscById.get("B-clone")!.children.filter((i) => i.assigned?.uname === "n3");
  assert.deepEqual(onN3, []);
  // Three B instances, only two placed (n1, n2): A may not run on n3.
  assert.deepEqual(ws.rscById.get("B-clone")!.children.map((i) => i.assigned?.uname ?? "-").sort(), ["-", "n1", "n2"]);
});

test("stopping an instance first stops its partner on that node only", () => {
  const ws = run("scheduler", "clone-interleave-stop");
  const aStop = ws.actions.find((x) => x.rsc?.parent?.id === "A-clone" && x.task === "stop" && !x.optional)!;
  assert.equal(aStop.node!.uname, "n3");
  const bStops = ws.actions.filter((x) => x.rsc?.parent?.id === "B-clone" && x.task === "stop" && !x.optional);
  assert.deepEqual(bStops.map((x) => x.node!.uname), ["n3"]);
  assert.ok(inputsOf(aStop).includes(`${bStops[0].key}@n3`));
});

test("without interleave the whole clone is waited for", () => {
  const ws = run("scheduler", "clone-min-ordering");
  const a = ws.rscById.get("A-clone")!;
  const g = action(ws, "G_start_0");
  assert.equal(interleaves(action(ws, "A-clone_running_0"), g), false);
  // clone-min=2 with one placeable instance: the gate pseudo-action and G stay unrunnable.
  const gate = action(ws, "clone-one-or-more:A-then-G");
  assert.equal(gate.requiredRunnableBefore, 2);
  assert.equal(gate.runnable, false);
  assert.equal(g.runnable, false);
  assert.equal(a.children.filter((i) => i.assigned).length, 1);
});

test("a clone ordered after a bundle pairs each instance with the container on its node", () => {
  const ws = run("scheduler-bundle", "bundle-clone-interleave");
  const db = ws.rscById.get("db")!;
  const agents = ws.rscById.get("agent-clone")!.children;
  for (const inst of agents) {
    if (!inst.assigned) continue;
    const container = compatibleMember(inst, db, false)!;
    assert.equal(container.id.startsWith("db-docker-"), true);
    assert.equal(container.assigned, inst.assigned);
    assert.ok(inputsOf(action(ws, `${inst.id}_start_0`)).includes(`${container.id}_start_0@${inst.assigned.uname}`));
  }
  // The bundle may not run on node3: no agent there.
  assert.equal(agents.some((i) => i.assigned?.uname === "node3"), false);
});
