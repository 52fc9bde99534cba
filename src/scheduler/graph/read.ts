// Reads Pacemaker's graph XML (as written by `crm_simulate -G` or by writeGraphXml) into the
// model. Strict: anything the model cannot represent is an error naming the synapse and line,
// because a silently dropped attribute would make the graph say something else.
import { parseXml, describe, type XmlElement } from "../../cib/xml.js";
import { CRM_FEATURE_SET, type ActionKind, type GraphAction, type GraphPrimitive, type Synapse, type TransitionGraph } from "./types.js";

export class GraphFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraphFormatError";
  }
}

const ACTION_KINDS = new Set<string>(["rsc_op", "pseudo_event", "crm_event"]);
const GRAPH_ATTRS = new Set(["cluster-delay", "stonith-timeout", "failed-stop-offset", "failed-start-offset", "batch-limit", "transition_id", "migration-limit", "recheck-by", "crm_feature_set"]);
const ACTION_ATTRS = new Set(["mode", "id", "operation", "operation_key", "internal_operation_key", "on_node", "on_node_uuid", "router_node"]);
const PRIMITIVE_ATTRS = new Set(["id", "long-id", "class", "provider", "type"]);

export function readGraphXml(text: string, fileName?: string): TransitionGraph {
  const root = parseXml(text, fileName);
  const where = fileName ? `${fileName}: ` : "";
  try {
    return readGraph(root);
  } catch (err) {
    if (err instanceof GraphFormatError) throw new GraphFormatError(where + err.message);
    throw err;
  }
}

function readGraph(root: XmlElement): TransitionGraph {
  if (root.name !== "transition_graph") fail(`expected <transition_graph> as the root, found ${describe(root)}`);
  onlyAttrs(root, GRAPH_ATTRS, "the graph");
  const a = root.attrs;
  const graph: TransitionGraph = {
    clusterDelay: need(root, "cluster-delay", "the graph"),
    stonithTimeout: need(root, "stonith-timeout", "the graph"),
    failedStopOffset: need(root, "failed-stop-offset", "the graph"),
    failedStartOffset: need(root, "failed-start-offset", "the graph"),
    // The conformance files have batch-limit and crm_feature_set removed; default them.
    batchLimit: a["batch-limit"] ?? "0",
    transitionId: integer(need(root, "transition_id", "the graph"), "transition_id", "the graph"),
    crmFeatureSet: a.crm_feature_set ?? CRM_FEATURE_SET,
    synapses: [],
  };
  if (a["migration-limit"] !== undefined) graph.migrationLimit = a["migration-limit"];
  if (a["recheck-by"] !== undefined) graph.recheckBy = a["recheck-by"];

  const actions = new Map<number, GraphAction>();
  const pendingInputs: { synapse: Synapse; header: XmlElement; where: string }[] = [];
  for (const el of root.children) {
    if (el.name !== "synapse") fail(`unexpected ${describe(el)} in the graph`);
    const sid = el.attrs.id;
    const where = `synapse ${sid ?? "(no id)"} (line ${el.line})`;
    onlyAttrs(el, new Set(["id", "priority"]), where);
    const synapse: Synapse = { id: integer(need(el, "id", where), "id", where), actions: [], inputs: [] };
    if (synapse.id !== graph.synapses.length) fail(`${where}: synapse ids must count up from 0; expected ${graph.synapses.length}`);
    if (el.attrs.priority !== undefined) synapse.priority = integer(el.attrs.priority, "priority", where);
    const names = el.children.map((c) => c.name).join(",");
    if (names !== "action_set,inputs") fail(`${where}: expected <action_set> then <inputs>, found ${names || "nothing"}`);
    const [set, inputs] = el.children;
    if (set.children.length === 0) fail(`${where}: empty <action_set>`);
    for (const ael of set.children) {
      const action = readAction(ael, where);
      if (actions.has(action.id)) fail(`${where}: action id ${action.id} is used twice`);
      actions.set(action.id, action);
      synapse.actions.push(action);
    }
    for (const trig of inputs.children) {
      if (trig.name !== "trigger" || trig.children.length !== 1) fail(`${where}: <inputs> may hold only <trigger> elements with one action each (${describe(trig)})`);
      pendingInputs.push({ synapse, header: trig.children[0], where });
    }
    graph.synapses.push(synapse);
  }
  // Triggers may name actions of later synapses, so resolve them once all are known.
  for (const { synapse, header, where } of pendingInputs) {
    const ref = readHeader(header, where);
    const action = actions.get(ref.id);
    if (!action) fail(`${where}: trigger names action ${ref.id} (${ref.operationKey}), which is in no synapse`);
    if (!sameHeader(ref, action)) fail(`${where}: trigger for action ${ref.id} does not match that action's attributes (line ${header.line})`);
    synapse.inputs.push(action);
  }
  return graph;
}

