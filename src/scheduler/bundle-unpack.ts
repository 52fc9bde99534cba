// Bundles, unpacked: a `<bundle>` is a set of replicas; each replica is a container resource
// (ocf:heartbeat:docker|podman|rkt, `B-docker-N`), optionally an IP address for it
// (ocf:heartbeat:IPaddr2, `B-ip-ADDR`) and, when the bundle wraps a primitive, a remote
// connection into the container (`B-N`, which is also the replica's guest node) and one
// instance of the primitive (`RSC:N`, in the implicit clone `B-clone` / `B-master`) placed on
// that guest node. Here the bundle's XML becomes those resources, with the parameters the
// container agent gets (image, run_opts built from the network, storage and port settings).
import type { ResourceDef } from "../cib/model.js";
import { CibError } from "../cib/errors.js";
import { child, childrenNamed, element, type XmlElement } from "../cib/xml.js";
import { isTrue } from "../cib/model-parse.js";
import { INFINITY } from "../cib/score.js";
import type { BundleData, BundleReplica, Node, Resource, WorkingSet } from "./types.js";

const DEFAULT_REMOTE_PORT = "3121";

interface Mount {
  source: string;
  target: string;
  options?: string;
  /** `source-dir-root`: each replica gets the subdirectory named after it. */
  perReplica: boolean;
}

interface PortMapping {
  source: string;
  target: string;
}

/** What the bundle element says, before any resource exists. */
export interface BundleConfig {
  id: string;
  el: XmlElement;
  agent: BundleData["agent"];
  image: string;
  replicas: number;
  replicasPerHost: number;
  promotedMax: number;
  network?: string;
  launcherOptions?: string;
  runCommand?: string;
  ipRangeStart?: string;
  hostNetmask?: string;
  hostInterface?: string;
  controlPort?: string;
  addHost: boolean;
  mounts: Mount[];
  ports: PortMapping[];
  primitive?: ResourceDef;
}

function intAttr(el: XmlElement, name: string): number | undefined {
  const v = el.attrs[name];
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  if (Number.isNaN(n) || n < 0) throw new CibError(`${name} must be a non-negative integer, not '${v}'`, el);
  return n;
}

/** Read a bundle's settings (the container element, network, storage and inner primitive). */
export function bundleConfig(def: ResourceDef): BundleConfig {
  const el = def.el;
  const launchers = el.children.filter((c) => c.name === "docker" || c.name === "podman" || c.name === "rkt");
  if (launchers.length !== 1) throw new CibError(`a bundle needs exactly one docker, podman or rkt element (found ${launchers.length})`, el);
  const launcher = launchers[0];
  const agent = launcher.name as BundleData["agent"];
  if (agent === "rkt") throw new CibError("rkt bundles are not supported by the scheduler yet", launcher);
  const image = launcher.attrs.image;
  if (!image) throw new CibError("the container has no image", launcher);
  const promotedMax = intAttr(launcher, "promoted-max") ?? intAttr(launcher, "masters") ?? 0;
  let replicas = intAttr(launcher, "replicas") ?? (promotedMax > 0 ? promotedMax : 1);
  if (replicas < 1) replicas = 1;
  let replicasPerHost = intAttr(launcher, "replicas-per-host") ?? 1;
  if (replicasPerHost < 1) replicasPerHost = 1;

  const net = child(el, "network");
  const cfg: BundleConfig = {
    id: def.id,
    el,
    agent,
    image,
    replicas,
    replicasPerHost,
    promotedMax,
    network: launcher.attrs.network,
    launcherOptions: launcher.attrs.options,
    runCommand: launcher.attrs["run-command"],
    ipRangeStart: net?.attrs["ip-range-start"],
    hostNetmask: net?.attrs["host-netmask"],
    hostInterface: net?.attrs["host-interface"],
    controlPort: net?.attrs["control-port"],
    addHost: net?.attrs["add-host"] === undefined ? true : isTrue(net.attrs["add-host"]),
    mounts: [],
    ports: [],
    primitive: def.children[0],
  };
  // With the host's network, replicas on one host would share the control port.
  if (cfg.controlPort !== undefined && cfg.ipRangeStart === undefined && cfg.replicasPerHost > 1) cfg.replicasPerHost = 1;
  if (cfg.ipRangeStart !== undefined && !/^\d+\.\d+\.\d+\.\d+$/.test(cfg.ipRangeStart)) throw new CibError(`ip-range-start '${cfg.ipRangeStart}' is not an IPv4 address`, net);

  for (const pm of net ? childrenNamed(net, "port-mapping") : []) {
    const port = pm.attrs.port;
    const range = pm.attrs.range;
    if (port !== undefined && range === undefined) cfg.ports.push({ source: port, target: pm.attrs["internal-port"] ?? port });
    else if (range !== undefined && port === undefined) cfg.ports.push({ source: range, target: range });
    else throw new CibError("a port-mapping needs exactly one of port and range", pm);
  }
  const storage = child(el, "storage");
  for (const sm of storage ? childrenNamed(storage, "storage-mapping") : []) {
    const source = sm.attrs["source-dir"];
    const root = sm.attrs["source-dir-root"];
    const target = sm.attrs["target-dir"];
    if (target === undefined) throw new CibError("a storage-mapping needs target-dir", sm);
    if ((source === undefined) === (root === undefined)) throw new CibError("a storage-mapping needs exactly one of source-dir and source-dir-root", sm);
    cfg.mounts.push({ source: (source ?? root)!, target, options: sm.attrs.options, perReplica: root !== undefined });
  }

  if (cfg.primitive) {
    if (cfg.ipRangeStart === undefined && cfg.controlPort === undefined) {
      throw new CibError("a bundle with a primitive needs ip-range-start or control-port in its network element (the cluster must reach pacemaker-remoted in the container)", el);
    }
    // The cluster talks to pacemaker-remoted in the container: its key and a log directory
    // are mapped in, and its port published.
    cfg.mounts.push({ source: "/etc/pacemaker/authkey", target: "/etc/pacemaker/authkey", perReplica: false });
    cfg.mounts.push({ source: "/var/log/pacemaker/bundles", target: "/var/log", perReplica: true });
    const port = cfg.controlPort ?? DEFAULT_REMOTE_PORT;
    cfg.ports.push({ source: port, target: port });
  }
  return cfg;
}

