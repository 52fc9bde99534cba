// Builds the CIB model from the XML tree and checks what can be checked without evaluating
// rules: required attributes, duplicate ids, dangling references, score and interval syntax.
// Every problem is a CibError naming the element (id and line).
import { child, childrenNamed, cloneElement, type XmlElement } from "./xml.js";
import { CibError } from "./errors.js";
import { buildIdIndex, type IdIndex } from "./id-index.js";
import type {
  CibModel,
  ColocationDef,
  LocationDef,
  LrmOpDef,
  LrmResourceDef,
  NodeDef,
  NodeStateDef,
  OrderDef,
  ResourceDef,
  ResourceSetDef,
  TicketConstraintDef,
  TicketStateDef,
} from "./model.js";
import { parseOpInterval, checkScore } from "./model-values.js";

export function parseCib(root: XmlElement): CibModel {
  if (root.name !== "cib") throw new CibError(`the document element is <${root.name}>, expected <cib>`, root);
  const configuration = child(root, "configuration");
  if (!configuration) throw new CibError("the CIB has no <configuration> section", root);
  const ids = buildIdIndex(root);

  const templates = new Map<string, XmlElement>();
  const resourcesEl = child(configuration, "resources");
  for (const t of resourcesEl ? childrenNamed(resourcesEl, "template") : []) templates.set(need(t, "id"), t);

  const resources: ResourceDef[] = [];
  for (const el of resourcesEl?.children ?? []) {
    if (el.name === "template") continue;
    resources.push(parseResource(el, templates, undefined));
  }

  const tags = new Map<string, string[]>();
  const tagsEl = child(configuration, "tags");
  for (const t of tagsEl ? childrenNamed(tagsEl, "tag") : []) {
    tags.set(need(t, "id"), childrenNamed(t, "obj_ref").map((o) => need(o, "id")));
  }

  const model: CibModel = {
    root,
    configuration,
    crmConfig: child(configuration, "crm_config"),
    rscDefaults: child(configuration, "rsc_defaults"),
    opDefaults: child(configuration, "op_defaults"),
    haveQuorum: isTrue(root.attrs["have-quorum"]),
    dcUuid: root.attrs["dc-uuid"],
    executionDate: root.attrs["execution-date"] !== undefined ? parseEpoch(root, "execution-date") : undefined,
    validateWith: root.attrs["validate-with"],
    nodes: parseNodes(configuration),
    resources,
    templates,
    tags,
    locations: [],
    colocations: [],
    orders: [],
    tickets: [],
    nodeStates: [],
    ticketStates: [],
  };
  parseConstraints(configuration, model);
  const status = child(root, "status");
  if (status) parseStatus(status, model);
  checkReferences(model, ids);
  return model;
}

export function isTrue(v: string | undefined): boolean {
  if (v === undefined) return false;
  return /^(true|on|yes|y|1)$/i.test(v);
}

function need(el: XmlElement, attr: string): string {
  const v = el.attrs[attr];
  if (v === undefined || v === "") throw new CibError(`${el.name} is missing required attribute '${attr}'`, el);
  return v;
}

function parseEpoch(el: XmlElement, attr: string): number {
  const v = el.attrs[attr];
  if (!/^-?\d+$/.test(v)) throw new CibError(`attribute ${attr}="${v}" is not a number of seconds`, el);
  return Number(v);
}

function parseNodes(configuration: XmlElement): NodeDef[] {
  const nodesEl = child(configuration, "nodes");
  const out: NodeDef[] = [];
  for (const n of nodesEl ? childrenNamed(nodesEl, "node") : []) {
    const id = need(n, "id");
    const score = n.attrs.score;
    if (score !== undefined) checkScore(score, n, "score");
    out.push({ id, uname: n.attrs.uname ?? id, type: n.attrs.type ?? "member", score, el: n });
  }
  return out;
}

