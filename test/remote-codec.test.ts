import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { decodeHeader, encodeHeader, checkHeader, HEADER_SIZE, MAGIC, MAX_MESSAGE_SIZE } from "../src/remote/header.js";
import { FrameReader } from "../src/remote/frame-reader.js";
import { decodePayload, encodePayload, paramsElement, paramsFrom } from "../src/remote/xml-message.js";
import { Connection } from "../src/remote/connection.js";
import { ProtocolError } from "../src/remote/errors.js";
import { element, type XmlElement } from "../src/cib/xml.js";
import { socketPair } from "./helpers/pair.js";
import { waitForEvent } from "./helpers/wait.js";

function frame(xml: string, id = 1n): Buffer {
  const payload = Buffer.from(xml + "\0");
  return Buffer.concat([encodeHeader(payload.length, id), payload]);
}

test("header layout: magic, version, id, sizes, payload offset 40, NUL counted", () => {
  const f = frame('<lrmd_command lrmd_op="poke"/>', 7n);
  assert.equal(f.readUInt32LE(0), MAGIC);
  const h = decodeHeader(f);
  assert.deepEqual(
    [h.swapped, h.version, h.id, h.flags, h.sizeTotal, h.payloadOffset, h.payloadCompressed, h.payloadUncompressed],
    [false, 1, 7n, 0n, f.length, 40, 0, '<lrmd_command lrmd_op="poke"/>'.length + 1],
  );
  assert.equal(f[f.length - 1], 0);
});

test("a big-endian sender's header is read by swapping every field", () => {
  const payload = Buffer.from("<x/>\0");
  const b = Buffer.alloc(HEADER_SIZE);
  b.writeUInt32BE(MAGIC, 0);
  b.writeUInt32BE(1, 4);
  b.writeBigUInt64BE(99n, 8);
  b.writeUInt32BE(HEADER_SIZE + payload.length, 24);
  b.writeUInt32BE(HEADER_SIZE, 28);
  b.writeUInt32BE(payload.length, 36);
  const h = decodeHeader(b);
  assert.equal(h.swapped, true);
  assert.equal(h.id, 99n);
  assert.equal(h.sizeTotal, 45);
  const frames = new FrameReader().push(Buffer.concat([b, payload]));
  assert.equal(decodePayload(frames[0].payload).name, "x");
});

test("the reader honours payload_offset instead of assuming 40", () => {
  const payload = Buffer.from("<y a='1'/>\0");
  const h = encodeHeader(payload.length, 1n);
  h.writeUInt32LE(HEADER_SIZE + 8 + payload.length, 24);
  h.writeUInt32LE(HEADER_SIZE + 8, 28);
  const frames = new FrameReader().push(Buffer.concat([h, Buffer.alloc(8, 0xee), payload]));
  assert.equal(decodePayload(frames[0].payload).attrs.a, "1");
});

test("messages split across chunks and merged into one chunk are both reassembled", () => {
  const all = Buffer.concat([frame("<a/>"), frame('<b x="2"/>'), frame("<c/>")]);
  const byteByByte = new FrameReader();
  const names: string[] = [];
  for (let i = 0; i < all.length; i++) for (const f of byteByByte.push(all.subarray(i, i + 1))) names.push(decodePayload(f.payload).name);
  assert.deepEqual(names, ["a", "b", "c"]);
  assert.deepEqual(new FrameReader().push(all).map((f) => decodePayload(f.payload).name), ["a", "b", "c"]);
});

test("garbage, huge sizes and inconsistent headers are refused with a reason", () => {
  assert.throws(() => new FrameReader().push(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n-----------------")), (e: unknown) => e instanceof ProtocolError && /bad magic/.test(e.message));
  const huge = encodeHeader(10, 1n);
  huge.writeUInt32LE(MAX_MESSAGE_SIZE + 1, 24);
  assert.throws(() => new FrameReader().push(huge), /exceeds the 16777216-byte limit/);
  const small = encodeHeader(10, 1n);
  small.writeUInt32LE(12, 24);
  assert.throws(() => checkHeader(decodeHeader(small)), /smaller than the header/);
  const offset = encodeHeader(10, 1n);
  offset.writeUInt32LE(1000, 28);
  assert.throws(() => checkHeader(decodeHeader(offset)), /payload offset 1000 outside/);
  const lying = encodeHeader(10, 1n);
  lying.writeUInt32LE(500, 36);
  assert.throws(() => checkHeader(decodeHeader(lying)), /does not fit/);
});

test("XML payloads: NUL stripped, invalid XML is a ProtocolError, Pacemaker's escapes parse", () => {
  const root = decodePayload(Buffer.from(`<lrmd_notify lrmd_rsc_output="line1\\nline2 &apos;q&apos; &amp; é"/>\0`));
  assert.equal(root.attrs.lrmd_rsc_output, "line1\\nline2 'q' & é");
  assert.throws(() => decodePayload(Buffer.from("<a><b></a>\0")), (e: unknown) => e instanceof ProtocolError && /invalid XML/.test(e.message));
  assert.throws(() => decodePayload(Buffer.from("<a/>\0<b/>\0")), ProtocolError);
  const enc = encodePayload(element("x", { v: "a\nb<" }));
  assert.equal(enc[enc.length - 1], 0);
  assert.equal(decodePayload(enc).attrs.v, "a\nb<");
});

test("parameters: plain attributes, and <param> children for names XML cannot hold", () => {
  const el = paramsElement({ state: "/run/x", "1abc": "one", CRM_meta_timeout: "20000" });
  assert.equal(el.attrs.state, "/run/x");
  assert.deepEqual(el.children.map((c) => c.attrs), [{ name: "1abc", value: "one" }]);
  assert.deepEqual(paramsFrom(el), { state: "/run/x", CRM_meta_timeout: "20000", "1abc": "one" });
});

test("Connection: one message per write pair, order kept with bzip2 payloads in between", async () => {
  const [a, b] = await socketPair();
  const ca = new Connection(a);
  const cb = new Connection(b);
  const got: XmlElement[] = [];
  cb.on("message", (m) => got.push(m));
  // A compressed message as a Pacemaker sender could produce it.
  const xml = Buffer.from(`<big data="${"z".repeat(5000)}"/>\0`);
  const packed = execFileSync("bzip2", ["-c"], { input: xml });
  const h = encodeHeader(0, 5n);
  h.writeUInt32LE(HEADER_SIZE + packed.length, 24);
  h.writeUInt32LE(packed.length, 32);
  h.writeUInt32LE(xml.length, 36);
  ca.send(element("first"));
  await ca.drained();
  a.write(Buffer.concat([h, packed]));
  ca.send(element("third"));
  await waitForEvent(cb, "message", (m: XmlElement) => m.name === "third", 5000);
  assert.deepEqual(got.map((m) => m.name), ["first", "big", "third"]);
  assert.equal(got[1].attrs.data.length, 5000);
  a.destroy();
  b.destroy();
});

test("Connection: a bad bzip2 payload or garbage closes that connection with a reason", async () => {
  const [a, b] = await socketPair();
  const cb = new Connection(b);
  const h = encodeHeader(0, 1n);
  h.writeUInt32LE(HEADER_SIZE + 10, 24);
  h.writeUInt32LE(10, 32);
  h.writeUInt32LE(100, 36);
  const err = waitForEvent<ProtocolError>(cb, "protocolError", () => true, 5000);
  const closed = waitForEvent(cb, "close", () => true, 5000);
  a.write(Buffer.concat([h, Buffer.from("notbzip2!!")]));
  assert.match((await err).message, /bad bzip2 payload/);
  await closed;
  a.destroy();
});
