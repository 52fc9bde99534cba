// Resource edits: create, update, meta, delete, enable/disable, and the move/ban/clear
// location constraints crm_resource uses (cli-prefer-*, cli-ban-*-on-*).
import { describe, element, walk, type XmlElement } from "../xml.js";
import { checkId, checkedModel, configuration, EditError, idPart, parentOf, removeChild, section, setNvpair, type EditResult } from "./tree.js";
import { removeReferences } from "./constraints.js";

const RESOURCE_ELEMENTS = new Set(["primitive", "group", "clone", "master", "bundle"]);

export interface OpSpec {
  name: string;
  /** interval, timeout, role, on-fail, ... */
  attrs: Record<string, string>;
}

export interface AgentSpec {
  class: string;
  provider?: string;
  type: string;
}

/** `ocf:heartbeat:Dummy`, `systemd:nginx`, `lsb:foo`, `stonith:fence_xvm`. */
export function parseAgent(text: string): AgentSpec {
  const parts = text.split(":");
  if (parts[0] === "ocf") {
    if (parts.length !== 3 || !parts[1] || !parts[2]) throw new EditError(`agent '${text}': OCF agents are written ocf:PROVIDER:TYPE`);
    return { class: "ocf", provider: parts[1], type: parts[2] };
  }
  if (parts.length === 2 && ["lsb", "systemd", "service", "stonith"].includes(parts[0]) && parts[1]) return { class: parts[0], type: parts[1] };
  throw new EditError(`agent '${text}': expected CLASS:[PROVIDER:]TYPE with class ocf, lsb, systemd, service or stonith`);
}

export function agentText(a: AgentSpec): string {
  return a.provider ? `${a.class}:${a.provider}:${a.type}` : `${a.class}:${a.type}`;
}

/** Every resource element (any level) in the resources section. */
export function resourceElements(cib: XmlElement): XmlElement[] {
  return [...walk(section(cib, "resources"))].filter((e) => RESOURCE_ELEMENTS.has(e.name));
}

export function findResource(cib: XmlElement, id: string): XmlElement {
  const r = resourceElements(cib).find((e) => e.attrs.id === id);
  if (!r) throw new EditError(`resource '${id}' does not exist`);
  return r;
}

/** pcs's op id: `RSC-monitor-interval-10s`. */
export function opId(rsc: string, op: OpSpec): string {
  return `${rsc}-${idPart(op.name)}-interval-${idPart(op.attrs.interval ?? "0s")}`;
}

export interface CreateSpec {
  id: string;
  agent: AgentSpec;
  params: Record<string, string>;
  meta: Record<string, string>;
  ops: OpSpec[];
  group?: string;
  /** Wrap the primitive in a clone `ID-clone` (promotable: meta promotable=true). */
  clone?: "clone" | "promotable";
}

