// Guest and remote nodes. A remote node is named by an `ocf:pacemaker:remote` primitive (its
// "connection resource"); a guest node by the `remote-node` meta attribute of a container
// primitive, for which an implicit connection resource is created. Either node exists only
// while its connection runs; its online state is therefore decided during the history unpack,
// once the connection's (and container's) state is known.
import type { LrmResourceDef, ResourceDef } from "../cib/model.js";
import { CibError } from "../cib/errors.js";
import { element, type XmlElement } from "../cib/xml.js";
import { evaluateNvsets } from "../cib/nvset.js";
import { isTrue } from "../cib/model-parse.js";
import type { IdIndex } from "../cib/id-index.js";
import { INFINITY } from "../cib/score.js";
import { naturalCompare } from "./natural-sort.js";
import { bundleConfig, bundleNodeNames, bundleResourceIds } from "./bundle-unpack.js";
import { Role, type Node, type NodeKind, type Resource, type WorkingSet } from "./types.js";

export function isConnectionDef(def: ResourceDef): boolean {
  return def.kind === "primitive" && def.agentClass === "ocf" && def.provider === "pacemaker" && def.type === "remote";
}

function newRemoteNode(ws: WorkingSet, name: string, kind: NodeKind, el?: XmlElement, index?: IdIndex): Node {
  const attrs = new Map<string, string>([
    ["#uname", name],
    ["#id", name],
    ["#kind", kind === "guest" ? "container" : "remote"],
    ["#is_dc", "false"],
  ]);
  const clusterName = ws.options.get("cluster-name");
  if (clusterName) attrs.set("#cluster-name", clusterName);
  const utilization = new Map<string, number>();
  if (el && index) {
    evaluateNvsets(el, "instance_attributes", { now: ws.now }, index, attrs);
    for (const [k, v] of evaluateNvsets(el, "utilization", { now: ws.now }, index)) utilization.set(k, Number.parseInt(v, 10) || 0);
  }
  return {
    id: name,
    uname: name,
    kind,
    weight: 0,
    attrs,
    utilization,
    online: false,
    unclean: false,
    unseen: false,
    pending: false,
    standby: false,
    standbyOnFail: false,
    shutdown: false,
    maintenance: false,
    expectedUp: false,
    isDc: false,
    numResources: 0,
    running: [],
  };
}

/** The guest node name a primitive's meta attributes give it, if any. */
function guestName(ws: WorkingSet, def: ResourceDef, index: IdIndex): string | undefined {
  if (def.kind !== "primitive") return undefined;
  const meta = evaluateNvsets(def.el, "meta_attributes", { now: ws.now, rsc: { class: def.agentClass, provider: def.provider, type: def.type } }, index);
  const name = meta.get("remote-node");
  return name === undefined || name === "" ? undefined : name;
}

/** Create the remote and guest nodes the configuration implies (before resources are built,
 *  so that every resource's node table includes them). Names must be unique. */