function readHeader(el: XmlElement, where: string): GraphAction {
  if (!ACTION_KINDS.has(el.name)) fail(`${where}: unknown action element ${describe(el)}`);
  const at = `${where}, ${describe(el)}`;
  onlyAttrs(el, ACTION_ATTRS, at);
  const a = el.attrs;
  const action: GraphAction = {
    kind: el.name as ActionKind,
    id: integer(need(el, "id", at), "id", at),
    operation: need(el, "operation", at),
    operationKey: need(el, "operation_key", at),
    attributes: {},
  };
  if (a.mode !== undefined) action.mode = a.mode;
  if (a.internal_operation_key !== undefined) action.internalOperationKey = a.internal_operation_key;
  if (a.on_node !== undefined) action.onNode = a.on_node;
  if (a.on_node_uuid !== undefined) action.onNodeUuid = a.on_node_uuid;
  if (a.router_node !== undefined) action.routerNode = a.router_node;
  return action;
}

function readAction(el: XmlElement, where: string): GraphAction {
  const action = readHeader(el, where);
  const at = `${where}, action ${action.id} (${action.operationKey})`;
  let seenAttributes = false;
  for (const c of el.children) {
    if (c.name === "primitive" && !action.primitive && !seenAttributes) {
      action.primitive = readPrimitive(c, at);
    } else if (c.name === "attributes" && !seenAttributes) {
      seenAttributes = true;
      readAttributes(c, action, at);
    } else if (c.name === "downed" && seenAttributes && !action.downed) {
      action.downed = c.children.map((n) => {
        if (n.name !== "node" || n.children.length > 0) fail(`${at}: <downed> may hold only <node id> elements (line ${n.line})`);
        onlyAttrs(n, new Set(["id"]), at);
        return need(n, "id", at);
      });
    } else {
      fail(`${at}: unexpected ${describe(c)} (expected primitive?, attributes, downed?)`);
    }
  }
  if (!seenAttributes) fail(`${at}: missing <attributes>`);
  return action;
}

function readPrimitive(el: XmlElement, where: string): GraphPrimitive {
  onlyAttrs(el, PRIMITIVE_ATTRS, where);
  if (el.children.length > 0) fail(`${where}: <primitive> must be empty (line ${el.line})`);
  const p: GraphPrimitive = { id: need(el, "id", where), class: need(el, "class", where), type: need(el, "type", where) };
  if (el.attrs["long-id"] !== undefined) p.longId = el.attrs["long-id"];
  if (el.attrs.provider !== undefined) p.provider = el.attrs.provider;
  return p;
}

function readAttributes(el: XmlElement, action: GraphAction, where: string): void {
  const put = (name: string, value: string): void => {
    if (name === "crm_feature_set") return; // the graph-wide value is used when writing
    if (Object.hasOwn(action.attributes, name)) fail(`${where}: parameter ${name} given twice`);
    action.attributes[name] = value;
  };
  for (const [name, value] of Object.entries(el.attrs)) put(name, value);
  for (const p of el.children) {
    if (p.name !== "param" || p.children.length > 0) fail(`${where}: unexpected ${describe(p)} in <attributes>`);
    onlyAttrs(p, new Set(["name", "value"]), where);
    put(need(p, "name", where), need(p, "value", where));
  }
}

function sameHeader(a: GraphAction, b: GraphAction): boolean {
  return a.kind === b.kind && a.mode === b.mode && a.operation === b.operation && a.operationKey === b.operationKey &&
    a.internalOperationKey === b.internalOperationKey && a.onNode === b.onNode && a.onNodeUuid === b.onNodeUuid && a.routerNode === b.routerNode;
}

function need(el: XmlElement, name: string, where: string): string {
  const v = el.attrs[name];
  if (v === undefined) fail(`${where}: ${describe(el)} lacks the ${name} attribute`);
  return v;
}

function integer(text: string, name: string, where: string): number {
  if (!/^-?\d+$/.test(text)) fail(`${where}: ${name}="${text}" is not an integer`);
  return Number(text);
}

function onlyAttrs(el: XmlElement, allowed: Set<string>, where: string): void {
  for (const name of Object.keys(el.attrs)) {
    if (!allowed.has(name)) fail(`${where}: unknown attribute ${name} on ${describe(el)}`);
  }
}

function fail(message: string): never {
  throw new GraphFormatError(message);
}
