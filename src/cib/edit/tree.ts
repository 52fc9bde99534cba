// Shared helpers of the CIB edits: finding sections and objects, building nvpairs with
// pcs-style ids, and the final check through the typed model. Every edit works on a tree
// the caller owns (a copy of the stored CIB), so a refused edit changes nothing stored.
import { CibError } from "../errors.js";
import { parseCib } from "../model-parse.js";
import type { CibModel } from "../model.js";
import { child, element, walk, type XmlElement } from "../xml.js";

/** A requested edit that cannot be made; the message names the object and the reason. */
export class EditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EditError";
  }
}

/** What an edit did: a line for the admin, and which part of the CIB it changed. */
export interface EditResult {
  message: string;
  changed: "configuration" | "status";
}

const XML_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Ids must be XML NCNames (Pacemaker's schema says so; pcs refuses others too). */
export function checkId(id: string, what: string): void {
  if (!XML_ID.test(id)) throw new EditError(`invalid ${what} id '${id}': it must start with a letter or '_' and contain only letters, digits, '_', '.', '-'`);
}

/** Turn any text into a valid id fragment, as pcs does for generated ids. */
export function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, "_");
}

export function configuration(cib: XmlElement): XmlElement {
  const c = child(cib, "configuration");
  if (!c) throw new EditError("the CIB has no <configuration> section");
  return c;
}

/** A configuration section (`resources`, `constraints`, ...), created when missing. */
export function section(cib: XmlElement, name: string): XmlElement {
  const conf = configuration(cib);
  let s = child(conf, name);
  if (!s) {
    s = element(name);
    conf.children.push(s);
  }
  return s;
}

export function statusSection(cib: XmlElement): XmlElement {
  let s = child(cib, "status");
  if (!s) {
    s = element("status");
    cib.children.push(s);
  }
  return s;
}

/** Every element with this id anywhere in the CIB (there should be at most one). */
export function findById(cib: XmlElement, id: string): XmlElement | undefined {
  const conf = configuration(cib);
  for (const el of walk(conf)) if (el.attrs.id === id) return el;
  return undefined;
}

/** The parent of `target` under `root`, or undefined. */
export function parentOf(root: XmlElement, target: XmlElement): XmlElement | undefined {
  for (const el of walk(root)) if (el.children.includes(target)) return el;
  return undefined;
}

export function removeChild(parent: XmlElement, target: XmlElement): void {
  const i = parent.children.indexOf(target);
  if (i >= 0) parent.children.splice(i, 1);
  // Comments are anchored by child index: keep them in front of the same neighbour.
  if (parent.comments) for (const c of parent.comments) if (c.before > i) c.before--;
}

/** `base`, or `base-1`, `base-2`, ... : the first id not used in the configuration. */
export function uniqueId(cib: XmlElement, base: string): string {
  const used = new Set<string>();
  for (const el of walk(configuration(cib))) if (el.attrs.id !== undefined) used.add(el.attrs.id);
  if (!used.has(base)) return base;
  for (let i = 1; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
}

/**
 * Set (value defined) or remove (undefined) `name` in the first `setName` block of `parent`,
 * creating the block with id `setId` (default `${idBase}-${setName}`) when needed; an emptied block is removed.
 * Returns the previous value.
 */
export function setNvpair(cib: XmlElement, parent: XmlElement, setName: string, idBase: string, name: string, value: string | undefined, setId = `${idBase}-${setName}`): string | undefined {
  let set = child(parent, setName);
  const pair = set?.children.find((c) => c.name === "nvpair" && c.attrs.name === name);
  const previous = pair?.attrs.value;
  if (value === undefined) {
    if (set && pair) {
      removeChild(set, pair);
      if (set.children.length === 0 && Object.keys(set.attrs).length <= 1) removeChild(parent, set);
    }
    return previous;
  }
  if (pair) {
    pair.attrs.value = value;
    return previous;
  }
  if (!set) {
    set = element(setName, { id: uniqueId(cib, setId) });
    // instance/meta attributes come before operations, as in pcs output.
    const ops = parent.children.findIndex((c) => c.name === "operations" || c.name === "primitive" || c.name === "group");
    if (ops >= 0) parent.children.splice(ops, 0, set);
    else parent.children.push(set);
  }
  set.children.push(element("nvpair", { id: uniqueId(cib, `${set.attrs.id}-${idPart(name)}`), name, value }));
  return previous;
}

/** The nvpairs of the first `setName` block, as a plain record. */
export function nvpairs(parent: XmlElement, setName: string): Record<string, string> {
  const out: Record<string, string> = {};
  const set = child(parent, setName);
  if (set) for (const p of set.children) if (p.name === "nvpair" && p.attrs.name !== undefined) out[p.attrs.name] = p.attrs.value ?? "";
  return out;
}

/**
 * Build the typed model of the edited CIB: it reports duplicate ids, dangling references,
 * bad scores and intervals. The edit is refused with the model's message.
 */
export function checkedModel(cib: XmlElement): CibModel {
  try {
    return parseCib(cib);
  } catch (err) {
    if (err instanceof CibError) throw new EditError(`the change would make the CIB invalid: ${err.message}`);
    throw err;
  }
}

/** Parse `key=value` words; `key=` means "remove". */
export function keyValues(words: string[], what: string): [string, string | undefined][] {
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new EditError(`expected ${what} as name=value, got '${w}'`);
    const v = w.slice(eq + 1);
    return [w.slice(0, eq), v === "" ? undefined : v];
  });
}
