import { test } from "node:test";
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { ALL, ClusterError, type ClusterEvent } from "../src/cluster/cluster-layer.js";
import { localNodeName } from "../src/cluster/node-name.js";
import { SingleHostCluster } from "../src/cluster/single-host.js";

test("the node name defaults to uname -n and is checked", () => {
  assert.equal(localNodeName(), hostname());
  assert.equal(localNodeName("node-1.example"), "node-1.example");
  assert.throws(() => localNodeName(""), /configured node name is empty/);
  assert.throws(() => localNodeName("bad name"), (e: unknown) => e instanceof ClusterError && /"bad name" is not a valid node name/.test(e.message));
});

test("before start nothing is known; after start this host is the only member, quorate, and the DC", async () => {
  const cluster = new SingleHostCluster({ nodeName: "alpha" });
  assert.equal(cluster.isDc(), false);
  assert.equal(cluster.membership().quorate, false);
  const events: ClusterEvent[] = [];
  cluster.on((e) => events.push(e));
  await cluster.start();
  assert.equal(events.length, 1, "the first view is delivered before start resolves");
  assert.deepEqual(events[0], {
    type: "membership",
    membership: { view: 1, nodes: [{ id: "1", name: "alpha", member: true }], quorate: true, dc: "1" },
    joined: ["1"],
    left: [],
  });
  assert.deepEqual(cluster.localNode(), { id: "1", name: "alpha", member: true });
  assert.equal(cluster.isDc(), true);
  assert.equal(cluster.infrastructure, "single-host");
  await assert.rejects(cluster.start(), /cannot start the cluster layer: it is running/);
  await cluster.stop();
  assert.equal(cluster.isDc(), false);
});

test("messages to ALL or to this node come back asynchronously, in order, as copies", async () => {
  const cluster = new SingleHostCluster({ nodeName: "alpha", nodeId: "7" });
  const got: string[] = [];
  cluster.on((e) => {
    if (e.type === "message") got.push(`${e.message.from}:${e.message.topic}:${JSON.stringify(e.message.payload)}`);
  });
  await cluster.start();
  const payload = { n: 1, list: [1, 2] };
  const sent = [cluster.send(ALL, "a", payload), cluster.send("7", "b", "two"), cluster.send(ALL, "c", null)];
  payload.n = 99; // the sender's later changes do not reach the receiver
  assert.deepEqual(got, [], "nothing is delivered synchronously");
  await Promise.all(sent);
  assert.deepEqual(got, ['7:a:{"n":1,"list":[1,2]}', '7:b:"two"', "7:c:null"]);
  await cluster.stop();
});

test("sending to a non-member, a non-JSON payload, or after stop is refused", async () => {
  const cluster = new SingleHostCluster({ nodeName: "alpha" });
  await assert.rejects(cluster.send(ALL, "x", 1), /not running/);
  await cluster.start();
  await assert.rejects(cluster.send("2", "x", 1), /cannot send "x" to node 2: not a member/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(cluster.send(ALL, "x", cyclic), /payload is not JSON/);
  await assert.rejects(cluster.send(ALL, "x", undefined), /payload is not JSON/);
  await cluster.stop();
  await assert.rejects(cluster.send(ALL, "x", 1), /not running/);
  assert.throws(() => new SingleHostCluster({ nodeName: "a", nodeId: "0" }), /node id "0" is not a positive integer/);
});

test("a failing listener does not stop delivery to the others", async () => {
  const errors: string[] = [];
  const cluster = new SingleHostCluster({ nodeName: "alpha", onListenerError: (err) => errors.push((err as Error).message) });
  const got: string[] = [];
  cluster.on(() => {
    throw new Error("boom");
  });
  const off = cluster.on((e) => got.push(e.type));
  await cluster.start();
  await cluster.send(ALL, "t", 1);
  off();
  await cluster.send(ALL, "t", 2);
  assert.deepEqual(got, ["membership", "message"]);
  assert.deepEqual(errors, ["boom", "boom", "boom"]);
  await cluster.stop();
});
