// The executor cases of Pacemaker's cts-exec suite (its names), written against our client
// library so that the same checks run against pacer-remoted and the real pacemaker-remoted.
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { RemoteClient } from "../../src/remote/client.js";
import { ExecStatus, OcfRc, Errno, ExecutorError, type OpResult, type ExecRequest } from "../../src/executor/index.js";
import type { XmlElement } from "../../src/cib/xml.js";
import { sleep, until } from "./wait.js";

export interface Target {
  host: string;
  port: number;
  key: Buffer;
  /** Directory both the test and the target's agents can see, for state files. */
  stateDir: string;
  /** An LSB script name installed on the target (start/stop/status on a flag file). */
  lsbScript?: string;
}

/** A connected client that records everything it receives. */
export class Session {
  readonly results: OpResult[] = [];
  readonly notifies: XmlElement[] = [];
  constructor(readonly client: RemoteClient) {
    client.on("result", (r) => this.results.push(r));
    client.on("notify", (m) => this.notifies.push(m));
  }
  static async open(t: Target, name = "cts-exec", extra: Partial<ConstructorParameters<typeof RemoteClient>[0]> = {}): Promise<Session> {
    const s = new Session(new RemoteClient({ host: t.host, port: t.port, key: t.key, name, ...extra }));
    await s.client.connect();
    return s;
  }
  async result(callId: number, pred: (r: OpResult) => boolean = () => true, timeoutMs = 15_000): Promise<OpResult> {
    let found: OpResult | undefined;
    await until(() => (found = this.results.find((r) => r.callId === callId && pred(r))) !== undefined, timeoutMs, `result of call ${callId}`);
    return found!;
  }
  /** Exec and wait for the (first) result. */
  async run(req: ExecRequest, timeoutMs = 15_000): Promise<OpResult> {
    const id = await this.client.exec({ timeoutMs: 10_000, ...req });
    return this.result(id, () => true, timeoutMs);
  }
  count(callId: number, status?: number): number {
    return this.results.filter((r) => r.callId === callId && (status === undefined || r.status === status)).length;
  }
  close(): void {
    this.client.close();
  }
}

type Case = (t: Target, s: Session) => Promise<void>;

const dummy = (id: string) => ({ id, class: "ocf", provider: "pacemaker", type: "Dummy" });
const stateOf = (t: Target, id: string) => ({ state: join(t.stateDir, `${id}.state`) });

async function startStop(s: Session, id: string, params: Record<string, string>): Promise<void> {
  assert.equal((await s.run({ rscId: id, action: "start", params })).rc, OcfRc.OK, `${id} start`);
  assert.equal((await s.run({ rscId: id, action: "monitor", params })).rc, OcfRc.OK, `${id} monitor`);
  assert.equal((await s.run({ rscId: id, action: "stop", params })).rc, OcfRc.OK, `${id} stop`);
  assert.equal((await s.run({ rscId: id, action: "monitor", params })).rc, OcfRc.NOT_RUNNING, `${id} monitor after stop`);
}

