// Node edits: permanent node attributes (standby is one of them), on cluster nodes as well as
// guest and remote nodes — which get a <node type="remote"> entry when first given one, as
// crm_attribute does.
import { childrenNamed, element, walk, type XmlElement } from "../xml.js";
import { checkedModel, EditError, idPart, nvpairs, section, setNvpair, type EditResult } from "./tree.js";
import { resourceElements } from "./resources.js";

export interface NodeInfo {
  name: string;
  kind: "cluster" | "guest" | "remote";
  /** Guest nodes: the container resource; remote nodes: the connection resource. */
  resource?: string;
}

function metaValue(rsc: XmlElement, name: string): string | undefined {
  for (const set of childrenNamed(rsc, "meta_attributes")) for (const p of childrenNamed(set, "nvpair")) if (p.attrs.name === name) return p.attrs.value;
  return undefined;
}

/** Cluster nodes from <nodes>, guest nodes from remote-node meta, remote nodes from ocf:pacemaker:remote. */
export function knownNodes(cib: XmlElement): NodeInfo[] {
  const out: NodeInfo[] = [];
  const seen = new Set<string>();
  for (const r of resourceElements(cib)) {
    const guest = r.name === "primitive" ? metaValue(r, "remote-node") : undefined;
    if (guest) {
      out.push({ name: guest, kind: "guest", resource: r.attrs.id });
      seen.add(guest);
    } else if (r.name === "primitive" && r.attrs.class === "ocf" && r.attrs.provider === "pacemaker" && r.attrs.type === "remote") {
      out.push({ name: r.attrs.id, kind: "remote", resource: r.attrs.id });
      seen.add(r.attrs.id);
    }
  }
  const cluster: NodeInfo[] = [];
  for (const n of childrenNamed(section(cib, "nodes"), "node")) {
    const name = n.attrs.uname ?? n.attrs.id;
    if (!seen.has(name) && n.attrs.type !== "remote") cluster.push({ name, kind: "cluster" });
  }
  return [...cluster, ...out];
}

function nodeElement(cib: XmlElement, name: string): XmlElement {
  const nodes = section(cib, "nodes");
  const existing = childrenNamed(nodes, "node").find((n) => (n.attrs.uname ?? n.attrs.id) === name);
  if (existing) return existing;
  const info = knownNodes(cib).find((n) => n.name === name);
  if (!info) throw new EditError(`node '${name}' is not a cluster, guest or remote node (known: ${knownNodes(cib).map((n) => n.name).join(", ") || "none"})`);
  const el = element("node", { id: name, uname: name, type: "remote" });
  nodes.children.push(el);
  return el;
}

/** Set (value) or remove (undefined) a permanent node attribute. */
export function setNodeAttribute(cib: XmlElement, node: string, name: string, value: string | undefined): EditResult {
  const el = nodeElement(cib, node);
  if (value === undefined && nvpairs(el, "instance_attributes")[name] === undefined) throw new EditError(`node '${node}' has no attribute '${name}'`);
  setNvpair(cib, el, "instance_attributes", "", name, value, `nodes-${idPart(el.attrs.id)}`);
  checkedModel(cib);
  return { message: value === undefined ? `removed attribute ${name} of node ${node}` : `node ${node}: ${name}=${value}`, changed: "configuration" };
}

export function setStandby(cib: XmlElement, node: string, on: boolean): EditResult {
  const el = nodeElement(cib, node);
  setNvpair(cib, el, "instance_attributes", "", "standby", on ? "on" : undefined, `nodes-${idPart(el.attrs.id)}`);
  checkedModel(cib);
  return { message: on ? `node ${node} is in standby` : `node ${node} is out of standby`, changed: "configuration" };
}

/** The permanent attributes of each configured node. */
export function nodeAttributes(cib: XmlElement): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const n of walk(section(cib, "nodes"))) if (n.name === "node") out[n.attrs.uname ?? n.attrs.id] = nvpairs(n, "instance_attributes");
  return out;
}
