import { test } from "node:test";
import assert from "node:assert/strict";
import { element, parseXml } from "../src/cib/xml.js";
import { formatPcmkXml } from "../src/cib/pcmk-format.js";
import { ensureNodeState, ensureResourceHistory, lastCallId, OP_STATUS, recordNodeDown, recordOperation, transitionKey, transitionMagic, type OperationResult } from "../src/cib/history.js";

const base = (over: Partial<OperationResult>): OperationResult => ({
  task: "start", intervalMs: 0, callId: 4, rc: 0, opStatus: OP_STATUS.DONE, targetRc: 0,
  transitionKey: transitionKey(12, 3, 0, "dc-uuid"), origin: "do_update_resource", ...over,
});

test("keys and magic", () => {
  assert.equal(transitionKey(4, -1, 7, "x"), "4:-1:7:x");
  assert.equal(transitionMagic(0, 7, "4:-1:7:x"), "0:7;4:-1:7:x");
});

test("a fresh record: id, attribute order, timing, digests", () => {
  const cib = element("cib");
  const state = ensureNodeState(cib, { uname: "n1", id: "101" });
  const rsc = ensureResourceHistory(state, { id: "web", class: "ocf", provider: "heartbeat", type: "apache" });
  const [op] = recordOperation(rsc, "web", base({ onNode: "n1", lastRcChange: 1700000000, execTime: 15, queueTime: 1, digests: { "op-digest": "abc", "op-secure-params": "  passwd  ", "op-secure-digest": "def" } }));
  assert.equal(formatPcmkXml(cib), '<cib><status><node_state id="101" uname="n1"><lrm id="101"><lrm_resources><lrm_resource id="web" class="ocf" provider="heartbeat" type="apache">' +
    '<lrm_rsc_op id="web_last_0" operation_key="web_start_0" operation="start" crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" transition-key="12:3:0:dc-uuid" transition-magic="0:0;12:3:0:dc-uuid" exit-reason="" on_node="n1" call-id="4" rc-code="0" op-status="0" interval="0" last-rc-change="1700000000" exec-time="15" queue-time="1" op-digest="abc" op-secure-params="  passwd  " op-secure-digest="def"/>' +
    "</lrm_resource></lrm_resources></lrm></node_state></status></cib>");
  assert.equal(op.attrs.id, "web_last_0");
  assert.equal(lastCallId(rsc), 4);
  // The same node and resource are found again, not duplicated.
  assert.equal(ensureNodeState(cib, { uname: "n1", id: "other" }), state);
  assert.equal(ensureResourceHistory(state, { id: "web", class: "ocf", type: "apache" }), rsc);
});