export const ctsExecCases: Record<string, Case> = {
  async generic_registration(t, s) {
    await s.client.register(dummy("reg1"));
    await until(() => s.notifies.some((n) => n.attrs.lrmd_op === "lrmd_rsc_register" && n.attrs.lrmd_rsc_id === "reg1"), 5000, "register notify");
    assert.deepEqual(await s.client.info("reg1"), { id: "reg1", class: "ocf", provider: "pacemaker", type: "Dummy" });
    assert.deepEqual(await s.client.unregister("reg1"), { inProgress: false });
    await until(() => s.notifies.some((n) => n.attrs.lrmd_op === "lrmd_rsc_unregister" && n.attrs.lrmd_rsc_id === "reg1"), 5000, "unregister notify");
    assert.equal(await s.client.info("reg1"), undefined);
    void t;
  },

  async generic_start_stop(t, s) {
    await s.client.register(dummy("ss1"));
    await startStop(s, "ss1", stateOf(t, "ss1"));
  },

  async generic_start_stop_lsb(t, s) {
    if (!t.lsbScript) throw new Error("target has no LSB script");
    await s.client.register({ id: "lsb1", class: "lsb", type: t.lsbScript });
    await startStop(s, "lsb1", {});
    await s.client.register({ id: "svc1", class: "service", type: t.lsbScript });
    await startStop(s, "svc1", {});
  },

  async generic_monitor_cancel(t, s) {
    const p = stateOf(t, "mc1");
    await s.client.register(dummy("mc1"));
    await s.run({ rscId: "mc1", action: "start", params: p });
    const mon = await s.client.exec({ rscId: "mc1", action: "monitor", intervalMs: 100, params: p, timeoutMs: 5000 });
    await until(() => s.count(mon) >= 3, 5000, "three monitor results");
    assert.equal(await s.client.cancel("mc1", "monitor", 100), true);
    await s.result(mon, (r) => r.status === ExecStatus.CANCELLED, 2000);
    const n = s.count(mon);
    await sleep(400);
    assert.equal(s.count(mon), n, "no monitor results after cancel");
    await s.run({ rscId: "mc1", action: "stop", params: p });
  },

  async generic_monitor_duplicate(t, s) {
    const p = stateOf(t, "md1");
    await s.client.register(dummy("md1"));
    await s.run({ rscId: "md1", action: "start", params: p });
    const a = await s.client.exec({ rscId: "md1", action: "monitor", intervalMs: 150, params: p, timeoutMs: 5000 });
    await s.result(a);
    const b = await s.client.exec({ rscId: "md1", action: "monitor", intervalMs: 150, params: p, timeoutMs: 5000 });
    assert.notEqual(a, b);
    const rec = await s.client.recurring("md1");
    assert.equal(rec.length, 1);
    assert.equal(rec[0].ops.length, 1, "duplicates merged into one recurring op");
    await until(() => s.count(b) >= 2, 5000, "results under the new call id");
    const before = s.count(a);
    await sleep(400);
    assert.equal(s.count(a), before, "the old call id stopped reporting");
    assert.equal(await s.client.cancel("md1", "monitor", 150), true);
    await s.run({ rscId: "md1", action: "stop", params: p });
  },

  async generic_stop_implies_cancel(t, s) {
    const p = stateOf(t, "si1");
    await s.client.register(dummy("si1"));
    await s.run({ rscId: "si1", action: "start", params: p });
    const mon = await s.client.exec({ rscId: "si1", action: "monitor", intervalMs: 100, params: p, timeoutMs: 5000 });
    await s.result(mon);
    await s.run({ rscId: "si1", action: "stop", params: p });
    await s.result(mon, (r) => r.status === ExecStatus.CANCELLED, 2000);
    const n = s.count(mon);
    await sleep(400);
    assert.equal(s.count(mon), n);
    assert.deepEqual((await s.client.recurring("si1"))[0]?.ops ?? [], []);
  },

  async ocf_start_timeout(t, s) {
    await s.client.register(dummy("to1"));
    const t0 = Date.now();
    const r = await s.run({ rscId: "to1", action: "start", params: { ...stateOf(t, "to1"), op_sleep: "10" }, timeoutMs: 1000 });
    assert.deepEqual([r.rc, r.status], [OcfRc.UNKNOWN_ERROR, ExecStatus.TIMEOUT]);
    assert.ok(Date.now() - t0 < 6000, "timeout enforced");
    await s.run({ rscId: "to1", action: "stop", params: stateOf(t, "to1") });
  },

  async monitor_fail_ocf(t, s) {
    const p = stateOf(t, "mf1");
    await s.client.register(dummy("mf1"));
    await s.run({ rscId: "mf1", action: "start", params: p });
    const mon = await s.client.exec({ rscId: "mf1", action: "monitor", intervalMs: 100, params: p, timeoutMs: 5000 });
    await s.result(mon, (r) => r.rc === OcfRc.OK);
    rmSync(p.state, { force: true });
    await s.result(mon, (r) => r.rc === OcfRc.NOT_RUNNING, 5000);
    await s.client.cancel("mf1", "monitor", 100);
  },

  async monitor_changes_only(t, s) {
    const p = stateOf(t, "co1");
    await s.client.register(dummy("co1"));
    await s.run({ rscId: "co1", action: "start", params: p });
    const mon = await s.client.exec({ rscId: "co1", action: "monitor", intervalMs: 100, params: p, timeoutMs: 5000, notifyChangesOnly: true });
    await s.result(mon);
    await sleep(500);
    assert.equal(s.count(mon), 1, "unchanged results are not reported");
    rmSync(p.state, { force: true });
    await s.result(mon, (r) => r.rc === OcfRc.NOT_RUNNING, 5000);
    await sleep(400);
    assert.equal(s.count(mon), 2);
    await s.client.cancel("co1", "monitor", 100);
  },

  async cancel_non_existent_op(t, s) {
    await s.client.register(dummy("cn1"));
    assert.equal(await s.client.cancel("cn1", "monitor", 12345), false);
    void t;
  },

  async invoke_non_existent_rsc(_t, s) {
    await assert.rejects(s.client.exec({ rscId: "no-such-rsc", action: "start" }), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ENODEV);
    await assert.rejects(s.client.cancel("no-such-rsc", "monitor", 1000), (e: unknown) => e instanceof ExecutorError && e.code === Errno.ENODEV);
    assert.equal(await s.client.info("no-such-rsc"), undefined);
  },

  async start_uninstalled_ocf(_t, s) {
    await s.client.register({ id: "un1", class: "ocf", provider: "pacemaker", type: "NoSuchAgent" });
    const r = await s.run({ rscId: "un1", action: "start" });
    assert.deepEqual([r.rc, r.status], [OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED]);
  },

  async start_ocf_bad_provider(_t, s) {
    await s.client.register({ id: "bp1", class: "ocf", provider: "no-such-provider", type: "Dummy" });
    const r = await s.run({ rscId: "bp1", action: "start" });
    assert.deepEqual([r.rc, r.status], [OcfRc.NOT_INSTALLED, ExecStatus.NOT_INSTALLED]);
  },

  async start_ocf_no_provider(_t, s) {
    await assert.rejects(s.client.register({ id: "np1", class: "ocf", type: "Dummy" }), (e: unknown) => e instanceof ExecutorError && e.code === Errno.EINVAL);
  },

  async ocf_stress(t, s) {
    const ids = Array.from({ length: 20 }, (_, i) => `st${i}`);
    for (const id of ids) await s.client.register(dummy(id));
    for (const action of ["start", "monitor", "stop"]) {
      const calls = await Promise.all(ids.map((id) => s.client.exec({ rscId: id, action, params: stateOf(t, id), timeoutMs: 20_000 })));
      const results = await Promise.all(calls.map((c) => s.result(c, () => true, 30_000)));
      assert.ok(results.every((r) => r.rc === OcfRc.OK), `${action}: ${results.map((r) => r.rc).join(",")}`);
    }
  },

  async rsc_inflight_collision(t, s) {
    const p = { ...stateOf(t, "ic1"), op_sleep: "1" };
    await s.client.register(dummy("ic1"));
    const a = await s.client.exec({ rscId: "ic1", action: "start", params: p, timeoutMs: 10_000 });
    const b = await s.client.exec({ rscId: "ic1", action: "monitor", params: p, timeoutMs: 10_000 });
    const rb = await s.result(b);
    const ra = await s.result(a);
    assert.equal(ra.rc, OcfRc.OK);
    assert.equal(rb.rc, OcfRc.OK, "the monitor waited for the start (one action at a time)");
    assert.ok(s.results.indexOf(ra) < s.results.indexOf(rb));
    await s.run({ rscId: "ic1", action: "stop", params: stateOf(t, "ic1") });
  },

  async start_delay(t, s) {
    await s.client.register(dummy("sd1"));
    const t0 = Date.now();
    const r = await s.run({ rscId: "sd1", action: "start", startDelayMs: 1000, params: stateOf(t, "sd1") });
    assert.equal(r.rc, OcfRc.OK);
    assert.ok(Date.now() - t0 >= 950, `ran after ${Date.now() - t0} ms`);
    await s.run({ rscId: "sd1", action: "stop", params: stateOf(t, "sd1") });
  },

  async start_delay_cancel(t, s) {
    await s.client.register(dummy("sc1"));
    const mon = await s.client.exec({ rscId: "sc1", action: "monitor", intervalMs: 1000, startDelayMs: 1000, params: stateOf(t, "sc1"), timeoutMs: 5000 });
    assert.equal(await s.client.cancel("sc1", "monitor", 1000), true);
    await sleep(1500);
    assert.equal(s.results.filter((r) => r.callId === mon && r.status !== ExecStatus.CANCELLED).length, 0, "the delayed op never ran");
  },

  async verify_get_rsc_info(_t, s) {
    await s.client.register({ id: "gi1", class: "ocf", provider: "heartbeat", type: "Dummy" });
    assert.deepEqual(await s.client.info("gi1"), { id: "gi1", class: "ocf", provider: "heartbeat", type: "Dummy" });
    await s.client.unregister("gi1");
    assert.equal(await s.client.info("gi1"), undefined);
  },

  async duplicate_registration(_t, s) {
    await s.client.register(dummy("dr1"));
    await s.client.register(dummy("dr1"));
    assert.equal((await s.client.info("dr1"))?.provider, "pacemaker");
    await s.client.register({ id: "dr1", class: "ocf", provider: "heartbeat", type: "Dummy" });
    assert.equal((await s.client.info("dr1"))?.provider, "heartbeat", "re-registration replaces the agent");
  },

  async notify_orig_client_only(t, s) {
    const other = await Session.open(t, "cts-exec-other");
    try {
      await s.client.register(dummy("no1"));
      const id = await s.client.exec({ rscId: "no1", action: "start", params: stateOf(t, "no1"), timeoutMs: 10_000, notifyOriginOnly: true });
      await s.result(id);
      const id2 = await s.client.exec({ rscId: "no1", action: "stop", params: stateOf(t, "no1"), timeoutMs: 10_000 });
      await other.result(id2);
      assert.equal(other.count(id), 0, "the other client did not get the origin-only result");
    } finally {
      other.close();
    }
  },

  async new_client_notification(t, s) {
    const before = s.notifies.filter((n) => n.attrs.lrmd_op === "lrmd_rsc_new_client").length;
    const other = await Session.open(t, "cts-exec-newcomer");
    try {
      await until(() => s.notifies.filter((n) => n.attrs.lrmd_op === "lrmd_rsc_new_client").length > before, 5000, "lrmd_rsc_new_client");
    } finally {
      other.close();
    }
  },

  async poke_and_unknown_operations(_t, s) {
    await s.client.poke(5000);
    const reply = await s.client.request("lrmd_rsc_metadata");
    assert.equal(Number(reply.attrs.lrmd_rc), Errno.EOPNOTSUPP);
    const bogus = await s.client.request("no_such_op");
    assert.equal(Number(bogus.attrs.lrmd_rc), Errno.EOPNOTSUPP);
  },

  async old_protocol_version_refused(t) {
    const old = new RemoteClient({ host: t.host, port: t.port, key: t.key, name: "old", protocolVersion: "0.9" });
    await assert.rejects(old.connect(), (e: unknown) => e instanceof ExecutorError && e.code === Errno.EPROTO);
    old.close();
  },

  async unregister_while_running(t, s) {
    await s.client.register(dummy("ur1"));
    const id = await s.client.exec({ rscId: "ur1", action: "start", params: { ...stateOf(t, "ur1"), op_sleep: "1" }, timeoutMs: 10_000 });
    await sleep(300);
    assert.deepEqual(await s.client.unregister("ur1"), { inProgress: true });
    const r = await s.result(id);
    assert.equal(r.rscDeleted, true);
    rmSync(stateOf(t, "ur1").state, { force: true });
  },

  async exit_reason_and_params_round_trip(t, s) {
    await s.client.register(dummy("er1"));
    const params = { ...stateOf(t, "er1"), fake: "x & <y> \"z\"", CRM_meta_timeout: "20000" };
    const r = await s.run({ rscId: "er1", action: "monitor", params, userdata: "0:0:7:abc" });
    assert.equal(r.rc, OcfRc.NOT_RUNNING);
    assert.equal(r.userdata, "0:0:7:abc");
    assert.equal(r.params.fake, params.fake);
    assert.equal(r.params.CRM_meta_timeout, "20000");
    assert.ok(!existsSync(params.state));
  },
};