function parseResource(el: XmlElement, templates: Map<string, XmlElement>, parent: ResourceDef | undefined): ResourceDef {
  const id = need(el, "id");
  switch (el.name) {
    case "primitive": {
      let merged = el;
      const templateId = el.attrs.template;
      if (templateId !== undefined) {
        const t = templates.get(templateId);
        if (!t) throw new CibError(`primitive refers to template "${templateId}", which does not exist`, el);
        merged = mergeTemplate(el, t);
      }
      const agentClass = merged.attrs.class;
      if (!agentClass) throw new CibError("primitive has no agent class", el);
      if (!merged.attrs.type) throw new CibError("primitive has no agent type", el);
      if (agentClass === "ocf" && !merged.attrs.provider) throw new CibError("OCF primitive has no provider", el);
      checkOperations(merged);
      return { kind: "primitive", id, el: merged, agentClass, provider: merged.attrs.provider, type: merged.attrs.type, template: templateId, children: [], parent };
    }
    case "group": {
      const g: ResourceDef = { kind: "group", id, el, children: [], parent };
      for (const c of el.children) {
        if (c.name === "primitive") g.children.push(parseResource(c, templates, g));
        else if (isResourceElement(c.name)) throw new CibError(`a group may only contain primitives, not <${c.name}>`, c);
      }
      return g;
    }
    case "clone":
    case "master": {
      const c: ResourceDef = { kind: "clone", id, el, children: [], parent, legacyMaster: el.name === "master" };
      for (const ch of el.children) if (ch.name === "primitive" || ch.name === "group") c.children.push(parseResource(ch, templates, c));
      if (c.children.length !== 1) throw new CibError(`a clone must contain exactly one primitive or group (found ${c.children.length})`, el);
      return c;
    }
    case "bundle": {
      const b: ResourceDef = { kind: "bundle", id, el, children: [], parent };
      const p = child(el, "primitive");
      if (p) b.children.push(parseResource(p, templates, b));
      return b;
    }
    default:
      throw new CibError(`unknown resource element <${el.name}>`, el);
  }
}

function isResourceElement(name: string): boolean {
  return name === "primitive" || name === "group" || name === "clone" || name === "master" || name === "bundle";
}

/** A primitive built from a template: the template's definition with the primitive's own
 *  attributes, attribute sets and operations laid over it. */
function mergeTemplate(el: XmlElement, template: XmlElement): XmlElement {
  const merged = cloneElement(template);
  merged.name = "primitive";
  merged.line = el.line;
  merged.attrs = { ...template.attrs, ...el.attrs };
  delete merged.attrs.template;
  let ops = merged.children.find((c) => c.name === "operations");
  for (const c of el.children) {
    if (c.name === "operations" && ops) {
      for (const op of c.children) {
        const same = ops.children.findIndex((o) => o.attrs.name === op.attrs.name && (o.attrs.interval ?? "0") === (op.attrs.interval ?? "0"));
        if (same >= 0) ops.children[same] = cloneElement(op);
        else ops.children.push(cloneElement(op));
      }
    } else {
      const copy = cloneElement(c);
      merged.children.push(copy);
      if (c.name === "operations") ops = copy;
    }
  }
  return merged;
}

function checkOperations(prim: XmlElement): void {
  const ops = child(prim, "operations");
  if (!ops) return;
  for (const op of childrenNamed(ops, "op")) {
    if (op.attrs["id-ref"] !== undefined) continue;
    need(op, "name");
    parseOpInterval(op.attrs.interval ?? "0", op, "interval");
  }
}

function parseSets(el: XmlElement): ResourceSetDef[] {
  return childrenNamed(el, "resource_set").map((s) => ({
    id: need(s, "id"),
    el: s,
    resources: childrenNamed(s, "resource_ref").map((r) => need(r, "id")),
    sequential: s.attrs.sequential === undefined ? true : isTrue(s.attrs.sequential),
    requireAll: s.attrs["require-all"] === undefined ? true : isTrue(s.attrs["require-all"]),
    ordering: s.attrs.ordering,
    action: s.attrs.action,
    role: s.attrs.role,
    score: s.attrs.score,
    kind: s.attrs.kind,
  }));
}

