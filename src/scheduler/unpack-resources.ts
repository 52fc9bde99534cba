// Phase 3: resources. Builds the working-set resource tree from the model, evaluating meta
// attributes (own sets, then the parent's, then rsc_defaults) and the configured operations.
import type { ResourceDef } from "../cib/model.js";
import { child, childrenNamed, type XmlElement } from "../cib/xml.js";
import { evaluateNvsets, evaluateOpDefaults, evaluateRscDefaults } from "../cib/nvset.js";
import { isTrue } from "../cib/model-parse.js";
import { CibError } from "../cib/errors.js";
import { INFINITY, parseScore } from "../cib/score.js";
import { parseInterval } from "../cib/duration.js";
import type { IdIndex } from "../cib/id-index.js";
import { connectionParam, guestConnectionDefs, isConnectionDef } from "./remote-nodes.js";
import { buildBundle } from "./bundle-unpack.js";
import { OnFail, Role, parseRole, type CloneSettings, type OpConfig, type Recovery, type Resource, type WorkingSet } from "./types.js";

/** Per working set, the bundles unpacked so far: their guest nodes count for the clones that
 *  follow them in the configuration, not for those before (Pacemaker makes a bundle's nodes
 *  as it unpacks the bundle). */
const bundlesBuilt = new WeakMap<WorkingSet, Set<string>>();

function knownNodeCount(ws: WorkingSet): number {
  const built = bundlesBuilt.get(ws);
  let n = 0;
  for (const node of ws.nodes) if (node.madeByBundle === undefined || built?.has(node.madeByBundle)) n++;
  return n;
}

export function unpackResources(ws: WorkingSet, index: IdIndex): void {
  const built = new Set<string>();
  bundlesBuilt.set(ws, built);
  for (const def of ws.model.resources) {
    if (def.kind === "bundle") {
      ws.resources.push(buildBundle(ws, def, (d, parent) => buildResource(ws, d, parent, index)));
      built.add(def.id);
      continue;
    }
    ws.resources.push(buildResource(ws, def, undefined, index));
  }
  for (const def of guestConnectionDefs(ws, ws.resources)) {
    const conn = buildResource(ws, def, undefined, index);
    // Where a guest's connection may run is decided by its container, even in an opt-in cluster.
    if (!ws.symmetric) for (const n of ws.nodes) if (!n.bundleReplica) conn.allowed.set(n, n.weight);
    ws.resources.push(conn);
  }
  // Working-set order: configuration order, stable-sorted by priority (highest first).
  ws.resources = stableSort(ws.resources, (a, b) => b.priority - a.priority);
}

export function stableSort<T>(list: T[], cmp: (a: T, b: T) => number): T[] {
  return list
    .map((v, i) => ({ v, i }))
    .sort((x, y) => cmp(x.v, y.v) || x.i - y.i)
    .map((x) => x.v);
}

export function newResource(id: string, def: ResourceDef, parent: Resource | undefined, meta: Map<string, string>): Resource {
  return {
    id,
    def,
    kind: def.kind,
    parent,
    children: [],
    meta,
    agentClass: def.agentClass,
    provider: def.provider,
    type: def.type,
    priority: 0,
    stickiness: 0,
    migrationThreshold: INFINITY,
    failureTimeout: 0,
    reconnectMs: 0,
    recovery: "stop_start",
    managed: true,
    orphan: false,
    failed: false,
    needsStop: false,
    blocked: false,
    failureIgnored: false,
    startPending: false,
    allowMigrate: false,
    unique: true,
    critical: true,
    requires: "quorum",
    role: Role.Stopped,
    nextRole: Role.Unknown,
    runningOn: [],
    knownOn: new Set(),
    failedProbes: new Map(),
    allowed: new Map(),
    assigned: null,
    provisional: true,
    allocating: false,
    merging: false,
    thisWith: [],
    withThis: [],
    actions: [],
    ops: [],
    reload: false,
    danglingMigrations: [],
    utilization: new Map(),
    activeRecurring: [],
    discovery: new Map(),
    exclusiveDiscover: false,
    fillers: [],
  };
}

