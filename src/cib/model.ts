// The typed CIB model: what the configuration and status sections say, checked for
// structure (ids, references, scores, intervals) but not yet evaluated. Values that depend
// on rules or on "now" (meta attributes, instance attributes, rule-based location scores)
// stay as XML elements here; the scheduler evaluates them with its injected clock.
import type { XmlElement } from "./xml.js";

export type ResourceKind = "primitive" | "group" | "clone" | "bundle";

export interface ResourceDef {
  kind: ResourceKind;
  id: string;
  /** The element as the scheduler should read it (templates already merged in). */
  el: XmlElement;
  /** Agent, for primitives (template values filled in). */
  agentClass?: string;
  provider?: string;
  type?: string;
  /** Template id the primitive was built from. */
  template?: string;
  /** `<master>` element or clone with meta promotable (decided when meta is evaluated). */
  legacyMaster?: boolean;
  children: ResourceDef[];
  parent?: ResourceDef;
}

export interface ResourceSetDef {
  id: string;
  el: XmlElement;
  resources: string[];
  sequential: boolean;
  requireAll: boolean;
  ordering?: string;
  action?: string;
  role?: string;
  score?: string;
  kind?: string;
}

export interface LocationDef {
  id: string;
  el: XmlElement;
  rsc?: string;
  rscPattern?: string;
  node?: string;
  score?: string;
  role?: string;
  discovery?: string;
  rules: XmlElement[];
  sets: ResourceSetDef[];
}

export interface ColocationDef {
  id: string;
  el: XmlElement;
  rsc?: string;
  withRsc?: string;
  score: string;
  rscRole?: string;
  withRscRole?: string;
  nodeAttribute?: string;
  influence?: string;
  sets: ResourceSetDef[];
}

export interface OrderDef {
  id: string;
  el: XmlElement;
  first?: string;
  then?: string;
  firstAction?: string;
  thenAction?: string;
  kind?: string;
  score?: string;
  symmetrical?: string;
  requireAll?: string;
  sets: ResourceSetDef[];
}

export interface TicketConstraintDef {
  id: string;
  el: XmlElement;
  rsc?: string;
  rscRole?: string;
  ticket: string;
  lossPolicy?: string;
  sets: ResourceSetDef[];
}

export interface NodeDef {
  id: string;
  uname: string;
  type: string;
  score?: string;
  el: XmlElement;
}

export interface LrmOpDef {
  id: string;
  el: XmlElement;
  operation: string;
  operationKey?: string;
  callId: number;
  rcCode: number;
  opStatus: number;
  /** Milliseconds. */
  interval: number;
  lastRcChange?: number;
  lastRun?: number;
  opDigest?: string;
  restartDigest?: string;
  transitionKey?: string;
  transitionMagic?: string;
  exitReason?: string;
}

export interface LrmResourceDef {
  id: string;
  el: XmlElement;
  agentClass?: string;
  provider?: string;
  type?: string;
  container?: string;
  ops: LrmOpDef[];
}

export interface NodeStateDef {
  id: string;
  uname?: string;
  el: XmlElement;
  inCcm?: string;
  crmd?: string;
  join?: string;
  expected?: string;
  remoteNode: boolean;
  /** Transient attributes in document order (first value wins, as Pacemaker reads them). */
  transient: Map<string, string>;
  resources: LrmResourceDef[];
}

export interface TicketStateDef {
  id: string;
  granted: boolean;
  standby: boolean;
  lastGranted?: string;
  el: XmlElement;
}

export interface CibModel {
  root: XmlElement;
  configuration: XmlElement;
  crmConfig?: XmlElement;
  rscDefaults?: XmlElement;
  opDefaults?: XmlElement;
  haveQuorum: boolean;
  dcUuid?: string;
  /** `<cib execution-date>` in epoch seconds. */
  executionDate?: number;
  validateWith?: string;
  nodes: NodeDef[];
  resources: ResourceDef[];
  templates: Map<string, XmlElement>;
  /** tag id → referenced object ids, in document order. */
  tags: Map<string, string[]>;
  locations: LocationDef[];
  colocations: ColocationDef[];
  orders: OrderDef[];
  tickets: TicketConstraintDef[];
  nodeStates: NodeStateDef[];
  ticketStates: TicketStateDef[];
}
