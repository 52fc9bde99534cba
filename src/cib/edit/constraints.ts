// Constraint edits: location, colocation and order constraints with pcs's generated ids,
// removal by id, and the clean-up of constraints that name a deleted resource.
import { isValidScore } from "../score.js";
import { element, walk, type XmlElement } from "../xml.js";
import { checkedModel, configuration, EditError, idPart, removeChild, section, type EditResult } from "./tree.js";
import { findResource } from "./resources.js";

const CONSTRAINT_ELEMENTS = new Set(["rsc_location", "rsc_colocation", "rsc_order", "rsc_ticket"]);
const ACTIONS = ["start", "stop", "promote", "demote"];
const ORDER_KINDS = ["Mandatory", "Optional", "Serialize"];
const ROLES = ["Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"];

function checkScore(score: string): void {
  if (!isValidScore(score)) throw new EditError(`invalid score '${score}': expected an integer, INFINITY, +INFINITY or -INFINITY`);
}

function add(cib: XmlElement, el: XmlElement): void {
  const constraints = section(cib, "constraints");
  const clash = [...walk(configuration(cib))].find((e) => e.attrs.id === el.attrs.id);
  if (clash) throw new EditError(`constraint '${el.attrs.id}' already exists`);
  constraints.children.push(el);
}

/** `location-RSC-NODE-SCORE`: RSC prefers (score > 0) or avoids (score < 0) NODE. */
export function addLocation(cib: XmlElement, rsc: string, node: string, score: string, knownNodes?: string[], role?: string): EditResult {
  findResource(cib, rsc);
  checkScore(score);
  if (knownNodes && !knownNodes.includes(node)) throw new EditError(`node '${node}' is not a cluster node (known: ${knownNodes.join(", ") || "none"}); use --force to add it anyway`);
  if (role !== undefined && !ROLES.includes(role)) throw new EditError(`invalid role '${role}': expected one of ${ROLES.join(", ")}`);
  const id = `location-${idPart(rsc)}-${idPart(node)}-${idPart(score)}`;
  add(cib, element("rsc_location", { id, rsc, node, score, ...(role ? { role } : {}) }));
  checkedModel(cib);
  return { message: `added ${id}: ${rsc} ${score.startsWith("-") ? "avoids" : "prefers"} ${node} (${score})`, changed: "configuration" };
}

/** `colocation-RSC-WITH-SCORE`: RSC runs where WITH runs. */
export function addColocation(cib: XmlElement, rsc: string, withRsc: string, score = "INFINITY", rscRole?: string, withRole?: string): EditResult {
  findResource(cib, rsc);
  findResource(cib, withRsc);
  if (rsc === withRsc) throw new EditError(`a resource cannot be colocated with itself ('${rsc}')`);
  checkScore(score);
  for (const r of [rscRole, withRole]) if (r !== undefined && !ROLES.includes(r)) throw new EditError(`invalid role '${r}': expected one of ${ROLES.join(", ")}`);
  const id = `colocation-${idPart(rsc)}-${idPart(withRsc)}-${idPart(score)}`;
  add(cib, element("rsc_colocation", { id, rsc, "with-rsc": withRsc, score, ...(rscRole ? { "rsc-role": rscRole } : {}), ...(withRole ? { "with-rsc-role": withRole } : {}) }));
  checkedModel(cib);
  return { message: `added ${id}: ${rsc} with ${withRsc} (${score})`, changed: "configuration" };
}

/** `order-FIRST-THEN-KIND`: start THEN after FIRST (actions and kind optional). */
export function addOrder(cib: XmlElement, first: string, then: string, firstAction = "start", thenAction = firstAction, kind = "Mandatory", symmetrical?: boolean): EditResult {
  findResource(cib, first);
  findResource(cib, then);
  if (first === then) throw new EditError(`a resource cannot be ordered after itself ('${first}')`);
  for (const a of [firstAction, thenAction]) if (!ACTIONS.includes(a)) throw new EditError(`invalid action '${a}': expected one of ${ACTIONS.join(", ")}`);
  const k = ORDER_KINDS.find((x) => x.toLowerCase() === kind.toLowerCase());
  if (!k) throw new EditError(`invalid order kind '${kind}': expected one of ${ORDER_KINDS.join(", ")}`);
  const id = `order-${idPart(first)}-${idPart(then)}-${k.toLowerCase()}`;
  const attrs: Record<string, string> = { id, first, "first-action": firstAction, then, "then-action": thenAction };
  if (k !== "Mandatory") attrs.kind = k;
  if (symmetrical !== undefined) attrs.symmetrical = String(symmetrical);
  add(cib, element("rsc_order", attrs));
  checkedModel(cib);
  return { message: `added ${id}: ${firstAction} ${first} then ${thenAction} ${then} (${k})`, changed: "configuration" };
}