export function createResource(cib: XmlElement, spec: CreateSpec): EditResult {
  checkId(spec.id, "resource");
  const clash = [...walk(configuration(cib))].find((e) => e.attrs.id === spec.id);
  if (clash) throw new EditError(`resource id '${spec.id}' is already used by ${describe(clash)}`);
  const attrs: Record<string, string> = { id: spec.id, class: spec.agent.class };
  if (spec.agent.provider) attrs.provider = spec.agent.provider;
  attrs.type = spec.agent.type;
  const prim = element("primitive", attrs);
  for (const [k, v] of Object.entries(spec.params)) setNvpair(cib, prim, "instance_attributes", spec.id, k, v);
  for (const [k, v] of Object.entries(spec.meta)) setNvpair(cib, prim, "meta_attributes", spec.id, k, v);
  if (spec.ops.length > 0) {
    const ops = element("operations");
    const seen = new Set<string>();
    for (const op of spec.ops) {
      const key = `${op.name}/${op.attrs.interval ?? "0"}`;
      if (seen.has(key)) throw new EditError(`resource '${spec.id}': operation ${op.name} with interval ${op.attrs.interval ?? "0"} is given twice`);
      seen.add(key);
      ops.children.push(element("op", { id: opId(spec.id, op), name: op.name, ...op.attrs }));
    }
    prim.children.push(ops);
  }
  const resources = section(cib, "resources");
  let where = "";
  if (spec.group !== undefined) {
    checkId(spec.group, "group");
    const existing = [...walk(configuration(cib))].find((e) => e.attrs.id === spec.group);
    if (existing && existing.name !== "group") throw new EditError(`'${spec.group}' is a <${existing.name}>, not a group`);
    if (existing && !resources.children.includes(existing)) throw new EditError(`group '${spec.group}' is inside a clone; add to it with 'pacer cib push'`);
    const group = existing ?? element("group", { id: spec.group });
    if (!existing) resources.children.push(group);
    group.children.push(prim);
    where = ` in group '${spec.group}'`;
  } else if (spec.clone !== undefined) {
    const cloneId = `${spec.id}-clone`;
    const used = [...walk(configuration(cib))].find((e) => e.attrs.id === cloneId);
    if (used) throw new EditError(`clone id '${cloneId}' is already used by ${describe(used)}`);
    const clone = element("clone", { id: cloneId });
    if (spec.clone === "promotable") setNvpair(cib, clone, "meta_attributes", cloneId, "promotable", "true");
    clone.children.push(prim);
    resources.children.push(clone);
    where = ` in ${spec.clone} '${cloneId}'`;
  } else {
    resources.children.push(prim);
  }
  checkedModel(cib);
  return { message: `created resource '${spec.id}' (${agentText(spec.agent)})${where}`, changed: "configuration" };
}

/** Instance attributes (name=value, or name= to remove) and operations of a primitive. */
export function updateResource(cib: XmlElement, id: string, params: [string, string | undefined][], ops: OpSpec[] = []): EditResult {
  const rsc = findResource(cib, id);
  if (rsc.name !== "primitive") throw new EditError(`resource '${id}' is a ${rsc.name}: only primitives have instance attributes (use 'pacer resource meta' for meta attributes)`);
  for (const [k, v] of params) setNvpair(cib, rsc, "instance_attributes", id, k, v);
  for (const op of ops) {
    let opsEl = rsc.children.find((c) => c.name === "operations");
    if (!opsEl) {
      opsEl = element("operations");
      rsc.children.push(opsEl);
    }
    // An op given again replaces the one with the same name (pcs: "update ... op monitor interval=20s").
    const existing = opsEl.children.filter((c) => c.name === "op" && c.attrs.name === op.name);
    for (const e of existing) removeChild(opsEl, e);
    opsEl.children.push(element("op", { id: opId(id, op), name: op.name, ...op.attrs }));
  }
  checkedModel(cib);
  const what = [...params.map(([k, v]) => (v === undefined ? `-${k}` : `${k}=${v}`)), ...ops.map((o) => `op ${o.name}`)].join(" ");
  return { message: `updated resource '${id}': ${what}`, changed: "configuration" };
}

export function setResourceMeta(cib: XmlElement, id: string, meta: [string, string | undefined][]): EditResult {
  const rsc = findResource(cib, id);
  for (const [k, v] of meta) setNvpair(cib, rsc, "meta_attributes", id, k, v);
  checkedModel(cib);
  return { message: `meta attributes of '${id}': ${meta.map(([k, v]) => (v === undefined ? `-${k}` : `${k}=${v}`)).join(" ")}`, changed: "configuration" };
}

