// Writes a transition graph as Pacemaker's graph XML, byte for byte as `crm_simulate -G` does.
import { element, type XmlElement } from "../../cib/xml.js";
import { formatPcmkXml, isXmlName } from "../../cib/pcmk-format.js";
import type { GraphAction, Synapse, TransitionGraph } from "./types.js";

export function writeGraphXml(graph: TransitionGraph): string {
  return formatPcmkXml(graphElement(graph), { pretty: true });
}

export function graphElement(graph: TransitionGraph): XmlElement {
  const attrs: Record<string, string> = {
    "cluster-delay": graph.clusterDelay,
    "stonith-timeout": graph.stonithTimeout,
    "failed-stop-offset": graph.failedStopOffset,
    "failed-start-offset": graph.failedStartOffset,
    "batch-limit": graph.batchLimit,
    transition_id: String(graph.transitionId),
  };
  if (graph.migrationLimit !== undefined) attrs["migration-limit"] = graph.migrationLimit;
  if (graph.recheckBy !== undefined) attrs["recheck-by"] = graph.recheckBy;
  return element("transition_graph", attrs, graph.synapses.map((s) => synapseElement(s, graph.crmFeatureSet)));
}

function synapseElement(synapse: Synapse, featureSet: string): XmlElement {
  const attrs: Record<string, string> = { id: String(synapse.id) };
  if (synapse.priority !== undefined) attrs.priority = String(synapse.priority);
  return element("synapse", attrs, [
    element("action_set", {}, synapse.actions.map((a) => actionElement(a, featureSet))),
    element("inputs", {}, synapse.inputs.map((a) => element("trigger", {}, [actionHeader(a)]))),
  ]);
}

/** The action element without its content: also how a trigger names its action. */
function actionHeader(action: GraphAction): XmlElement {
  const attrs: Record<string, string> = {};
  if (action.mode !== undefined) attrs.mode = action.mode;
  attrs.id = String(action.id);
  attrs.operation = action.operation;
  attrs.operation_key = action.operationKey;
  if (action.internalOperationKey !== undefined) attrs.internal_operation_key = action.internalOperationKey;
  if (action.onNode !== undefined) attrs.on_node = action.onNode;
  if (action.onNodeUuid !== undefined) attrs.on_node_uuid = action.onNodeUuid;
  if (action.routerNode !== undefined) attrs.router_node = action.routerNode;
  return element(action.kind, attrs);
}

function actionElement(action: GraphAction, featureSet: string): XmlElement {
  const el = actionHeader(action);
  const p = action.primitive;
  if (p) {
    const pa: Record<string, string> = { id: p.id };
    if (p.longId !== undefined) pa["long-id"] = p.longId;
    pa.class = p.class;
    if (p.provider !== undefined) pa.provider = p.provider;
    pa.type = p.type;
    el.children.push(element("primitive", pa));
  }
  el.children.push(attributesElement(action.attributes, featureSet));
  if (action.downed !== undefined) {
    el.children.push(element("downed", {}, action.downed.map((id) => element("node", { id }))));
  }
  return el;
}

/** Pacemaker sorts the parameters by name (plain byte order); names that are not valid XML
 *  attribute names (e.g. an IPaddr parameter called `1`) become `<param name value>` children. */
function attributesElement(attributes: Record<string, string>, featureSet: string): XmlElement {
  const all = new Map(Object.entries(attributes));
  all.set("crm_feature_set", featureSet);
  const names = [...all.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const el = element("attributes");
  for (const name of names) {
    const value = all.get(name)!;
    if (isXmlName(name)) el.attrs[name] = value;
    else el.children.push(element("param", { name, value }));
  }
  return el;
}