/** Remove a constraint by id; `kind` (rsc_location, ...) restricts which kind may be named. */
export function removeConstraint(cib: XmlElement, id: string, kind?: string): EditResult {
  const constraints = section(cib, "constraints");
  const el = constraints.children.find((c) => c.attrs.id === id && CONSTRAINT_ELEMENTS.has(c.name));
  if (!el) throw new EditError(`constraint '${id}' does not exist`);
  if (kind !== undefined && el.name !== kind) throw new EditError(`constraint '${id}' is a <${el.name}>, not a <${kind}>`);
  removeChild(constraints, el);
  checkedModel(cib);
  return { message: `removed constraint '${id}'`, changed: "configuration" };
}

/**
 * After resources are deleted: drop the constraints that name them directly, and their
 * entries in resource sets (a set left empty goes, a constraint left without sets goes).
 * Returns the ids of removed constraints.
 */
export function removeReferences(cib: XmlElement, ids: Set<string>): string[] {
  const constraints = section(cib, "constraints");
  const removed: string[] = [];
  for (const c of [...constraints.children]) {
    const direct = ["rsc", "with-rsc", "first", "then"].some((a) => c.attrs[a] !== undefined && ids.has(c.attrs[a]));
    let drop = direct;
    if (!drop) {
      const sets = c.children.filter((s) => s.name === "resource_set");
      for (const s of sets) for (const ref of s.children.filter((r) => r.name === "resource_ref" && ids.has(r.attrs.id))) removeChild(s, ref);
      for (const s of sets) if (s.children.every((r) => r.name !== "resource_ref")) removeChild(c, s);
      drop = sets.length > 0 && c.children.every((s) => s.name !== "resource_set");
    }
    if (drop) {
      removeChild(constraints, c);
      removed.push(c.attrs.id);
    }
  }
  return removed;
}

/** A node that goes away takes the location constraints naming it along (pcs does too). */
export function removeNodeConstraints(cib: XmlElement, node: string): string[] {
  const constraints = section(cib, "constraints");
  const gone = constraints.children.filter((c) => c.name === "rsc_location" && c.attrs.node === node);
  for (const c of gone) removeChild(constraints, c);
  return gone.map((c) => c.attrs.id);
}

export interface ConstraintInfo {
  id: string;
  type: "location" | "colocation" | "order" | "ticket";
  attrs: Record<string, string>;
  /** Resource sets, when the constraint uses them. */
  sets?: string[][];
  /** Rules of a location constraint, as their ids. */
  rules?: string[];
}

export function listConstraints(cib: XmlElement, type?: ConstraintInfo["type"]): ConstraintInfo[] {
  const out: ConstraintInfo[] = [];
  for (const c of section(cib, "constraints").children) {
    if (!CONSTRAINT_ELEMENTS.has(c.name)) continue;
    const t = c.name.replace(/^rsc_/, "") as ConstraintInfo["type"];
    if (type !== undefined && t !== type) continue;
    const { id, ...attrs } = c.attrs;
    const info: ConstraintInfo = { id, type: t, attrs };
    const sets = c.children.filter((s) => s.name === "resource_set");
    if (sets.length) info.sets = sets.map((s) => s.children.filter((r) => r.name === "resource_ref").map((r) => r.attrs.id));
    const rules = c.children.filter((r) => r.name === "rule");
    if (rules.length) info.rules = rules.map((r) => r.attrs.id);
    out.push(info);
  }
  return out;
}

export function constraintText(c: ConstraintInfo): string {
  const a = c.attrs;
  const sets = c.sets ? ` sets ${c.sets.map((s) => `(${s.join(" ")})`).join(" ")}` : "";
  switch (c.type) {
    case "location":
      return `${a.rsc ?? a["rsc-pattern"] ?? ""}${sets} ${c.rules ? `rules ${c.rules.join(", ")}` : `${(a.score ?? "").startsWith("-") ? "avoids" : "prefers"} ${a.node} (score ${a.score})`}${a.role ? ` role ${a.role}` : ""}`;
    case "colocation":
      return c.sets ? `${sets.trim()} (score ${a.score})` : `${a.rsc}${a["rsc-role"] ? `:${a["rsc-role"]}` : ""} with ${a["with-rsc"]}${a["with-rsc-role"] ? `:${a["with-rsc-role"]}` : ""} (score ${a.score})`;
    case "order":
      return c.sets ? `${sets.trim()} (${a.kind ?? "Mandatory"})` : `${a["first-action"] ?? "start"} ${a.first} then ${a["then-action"] ?? a["first-action"] ?? "start"} ${a.then} (${a.kind ?? (a.score ? `score ${a.score}` : "Mandatory")})`;
    default:
      return `${a.rsc ?? ""}${sets} needs ticket ${a.ticket}`;
  }
}