function parseConstraints(configuration: XmlElement, model: CibModel): void {
  const cons = child(configuration, "constraints");
  for (const c of cons?.children ?? []) {
    switch (c.name) {
      case "rsc_location": {
        const loc: LocationDef = {
          id: need(c, "id"),
          el: c,
          rsc: c.attrs.rsc,
          rscPattern: c.attrs["rsc-pattern"],
          node: c.attrs.node,
          score: c.attrs.score,
          role: c.attrs.role,
          discovery: c.attrs["resource-discovery"],
          rules: childrenNamed(c, "rule"),
          sets: parseSets(c),
        };
        if (loc.score !== undefined) checkScore(loc.score, c, "score");
        if (!loc.rsc && !loc.rscPattern && loc.sets.length === 0) throw new CibError("location constraint names no resource (rsc, rsc-pattern or a resource set)", c);
        if (loc.node === undefined && loc.rules.length === 0) throw new CibError("location constraint has neither a node nor a rule", c);
        if (loc.node !== undefined && loc.score === undefined) throw new CibError("location constraint has a node but no score", c);
        model.locations.push(loc);
        break;
      }
      case "rsc_colocation": {
        const col: ColocationDef = {
          id: need(c, "id"),
          el: c,
          rsc: c.attrs.rsc,
          withRsc: c.attrs["with-rsc"],
          score: c.attrs.score ?? "",
          rscRole: c.attrs["rsc-role"],
          withRscRole: c.attrs["with-rsc-role"],
          nodeAttribute: c.attrs["node-attribute"],
          influence: c.attrs.influence,
          sets: parseSets(c),
        };
        if (col.score !== "") checkScore(col.score, c, "score");
        if (col.sets.length === 0) {
          if (!col.rsc || !col.withRsc) throw new CibError("colocation constraint needs 'rsc' and 'with-rsc' (or resource sets)", c);
          // A colocation without a score counts as score 0 (no effect), as in Pacemaker.
        }
        model.colocations.push(col);
        break;
      }
      case "rsc_order": {
        const ord: OrderDef = {
          id: need(c, "id"),
          el: c,
          first: c.attrs.first,
          then: c.attrs.then,
          firstAction: c.attrs["first-action"],
          thenAction: c.attrs["then-action"],
          kind: c.attrs.kind,
          score: c.attrs.score,
          symmetrical: c.attrs.symmetrical,
          requireAll: c.attrs["require-all"],
          sets: parseSets(c),
        };
        if (ord.score !== undefined) checkScore(ord.score, c, "score");
        if (ord.sets.length === 0 && (!ord.first || !ord.then)) throw new CibError("order constraint needs 'first' and 'then' (or resource sets)", c);
        model.orders.push(ord);
        break;
      }
      case "rsc_ticket": {
        const t: TicketConstraintDef = {
          id: need(c, "id"),
          el: c,
          rsc: c.attrs.rsc,
          rscRole: c.attrs["rsc-role"],
          ticket: need(c, "ticket"),
          lossPolicy: c.attrs["loss-policy"],
          sets: parseSets(c),
        };
        if (!t.rsc && t.sets.length === 0) throw new CibError("ticket constraint names no resource", c);
        model.tickets.push(t);
        break;
      }
      default:
        throw new CibError(`unknown constraint element <${c.name}>`, c);
    }
  }
}

function intAttr(el: XmlElement, name: string, dflt: number): number {
  const v = el.attrs[name];
  if (v === undefined || v === "") return dflt;
  const n = Number.parseInt(v, 10);
  if (Number.isNaN(n)) throw new CibError(`attribute ${name}="${v}" is not an integer`, el);
  return n;
}

