// Guest nodes (a container resource with meta remote-node) and remote nodes (an
// ocf:pacemaker:remote connection resource). A node name must not clash with any other
// node or any resource id: Pacemaker would have two objects under one name.
import { element, walk, type XmlElement } from "../xml.js";
import { checkId, checkedModel, configuration, EditError, nvpairs, section, setNvpair, type EditResult } from "./tree.js";
import { deleteResource, findResource } from "./resources.js";
import { knownNodes } from "./nodes.js";
import { removeNodeConstraints } from "./constraints.js";

function checkNewNodeName(cib: XmlElement, name: string): void {
  checkId(name, "node");
  const node = knownNodes(cib).find((n) => n.name === name);
  if (node) throw new EditError(`'${name}' is already a ${node.kind} node${node.resource ? ` (resource '${node.resource}')` : ""}`);
  const clash = [...walk(configuration(cib))].find((e) => e.attrs.id === name);
  if (clash) throw new EditError(`'${name}' is already the id of a <${clash.name}>: a node name must differ from every resource and id`);
}

function checkPort(port: string | undefined): void {
  if (port !== undefined && !(/^\d+$/.test(port) && +port > 0 && +port < 65536)) throw new EditError(`invalid port '${port}': expected 1-65535`);
}

export function addGuest(cib: XmlElement, name: string, container: string, addr?: string, port?: string): EditResult {
  const rsc = findResource(cib, container);
  if (rsc.name !== "primitive") throw new EditError(`'${container}' is a ${rsc.name}: a guest's container must be a primitive`);
  const meta = nvpairs(rsc, "meta_attributes");
  if (meta["remote-node"]) throw new EditError(`resource '${container}' already hosts guest node '${meta["remote-node"]}'`);
  checkNewNodeName(cib, name);
  checkPort(port);
  setNvpair(cib, rsc, "meta_attributes", container, "remote-node", name);
  if (addr !== undefined) setNvpair(cib, rsc, "meta_attributes", container, "remote-addr", addr);
  if (port !== undefined) setNvpair(cib, rsc, "meta_attributes", container, "remote-port", port);
  checkedModel(cib);
  return { message: `guest node '${name}' lives in '${container}'${addr ? ` at ${addr}${port ? `:${port}` : ""}` : ""}`, changed: "configuration" };
}

export function removeGuest(cib: XmlElement, name: string): EditResult {
  const node = knownNodes(cib).find((n) => n.name === name);
  if (!node || node.kind !== "guest") throw new EditError(`'${name}' is not a guest node`);
  const rsc = findResource(cib, node.resource!);
  for (const k of ["remote-node", "remote-addr", "remote-port", "remote-connect-timeout", "remote-allow-migrate"]) setNvpair(cib, rsc, "meta_attributes", rsc.attrs.id, k, undefined);
  removeNodeEntry(cib, name);
  const constraints = removeNodeConstraints(cib, name);
  checkedModel(cib);
  return { message: `'${node.resource}' no longer hosts guest node '${name}'${constraints.length ? `; removed constraints ${constraints.join(", ")}` : ""}`, changed: "configuration" };
}

export function addRemote(cib: XmlElement, name: string, server: string, port?: string, reconnectInterval?: string): EditResult {
  checkNewNodeName(cib, name);
  checkPort(port);
  const prim = element("primitive", { id: name, class: "ocf", provider: "pacemaker", type: "remote" });
  setNvpair(cib, prim, "instance_attributes", name, "server", server);
  if (port !== undefined) setNvpair(cib, prim, "instance_attributes", name, "port", port);
  if (reconnectInterval !== undefined) setNvpair(cib, prim, "instance_attributes", name, "reconnect_interval", reconnectInterval);
  prim.children.push(element("operations", {}, [element("op", { id: `${name}-monitor-interval-60s`, name: "monitor", interval: "60s", timeout: "30s" })]));
  section(cib, "resources").children.push(prim);
  checkedModel(cib);
  return { message: `remote node '${name}' at ${server}${port ? `:${port}` : ""}`, changed: "configuration" };
}

export function removeRemote(cib: XmlElement, name: string): EditResult {
  const node = knownNodes(cib).find((n) => n.name === name);
  if (!node || node.kind !== "remote") throw new EditError(`'${name}' is not a remote node`);
  const r = deleteResource(cib, node.resource!);
  const constraints = [...r.removedConstraints, ...removeNodeConstraints(cib, name)];
  removeNodeEntry(cib, name);
  checkedModel(cib);
  return { message: `removed remote node '${name}'${constraints.length ? ` and constraints ${constraints.join(", ")}` : ""}`, changed: "configuration" };
}

/** The node's attributes go with it (pcs does the same). */
function removeNodeEntry(cib: XmlElement, name: string): void {
  const nodes = section(cib, "nodes");
  nodes.children = nodes.children.filter((n) => !(n.name === "node" && n.attrs.type === "remote" && (n.attrs.uname ?? n.attrs.id) === name));
}