function buildResource(ws: WorkingSet, def: ResourceDef, parent: Resource | undefined, index: IdIndex, instance?: number): Resource {
  const rscCtx = { now: ws.now, rsc: { class: def.agentClass, provider: def.provider, type: def.type } };
  const meta = new Map<string, string>();
  for (const [k, v] of Object.entries(def.el.attrs)) meta.set(k, v);
  evaluateNvsets(def.el, "meta_attributes", rscCtx, index, meta);
  if (parent) for (const [k, v] of parent.meta) if (!meta.has(k)) meta.set(k, v);
  evaluateRscDefaults(ws.model.configuration, rscCtx, index, meta);
  const id = instance === undefined ? def.id : `${def.id}:${instance}`;
  if (instance !== undefined) {
    meta.set("id", id);
    if (parent?.kind === "clone") meta.set("clone", String(instance));
  }

  const rsc = newResource(id, def, parent, meta);
  if (def.kind === "clone") {
    // A clone without explicit stickiness gets 1, which its instances inherit.
    if (!meta.has("resource-stickiness")) meta.set("resource-stickiness", "1");
    rsc.clone = cloneSettings(ws, rsc, def);
  }
  applyMeta(ws, rsc);
  let top: Resource | undefined = rsc;
  while (top.parent && top.parent.kind !== "bundle") top = top.parent;
  const cloneTop = top.kind === "clone" ? top : rsc.parent?.kind === "clone" ? rsc.parent : undefined;
  if (cloneTop?.clone && !cloneTop.clone.unique) rsc.unique = false;
  if (def.kind === "primitive") {
    rsc.ops = unpackOps(ws, rsc, index);
    for (const [k, v] of evaluateNvsets(def.el, "utilization", rscCtx, index)) rsc.utilization.set(k, Number.parseInt(v, 10) || 0);
    if (def.agentClass === "stonith") ws.haveStonithResource = true;
  }
  ws.rscById.set(rsc.id, rsc);
  if (def.kind === "clone") {
    for (let i = 0; i < rsc.clone!.max; i++) rsc.children.push(buildResource(ws, def.children[0], rsc, index, i));
  } else {
    for (const c of def.children) rsc.children.push(buildResource(ws, c, rsc, index, instance));
  }
  if (ws.symmetric) {
    // A bundle's guest node takes no resource by default (its discovery is "never").
    for (const n of ws.nodes) if (!n.bundleReplica) rsc.allowed.set(n, n.weight);
  }
  return rsc;
}

/** An extra instance for history that matches no configured instance (an orphan). */
export function newCloneInstance(ws: WorkingSet, clone: Resource, index: IdIndex): Resource {
  const n = clone.children.length;
  const inst = buildResource(ws, clone.def.children[0], clone, index, n);
  clone.children.push(inst);
  return inst;
}

function cloneSettings(ws: WorkingSet, rsc: Resource, def: ResourceDef): CloneSettings {
  const m = rsc.meta;
  const int = (name: string, dflt: number) => {
    const v = m.get(name);
    if (v === undefined) return dflt;
    const n = Number.parseInt(v, 10);
    return Number.isNaN(n) ? dflt : n;
  };
  const promotable = def.legacyMaster === true || isTrue(m.get("promotable"));
  const nodes = knownNodeCount(ws);
  return {
    max: Math.max(0, int("clone-max", Math.max(1, nodes))),
    nodeMax: int("clone-node-max", 1),
    unique: isTrue(m.get("globally-unique")),
    interleave: isTrue(m.get("interleave")),
    ordered: isTrue(m.get("ordered")),
    notify: isTrue(m.get("notify")),
    promotable,
    promotedMax: int("promoted-max", int("master-max", 1)),
    promotedNodeMax: int("promoted-node-max", int("master-node-max", 1)),
  };
}

