// Phase 10: the transition graph. Every required, runnable action (and every pseudo-action
// that must be shown) becomes a synapse; its inputs are the ordering predecessors that are
// themselves worth waiting for. Resource actions come first (per resource, newest first, as
// Pacemaker's lists are kept), then the remaining cluster actions in creation order.
import { downedByConnectionStop, physicalHost, routerNode } from "./routing.js";
import { bundleConnectionHost, bundleReplicaAddress } from "./bundle-unpack.js";
import { evaluateNvsets } from "../cib/nvset.js";
import { parseTimeout } from "../cib/duration.js";
import { intervalOriginDelay } from "../cib/interval-origin.js";
import { evaluateOpDefaults } from "../cib/nvset.js";
import { CRM_FEATURE_SET, type GraphAction, type Synapse, type TransitionGraph } from "./graph/types.js";
import { Ord, Role, type Action, type Node, type Resource, type WorkingSet } from "./types.js";

export function buildGraph(ws: WorkingSet): TransitionGraph {
  const synapses: Synapse[] = [];
  const dumped = new Set<Action>();
  const linkDumped = new Set<object>();
  const graphActions = new Map<Action, GraphAction>();
  const toGraph = (a: Action): GraphAction => {
    let g = graphActions.get(a);
    if (!g) {
      g = graphAction(ws, a);
      graphActions.set(a, g);
    }
    return g;
  };
  const add = (a: Action) => {
    dedupInputs(a);
    if (dumped.has(a) || !shouldAdd(a)) return;
    dumped.add(a);
    const syn: Synapse = { id: synapses.length, actions: [toGraph(a)], inputs: [] };
    let prio = a.rsc ? a.rsc.priority : 0;
    if ((a.priority ?? 0) > prio) prio = a.priority!;
    if (prio > 0) syn.priority = prio;
    for (const input of a.before) {
      if (shouldAddInput(a, input, dumped, linkDumped)) {
        linkDumped.add(input);
        syn.inputs.push(toGraph(input.action));
      }
    }
    synapses.push(syn);
  };
  const addRsc = (r: Resource) => {
    if (r.kind === "clone") {
      for (const c of r.children) addRsc(c);
      for (const a of [...r.actions].reverse()) add(a);
      return;
    }
    if (r.kind === "bundle") {
      // A bundle's own pseudo-actions come with the cluster-wide actions, at the end.
      for (const c of r.children) addRsc(c);
      return;
    }
    for (const a of [...r.actions].reverse()) add(a);
    for (const c of r.children) addRsc(c);
  };
  for (const r of ws.resources) addRsc(r);
  for (const a of [...ws.actions].reverse()) add(a);
  return {
    clusterDelay: ws.options.get("cluster-delay") ?? "60s",
    stonithTimeout: ws.options.get("stonith-timeout") ?? "60s",
    failedStopOffset: "INFINITY",
    failedStartOffset: ws.startFailureFatal ? "INFINITY" : "1",
    batchLimit: ws.options.get("batch-limit") ?? "0",
    transitionId: 0,
    migrationLimit: (() => {
      const v = ws.options.get("migration-limit");
      return v !== undefined && Number.parseInt(v, 10) > 0 ? v : undefined;
    })(),
    ...(ws.recheckBy !== undefined ? { recheckBy: String(ws.recheckBy) } : {}),
    crmFeatureSet: CRM_FEATURE_SET,
    synapses,
  };
}

const deduped = new WeakSet<Action>();

function dedupInputs(a: Action): void {
  if (deduped.has(a)) return;
  deduped.add(a);
  const sorted = [...a.before].sort((x, y) => x.action.id - y.action.id);
  const out: typeof a.before = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && last.action === i.action) last.flags |= i.flags;
    else out.push(i);
  }
  a.before = out;
}

function shouldAdd(a: Action): boolean {
  if (!a.runnable) return false;
  if (a.optional && !a.printAlways) return false;
  if (a.rsc && !a.rsc.managed && a.task !== "monitor") {
    if (a.interval === 0) return false;
  }
  if (a.pseudo || a.task === "stonith" || a.task === "do_shutdown") return true;
  if (!a.node) return false;
  if (a.node.kind === "guest") return true;
  if (!a.node.online) return false;
  return true;
}

