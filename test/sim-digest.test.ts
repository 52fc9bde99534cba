import { test } from "node:test";
import assert from "node:assert/strict";
import { parseXml, walk, type XmlElement } from "../src/cib/xml.js";
import { agentParamInfo, compareDigests, digestText, expectedDigests, filterForDigest, formatParamList, hashParams, isFenceParam, parseParamList, recordDigests } from "../src/cib/digest.js";
import { readGraphXml } from "../src/scheduler/graph/index.js";
import { fixture, ROOT } from "./helpers/fixtures.js";
import { existsSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

test("digest text: sorted parameters, Pacemaker escaping, leading space and newline", () => {
  assert.equal(digestText({ b: "2", a: "x<y & \"z\"\n" }), ' <parameters a="x&lt;y &amp; &quot;z&quot;\\n" b="2"/>\n');
  assert.equal(digestText({}), " <parameters/>\n");
  // Values recorded by Pacemaker 2.1.5 for no parameters, and for a lone 30 s timeout.
  assert.equal(hashParams({}), "f2317cad3d54cec5d7d7aa7d0bf35cf8");
  assert.equal(hashParams({ CRM_meta_timeout: "30000" }), "02a5bcf940fc8d3239701acb11438d6a");
});

test("digest filter drops meta and bookkeeping, keeps the timeout of recurring operations", () => {
  const params = { CRM_meta_timeout: "20000", CRM_meta_on_node: "n1", crm_feature_set: "3.16.1", on_node: "n1", on_node_uuid: "1", id: "x", "op-digest": "y", pcmk_external_ip: "z", ip: "192.0.2.1" };
  assert.deepEqual(filterForDigest(params), { ip: "192.0.2.1" });
  assert.deepEqual(filterForDigest({ ...params, CRM_meta_interval: "10000" }), { ip: "192.0.2.1", CRM_meta_timeout: "20000" });
  assert.deepEqual(filterForDigest({ ...params, CRM_meta_interval: "0" }), { ip: "192.0.2.1" });
});

test("parameter lists", () => {
  assert.deepEqual([...parseParamList("  envfile op_sleep  passwd state  ")], ["envfile", "op_sleep", "passwd", "state"]);
  assert.deepEqual([...parseParamList(undefined)], []);
  assert.equal(formatParamList(["state"]), "  state  ");
  assert.ok(isFenceParam("pcmk_host_list") && isFenceParam("pcmk_reboot_action") && isFenceParam("pcmk_off_timeout") && isFenceParam("stonith-timeout") && isFenceParam("provides"));
  assert.ok(!isFenceParam("pcmk_something") && !isFenceParam("ipaddr") && !isFenceParam("passwd"));
});

test("recorded digests: what crm_simulate wrote for every fake result in the fixtures", () => {
  let checked = 0;
  for (const name of ["basic", "fencing", "promotable"]) {
    const graph = readGraphXml(fixture("sim", `${name}.graph`));
    const out = parseXml(fixture("sim", `${name}.out.xml`));
    const byKey = new Map<string, Record<string, string>>();
    for (const a of graph.synapses.flatMap((s) => s.actions)) if (a.kind === "rsc_op") byKey.set(`${a.onNode} ${a.operationKey}`, a.attributes);
    for (const state of walk(out)) {
      if (state.name !== "node_state") continue;
      for (const op of walk(state)) {
        if (op.name !== "lrm_rsc_op" || op.attrs["crm-debug-origin"] !== "crm_simulate") continue;
        // Graph keys of anonymous clone instances carry the instance number; records do not.
        const params = byKey.get(`${state.attrs.uname} ${op.attrs.operation_key}`) ??
          [...byKey.entries()].find(([k, v]) => k.startsWith(`${state.attrs.uname} `) && recordedKey(k, v) === op.attrs.operation_key && notifyMatches(op, v))?.[1];
        assert.ok(params, `no graph action for ${op.attrs.id} on ${state.attrs.uname}`);
        assert.deepEqual(recordDigests(params), { "op-digest": op.attrs["op-digest"] }, `${name}: ${op.attrs.id}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 40, `checked ${checked}`);
});

function recordedKey(graphKey: string, params: Record<string, string>): string {
  const key = graphKey.split(" ")[1].replace(/:\d+_/, "_");
  return params.CRM_meta_notify_type ? key.replace(/_(pre|post)_notify_[a-z]+_0$/, "_notify_0") : key;
}
function notifyMatches(op: XmlElement, params: Record<string, string>): boolean {
  return op.attrs.operation !== "notify" || op.attrs.id.endsWith(`_${params.CRM_meta_notify_type}_notify_${params.CRM_meta_notify_operation}_0`);
}

test("expected digests agree with `crm_resource --digests` (fixtures/sim/digests.txt)", () => {
  const text = fixture("sim", "digests.txt");
  const cibs = new Map(["basic", "fencing"].map((n) => [n, parseXml(fixture("sim", `${n}.xml`))]));
  let checked = 0;
  for (const block of text.split(/^== /m).slice(1)) {
    const [head, ...rest] = block.split("\n");
    const [cibName, rsc, node] = head.split(" ");
    const result = parseXml(rest.join("\n"));
    const digests = result.children.find((c) => c.name === "digests")!;
    const task = digests.attrs.task;
    const interval = Number.parseInt(digests.attrs.interval, 10);
    const cib = cibs.get(cibName)!;
    const primitive = [...walk(cib)].find((e) => e.name === "primitive" && e.attrs.id === rsc)!;
    const params: Record<string, string> = {};
    for (const set of primitive.children.filter((c) => c.name === "instance_attributes")) for (const nv of set.children) params[nv.attrs.name] = nv.attrs.value;
    const state = [...walk(cib)].find((e) => e.name === "node_state" && e.attrs.uname === node)!;
    const history = [...walk(state)].find((e) => e.name === "lrm_resource" && e.attrs.id === rsc)!;
    const record = history.children.find((e) => e.attrs.operation === task && Number(e.attrs.interval) === interval)!;
    const op = [...walk(primitive)].find((e) => e.name === "op" && e.attrs.name === task && Number.parseInt(e.attrs.interval, 10) * 1000 === interval);
    const timeoutMs = interval === 0 ? undefined : Number.parseInt(op?.attrs.timeout ?? "20", 10) * 1000;
    const mine = expectedDigests({ params, intervalMs: interval, timeoutMs, fencing: primitive.attrs.class === "stonith", recorded: record.attrs });
    const want: Record<string, string> = {};
    for (const d of digests.children) want[d.attrs.type] = d.attrs.hash;
    assert.equal(mine.all, want.all, `${head}: all`);
    assert.equal(mine.secure, want.nonprivate, `${head}: nonprivate`);
    // Pacemaker compares restart digests only when the record has one.
    if (record.attrs["op-restart-digest"] !== undefined) assert.equal(mine.restart, want.nonreloadable, `${head}: nonreloadable`);
    else assert.equal(mine.restart, undefined);
    checked++;
  }
  assert.equal(checked, 7);
});

test("expected digests: recurring timeout, restart list, secure list and old histories", () => {
  const params = { ip: "192.0.2.1", passwd: "s3cret", state: "/run/x" };
  const d = expectedDigests({ params, intervalMs: 10000, timeoutMs: 30000, recorded: { "op-force-restart": " state ", "op-restart-digest": "x", "op-secure-params": " passwd ", crm_feature_set: "3.16.1" } });
  assert.equal(d.all, hashParams({ ...params, CRM_meta_timeout: "30000" }));
  assert.equal(d.restart, hashParams({ state: "/run/x" }));
  assert.equal(d.secure, hashParams({ ip: "192.0.2.1", state: "/run/x" }));
  // A restart digest recorded without a list covers every parameter.
  assert.equal(expectedDigests({ params, intervalMs: 0, recorded: { "op-restart-digest": "x", crm_feature_set: "3.0.14" } }).restart, hashParams(params));
  // No op-restart-digest recorded: nothing to compare.
  assert.equal(expectedDigests({ params, intervalMs: 0 }).restart, undefined);
  // Histories from before feature set 3.16.0: no timeout and no fence-device parameters in the secure digest.
  const old = expectedDigests({ params: { ...params, pcmk_host_list: "a b" }, intervalMs: 10000, timeoutMs: 30000, fencing: true, recorded: { "op-secure-params": " passwd ", crm_feature_set: "3.0.14" } });
  assert.equal(old.secure, hashParams({ ip: "192.0.2.1", state: "/run/x" }));
  // Without any record the default private names are left out.
  assert.equal(expectedDigests({ params: { user: "u", password: "p", passwd: "q", ip: "1" }, intervalMs: 0 }).secure, hashParams({ ip: "1" }));
  // The operation's own instance attributes are part of the digest.
  assert.equal(expectedDigests({ params, opParams: { depth: "10" }, intervalMs: 0 }).all, hashParams({ ...params, depth: "10" }));
});

test("recording digests with agent meta-data (controller side)", () => {
  const params = { CRM_meta_timeout: "20000", CRM_meta_interval: "0", ip: "1", passwd: "p", state: "s" };
  assert.deepEqual(recordDigests(params), { "op-digest": hashParams({ ip: "1", passwd: "p", state: "s" }) });
  assert.deepEqual(recordDigests(params, { supportsReload: true, restartParams: ["state", "other"], privateParams: ["passwd"] }), {
    "op-digest": hashParams({ ip: "1", passwd: "p", state: "s" }),
    "op-force-restart": "  state  other  ",
    "op-restart-digest": hashParams({ state: "s" }),
    "op-secure-params": "  passwd  ",
    "op-secure-digest": hashParams({ ip: "1", state: "s" }),
  });
});

test("digest verdicts explain what crm_simulate decided (fixtures/sim/digest)", () => {
  const cases = readdirSync(join(ROOT, "test", "fixtures", "sim", "digest")).filter((f) => f.endsWith(".xml"));
  assert.equal(cases.length, 8);
  for (const file of cases) {
    const cib = parseXml(fixture("sim", "digest", file));
    const summary = fixture("sim", "digest", file.replace(/\.xml$/, ".summary"));
    const primitive = [...walk(cib)].find((e) => e.name === "primitive")!;
    const params: Record<string, string> = {};
    for (const nv of walk(primitive)) if (nv.name === "nvpair") params[nv.attrs.name] = nv.attrs.value;
    const ops = [...walk(cib)].filter((e) => e.name === "lrm_rsc_op");
    const start = ops.find((o) => o.attrs.operation === "start")!;
    const monitor = ops.find((o) => o.attrs.operation === "monitor")!;
    const startVerdict = compareDigests(start.attrs, expectedDigests({ params, intervalMs: 0, recorded: start.attrs }));
    const monitorVerdict = compareDigests(monitor.attrs, expectedDigests({ params, intervalMs: 10000, timeoutMs: 20000, recorded: monitor.attrs }));
    const decided = /\* Reload +r /.test(summary) ? "reload" : /\* Restart +r .*due to resource definition change/.test(summary) ? "restart" : "none";
    const wanted = startVerdict === "match" ? "none" : startVerdict === "all" && start.attrs["op-restart-digest"] !== undefined ? "reload" : "restart";
    assert.equal(decided, wanted, `${file}: start verdict ${startVerdict}`);
    if (decided === "none") assert.equal(/monitor=10000 on node1/.test(summary), monitorVerdict !== "match", `${file}: monitor verdict ${monitorVerdict}`);
  }
});

test("agent meta-data decides the restart and private parameter lists", () => {
  const md = (body: string) => parseXml(`<resource-agent name="x" version="1"><version>1.1</version>${body}</resource-agent>`);
  const params = '<parameters><parameter name="state" unique-group="s"/><parameter name="passwd" reloadable="1"/><parameter name="fake" reloadable="true"/><parameter name="ip" unique="1"/></parameters>';
  assert.deepEqual(agentParamInfo(md(`${params}<actions><action name="start"/><action name="reload"/><action name="reload-agent"/></actions>`)),
    { supportsReload: true, restartParams: ["state", "ip"], privateParams: ["passwd"] });
  assert.deepEqual(agentParamInfo(md(`${params}<actions><action name="reload"/></actions>`)),
    { supportsReload: true, restartParams: ["ip"], privateParams: ["passwd"] });
  assert.deepEqual(agentParamInfo(md(`${params.replace('name="fake"', 'name="fake" private="1"')}<actions/>`)),
    { supportsReload: false, restartParams: [], privateParams: ["fake"] });
  // The lists as recorded for Pacemaker's Dummy agent ("  state  ", "  passwd  "), when installed.
  const dummy = "/usr/lib/ocf/resource.d/pacemaker/Dummy";
  if (existsSync(dummy)) {
    const out = spawnSync(dummy, ["meta-data"], { env: { ...process.env, OCF_ROOT: "/usr/lib/ocf" }, encoding: "utf8" });
    const info = agentParamInfo(parseXml(out.stdout));
    assert.equal(formatParamList(info.restartParams), "  state  ");
    assert.equal(formatParamList(info.privateParams), "  passwd  ");
  }
});
