// Writes a transition graph as Pacemaker's graph XML, byte for byte as `crm_simulate -G` does.
// Graphs of big clusters hold hundreds of thousands of actions, so the text is written
// directly (no intermediate element tree), and each action's opening tag is built once and
// reused by every trigger that names it.
import { element, type XmlElement } from "../../cib/xml.js";
import { isXmlName, pcmkEscape } from "../../cib/pcmk-format.js";
import type { GraphAction, Synapse, TransitionGraph } from "./types.js";

export function writeGraphXml(graph: TransitionGraph): string {
  const out: string[] = [];
  let head = `<transition_graph cluster-delay="${pcmkEscape(graph.clusterDelay)}" stonith-timeout="${pcmkEscape(graph.stonithTimeout)}"` +
    ` failed-stop-offset="${pcmkEscape(graph.failedStopOffset)}" failed-start-offset="${pcmkEscape(graph.failedStartOffset)}"` +
    ` batch-limit="${pcmkEscape(graph.batchLimit)}" transition_id="${graph.transitionId}"`;
  if (graph.migrationLimit !== undefined) head += ` migration-limit="${pcmkEscape(graph.migrationLimit)}"`;
  if (graph.recheckBy !== undefined) head += ` recheck-by="${pcmkEscape(graph.recheckBy)}"`;
  if (graph.synapses.length === 0) return `${head}/>\n`;
  out.push(head, ">\n");
  const headers = new Map<GraphAction, string>();
  const headerOf = (a: GraphAction): string => {
    let h = headers.get(a);
    if (h === undefined) {
      h = actionHeader(a);
      headers.set(a, h);
    }
    return h;
  };
  const fs = pcmkEscape(graph.crmFeatureSet);
  for (const s of graph.synapses) writeSynapse(s, fs, headerOf, out);
  out.push("</transition_graph>\n");
  return out.join("");
}

function writeSynapse(synapse: Synapse, featureSet: string, headerOf: (a: GraphAction) => string, out: string[]): void {
  out.push(`  <synapse id="${synapse.id}"`, synapse.priority !== undefined ? ` priority="${synapse.priority}">\n` : ">\n");
  if (synapse.actions.length === 0) out.push("    <action_set/>\n");
  else {
    out.push("    <action_set>\n");
    for (const a of synapse.actions) writeAction(a, featureSet, headerOf(a), out);
    out.push("    </action_set>\n");
  }
  if (synapse.inputs.length === 0) out.push("    <inputs/>\n");
  else {
    out.push("    <inputs>\n");
    for (const a of synapse.inputs) out.push("      <trigger>\n        ", headerOf(a), "/>\n      </trigger>\n");
    out.push("    </inputs>\n");
  }
  out.push("  </synapse>\n");
}

/** The opening tag of an action without its closing: also how a trigger names its action. */
function actionHeader(a: GraphAction): string {
  let h = `<${a.kind}`;
  if (a.mode !== undefined) h += ` mode="${pcmkEscape(a.mode)}"`;
  h += ` id="${a.id}" operation="${pcmkEscape(a.operation)}" operation_key="${pcmkEscape(a.operationKey)}"`;
  if (a.internalOperationKey !== undefined) h += ` internal_operation_key="${pcmkEscape(a.internalOperationKey)}"`;
  if (a.onNode !== undefined) h += ` on_node="${pcmkEscape(a.onNode)}"`;
  if (a.onNodeUuid !== undefined) h += ` on_node_uuid="${pcmkEscape(a.onNodeUuid)}"`;
  if (a.routerNode !== undefined) h += ` router_node="${pcmkEscape(a.routerNode)}"`;
  return h;
}