function canChange(flags: number): boolean {
  return (flags & ~(Ord.impliesFirstPrinted | Ord.impliesThenPrinted | Ord.optional)) !== 0;
}

function shouldAddInput(a: Action, input: { action: Action; flags: number }, dumped: Set<Action>, linkDumped: Set<object>): boolean {
  if (linkDumped.has(input)) return true;
  const ia = input.action;
  if (input.flags === Ord.none) return false;
  if (!ia.runnable && !canChange(input.flags)) return false;
  if (!ia.runnable && input.flags & Ord.oneOrMore) return false;
  // Orderings that only matter for a migration that will not happen (or will).
  if (input.flags & Ord.impliesFirstMigratable && !ia.runnable) return false;
  if (input.flags & Ord.applyFirstNonMigratable && ia.migrateRunnable) return false;
  if (input.flags === Ord.optional && ia.migrateRunnable && ia.task === "stop" && ia.interval === 0) return false;
  if (input.flags === Ord.load) {
    if (!ia.node || !a.node || ia.node !== a.node || ia.optional) {
      input.flags = Ord.none;
      return false;
    }
  } else if (input.flags === Ord.antiColocation) {
    if (ia.node && a.node && ia.node !== a.node) {
      input.flags = Ord.none;
      return false;
    }
    if (ia.optional) {
      input.flags = Ord.none;
      return false;
    }
  } else if (ia.optional && !ia.printAlways && !dumped.has(ia) && !shouldAdd(ia)) {
    return false;
  }
  return true;
}

function metaName(name: string): string {
  return "CRM_meta_" + name.replace(/-/g, "_");
}

function graphAction(ws: WorkingSet, a: Action): GraphAction {
  const kind: GraphAction["kind"] =
    a.task === "stonith" ? (a.pseudo ? "pseudo_event" : "crm_event") : a.task === "do_shutdown" || a.task === "clear_failcount" || a.task === "lrm_delete" ? "crm_event" : a.pseudo ? "pseudo_event" : "rsc_op";
  const g: GraphAction = { kind, id: a.id, operation: a.task, operationKey: a.key, attributes: {} };
  if (a.task === "lrm_delete") g.mode = "cib";
  const needsNode = !(a.pseudo && a.task !== "stonith");
  const attrs: Record<string, string> = {};
  if (needsNode && a.node) {
    g.onNode = a.node.uname;
    g.onNodeUuid = a.node.id;
    attrs.CRM_meta_on_node = a.node.uname;
    attrs.CRM_meta_on_node_uuid = a.node.id;
    const router = routerNode(a);
    if (router) g.routerNode = router.uname;
  }
  const rsc = a.rsc;
  if (rsc && !a.pseudo) {
    g.primitive = { id: rsc.id, class: rsc.agentClass ?? "ocf", provider: rsc.agentClass === "ocf" ? rsc.provider : undefined, type: rsc.type ?? "" };
    if (rsc.orphan && rsc.cloneName !== undefined) {
      g.primitive.id = rsc.cloneName;
      g.primitive.longId = rsc.id;
    } else if (!rsc.unique) {
      g.primitive.id = rsc.def.id;
      g.primitive.longId = rsc.cloneName !== undefined && rsc.cloneName !== rsc.def.id ? rsc.cloneName : rsc.id;
    }
  }
  if (rsc && rsc.cloneName !== undefined) {
    // A notification is named for what it announces (`C_post_notify_stop_0`), even the one
    // keyed on the fencing that implies an instance's stop (`C:2_post_notify_stonith_0`).
    g.operationKey =
      a.task === "notify"
        ? `${rsc.cloneName}_${a.meta.get("notify_type")}_notify_${a.meta.get("notify_operation")}_0`
        : `${rsc.cloneName}_${a.cancelOf ?? a.task}_${a.interval}`;
    g.internalOperationKey = a.key;
  }
  if (rsc && rsc.kind === "primitive") {
    const params = evaluateNvsets(rsc.def.el, "instance_attributes", { now: ws.now, node: a.node?.attrs }, ws.idIndex);
    for (const [k, v] of params) attrs[k] = v;
    const host = bundleConnectionHost(rsc);
    if (attrs.addr === "#uname" && host) attrs.addr = host.uname;
    const ip = bundleReplicaAddress(rsc);
    if (ip !== undefined) attrs.pcmk_external_ip = ip;
  }
  if (rsc) for (const [k, v] of actionMeta(ws, rsc, a)) attrs[metaName(k)] = v;
  for (const [k, v] of a.meta) attrs[metaName(k)] = v;
  if (rsc?.container) attrs.CRM_meta_container = rsc.container.id;
  for (let p: Resource | undefined = rsc; p; p = p.parent) {
    if (p.kind === "primitive") {
      const inc = p.meta.get("clone");
      if (inc !== undefined) attrs.CRM_meta_clone = inc;
      const rn = p.meta.get("remote-node");
      if (rn !== undefined) attrs.CRM_meta_remote_node = rn;
    } else if (p.kind === "clone" && p.clone) {
      attrs.CRM_meta_globally_unique = String(p.clone.unique);
      attrs.CRM_meta_notify = String(p.clone.notify);
      attrs.CRM_meta_clone_max = String(p.clone.max);
      attrs.CRM_meta_clone_node_max = String(p.clone.nodeMax);
      if (p.clone.promotable) {
        // Under the current names and, for older agents, the legacy ones.
        attrs.CRM_meta_promoted_max = attrs.CRM_meta_master_max = String(p.clone.promotedMax);
        attrs.CRM_meta_promoted_node_max = attrs.CRM_meta_master_node_max = String(p.clone.promotedNodeMax);
      }
    }
  }
  const host = physicalHost(a);
  if (host) {
    const target = rsc?.meta.get("container-attribute-target");
    if (target !== undefined) attrs.CRM_meta_container_attribute_target = target;
    attrs.CRM_meta_physical_host = host.uname;
  }
  const downed = downedByConnectionStop(a);
  if (downed) g.downed = [downed.id];
  g.attributes = attrs;
  if (a.task === "do_shutdown" && a.node) g.downed = [a.node.id];
  if (a.task === "stonith" && a.meta.get("stonith_action") !== "on" && a.node) {
    // Fencing a host also takes down the guests whose connections run there.
    g.downed = [a.node.id, ...guestsConnectedThrough(a.node).map((n) => n.id)];
  }
  if (a.task === "stonith" && a.node) for (const [k, v] of a.node.attrs) if (!k.startsWith("#")) attrs[metaName(k)] = v;
  return g;
}

