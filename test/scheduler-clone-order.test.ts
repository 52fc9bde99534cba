// Clone instances are kept in instance-number order (`d:2` before `d:10`). Expected lines taken
// from crm_simulate 2.1.5 on the same CIB (12 nodes, one anonymous clone, nothing running).
import { test } from "node:test";
import assert from "node:assert/strict";
import { simulate } from "../src/cli/simulate/run.js";

test("a clone with 12 instances lists them by number in the Transition Summary", () => {
  const n = 12;
  const nodes = Array.from({ length: n }, (_, i) => `<node id="${i + 1}" uname="n${i + 1}"/>`).join("");
  const states = Array.from({ length: n }, (_, i) => `<node_state id="${i + 1}" uname="n${i + 1}" in_ccm="true" crmd="online" join="member" expected="member"/>`).join("");
  const xml = `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1" validate-with="pacemaker-3.7" crm_feature_set="3.16.1"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes>${nodes}</nodes><resources><clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone></resources><constraints/></configuration><status>${states}</status></cib>`;
  const s = simulate(xml, { now: 0 }).summary;
  const lines = s.slice(s.indexOf("Transition Summary:\n") + 20, s.indexOf("\nExecuting Cluster Transition:")).trim().split("\n").map((l) => l.trim().replace(/\s+/g, " "));
  const expected = ["n1", "n10", "n11", "n12", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9"].map((node, i) => `* Start d:${i} ( ${node} )`);
  assert.deepEqual(lines, expected);
});
