// How cluster membership shows in the CIB, as Pacemaker's controller writes it: a member
// gets a <node id uname> in the configuration (once) and a <node_state> in the status whose
// in_ccm/crmd/join/expected say whether it is up; the CIB's have-quorum and dc-uuid follow
// the membership view.
import type { XmlElement } from "../cib/xml.js";
import { child, element } from "../cib/xml.js";
import type { ClusterNode, Membership } from "../cluster/cluster-layer.js";

function section(cib: XmlElement, path: string[]): XmlElement {
  let el = cib;
  for (const name of path) {
    let next = child(el, name);
    if (!next) {
      next = element(name);
      el.children.push(next);
    }
    el = next;
  }
  return el;
}

/** Make sure the node is configured (`<node id uname>`); a renamed node keeps its id. */
export function ensureNodeConfigured(cib: XmlElement, node: ClusterNode): void {
  const nodes = section(cib, ["configuration", "nodes"]);
  const existing = nodes.children.find((n) => n.name === "node" && n.attrs.id === node.id);
  if (existing) {
    if (existing.attrs.uname !== node.name) existing.attrs.uname = node.name;
    return;
  }
  nodes.children.push(element("node", { id: node.id, uname: node.name }));
}

/** Record a cluster node as up (a member running the controller) or cleanly down. */
export function setNodeState(cib: XmlElement, node: ClusterNode, up: boolean, origin: string): void {
  const status = section(cib, ["status"]);
  let state = status.children.find((s) => s.name === "node_state" && s.attrs.id === node.id);
  if (!state) {
    state = element("node_state", { id: node.id });
    status.children.push(state);
  }
  Object.assign(state.attrs, {
    uname: node.name,
    in_ccm: up ? "true" : "false",
    crmd: up ? "online" : "offline",
    "crm-debug-origin": origin,
    join: up ? "member" : "down",
    expected: up ? "member" : "down",
  });
}

/** The CIB's view of quorum and DC. */
export function setClusterView(cib: XmlElement, view: Membership): void {
  cib.attrs["have-quorum"] = view.quorate ? "1" : "0";
  if (view.dc !== undefined) cib.attrs["dc-uuid"] = view.dc;
  else delete cib.attrs["dc-uuid"];
}