function guestsConnectedThrough(host: Node): Node[] {
  return host.running.filter((r) => r.remoteNode && r.container).map((r) => r.remoteNode!);
}

/** The op's meta-attributes as the graph shows them (interval and timeout in ms). */
function actionMeta(ws: WorkingSet, rsc: Resource, a: Action): Map<string, string> {
  const meta = new Map<string, string>();
  const op = a.opConfig && a.opConfig.enabled ? a.opConfig : undefined;
  if (op) for (const [k, v] of op.meta) meta.set(k, v);
  else {
    const d = evaluateOpDefaults(ws.model.configuration, { now: ws.now, rsc: { class: rsc.agentClass, provider: rsc.provider, type: rsc.type }, op: { name: a.task, interval: a.interval } }, ws.idIndex);
    for (const [k, v] of d) meta.set(k, v);
  }
  meta.delete("id");
  meta.delete("interval");
  if (a.interval > 0) meta.set("interval", String(a.interval));
  // interval-origin pins a recurring op to origin + k × interval: the first run waits.
  const origin = meta.get("interval-origin");
  if (origin !== undefined && a.interval > 0) {
    const delay = intervalOriginDelay(origin, a.interval, ws.now);
    if (delay !== undefined) meta.set("start-delay", String(delay));
  }
  let timeout = meta.get("timeout");
  if (!op && a.task === "monitor" && a.interval === 0) {
    // A probe takes the timeout of the most frequent monitor, over op_defaults.
    const mons = rsc.ops.filter((o) => o.name === "monitor" && o.interval > 0 && o.enabled).sort((x, y) => x.interval - y.interval);
    if (mons.length && mons[0].el.attrs.timeout !== undefined) timeout = mons[0].el.attrs.timeout;
  }
  meta.set("timeout", String(parseTimeout(timeout ?? "20s") ?? 20000));
  if (rsc.nextRole === Role.Promoted && a.task === "monitor" && a.interval > 0) meta.set("op_target_rc", "8");
  return meta;
}
