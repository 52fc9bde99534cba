// The scheduler's lookup indexes (actions by key and node, links by target action) against
// the plain list scans they replace, over random sequences of the operations that touch them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findActions } from "../src/scheduler/actions.js";
import { orderActions } from "../src/scheduler/ordering.js";
import type { Action, Node } from "../src/scheduler/types.js";

/** A small deterministic generator (tests must not depend on Math.random's seed). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function action(id: number, key: string, node: Node | undefined): Action {
  return { id, key, task: key, node, interval: 0, optional: true, runnable: true, pseudo: false, meta: new Map(), before: [], after: [] };
}

/** findActions as it was: a scan that gives node-less actions the node asked for. */
function scan(list: Action[], key: string, node: Node | null): Action[] {
  const out: Action[] = [];
  for (const a of list) {
    if (a.key !== key) continue;
    if (!node) out.push(a);
    else if (!a.node) {
      a.node = node;
      out.push(a);
    } else if (a.node === node) out.push(a);
  }
  return out;
}

test("findActions by key and node gives what a scan gives, as actions are added and placed", () => {
  const nodes = [1, 2, 3].map((i) => ({ uname: `n${i}` }) as Node);
  const keys = ["r_start_0", "r_stop_0", "r_monitor_0"];
  for (let seed = 1; seed <= 20; seed++) {
    const rand = rng(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    // Two copies of the same history: one searched through the index, one by scanning.
    const indexed: Action[] = [];
    const plain: Action[] = [];
    for (let step = 0; step < 300; step++) {
      const r = rand();
      const key = pick(keys);
      if (r < 0.35) {
        const node = rand() < 0.3 ? undefined : pick(nodes);
        indexed.push(action(step, key, node));
        plain.push(action(step, key, node));
      } else if (r < 0.45) {
        // A node given outside findActions (as loadStopped does).
        const i = indexed.findIndex((a) => !a.node);
        if (i >= 0) indexed[i].node = plain[i].node = pick(nodes);
      } else {
        const node = rand() < 0.3 ? null : pick(nodes);
        const got = findActions(indexed, key, node).map((a) => a.id);
        const want = scan(plain, key, node).map((a) => a.id);
        assert.deepEqual(got, want, `seed ${seed} step ${step}: ${key} on ${node?.uname ?? "any node"}`);
        assert.deepEqual(indexed.map((a) => a.node?.uname), plain.map((a) => a.node?.uname), `seed ${seed} step ${step}: node assignments`);
      }
    }
  }
});

test("orderActions skips a link only when one with a shared flag exists, also after the list was replaced", () => {
  const rand = rng(7);
  const first = action(0, "a_start_0", undefined);
  const thens = [1, 2, 3, 4].map((i) => action(i, `b${i}_start_0`, undefined));
  const expected: { id: number; flags: number }[] = [];
  for (let step = 0; step < 400; step++) {
    const then = thens[Math.floor(rand() * thens.length)];
    const flags = 1 << Math.floor(rand() * 4);
    if (rand() < 0.05) {
      // Links dropped and added behind orderActions' back (collective-action expansion does this).
      first.after = first.after.filter((l) => l.action !== then);
      for (let i = expected.length - 1; i >= 0; i--) if (expected[i].id === then.id) expected.splice(i, 1);
      continue;
    }
    if (rand() < 0.05) {
      first.after.unshift({ action: then, flags });
      expected.unshift({ id: then.id, flags });
      continue;
    }
    const exists = expected.some((l) => l.id === then.id && (l.flags & flags) !== 0);
    assert.equal(orderActions(first, then, flags), !exists, `step ${step}`);
    if (!exists) expected.unshift({ id: then.id, flags });
    assert.deepEqual(first.after.map((l) => ({ id: l.action.id, flags: l.flags })), expected, `step ${step}`);
  }
});