export function createRemoteNodes(ws: WorkingSet, index: IdIndex): void {
  const resourceIds = new Set<string>();
  const bundleNodes: { name: string; def: ResourceDef }[] = [];
  const collect = (d: ResourceDef) => {
    resourceIds.add(d.id);
    if (d.kind === "bundle") {
      const cfg = bundleConfig(d);
      for (const id of bundleResourceIds(cfg)) resourceIds.add(id);
      for (const name of bundleNodeNames(cfg)) bundleNodes.push({ name, def: d });
    }
    d.children.forEach(collect);
  };
  ws.model.resources.forEach(collect);
  const add = (node: Node) => {
    ws.nodes.push(node);
    ws.nodeById.set(node.id, node);
    ws.nodeByName.set(node.uname, node);
  };
  // <node type="remote"> entries carry a remote node's permanent attributes.
  for (const def of ws.model.nodes) {
    if (def.type !== "remote" || ws.nodeByName.has(def.uname)) continue;
    add(newRemoteNode(ws, def.uname, "remote", def.el, index));
  }
  const visit = (def: ResourceDef, top: boolean) => {
    if (def.kind === "group") def.children.forEach((c) => visit(c, false));
    if (def.kind !== "primitive") return;
    if (top && isConnectionDef(def)) {
      const existing = ws.nodeByName.get(def.id);
      if (existing && existing.kind === "cluster") throw new CibError(`remote connection ${def.id} has the name of cluster node ${def.id}`, def.el);
      if (!existing) add(newRemoteNode(ws, def.id, "remote"));
      return;
    }
    const name = guestName(ws, def, index);
    if (name === undefined) return;
    const existing = ws.nodeByName.get(name);
    if (existing?.kind === "cluster") throw new CibError(`resource ${def.id}: guest node name '${name}' (remote-node) is already the name of a cluster node`, def.el);
    if (existing?.kind === "guest") throw new CibError(`resource ${def.id}: guest node name '${name}' (remote-node) is already used by another guest`, def.el);
    if (resourceIds.has(name)) throw new CibError(`resource ${def.id}: guest node name '${name}' (remote-node) is already the id of a resource`, def.el);
    if (existing) {
      // A <node type="remote"> entry for the guest: keep its attributes, it is a guest.
      existing.kind = "guest";
      existing.attrs.set("#kind", "container");
    } else add(newRemoteNode(ws, name, "guest"));
  };
  for (const def of ws.model.resources) visit(def, true);
  // A bundle replica's guest node (named like its connection): only the replica's own
  // instance may run there, so its weight stays -INFINITY for everything else.
  for (const { name, def } of bundleNodes) {
    const existing = ws.nodeByName.get(name);
    if (existing && existing.kind !== "remote") throw new CibError(`bundle ${def.id}: the guest node of replica '${name}' has the name of another node`, def.el);
    if (resourceIds.has(name)) throw new CibError(`bundle ${def.id}: the guest node of replica '${name}' has the name of a resource`, def.el);
    const node = existing ?? newRemoteNode(ws, name, "guest");
    node.kind = "guest";
    node.attrs.set("#kind", "container");
    node.weight = -INFINITY;
    node.bundleReplica = true;
    if (!existing) {
      node.madeByBundle = def.id;
      add(node);
    }
  }
  ws.nodes.sort((a, b) => naturalCompare(a.uname, b.uname));
}

/** The implicit connection resource of each guest node: an `ocf:pacemaker:remote` primitive
 *  named after the guest, living in the container. Appended after the configured resources. */
export function guestConnectionDefs(ws: WorkingSet, built: Resource[]): ResourceDef[] {
  const defs: ResourceDef[] = [];
  const visit = (rsc: Resource, top: boolean) => {
    if (rsc.kind === "group") rsc.children.forEach((c) => visit(c, false));
    if (rsc.kind !== "primitive" || (top && isConnectionDef(rsc.def))) return;
    const name = rsc.meta.get("remote-node");
    if (name === undefined || name === "") return;
    defs.push(connectionDef(rsc, name));
  };
  for (const r of built) visit(r, true);
  return defs;
}

function nvpairs(owner: string, set: string, values: [string, string | undefined][]): XmlElement {
  const pairs = values.filter((v): v is [string, string] => v[1] !== undefined).map(([name, value]) => element("nvpair", { id: `${owner}-${set}-${name}`, name, value }));
  return element(set, { id: `${owner}-${set}` }, pairs);
}

function connectionDef(container: Resource, name: string): ResourceDef {
  const m = container.meta;
  const meta = nvpairs(name, "meta_attributes", [
    ["container", container.id],
    ["internal_rsc", "true"],
    ["allow-migrate", m.get("remote-allow-migrate")],
    ["is-managed", m.get("is-managed")],
  ]);
  const inst = nvpairs(name, "instance_attributes", [
    ["addr", m.get("remote-addr")],
    ["port", m.get("remote-port")],
  ]);
  const ops = element("operations", {}, [
    element("op", { id: `${name}-monitor-interval-30s`, name: "monitor", interval: "30s", timeout: "30s" }),
    element("op", { id: `${name}-start-interval-0`, name: "start", interval: "0", timeout: m.get("remote-connect-timeout") ?? "60s" }),
  ]);
  const el = element("primitive", { id: name, class: "ocf", provider: "pacemaker", type: "remote" }, [meta, inst, ops]);
  return { kind: "primitive", id: name, el, agentClass: "ocf", provider: "pacemaker", type: "remote", children: [] };
}

/** A connection found only in the history: its node exists (going down) until it is stopped. */
export function orphanConnection(ws: WorkingSet, rsc: Resource): void {
  let node = ws.nodeByName.get(rsc.id);
  if (!node) {
    node = newRemoteNode(ws, rsc.id, "remote");
    ws.nodes.push(node);
    ws.nodeById.set(node.id, node);
    ws.nodeByName.set(node.uname, node);
    ws.nodes.sort((a, b) => naturalCompare(a.uname, b.uname));
  }
  if (node.kind === "cluster") return;
  rsc.remoteNode = node;
  node.remoteRsc = rsc;
  node.unclean = isTrue(ws.options.get("startup-fencing") ?? "true") && ws.stonithEnabled;
  node.unseen = true;
  node.shutdown = true;
}