test("record ids: recurring, migration, notify, failures, reloads", () => {
  const rsc = element("lrm_resource", { id: "db" });
  const id = (r: Partial<OperationResult>) => recordOperation(rsc, "db", base(r)).map((o) => o.attrs.id);
  assert.deepEqual(id({ task: "monitor", intervalMs: 10000 }), ["db_monitor_10000"]);
  assert.deepEqual(id({ task: "monitor", intervalMs: 0, rc: 7, targetRc: 7 }), ["db_last_0"]);
  assert.deepEqual(id({ task: "migrate_to", params: { CRM_meta_migrate_source: "a", CRM_meta_migrate_target: "b" } }), ["db_migrate_to_0"]);
  const migrate = rsc.children.find((c) => c.attrs.id === "db_migrate_to_0")!;
  assert.equal(migrate.attrs.migrate_source, "a");
  assert.equal(migrate.attrs.migrate_target, "b");
  assert.deepEqual(id({ task: "notify", rc: 1, params: { CRM_meta_notify_type: "pre", CRM_meta_notify_operation: "promote" } }), ["db_pre_notify_promote_0"]);
  const notify = rsc.children.find((c) => c.attrs.id === "db_pre_notify_promote_0")!;
  assert.equal(notify.attrs.operation_key, "db_notify_0");
  assert.equal(notify.attrs["rc-code"], "0", "notify errors are ignored");
  assert.throws(() => id({ task: "notify" }), /CRM_meta_notify_type/);
  // A failed one-shot operation updates both the failure record and the last record.
  assert.deepEqual(id({ task: "start", rc: 1, exitReason: "boom" }), ["db_last_failure_0", "db_last_0"]);
  assert.equal(rsc.children.find((c) => c.attrs.id === "db_last_failure_0")!.attrs["exit-reason"], "boom");
  assert.deepEqual(id({ task: "monitor", intervalMs: 5000, rc: 7 }), ["db_last_failure_0"]);
  assert.deepEqual(id({ task: "start", opStatus: OP_STATUS.TIMEOUT, rc: 1 }), ["db_last_failure_0", "db_last_0"]);
  // A completed reload is recorded as a start.
  recordOperation(rsc, "db", base({ task: "reload-agent", callId: 20 }));
  const last = rsc.children.find((c) => c.attrs.id === "db_last_0")!;
  assert.equal(last.attrs.operation, "start");
  assert.equal(last.attrs.operation_key, "db_start_0");
  assert.equal(lastCallId(rsc), 20);
});

test("an existing record is updated in place, keeping its attribute order and extra attributes", () => {
  const rsc = parseXml('<lrm_resource id="r"><lrm_rsc_op id="r_last_0" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" op-digest="old" op-restart-digest="keep" crm_feature_set="3.0.1" transition-key="k" transition-magic="m"/></lrm_resource>');
  recordOperation(rsc, "r", base({ task: "stop", callId: 3, transitionKey: "3:-1:0:x", digests: { "op-digest": "new" } }));
  assert.equal(rsc.children.length, 1);
  assert.equal(formatPcmkXml(rsc.children[0]), '<lrm_rsc_op id="r_last_0" operation="stop" call-id="3" rc-code="0" op-status="0" interval="0" op-digest="new" op-restart-digest="keep" crm_feature_set="3.16.1" transition-key="3:-1:0:x" transition-magic="0:0;3:-1:0:x" operation_key="r_stop_0" crm-debug-origin="do_update_resource" exit-reason=""/>');
});

test("history lookup prefers the scheduler's name, then the executor's, else creates the latter", () => {
  const state = parseXml('<node_state id="1" uname="n1"><lrm id="1"><lrm_resources><lrm_resource id="c:1" class="ocf" type="D"/><lrm_resource id="c" class="ocf" type="D"/></lrm_resources></lrm></node_state>');
  assert.equal(ensureResourceHistory(state, { id: "c", name: "c:1", class: "ocf", type: "D" }).attrs.id, "c:1");
  assert.equal(ensureResourceHistory(state, { id: "c", name: "c:2", class: "ocf", type: "D" }).attrs.id, "c");
  const created = ensureResourceHistory(state, { id: "d", name: "d:0", class: "ocf", provider: "p", type: "D" });
  assert.equal(formatPcmkXml(created), '<lrm_resource id="d" class="ocf" provider="p" type="D"/>');
});

test("a fenced node is marked down and loses history and transient attributes", () => {
  const cib = parseXml('<cib><status><node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="2"/><transient_attributes id="2"/></node_state></status></cib>');
  assert.equal(recordNodeDown(cib, { uname: "n2", id: "2" }, "simulate_fencing_action"), 3);
  assert.equal(formatPcmkXml(cib), '<cib><status><node_state id="2" uname="n2" in_ccm="false" crmd="offline" join="down" expected="down" crm-debug-origin="simulate_fencing_action"/></status></cib>');
  // A node never seen before gets a node_state of its own.
  assert.equal(recordNodeDown(cib, { uname: "n3", id: "3" }, "x"), 1);
  assert.equal(cib.children[0].children[1].attrs.id, "3");
});