function writeAction(a: GraphAction, featureSet: string, header: string, out: string[]): void {
  out.push("      ", header, ">\n");
  const p = a.primitive;
  if (p) {
    let t = `        <primitive id="${pcmkEscape(p.id)}"`;
    if (p.longId !== undefined) t += ` long-id="${pcmkEscape(p.longId)}"`;
    t += ` class="${pcmkEscape(p.class)}"`;
    if (p.provider !== undefined) t += ` provider="${pcmkEscape(p.provider)}"`;
    out.push(t, ` type="${pcmkEscape(p.type)}"/>\n`);
  }
  writeAttributes(a.attributes, featureSet, out);
  if (a.downed !== undefined) {
    if (a.downed.length === 0) out.push("        <downed/>\n");
    else {
      out.push("        <downed>\n");
      for (const id of a.downed) out.push(`          <node id="${pcmkEscape(id)}"/>\n`);
      out.push("        </downed>\n");
    }
  }
  out.push(`      </${a.kind}>\n`);
}

const validNames = new Map<string, boolean>();
function validName(name: string): boolean {
  let ok = validNames.get(name);
  if (ok === undefined) {
    ok = isXmlName(name);
    if (validNames.size < 100_000) validNames.set(name, ok);
  }
  return ok;
}

/** Pacemaker sorts the parameters by name (plain byte order); names that are not valid XML
 *  attribute names (e.g. an IPaddr parameter called `1`) become `<param name value>` children. */
function writeAttributes(attributes: Record<string, string>, featureSet: string, out: string[]): void {
  const names = Object.keys(attributes);
  if (!Object.hasOwn(attributes, "crm_feature_set")) names.push("crm_feature_set");
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let tag = "        <attributes";
  let params: string[] | undefined;
  for (const name of names) {
    const value = name === "crm_feature_set" ? featureSet : pcmkEscape(attributes[name]);
    if (validName(name)) tag += ` ${name}="${value}"`;
    else (params ??= []).push(`          <param name="${pcmkEscape(name)}" value="${value}"/>\n`);
  }
  if (!params) out.push(tag, "/>\n");
  else out.push(tag, ">\n", ...params, "        </attributes>\n");
}

/** The graph as an element tree (for callers that want to inspect or embed it). */
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
  const header = (a: GraphAction): XmlElement => {
    const h: Record<string, string> = {};
    if (a.mode !== undefined) h.mode = a.mode;
    h.id = String(a.id);
    h.operation = a.operation;
    h.operation_key = a.operationKey;
    if (a.internalOperationKey !== undefined) h.internal_operation_key = a.internalOperationKey;
    if (a.onNode !== undefined) h.on_node = a.onNode;
    if (a.onNodeUuid !== undefined) h.on_node_uuid = a.onNodeUuid;
    if (a.routerNode !== undefined) h.router_node = a.routerNode;
    return element(a.kind, h);
  };
  return element("transition_graph", attrs, graph.synapses.map((s) => {
    const sa: Record<string, string> = { id: String(s.id) };
    if (s.priority !== undefined) sa.priority = String(s.priority);
    return element("synapse", sa, [
      element("action_set", {}, s.actions.map((a) => {
        const el = header(a);
        const p = a.primitive;
        if (p) {
          const pa: Record<string, string> = { id: p.id };
          if (p.longId !== undefined) pa["long-id"] = p.longId;
          pa.class = p.class;
          if (p.provider !== undefined) pa.provider = p.provider;
          pa.type = p.type;
          el.children.push(element("primitive", pa));
        }
        const at = element("attributes");
        const all: Record<string, string> = { ...a.attributes, crm_feature_set: graph.crmFeatureSet };
        for (const name of Object.keys(all).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
          if (isXmlName(name)) at.attrs[name] = all[name];
          else at.children.push(element("param", { name, value: all[name] }));
        }
        el.children.push(at);
        if (a.downed !== undefined) el.children.push(element("downed", {}, a.downed.map((id) => element("node", { id }))));
        return el;
      })),
      element("inputs", {}, s.inputs.map((a) => element("trigger", {}, [header(a)]))),
    ]);
  }));
}