/** The replicas' IP addresses: consecutive from ip-range-start (last octet up to 253). */
function replicaAddresses(cfg: BundleConfig): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  if (cfg.ipRangeStart === undefined) return Array.from({ length: cfg.replicas }, () => undefined);
  const oct = cfg.ipRangeStart.split(".").map(Number);
  for (let i = 0; i < cfg.replicas; i++) {
    const last = oct[3] + i;
    if (last > 253) throw new CibError(`ip-range-start ${cfg.ipRangeStart} leaves no address for replica ${i} (the range ends at .253)`, cfg.el);
    out.push(`${oct[0]}.${oct[1]}.${oct[2]}.${last}`);
  }
  return out;
}

/** Guest node names of a bundle's replicas (none without an inner primitive). */
export function bundleNodeNames(cfg: BundleConfig): string[] {
  if (!cfg.primitive) return [];
  return Array.from({ length: cfg.replicas }, (_, i) => `${cfg.id}-${i}`);
}

function nvset(tag: string, id: string, values: [string, string][]): XmlElement {
  return element(tag, { id }, values.map(([name, value]) => element("nvpair", { id: `${id}-${name}`, name, value })));
}

function primitiveDef(id: string, provider: string, type: string, children: XmlElement[]): ResourceDef {
  const el = element("primitive", { id, class: "ocf", provider, type }, children);
  return { kind: "primitive", id, el, agentClass: "ocf", provider, type, children: [] };
}

function monitorOps(id: string, interval: string, timeout?: string): XmlElement {
  const attrs: Record<string, string> = { id: `${id}-monitor-${interval}`, name: "monitor", interval };
  if (timeout !== undefined) attrs.timeout = timeout;
  return element("operations", {}, [element("op", attrs)]);
}

/** The container's `run_opts`: how the agent must launch it (network, mounts, ports). */
function runOptions(cfg: BundleConfig, index: number, addr: string | undefined, hostEntries: string): { runOpts: string; mountPoints: string } {
  const name = `${cfg.id}-${index}`;
  const opts: string[] = [];
  if (cfg.agent === "docker") opts.push("--restart=no");
  // A hostname only when there is an address for it to resolve to.
  if (cfg.ipRangeStart !== undefined) opts.push(`-h ${name}`);
  opts.push("-e PCMK_stderr=1");
  if (cfg.network !== undefined) opts.push(`--net=${cfg.network}`);
  opts.push(`-e PCMK_remote_port=${cfg.controlPort ?? DEFAULT_REMOTE_PORT}`);
  const perReplicaDirs: string[] = [];
  for (const m of cfg.mounts) {
    let source = m.source;
    if (m.perReplica) {
      source = `${m.source}/${name}`;
      perReplicaDirs.push(source);
    }
    opts.push(`-v ${source}:${m.target}${m.options !== undefined ? ":" + m.options : ""}`);
  }
  for (const p of cfg.ports) {
    if (addr !== undefined) opts.push(`-p ${addr}:${p.source}:${p.target}`);
    else if ((cfg.network ?? "").toLowerCase() !== "host") opts.push(`-p ${p.source}:${p.target}`);
  }
  if (cfg.launcherOptions !== undefined) opts.push(cfg.launcherOptions);
  // The /etc/hosts entries always follow a space of their own (even when there are none).
  const runOpts = opts.map((o) => " " + o).join("") + " " + hostEntries;
  return { runOpts, mountPoints: perReplicaDirs.join(",") };
}

