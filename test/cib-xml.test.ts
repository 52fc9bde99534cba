import { test } from "node:test";
import assert from "node:assert/strict";
import { parseXml, serializeXml, XmlParseError } from "../src/cib/xml.js";

test("parses elements, attributes and lines", () => {
  const root = parseXml('<cib a="1">\n  <configuration>\n    <x id="y"/>\n  </configuration>\n</cib>');
  assert.equal(root.name, "cib");
  assert.equal(root.attrs.a, "1");
  assert.equal(root.children[0].children[0].attrs.id, "y");
  assert.equal(root.children[0].children[0].line, 3);
});

test("rejects malformed XML with a position", () => {
  assert.throws(() => parseXml("<cib>\n<a></b></cib>", "t.xml"), (e: unknown) => e instanceof XmlParseError && e.line === 2 && /t\.xml:2:/.test(e.message));
  assert.throws(() => parseXml(""), XmlParseError);
  assert.throws(() => parseXml("<a/><b/>"), XmlParseError);
});

test("round-trips attributes with escapes and comments", () => {
  const src = '<a x="1 &amp; &lt;2&gt; &quot;q&quot;"><!-- note --><b/></a>';
  const root = parseXml(src);
  assert.equal(root.attrs.x, '1 & <2> "q"');
  assert.equal(serializeXml(root), src);
});