export function applyMeta(ws: WorkingSet, rsc: Resource): void {
  const m = rsc.meta;
  rsc.priority = m.has("priority") ? parseScore(m.get("priority")!) : 0;
  rsc.stickiness = m.has("resource-stickiness") ? parseScore(m.get("resource-stickiness")!) : 0;
  rsc.migrationThreshold = m.has("migration-threshold") ? parseScore(m.get("migration-threshold")!) : INFINITY;
  if (rsc.migrationThreshold < 0) rsc.migrationThreshold = 0;
  const ft = m.get("failure-timeout");
  rsc.failureTimeout = ft !== undefined ? Math.floor((parseInterval(ft) ?? 0) / 1000) : 0;
  if (rsc.kind === "primitive" && !m.has("container") && isConnectionDef(rsc.def)) {
    const reconnect = connectionParam(rsc, "reconnect_interval");
    rsc.reconnectMs = reconnect !== undefined ? (parseInterval(reconnect) ?? 0) : 0;
    if (rsc.reconnectMs > 0) rsc.failureTimeout = Math.floor(rsc.reconnectMs / 1000);
  }
  const managedText = m.get("is-managed");
  rsc.managed = managedText === undefined ? true : isTrue(managedText);
  if (isTrue(m.get("maintenance")) || ws.maintenanceMode) rsc.managed = false;
  rsc.allowMigrate = isTrue(m.get("allow-migrate"));
  // Remote connections float between cluster nodes without stopping what runs on the remote
  // node: they migrate unless told otherwise (guest connections do not).
  if (m.get("allow-migrate") === undefined && !m.has("container") && rsc.kind === "primitive" && !rsc.parent && isConnectionDef(rsc.def)) rsc.allowMigrate = true;
  const ma = (m.get("multiple-active") ?? "stop_start").toLowerCase();
  rsc.recovery = (["stop_start", "stop_only", "block", "stop_unexpected"].includes(ma) ? ma : "stop_start") as Recovery;
  rsc.critical = m.has("critical") ? isTrue(m.get("critical")) : true;
  const isStonith = rsc.def.agentClass === "stonith";
  let requires = (m.get("requires") ?? "").toLowerCase();
  if (requires === "unfencing" && (isStonith || !ws.stonithEnabled)) requires = "quorum";
  if (!["nothing", "quorum", "fencing", "unfencing"].includes(requires)) {
    // Fence devices and remote connections need only quorum: fencing may depend on them.
    if (isStonith || isConnectionDef(rsc.def)) requires = "quorum";
    else if (ws.stonithEnabled) requires = "fencing";
    else if (ws.noQuorumPolicy === "ignore") requires = "nothing";
    else requires = "quorum";
  }
  rsc.requires = requires as Resource["requires"];
}

/** The role the configuration asks for (`target-role`), if it limits anything: Started is
 *  the default, and promoted roles only mean something to promotable clones. */
export function targetRole(rsc: Resource): Role | undefined {
  const t = rsc.meta.get("target-role");
  if (t === undefined || /^(started|default)$/i.test(t)) return undefined;
  const r = parseRole(t);
  if (r === undefined) return undefined;
  if (r > Role.Started) {
    let top = rsc;
    while (top.parent && top.parent.kind !== "bundle") top = top.parent;
    if (!top.clone?.promotable) return undefined;
    if (r > Role.Unpromoted) return undefined;
  }
  return r;
}

function unpackOps(ws: WorkingSet, rsc: Resource, index: IdIndex): OpConfig[] {
  const opsEl = child(rsc.def.el, "operations");
  const out: OpConfig[] = [];
  for (let op of opsEl ? childrenNamed(opsEl, "op") : []) {
    if (op.attrs["id-ref"] !== undefined) op = index.get(op.attrs["id-ref"]) ?? op;
    out.push(opConfig(ws, rsc, op, index));
  }
  return out;
}

