import { test } from "node:test";
import assert from "node:assert/strict";
import { buildIdIndex, resolveRef } from "../src/cib/id-index.js";
import { CibError } from "../src/cib/errors.js";
import { parseXml } from "../src/cib/xml.js";

const cib = (config: string) => parseXml(`<cib>\n<configuration>\n${config}\n</configuration>\n<status><node_state id="1"><lrm id="1"/></node_state></status>\n</cib>`);

test("indexes configuration ids only; references and node ids may repeat other ids", () => {
  const root = cib(`<nodes><node id="1" uname="n1"/></nodes>
<resources><primitive id="A"/><primitive id="1"/></resources>
<constraints><rsc_order id="o"><resource_set id="s"><resource_ref id="A"/></resource_set></rsc_order></constraints>
<tags><tag id="t"><obj_ref id="A"/></tag></tags>`);
  const index = buildIdIndex(root);
  assert.equal(index.get("A")?.name, "primitive");
  assert.equal(index.get("1")?.name, "primitive");
  assert.equal(index.has("t"), true);
});

test("duplicate ids are an error naming both elements and lines", () => {
  const root = cib(`<resources>\n<primitive id="A"/>\n<group id="g"><primitive id="A"/></group></resources>`);
  assert.throws(
    () => buildIdIndex(root),
    (e: unknown) => e instanceof CibError && e.message === '<primitive id="A"> (line 5): duplicate id "A": also used by <primitive id="A"> (line 4)',
  );
});

test("resolveRef follows id-ref to an element of the same kind", () => {
  const root = cib(`<constraints>
<rsc_location id="l1" rsc="A"><rule id="r1" score="1"/></rsc_location>
<rsc_location id="l2" rsc="B"><rule id-ref="r1"/></rsc_location>
<rsc_location id="l3" rsc="B"><rule id-ref="l1"/></rsc_location>
</constraints>`);
  const index = buildIdIndex(root);
  const [l1, l2, l3] = root.children[0].children[0].children;
  assert.equal(resolveRef(l2.children[0], index), l1.children[0]);
  assert.equal(resolveRef(l1.children[0], index), l1.children[0]);
  assert.throws(() => resolveRef(l3.children[0], index), /<rule> \(line 6\): id-ref="l1" names <rsc_location id="l1"> \(line 4\), not a <rule>/);
  assert.throws(() => resolveRef(l2.children[0], undefined), /no id index/);
});