function containerDef(cfg: BundleConfig, index: number, addr: string | undefined, hostEntries: string): ResourceDef {
  const id = `${cfg.id}-${cfg.agent}-${index}`;
  const { runOpts, mountPoints } = runOptions(cfg, index, addr, hostEntries);
  const params: [string, string][] = [
    ["image", cfg.image],
    ["allow_pull", "true"],
    ["force_kill", "false"],
    ["reuse", "false"],
    ["run_opts", runOpts],
    ["mount_points", mountPoints],
  ];
  if (cfg.primitive) params.push(["run_cmd", cfg.runCommand ?? "/usr/sbin/pacemaker-remoted"]);
  else if (cfg.runCommand !== undefined) params.push(["run_cmd", cfg.runCommand]);
  // Only whether the container lives: what runs inside is watched on its own.
  params.push(["monitor_cmd", "/bin/true"]);
  return primitiveDef(id, "heartbeat", cfg.agent, [nvset("instance_attributes", `${cfg.id}-attributes-${index}`, params), monitorOps(id, "60s")]);
}

function ipDef(cfg: BundleConfig, index: number, addr: string): ResourceDef {
  const id = `${cfg.id}-ip-${addr}`;
  const params: [string, string][] = [["ip", addr]];
  if (cfg.hostInterface !== undefined) params.push(["nic", cfg.hostInterface]);
  params.push(["cidr_netmask", cfg.hostNetmask ?? "32"]);
  return primitiveDef(id, "heartbeat", "IPaddr2", [nvset("instance_attributes", `${cfg.id}-attributes-${index}`, params), monitorOps(id, "60s")]);
}

function remoteDef(cfg: BundleConfig, index: number, addr: string | undefined, containerId: string): ResourceDef {
  const id = `${cfg.id}-${index}`;
  const meta = nvset("meta_attributes", `${id}-meta_attributes`, [
    ["container", containerId],
    ["internal_rsc", "true"],
  ]);
  // Without an address of its own, the connection goes to whichever host runs the container
  // ("#uname" is replaced by that host's name when actions are sent).
  const inst = nvset("instance_attributes", `${id}-instance_attributes`, [
    ["addr", addr ?? "#uname"],
    ["port", cfg.controlPort ?? DEFAULT_REMOTE_PORT],
  ]);
  return primitiveDef(id, "pacemaker", "remote", [meta, inst, monitorOps(id, "30s", "30s")]);
}

function innerCloneDef(cfg: BundleConfig, bundleDef: ResourceDef): ResourceDef {
  const tag = cfg.promotedMax > 0 ? "master" : "clone";
  const id = `${cfg.id}-${tag}`;
  const values: [string, string][] = [
    ["ordered", "true"],
    ["clone-max", String(cfg.replicas)],
    ["clone-node-max", String(cfg.replicasPerHost)],
    ["globally-unique", cfg.replicasPerHost > 1 ? "true" : "false"],
  ];
  if (cfg.promotedMax > 0) values.push(["promotable", "true"], ["promoted-max", String(cfg.promotedMax)]);
  const el = element("clone", { id }, [nvset("meta_attributes", `${id}-meta`, values)]);
  const def: ResourceDef = { kind: "clone", id, el, children: [], parent: bundleDef };
  const prim: ResourceDef = { ...cfg.primitive!, parent: def };
  def.children.push(prim);
  return def;
}

export type BuildResource = (def: ResourceDef, parent: Resource | undefined) => Resource;

/** Build a bundle and its implicit resources. `build` makes one resource from a definition
 *  (meta attributes inherited from the parent, ops, node table). */