export function deleteResource(cib: XmlElement, id: string): EditResult & { removedConstraints: string[] } {
  const rsc = findResource(cib, id);
  const resources = section(cib, "resources");
  const removedIds = [...walk(rsc)].filter((e) => RESOURCE_ELEMENTS.has(e.name)).map((e) => e.attrs.id);
  let target = rsc;
  let parent = parentOf(resources, target)!;
  // A group or clone left empty goes too (the schema does not allow an empty one).
  while (parent !== resources && parent.children.filter((c) => RESOURCE_ELEMENTS.has(c.name)).length === 1) {
    target = parent;
    removedIds.push(target.attrs.id);
    parent = parentOf(resources, target)!;
  }
  removeChild(parent, target);
  const removedConstraints = removeReferences(cib, new Set(removedIds));
  checkedModel(cib);
  const extra = removedConstraints.length ? `; removed constraints ${removedConstraints.join(", ")}` : "";
  const container = target !== rsc ? ` (and its now empty ${target.name} '${target.attrs.id}')` : "";
  // The status history stays: the cluster needs it to stop what is still running.
  return { message: `deleted resource '${id}'${container}${extra}`, changed: "configuration", removedConstraints };
}

export function disableResource(cib: XmlElement, id: string): EditResult {
  setNvpair(cib, findResource(cib, id), "meta_attributes", id, "target-role", "Stopped");
  checkedModel(cib);
  return { message: `disabled '${id}' (target-role=Stopped)`, changed: "configuration" };
}

export function enableResource(cib: XmlElement, id: string): EditResult {
  setNvpair(cib, findResource(cib, id), "meta_attributes", id, "target-role", undefined);
  checkedModel(cib);
  return { message: `enabled '${id}'`, changed: "configuration" };
}

function locationSection(cib: XmlElement): XmlElement {
  return section(cib, "constraints");
}

function replaceLocation(cib: XmlElement, id: string, attrs: Record<string, string>): void {
  const constraints = locationSection(cib);
  const old = constraints.children.find((c) => c.attrs.id === id);
  if (old) removeChild(constraints, old);
  constraints.children.push(element("rsc_location", { id, ...attrs }));
}

/** `crm_resource --move`: prefer NODE with INFINITY (replaces an earlier move). */
export function moveResource(cib: XmlElement, id: string, node: string, knownNodes: string[]): EditResult {
  findResource(cib, id);
  if (!knownNodes.includes(node)) throw new EditError(`node '${node}' is not a cluster node (known: ${knownNodes.join(", ") || "none"})`);
  replaceLocation(cib, `cli-prefer-${id}`, { rsc: id, role: "Started", node, score: "INFINITY" });
  checkedModel(cib);
  return { message: `'${id}' will move to ${node} (constraint cli-prefer-${id}; 'pacer resource clear ${id}' removes it)`, changed: "configuration" };
}

/** `crm_resource --ban`: keep the resource off NODE. */
export function banResource(cib: XmlElement, id: string, node: string, knownNodes: string[]): EditResult {
  findResource(cib, id);
  if (!knownNodes.includes(node)) throw new EditError(`node '${node}' is not a cluster node (known: ${knownNodes.join(", ") || "none"})`);
  const cid = `cli-ban-${id}-on-${idPart(node)}`;
  replaceLocation(cib, cid, { rsc: id, role: "Started", node, score: "-INFINITY" });
  checkedModel(cib);
  return { message: `'${id}' is banned from ${node} (constraint ${cid})`, changed: "configuration" };
}

/** `crm_resource --clear`: drop the move/ban constraints (all, or those naming NODE). */
export function clearResource(cib: XmlElement, id: string, node?: string): EditResult {
  findResource(cib, id);
  const constraints = locationSection(cib);
  const gone = constraints.children.filter(
    (c) => c.name === "rsc_location" && c.attrs.rsc === id && (c.attrs.id === `cli-prefer-${id}` || c.attrs.id.startsWith(`cli-ban-${id}-on-`)) && (node === undefined || c.attrs.node === node),
  );
  for (const c of gone) removeChild(constraints, c);
  checkedModel(cib);
  return { message: gone.length ? `removed ${gone.map((c) => c.attrs.id).join(", ")}` : `no move/ban constraints for '${id}'${node ? ` on ${node}` : ""}`, changed: "configuration" };
}
