// The XML side of a message: one root element, scalar fields as attributes, the text
// followed by one NUL byte. Parameters travel in an <attributes> element.
import { parseXml, serializeXml, element, type XmlElement } from "../cib/xml.js";
import { ProtocolError } from "./errors.js";

/** Payload bytes → root element. Throws ProtocolError naming what is wrong. */
export function decodePayload(payload: Buffer): XmlElement {
  let end = payload.length;
  while (end > 0 && payload[end - 1] === 0) end--;
  const text = payload.subarray(0, end).toString("utf8");
  if (text.includes("\0")) throw new ProtocolError("payload contains a NUL byte inside the XML text");
  try {
    return parseXml(text, "message");
  } catch (err) {
    throw new ProtocolError(`invalid XML in message: ${(err as Error).message}`);
  }
}

export function encodePayload(root: XmlElement): Buffer {
  const text = serializeXml(root);
  const b = Buffer.allocUnsafe(Buffer.byteLength(text) + 1);
  const n = b.write(text, 0, "utf8");
  b[n] = 0;
  return b;
}

/** Parameters → <attributes>. Names XML cannot carry as attributes become <param> children. */
export function paramsElement(params: Record<string, string>): XmlElement {
  const el = element("attributes");
  for (const [name, value] of Object.entries(params)) {
    if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) el.attrs[name] = value;
    else el.children.push(element("param", { name, value }));
  }
  return el;
}

/** <attributes> → parameters; accepts both forms. */
export function paramsFrom(el: XmlElement | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  if (!el) return params;
  for (const [k, v] of Object.entries(el.attrs)) params[k] = v;
  for (const c of el.children) if (c.name === "param" && c.attrs.name !== undefined) params[c.attrs.name] = c.attrs.value ?? "";
  return params;
}

/** First element named `name` anywhere in the tree (the server looks data up this way). */
export function findElement(root: XmlElement, name: string): XmlElement | undefined {
  if (root.name === name) return root;
  for (const c of root.children) {
    const found = findElement(c, name);
    if (found) return found;
  }
  return undefined;
}

/** An integer attribute, or `fallback` when absent; garbage is an error, not a silent 0. */
export function intAttr(el: XmlElement | undefined, name: string, fallback: number): number {
  const v = el?.attrs[name];
  if (v === undefined || v === "") return fallback;
  if (!/^-?\d+$/.test(v.trim())) throw new ProtocolError(`attribute ${name}="${v}" is not an integer`);
  return Number(v);
}