export function buildBundle(ws: WorkingSet, def: ResourceDef, build: BuildResource): Resource {
  const cfg = bundleConfig(def);
  const bundle = build({ ...def, children: [] }, undefined);
  const addrs = replicaAddresses(cfg);
  let hostEntries = "";
  if (cfg.addHost) {
    hostEntries = addrs
      .map((a, i) => (a === undefined ? "" : ` --add-host=${cfg.id}-${i}:${a}`))
      .join("");
  }
  const data: BundleData = { agent: cfg.agent, image: cfg.image, replicas: cfg.replicas, replicasPerHost: cfg.replicasPerHost, promotedMax: cfg.promotedMax, list: [] };
  bundle.bundle = data;
  // One container per host, unless several replicas may share one.
  if (cfg.replicasPerHost === 1) bundle.unique = false;

  let inner: Resource | undefined;
  if (cfg.primitive) {
    inner = build(innerCloneDef(cfg, def), bundle);
    const prim = inner.children[0];
    // The inner primitive's notify and container-attribute-target settings are the clone's.
    if (prim && isTrue(prim.meta.get("notify"))) {
      inner.meta.set("notify", "true");
      inner.clone!.notify = true;
    }
    const target = prim?.meta.get("container-attribute-target");
    if (target !== undefined) {
      bundle.meta.set("container-attribute-target", target);
      inner.meta.set("container-attribute-target", target);
    }
    data.inner = inner;
  }

  for (let i = 0; i < cfg.replicas; i++) {
    const addr = addrs[i];
    const ip = addr !== undefined ? build(ipDef(cfg, i, addr), bundle) : undefined;
    const container = build(containerDef(cfg, i, addr, hostEntries), bundle);
    const replica: BundleReplica = { index: i, ipAddr: addr, ip, container };
    if (inner) {
      replica.remote = build(remoteDef(cfg, i, addr, container.id), bundle);
      replica.child = inner.children[i];
      replica.node = ws.nodeByName.get(replica.remote.id);
      // The bundle primitive's utilization is really the container's.
      if (replica.child) for (const [k, v] of replica.child.utilization) container.utilization.set(k, v);
    }
    data.list.push(replica);
  }

  // Children in the order Pacemaker lists them (graph and scores): the inner clone, then per
  // replica its IP, container and connection.
  if (inner) bundle.children.push(inner);
  for (const r of data.list) {
    if (r.ip) bundle.children.push(r.ip);
    bundle.children.push(r.container);
    if (r.remote) bundle.children.push(r.remote);
  }
  restrictToReplicaNodes(bundle);
  return bundle;
}

/** A replica's instance runs on its own guest node and nowhere else (and is probed only
 *  there); nothing else may use a bundle's guest nodes. */
function restrictToReplicaNodes(bundle: Resource): void {
  const data = bundle.bundle!;
  const inner = data.inner;
  for (const r of data.list) {
    if (!r.child || !r.node) continue;
    const setAll = (rsc: Resource) => {
      rsc.allowed = new Map([[r.node!, 500]]);
      rsc.exclusiveDiscover = true;
      rsc.discovery.set(r.node!, "exclusive");
      rsc.children.forEach(setAll);
    };
    setAll(r.child);
    inner?.allowed.set(r.node, -INFINITY);
  }
}

/** Tie each replica's connection to its guest node (after `container` metas are linked). */
export function linkBundleNodes(ws: WorkingSet): void {
  const visit = (rsc: Resource) => {
    if (rsc.kind !== "bundle") return;
    for (const r of rsc.bundle!.list) {
      if (!r.remote || !r.node) continue;
      r.remote.remoteNode = r.node;
      r.node.remoteRsc = r.remote;
      r.node.kind = "guest";
      r.node.attrs.set("#kind", "container");
    }
  };
  ws.resources.forEach(visit);
}

/** Every resource id a bundle definition creates, for name-clash checks. */
export function bundleResourceIds(cfg: BundleConfig): string[] {
  const ids = [`${cfg.id}-${cfg.promotedMax > 0 ? "master" : "clone"}`];
  const addrs = cfg.ipRangeStart !== undefined ? replicaAddresses(cfg) : [];
  for (let i = 0; i < cfg.replicas; i++) {
    if (addrs[i] !== undefined) ids.push(`${cfg.id}-ip-${addrs[i]}`);
    ids.push(`${cfg.id}-${cfg.agent}-${i}`);
  }
  return ids;
}

/** The bundle replica whose guest node is `node`, if any. */
export function replicaOnNode(bundle: Resource, node: Node): BundleReplica | undefined {
  return bundle.bundle?.list.find((r) => r.node === node);
}

/** The bundle a resource belongs to (through any number of levels), if any. */
export function bundleOf(rsc: Resource): Resource | undefined {
  for (let p = rsc.parent; p; p = p.parent) if (p.kind === "bundle") return p;
  return undefined;
}

/** A bundle connection without an address of its own reaches its container's host: the node
 *  the container is assigned to, else the one it runs on. */
export function bundleConnectionHost(rsc: Resource): Node | undefined {
  if (rsc.parent?.kind !== "bundle" || !rsc.remoteNode || !rsc.container) return undefined;
  return rsc.container.assigned ?? rsc.container.runningOn[0];
}

/** The address of the replica whose instance `rsc` is (what the agent learns as
 *  `pcmk_external_ip`), if the bundle gives its replicas addresses. */
export function bundleReplicaAddress(rsc: Resource): string | undefined {
  const bundle = rsc.parent?.parent;
  if (bundle?.kind !== "bundle") return undefined;
  return bundle.bundle!.list.find((r) => r.child === rsc)?.ipAddr;
}
