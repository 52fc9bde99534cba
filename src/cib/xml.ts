// A small, strict XML tree for CIB documents: saxes does the parsing (it rejects
// malformed XML), this module keeps only what Pacemaker's XML uses: elements, attributes
// in document order, the line each element starts on, and comments (kept so a CIB that
// passes through pacer keeps its annotations).
import { SaxesParser } from "saxes";

export interface XmlElement {
  name: string;
  /** Attributes in document order (names are never integer-like, so order is kept). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** 1-based line of the start tag in the source; 0 for elements built in memory. */
  line: number;
  /** Text content, when the element has any non-blank text (rare in a CIB). */
  text?: string;
  /** Comments directly inside this element, with the index of the child they precede. */
  comments?: { before: number; text: string }[];
}

export class XmlParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    readonly fileName?: string,
  ) {
    super(`${fileName ?? "XML"}:${line}:${column}: ${message}`);
    this.name = "XmlParseError";
  }
}

/** Parse a whole XML document and return its root element. Throws XmlParseError. */
export function parseXml(source: string, fileName?: string): XmlElement {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: XmlParseError | undefined;

  parser.on("error", (err) => {
    if (!failure) {
      const m = /^(?:[^:]*:)?\d+:\d+: (.*)$/s.exec(err.message);
      failure = new XmlParseError(m ? m[1] : err.message, parser.line, parser.column, fileName);
    }
  });
  parser.on("opentag", (tag) => {
    const el: XmlElement = { name: tag.name, attrs: tag.attributes as Record<string, string>, children: [], line: parser.line };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (!root) root = el;
    stack.push(el);
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  parser.on("text", (text) => {
    const parent = stack[stack.length - 1];
    if (parent && text.trim() !== "") parent.text = (parent.text ?? "") + text;
  });
  parser.on("cdata", (text) => {
    const parent = stack[stack.length - 1];
    if (parent) parent.text = (parent.text ?? "") + text;
  });
  parser.on("comment", (text) => {
    const parent = stack[stack.length - 1];
    if (parent) (parent.comments ??= []).push({ before: parent.children.length, text });
  });

  try {
    parser.write(source).close();
  } catch (err) {
    if (!failure) throw err;
  }
  if (failure) throw failure;
  if (!root) throw new XmlParseError("document has no root element", 1, 1, fileName);
  return root;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;" };
export function escapeAttr(value: string): string {
  return /[&<>"'\n\r\t]/.test(value) ? value.replace(/[&<>"'\n\r\t]/g, (c) => ESCAPES[c]) : value;
}
function escapeText(value: string): string {
  return value.replace(/[&<>]/g, (c) => ESCAPES[c]);
}

export interface SerializeOptions {
  /** Indent nested elements by this many spaces per level; omit for a single line. */
  indent?: number;
  /** Drop comments. */
  noComments?: boolean;
}

/** Serialise an element (and its subtree) back to XML text. */
export function serializeXml(el: XmlElement, options: SerializeOptions = {}): string {
  const out: string[] = [];
  write(el, 0, options, out);
  return out.join("");
}

function write(el: XmlElement, depth: number, opt: SerializeOptions, out: string[]): void {
  const pad = opt.indent === undefined ? "" : " ".repeat(opt.indent * depth);
  const nl = opt.indent === undefined ? "" : "\n";
  out.push(pad, "<", el.name);
  for (const [k, v] of Object.entries(el.attrs)) out.push(" ", k, '="', escapeAttr(v), '"');
  const comments = opt.noComments ? [] : el.comments ?? [];
  if (el.children.length === 0 && comments.length === 0 && el.text === undefined) {
    out.push("/>", nl);
    return;
  }
  out.push(">");
  if (el.text !== undefined) out.push(escapeText(el.text));
  if (el.children.length > 0 || comments.length > 0) out.push(nl);
  let c = 0;
  for (let i = 0; i <= el.children.length; i++) {
    while (c < comments.length && comments[c].before === i) {
      out.push(opt.indent === undefined ? "" : " ".repeat(opt.indent * (depth + 1)), "<!--", comments[c].text, "-->", nl);
      c++;
    }
    if (i < el.children.length) write(el.children[i], depth + 1, opt, out);
  }
  out.push(el.children.length > 0 || comments.length > 0 ? pad : "", "</", el.name, ">", nl);
}

/** Build an element in memory. */
export function element(name: string, attrs: Record<string, string> = {}, children: XmlElement[] = []): XmlElement {
  return { name, attrs, children, line: 0 };
}

/** First direct child with this name. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** All direct children with this name. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Depth-first walk over the subtree (the element itself first). */
export function* walk(el: XmlElement): Generator<XmlElement> {
  // An explicit stack: nested yield* resumes one generator per level for every element.
  const stack: XmlElement[] = [el];
  while (stack.length > 0) {
    const e = stack.pop()!;
    yield e;
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]);
  }
}

/** Deep copy (comments included). */
export function cloneElement(el: XmlElement): XmlElement {
  return {
    name: el.name,
    attrs: { ...el.attrs },
    children: el.children.map(cloneElement),
    line: el.line,
    ...(el.text !== undefined ? { text: el.text } : {}),
    ...(el.comments ? { comments: el.comments.map((c) => ({ ...c })) } : {}),
  };
}

/** How an element is named in error messages: `<primitive id="rsc1"> (line 12)`. */
export function describe(el: XmlElement): string {
  const id = el.attrs.id !== undefined ? ` id="${el.attrs.id}"` : "";
  return `<${el.name}${id}>${el.line ? ` (line ${el.line})` : ""}`;
}