/** Orphans whose history names a container (`container` attribute) live in it; an orphaned
 *  connection with a container is a guest's. */
export function mapOrphanFillers(ws: WorkingSet, lrms: LrmResourceDef[]): void {
  for (const lrm of lrms) {
    if (lrm.container === undefined) continue;
    const container = ws.rscById.get(lrm.container);
    const rsc = ws.rscById.get(lrm.id);
    if (!container || !rsc || !rsc.orphan || rsc.container) continue;
    rsc.container = container;
    container.fillers.push(rsc);
    if (rsc.remoteNode) {
      rsc.remoteNode.kind = "guest";
      rsc.remoteNode.attrs.set("#kind", "container");
      rsc.remoteNode.unclean = false;
    }
  }
}

/** An instance attribute of a connection resource (reconnect_interval, server, port). */
export function connectionParam(rsc: Resource, name: string): string | undefined {
  for (const set of rsc.def.el.children) {
    if (set.name !== "instance_attributes") continue;
    for (const nv of set.children) if (nv.name === "nvpair" && nv.attrs.name === name) return nv.attrs.value;
  }
  return undefined;
}

/** Tie each connection resource to its node (after containers are linked). */
export function linkConnections(ws: WorkingSet): void {
  for (const st of ws.model.nodeStates) {
    const node = ws.nodeById.get(st.id);
    if (node && node.kind !== "cluster") node.remoteWasFenced = (Number.parseInt(st.el.attrs.node_fenced ?? "0", 10) || 0) !== 0;
  }
  for (const rsc of ws.resources) {
    if (rsc.kind !== "primitive" || !isConnectionDef(rsc.def)) continue;
    const node = ws.nodeByName.get(rsc.id);
    if (!node || node.kind === "cluster") continue;
    rsc.remoteNode = node;
    node.remoteRsc = rsc;
    if (rsc.container) {
      node.kind = "guest";
      node.attrs.set("#kind", "container");
    } else {
      // Startup fencing, as for cluster nodes: unclean until seen.
      node.unclean = isTrue(ws.options.get("startup-fencing") ?? "true") && ws.stonithEnabled;
      node.unseen = true;
    }
  }
}

/** Whether a guest or remote node's history can be read yet (its connection, and a guest's
 *  container, known to be started). */
export function remoteHistoryReady(ws: WorkingSet, node: Node, shutdownLock: boolean): boolean {
  const conn = node.remoteRsc;
  if (!conn) return false;
  if (node.kind === "guest") return conn.role === Role.Started && conn.container?.role === Role.Started;
  return shutdownLock || conn.role === Role.Started;
}

/** Online state of a guest or remote node, from its connection and container. */
export function determineRemoteOnline(node: Node): void {
  const conn = node.remoteRsc;
  if (!conn) {
    node.online = false;
  } else {
    const container = conn.container;
    const host = container && conn.runningOn.length === 1 ? conn.runningOn[0] : undefined;
    if (conn.role === Role.Started) node.online = true;
    if (conn.role === Role.Started && conn.nextRole === Role.Stopped) node.shutdown = true;
    if (container?.failed) {
      node.online = false;
      node.requiresReset = true;
    } else if (conn.failed) {
      node.online = false;
    } else if (conn.role === Role.Stopped || container?.role === Role.Stopped) {
      node.online = false;
      node.requiresReset = false;
    } else if (host && !host.online && host.unclean) {
      node.online = false;
      node.requiresReset = true;
    }
  }
  node.weight = node.online && !node.bundleReplica ? 0 : -INFINITY;
}

/** A guest or remote node's own status entry: seen, its transient attributes and flags. */
export function unpackRemoteAttrs(node: Node, transient: Map<string, string>): void {
  // Seen, so clean — unless a connection failure unpacked earlier asked for a reset.
  if (!node.requiresReset) {
    node.unclean = false;
    node.unseen = false;
  }
  for (const [k, v] of transient) node.attrs.set(k, v);
  const s = node.attrs.get("shutdown");
  if (s !== undefined && s !== "0" && s !== "") node.shutdown = true;
  if (isTrue(node.attrs.get("standby"))) node.standby = true;
  if (isTrue(node.attrs.get("maintenance")) || (node.remoteRsc && !node.remoteRsc.managed)) node.maintenance = true;
}

export { INFINITY };