function parseStatus(status: XmlElement, model: CibModel): void {
  for (const ns of status.children) {
    if (ns.name === "tickets") {
      for (const t of childrenNamed(ns, "ticket_state")) {
        model.ticketStates.push({ id: need(t, "id"), granted: isTrue(t.attrs.granted), standby: isTrue(t.attrs.standby), lastGranted: t.attrs["last-granted"], el: t } satisfies TicketStateDef);
      }
      continue;
    }
    if (ns.name !== "node_state") continue;
    const transient = new Map<string, string>();
    const ta = child(ns, "transient_attributes");
    for (const set of ta ? childrenNamed(ta, "instance_attributes") : []) {
      for (const nv of childrenNamed(set, "nvpair")) {
        const name = nv.attrs.name;
        if (name !== undefined && !transient.has(name)) transient.set(name, nv.attrs.value ?? "");
      }
    }
    const resources: LrmResourceDef[] = [];
    const lrm = child(ns, "lrm");
    const lrmRes = lrm ? child(lrm, "lrm_resources") : undefined;
    for (const r of lrmRes ? childrenNamed(lrmRes, "lrm_resource") : []) {
      const ops: LrmOpDef[] = childrenNamed(r, "lrm_rsc_op").map((o) => ({
        id: need(o, "id"),
        el: o,
        operation: need(o, "operation"),
        operationKey: o.attrs.operation_key,
        callId: intAttr(o, "call-id", -1),
        rcCode: intAttr(o, "rc-code", 0),
        opStatus: intAttr(o, "op-status", 0),
        interval: intAttr(o, "interval", 0),
        lastRcChange: o.attrs["last-rc-change"] !== undefined ? intAttr(o, "last-rc-change", 0) : undefined,
        lastRun: o.attrs["last-run"] !== undefined ? intAttr(o, "last-run", 0) : undefined,
        opDigest: o.attrs["op-digest"],
        restartDigest: o.attrs["op-restart-digest"],
        transitionKey: o.attrs["transition-key"],
        transitionMagic: o.attrs["transition-magic"],
        exitReason: o.attrs["exit-reason"],
      }));
      resources.push({ id: need(r, "id"), el: r, agentClass: r.attrs.class, provider: r.attrs.provider, type: r.attrs.type, container: r.attrs.container, ops });
    }
    const stateId = ns.attrs.id ?? ns.attrs.uname;
    if (stateId === undefined) throw new CibError("node_state has neither 'id' nor 'uname'", ns);
    model.nodeStates.push({
      id: stateId,
      uname: ns.attrs.uname,
      el: ns,
      inCcm: ns.attrs.in_ccm,
      crmd: ns.attrs.crmd,
      join: ns.attrs.join,
      expected: ns.attrs.expected,
      remoteNode: isTrue(ns.attrs.remote_node),
      transient,
      resources,
    } satisfies NodeStateDef);
  }
}

/** Every resource named by a constraint must exist (as a resource, template or tag). */
function checkReferences(model: CibModel, ids: IdIndex): void {
  const known = (id: string) => {
    const el = ids.get(id);
    return el !== undefined && (isResourceElement(el.name) || el.name === "template" || el.name === "tag");
  };
  const check = (el: XmlElement, attr: string, id: string | undefined) => {
    if (id !== undefined && !known(id)) throw new CibError(`${attr} "${id}" names no resource, template or tag`, el);
  };
  const checkSets = (sets: ResourceSetDef[]) => {
    for (const s of sets) for (const r of s.resources) check(s.el, "resource_ref", r);
  };
  for (const l of model.locations) {
    check(l.el, "rsc", l.rsc);
    checkSets(l.sets);
  }
  for (const c of model.colocations) {
    check(c.el, "rsc", c.rsc);
    check(c.el, "with-rsc", c.withRsc);
    checkSets(c.sets);
  }
  for (const o of model.orders) {
    check(o.el, "first", o.first);
    check(o.el, "then", o.then);
    checkSets(o.sets);
  }
  for (const t of model.tickets) {
    check(t.el, "rsc", t.rsc);
    checkSets(t.sets);
  }
  for (const [tag, refs] of model.tags) {
    for (const r of refs) if (!ids.has(r)) throw new CibError(`tag "${tag}" refers to "${r}", which does not exist`, ids.get(tag));
  }
}
