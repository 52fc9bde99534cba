// Refused changes against a live pacerd (issue 5, "Errors"): an invalid CIB, a dangling
// reference, a constraint on an unknown resource, a duplicate id, an unknown agent. Each gets
// a clear CLI error and a non-zero exit, and changes nothing: the configuration and its
// version stay exactly as they were.
import { test, after, before, describe as suite } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseXml, serializeXml, child } from "../src/cib/xml.js";
import { clusterSkip, PacerCluster } from "./helpers/pacer-cluster.js";
import { PACER_JS } from "../src/cli/sandbox/sandbox.js";
import { ApiCallError, ApiClient } from "../src/controller/api-client.js";

const SKIP = clusterSkip();

suite("refused changes on a live pacerd", { skip: SKIP, timeout: 120_000 }, () => {
  let c: PacerCluster;
  before(async () => {
    c = await PacerCluster.start();
    // Something worth losing: a resource (stopped, so nothing runs) and a constraint.
    await c.pacerOk("resource", "create", "keep-me", "ocf:pacemaker:Dummy", `state=${c.hostDummyState("keep-me")}`, "--disabled");
    await c.pacerOk("constraint", "location", "add", "keep-me", c.nodeName, "50");
  });
  after(async () => {
    await c?.destroy();
  });

  /** The configuration section and the configuration version (admin_epoch:epoch). */
  async function configuration(): Promise<{ version: string; xml: string }> {
    const cib = parseXml(await c.pacerOk("cib", "show"));
    return { version: `${cib.attrs.admin_epoch}:${cib.attrs.epoch}`, xml: serializeXml(child(cib, "configuration")!) };
  }

  async function refused(args: string[], rc: number, message: RegExp): Promise<void> {
    const beforeCfg = await configuration();
    const r = await c.pacer(...args);
    assert.equal(r.rc, rc, `pacer ${args.join(" ")}: exit ${r.rc}\n${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, "", "nothing on stdout");
    const afterCfg = await configuration();
    assert.equal(afterCfg.version, beforeCfg.version, "the configuration version did not move");
    assert.equal(afterCfg.xml, beforeCfg.xml, "the configuration is unchanged");
  }

  test("a constraint on an unknown resource", async () => {
    await refused(["constraint", "location", "add", "ghost", c.nodeName, "10"], 1, /^pacer: constraint: resource 'ghost' does not exist\n$/);
    await refused(["constraint", "colocation", "add", "keep-me", "ghost"], 1, /resource 'ghost' does not exist/);
    await refused(["constraint", "order", "add", "ghost", "keep-me"], 1, /resource 'ghost' does not exist/);
    await refused(["resource", "move", "ghost", c.nodeName], 1, /resource 'ghost' does not exist/);
  });

  test("--json errors: on stdout, with the exit code", async () => {
    const r = await c.pacer("constraint", "location", "add", "ghost", c.nodeName, "10", "--json");
    assert.equal(r.rc, 1);
    assert.deepEqual(JSON.parse(r.stdout), { error: { message: "constraint: resource 'ghost' does not exist", exitCode: 1 } });
  });

  test("a duplicate id and an unknown agent", async () => {
    await refused(["resource", "create", "keep-me", "ocf:pacemaker:Dummy"], 1, /resource id 'keep-me' is already used by <primitive id="keep-me"> \(line \d+\)/);
    await refused(["resource", "create", "other", "ocf:pacemaker:NoSuchAgent"], 1, /unknown agent 'ocf:pacemaker:NoSuchAgent'/);
  });

  test("an invalid CIB pushed whole: not XML, a dangling reference, an older version", async () => {
    const current = await c.pacerOk("cib", "show");
    const bad = join(c.box.dir, "bad.xml");
    writeFileSync(bad, "<cib><configuration>");
    await refused(["cib", "push", bad], 1, /CIB replacement refused\n  - pushed CIB:1:\d+: /);

    const cib = parseXml(current);
    cib.attrs.epoch = String(Number(cib.attrs.epoch) + 5);
    const constraints = child(child(cib, "configuration")!, "constraints")!;
    constraints.children.push({ name: "rsc_order", attrs: { id: "o-ghost", first: "keep-me", then: "ghost" }, children: [], line: 0 });
    writeFileSync(bad, serializeXml(cib, { indent: 2 }));
    await refused(["cib", "push", bad], 1, /<rsc_order id="o-ghost"> \(line \d+\): .*ghost/);
    assert.equal((await c.pacer("cib", "verify", bad)).rc, 1, "cib verify says the same without pushing");

    const older = parseXml(current);
    older.attrs.epoch = String(Number(older.attrs.epoch) - 1);
    writeFileSync(bad, serializeXml(older));
    await refused(["cib", "push", bad], 1, /is older than the current/);
  });

  test("an edit racing with status updates is made again on the fresh CIB, never refused", async () => {
    // Status-only commits every 25 ms, as the transition engine makes them while it records.
    let stop = false;
    let bumps = 0;
    const client = new ApiClient(c.box.socket);
    const churn = (async () => {
      while (!stop) {
        const cib = parseXml((await client.call<{ xml: string }>("cib.get")).xml);
        const state = child(cib, "status")!.children.find((n) => n.name === "node_state")!;
        state.attrs["crm-debug-origin"] = `churn-${bumps++}`;
        try {
          await client.call("cib.replace", { xml: serializeXml(cib), client: "test-churn" });
        } catch (err) {
          // The CLI's commit came first: that is the race; the next round uses the new CIB.
          if (!(err instanceof ApiCallError)) throw err;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    try {
      for (let i = 0; i < 6; i++) await c.pacerOk("resource", "create", `race${i}`, "ocf:pacemaker:Dummy", `state=${c.hostDummyState(`race${i}`)}`, "--disabled");
    } finally {
      stop = true;
      await churn;
      client.close();
    }
    assert.ok(bumps > 6, `the status moved on meanwhile (${bumps} commits)`);
    const cfg = await configuration();
    for (let i = 0; i < 6; i++) assert.match(cfg.xml, new RegExp(`<primitive id="race${i}"`));
  });

  test("pacerd unreachable: exit 69 and the socket named", () => {
    const r = spawnSync(process.execPath, [PACER_JS, "status", "--socket", join(c.box.dir, "nobody.sock")], { encoding: "utf8" });
    assert.equal(r.status, 69);
    assert.match(r.stderr, /cannot reach pacerd at .*nobody\.sock: it is not running/);
  });
});
