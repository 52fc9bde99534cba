// XML text exactly as Pacemaker 2.1.5 writes it. Byte identity matters in two places: the
// transition graph (compared with `crm_simulate -G`) and operation digests (an MD5 over the
// written form of a parameter element). Pacemaker does not use libxml2's escaping: it turns a
// newline into the two characters `\n`, a carriage return into `\r` and a tab into four spaces.
import type { XmlElement } from "./xml.js";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\n": "\\n", "\r": "\\r", "\t": "    " };

/** Escape an attribute value the way Pacemaker does. */
export function pcmkEscape(value: string): string {
  return /[&<>"'\n\r\t]/.test(value) ? value.replace(/[&<>"'\n\r\t]/g, (c) => ENTITIES[c]) : value;
}

export interface PcmkFormatOptions {
  /** Pretty-print with two spaces per level and a newline after each element (the -G / -O form). */
  pretty?: boolean;
}

/** Serialise an element and its subtree. Comments are kept (pretty form only, each on its own
 *  line at the depth of the children); text content does not occur in Pacemaker's data XML. */
export function formatPcmkXml(el: XmlElement, options: PcmkFormatOptions = {}): string {
  const out: string[] = [];
  emit(el, 0, options.pretty === true, out);
  return out.join("");
}

function emit(el: XmlElement, depth: number, pretty: boolean, out: string[]): void {
  const pad = pretty ? "  ".repeat(depth) : "";
  let open = `${pad}<${el.name}`;
  for (const name in el.attrs) open += ` ${name}="${pcmkEscape(el.attrs[name])}"`;
  const comments = pretty ? el.comments ?? [] : [];
  if (el.children.length === 0 && comments.length === 0) {
    out.push(open, pretty ? "/>\n" : "/>");
    return;
  }
  out.push(open, pretty ? ">\n" : ">");
  const inner = "  ".repeat(depth + 1);
  let k = 0;
  for (let i = 0; i <= el.children.length; i++) {
    for (; k < comments.length && comments[k].before <= i; k++) out.push(inner, "<!--", comments[k].text, "-->\n");
    if (i < el.children.length) emit(el.children[i], depth + 1, pretty, out);
  }
  out.push(pad, `</${el.name}>`, pretty ? "\n" : "");
}

/** Whether a string may be used as an XML attribute name (else Pacemaker writes a <param>). */
export function isXmlName(name: string): boolean {
  return /^[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]*$/.test(name);
}
