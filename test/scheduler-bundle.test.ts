// Bundles in the scheduler: the implicit resources a <bundle> becomes, and whole runs against
// the real crm_simulate (test/fixtures/scheduler-bundle, made with
// `FIXTURE_DIR=test/fixtures/scheduler-bundle tools/make-fixture.sh`). The allocation scores
// of bundles are not compared: pacer does not print Pacemaker's bundle score lines yet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { simulate } from "../src/cli/simulate/run.js";
import { crmSimulateFixtureTests } from "./helpers/crm-fixtures.js";
import { parseXml } from "../src/cib/xml.js";
import { parseCib } from "../src/cib/model-parse.js";
import { unpack } from "../src/scheduler/schedule.js";
import { evaluateNvsets } from "../src/cib/nvset.js";
import type { Resource, WorkingSet } from "../src/scheduler/types.js";

const dir = join(import.meta.dirname, "..", "..", "test", "fixtures", "scheduler-bundle");
const names = crmSimulateFixtureTests(dir, { scores: false });

test("bundle fixtures are present", () => {
  assert.deepEqual(names.sort(), ["bundle-clone-interleave", "bundle-container-fails", "bundle-promote-host-attr", "bundle-running", "bundle-start"]);
});

function unpackText(xml: string): WorkingSet {
  const model = parseCib(parseXml(xml));
  return unpack(model, model.executionDate ?? 0);
}

function params(ws: WorkingSet, rsc: Resource): Record<string, string> {
  return Object.fromEntries(evaluateNvsets(rsc.def.el, "instance_attributes", { now: ws.now }, ws.idIndex));
}

const startXml = readFileSync(join(dir, "bundle-start.xml"), "utf8");

test("a bundle becomes per replica an IP, a container, a connection and an instance", () => {
  const ws = unpackText(startXml);
  const web = ws.rscById.get("web")!;
  assert.equal(web.kind, "bundle");
  assert.deepEqual(
    web.children.map((c) => c.id),
    ["web-clone", "web-ip-192.168.122.131", "web-docker-0", "web-0", "web-ip-192.168.122.132", "web-docker-1", "web-1"],
  );
  const replicas = web.bundle!.list;
  assert.equal(replicas.length, 2);
  assert.equal(replicas[1].child!.id, "httpd:1");
  assert.equal(replicas[1].node!.uname, "web-1");
  assert.equal(replicas[1].node!.kind, "guest");
  assert.equal(replicas[1].remote!.remoteNode, replicas[1].node);
  assert.equal(replicas[1].remote!.container, replicas[1].container);
  // The instance may run on its replica's guest node only.
  assert.deepEqual([...replicas[1].child!.allowed.keys()].map((n) => n.uname), ["web-1"]);
  // No other resource takes a bundle's guest node by default.
  assert.equal(ws.rscById.get("proxy-podman-0")!.allowed.has(replicas[0].node!), false);
});

test("the container's parameters carry the network, storage and port settings", () => {
  const ws = unpackText(startXml);
  const p = params(ws, ws.rscById.get("web-docker-1")!);
  assert.equal(p.image, "pcmk:http");
  assert.equal(p.run_cmd, "/usr/sbin/pacemaker-remoted");
  assert.equal(p.mount_points, "/var/log/pacemaker/bundles/web-1,/var/log/pacemaker/bundles/web-1");
  assert.equal(
    p.run_opts,
    " --restart=no -h web-1 -e PCMK_stderr=1 -e PCMK_remote_port=3121 -v /srv/html:/var/www/html:ro" +
      " -v /var/log/pacemaker/bundles/web-1:/etc/httpd/logs:rw -v /etc/pacemaker/authkey:/etc/pacemaker/authkey" +
      " -v /var/log/pacemaker/bundles/web-1:/var/log -p 192.168.122.132:80:80 -p 192.168.122.132:3121:3121" +
      " --log-driver=journald  --add-host=web-0:192.168.122.131 --add-host=web-1:192.168.122.132",
  );
  assert.deepEqual(params(ws, ws.rscById.get("web-ip-192.168.122.132")!), { ip: "192.168.122.132", nic: "eth0", cidr_netmask: "24" });
  assert.deepEqual(params(ws, ws.rscById.get("web-1")!), { addr: "192.168.122.132", port: "3121" });
  // podman, host network, no primitive: no restart option, no connection.
  const proxy = params(ws, ws.rscById.get("proxy-podman-0")!);
  assert.equal(proxy.run_opts, " -e PCMK_stderr=1 --net=host -e PCMK_remote_port=3121 ");
  assert.equal(proxy.run_cmd, undefined);
  assert.equal(ws.rscById.get("proxy-0"), undefined);
});

test("a connection without an address goes to its container's host", () => {
  const xml = startXml.replace('<network ip-range-start="192.168.122.131" host-netmask="24" host-interface="eth0">', '<network control-port="3125">');
  const got = simulate(xml, {});
  assert.match(got.graphXml, /CRM_meta_container="web-docker-0"[^>]*CRM_meta_on_node="node1"[^>]* addr="node1"[^>]* port="3125"/);
  assert.doesNotMatch(got.graphXml, /#uname/);
});

test("bundle configuration errors are named", () => {
  const variants: [string, RegExp][] = [
    [startXml.replace('<network ip-range-start="192.168.122.131" host-netmask="24" host-interface="eth0">', "<network>"), /needs ip-range-start or control-port/],
    [startXml.replace('<podman image="pcmk:haproxy" network="host"/>', '<rkt image="pcmk:haproxy"/>'), /rkt bundles are not supported/],
    [startXml.replace('<podman image="pcmk:haproxy" network="host"/>', ""), /exactly one docker, podman or rkt/],
    [startXml.replace('<bundle id="proxy">', '<primitive id="web-1" class="ocf" provider="heartbeat" type="Dummy"/><bundle id="proxy">'), /guest node of replica 'web-1' has the name of a resource/],
    [startXml.replace('ip-range-start="192.168.122.131"', 'ip-range-start="192.168.122.253"'), /leaves no address for replica 1/],
  ];
  for (const [xml, message] of variants) {
    assert.throws(() => unpackText(xml), (e: Error) => e.name === "CibError" && message.test(e.message));
  }
});

test("with container-attribute-target=host, promotion scores come from the container's host", () => {
  const xml = readFileSync(join(dir, "bundle-promote-host-attr.xml"), "utf8");
  const summary = simulate(xml, {}).summary;
  // node2 (master-dbd=10) hosts replica 1, node1 (5) replica 0: replica 1's instance is promoted.
  assert.match(summary, /\* Promote +dbd:1 +\( Unpromoted -> Promoted db-1 \)/);
  assert.doesNotMatch(summary, /Promote +dbd:0/);
});