export function opConfig(ws: WorkingSet, rsc: Resource, op: XmlElement, index: IdIndex): OpConfig {
  const name = op.attrs.name ?? "";
  const interval = parseInterval(op.attrs.interval ?? "0") ?? 0;
  const meta = new Map<string, string>();
  for (const [k, v] of Object.entries(op.attrs)) meta.set(k, v);
  const ctx = { now: ws.now, rsc: { class: rsc.agentClass, provider: rsc.provider, type: rsc.type }, op: { name, interval } };
  evaluateNvsets(op, "meta_attributes", ctx, index, meta);
  evaluateOpDefaults(ws.model.configuration, ctx, index, meta);
  const enabled = meta.has("enabled") ? isTrue(meta.get("enabled")) : true;
  return { name, interval, role: parseRole(meta.get("role")), el: op, meta, enabled };
}

/** The configured op for a task and interval, if any (role-specific ops match any role). */
export function findOp(rsc: Resource, name: string, interval: number): OpConfig | undefined {
  return rsc.ops.find((o) => o.name === name && o.interval === interval);
}

/** What a failure of this op does (op's on-fail, op_defaults, or Pacemaker's default). */
export function onFailFor(ws: WorkingSet, rsc: Resource, task: string, interval: number): { onFail: OnFail; failRole: Role } {
  const op = findOp(rsc, task, interval);
  let value = op?.meta.get("on-fail");
  if (value === undefined) {
    const d = evaluateOpDefaults(ws.model.configuration, { now: ws.now, rsc: { class: rsc.agentClass, provider: rsc.provider, type: rsc.type }, op: { name: task, interval } }, ws.idIndex);
    value = d.get("on-fail");
  }
  if (value !== undefined) value = value.toLowerCase();
  // A filler's failures restart its container unless configured otherwise.
  if (value === "restart-container" && !rsc.container) value = undefined;
  if (value === undefined && rsc.container) value = "restart-container";
  let onFail = OnFail.Recover;
  let failRole = Role.Started;
  // A failed remote connection (other than its probe or start) fences the remote node; with
  // a reconnect interval it stays down until the failure expires. Unmanaged: it just stops.
  if ((value === undefined || !rsc.managed) && isConnectionDef(rsc.def) && !rsc.meta.has("container") && !(task === "monitor" && interval === 0) && task !== "start") {
    if (!rsc.managed) return { onFail: OnFail.Stop, failRole: Role.Stopped };
    if (ws.stonithEnabled) value = "reset-remote";
    if (rsc.reconnectMs > 0) failRole = Role.Stopped;
  }
  switch (value) {
    case "block":
      onFail = OnFail.Block;
      break;
    case "fence":
      if (ws.stonithEnabled) {
        onFail = OnFail.Fence;
      } else {
        onFail = OnFail.Stop;
        failRole = Role.Stopped;
      }
      break;
    case "standby":
      onFail = OnFail.Standby;
      break;
    case "ignore":
    case "nothing":
      onFail = OnFail.Ignore;
      break;
    case "migrate":
      onFail = OnFail.Migrate;
      break;
    case "stop":
      onFail = OnFail.Stop;
      failRole = Role.Stopped;
      break;
    case "restart":
      onFail = OnFail.Recover;
      break;
    case "restart-container":
      onFail = OnFail.RestartContainer;
      break;
    case "reset-remote":
      onFail = OnFail.ResetRemote;
      break;
    case "demote":
      onFail = OnFail.Demote;
      failRole = Role.Unpromoted;
      break;
    default:
      if (task === "stop") {
        if (ws.stonithEnabled) {
          onFail = OnFail.Fence;
        } else {
          onFail = OnFail.Block;
        }
      }
  }
  return { onFail, failRole };
}
