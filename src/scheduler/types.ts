// The scheduler's working set: nodes, resources and actions as the phases see and refine
// them. One WorkingSet lives for exactly one schedule() call.
import type { CibModel, LrmResourceDef, ResourceDef } from "../cib/model.js";
import type { XmlElement } from "../cib/xml.js";

export enum Role {
  Unknown = 0,
  Stopped = 1,
  Started = 2,
  Unpromoted = 3,
  Promoted = 4,
}

export const ROLE_NAMES = ["Unknown", "Stopped", "Started", "Unpromoted", "Promoted"] as const;

export function parseRole(text: string | undefined): Role | undefined {
  switch ((text ?? "").toLowerCase()) {
    case "stopped":
      return Role.Stopped;
    case "started":
      return Role.Started;
    case "unpromoted":
    case "slave":
      return Role.Unpromoted;
    case "promoted":
    case "master":
      return Role.Promoted;
    default:
      return undefined;
  }
}

export type NodeKind = "cluster" | "remote" | "guest";

export interface Node {
  id: string;
  uname: string;
  kind: NodeKind;
  /** Base weight: the node's configured score; −INFINITY once known offline or shutting down. */
  weight: number;
  attrs: Map<string, string>;
  utilization: Map<string, number>;
  online: boolean;
  unclean: boolean;
  unseen: boolean;
  pending: boolean;
  standby: boolean;
  standbyOnFail: boolean;
  shutdown: boolean;
  maintenance: boolean;
  expectedUp: boolean;
  isDc: boolean;
  /** Resources assigned to the node so far (allocation tie-break). */
  numResources: number;
  /** Resources found running here by the status unpack. */
  running: Resource[];
  /** Why the node must be fenced (first reason wins). */
  fenceReason?: string;
  /** Guest and remote nodes: the connection resource that makes the node exist. */
  remoteRsc?: Resource;
  /** Remote nodes: the status says the node was fenced (node_fenced). */
  remoteWasFenced?: boolean;
  /** Guest nodes: "fencing" means recovering the container (set when it must be recovered). */
  requiresReset?: boolean;
  /** A bundle replica's guest node: nothing but the replica's own instance may run there. */
  bundleReplica?: boolean;
  /** A bundle replica's guest node not declared in <nodes>: the bundle that makes it. It
   *  exists only from that bundle's place in the configuration on (clone-max defaults). */
  madeByBundle?: string;
}

export type Recovery = "stop_start" | "stop_only" | "block" | "stop_unexpected";

/** How a failure of an operation is handled, in escalating order (Pacemaker compares them). */
export enum OnFail {
  Ignore = 0,
  Demote,
  Recover,
  Migrate,
  RestartContainer,
  ResetRemote,
  Block,
  Stop,
  Standby,
  Fence,
}

export interface OpConfig {
  name: string;
  interval: number;
  role?: Role;
  el: XmlElement;
  meta: Map<string, string>;
  enabled: boolean;
}

export interface Resource {
  id: string;
  def: ResourceDef;
  kind: ResourceDef["kind"];
  parent?: Resource;
  children: Resource[];
  meta: Map<string, string>;
  agentClass?: string;
  provider?: string;
  type?: string;
  priority: number;
  stickiness: number;
  migrationThreshold: number;
  /** Seconds; 0 = never expire. */
  failureTimeout: number;
  /** Remote connections: `reconnect_interval` in ms (0 = none). A failed connection stays
   *  down until its failure expires after this long (it doubles as the failure timeout). */
  reconnectMs: number;
  recovery: Recovery;
  managed: boolean;
  orphan: boolean;
  failed: boolean;
  /** Failed and needs a stop as part of recovery (pe_rsc_stop). */
  needsStop: boolean;
  blocked: boolean;
  failureIgnored: boolean;
  startPending: boolean;
  allowMigrate: boolean;
  unique: boolean;
  critical: boolean;
  requires: "nothing" | "quorum" | "fencing" | "unfencing";
  role: Role;
  nextRole: Role;
  nextRoleReason?: string;
  runningOn: Node[];
  /** Nodes with any history of this resource. */
  knownOn: Set<Node>;
  /** Non-probe task still in flight: name and node (display shows "Starting" etc.). */
  pendingTask?: string;
  pendingNode?: Node;
  /** Failed probes: node → result text, for "Stopped (not installed)". */
  failedProbes: Map<Node, string>;
  lockNode?: Node;
  allowed: Map<Node, number>;
  assigned: Node | null;
  provisional: boolean;
  allocating: boolean;
  merging: boolean;
  /** Colocations where this resource is the dependent ("this with X"). */
  thisWith: Colocation[];
  /** Colocations where this resource is the primary ("X with this"). */
  withThis: Colocation[];
  /** Append-only (customAction); findActions keeps a by-key index of it. */
  actions: Action[];
  ops: OpConfig[];
  /** Resource has a pending-definition change: reload instead of restart. */
  reload: boolean;
  partialMigrationSource?: Node;
  partialMigrationTarget?: Node;
  danglingMigrations: Node[];
  utilization: Map<string, number>;
  /** Recurring ops found active in history: key "name_interval" → node list. */
  activeRecurring: { key: string; name: string; interval: number; node: Node; op: XmlElement }[];
  /** Target of the resource's failure-handling location ban etc. for reporting. */
  discovery: Map<Node, "always" | "never" | "exclusive">;
  exclusiveDiscover: boolean;
  /** For clones: the clone's settings. */
  clone?: CloneSettings;
  /** History id this resource was found under when it differs from its id (rsc vs rsc:0). */
  cloneName?: string;
  /** Per node: instances of this clone assigned there (clone allocation). */
  instanceCount?: Map<Node, number>;
  /** The resource this one lives inside (`container` meta attribute, or a guest's container). */
  container?: Resource;
  /** Resources living inside this one (the reverse of `container`). */
  fillers: Resource[];
  /** The guest or remote node this connection resource creates. */
  remoteNode?: Node;
  /** A ticket for the promoted role is missing: this instance must not be promoted. */
  promotionBanned?: boolean;
  /** Promotion order key of a promotable clone's instance. */
  sortIndex?: number;
  /** For bundles: the container settings and the replicas (bundle-unpack.ts). */
  bundle?: BundleData;
}

/** One replica of a bundle: its implicit resources (and guest node, with an inner primitive). */
export interface BundleReplica {
  index: number;
  ipAddr?: string;
  ip?: Resource;
  container: Resource;
  remote?: Resource;
  /** The inner primitive's instance for this replica (`RSC:index`), placed on `node`. */
  child?: Resource;
  node?: Node;
}

export interface BundleData {
  /** Container technology: the implicit container resource's agent (ocf:heartbeat:AGENT). */
  agent: "docker" | "podman" | "rkt";
  image: string;
  replicas: number;
  replicasPerHost: number;
  promotedMax: number;
  /** The implicit clone (`BUNDLE-clone`, or `BUNDLE-master` when promotable) of the inner primitive. */
  inner?: Resource;
  list: BundleReplica[];
}

export interface CloneSettings {
  max: number;
  nodeMax: number;
  unique: boolean;
  interleave: boolean;
  ordered: boolean;
  notify: boolean;
  promotable: boolean;
  promotedMax: number;
  promotedNodeMax: number;
}

export interface Colocation {
  id: string;
  dependent: Resource;
  primary: Resource;
  score: number;
  dependentRole: Role;
  primaryRole: Role;
  nodeAttribute: string;
  influence: boolean;
}

export interface Ordering {
  id: number;
  first?: Action;
  firstRsc?: Resource;
  firstTask?: string;
  then?: Action;
  thenRsc?: Resource;
  thenTask?: string;
  flags: number;
}

/** Ordering flags (a subset of Pacemaker's pe_ordering, same meaning). */
export const Ord = {
  none: 0,
  optional: 0x1,
  applyFirstNonMigratable: 0x2,
  impliesFirst: 0x10,
  impliesThen: 0x20,
  promotedImpliesFirst: 0x40,
  impliesFirstMigratable: 0x80,
  runnableLeft: 0x100,
  pseudoLeft: 0x200,
  impliesThenOnNode: 0x400,
  probe: 0x800,
  restart: 0x1000,
  stonithStop: 0x2000,
  serializeOnly: 0x4000,
  sameNode: 0x8000,
  impliesFirstPrinted: 0x10000,
  impliesThenPrinted: 0x20000,
  asymmetrical: 0x100000,
  load: 0x200000,
  oneOrMore: 0x400000,
  antiColocation: 0x800000,
  preserve: 0x1000000,
  thenCancelsFirst: 0x2000000,
} as const;

export interface Action {
  id: number;
  rsc?: Resource;
  task: string;
  /** Operation key, e.g. rsc1_start_0. */
  key: string;
  node?: Node;
  interval: number;
  optional: boolean;
  runnable: boolean;
  pseudo: boolean;
  printAlways?: boolean;
  reason?: string;
  /** Target rc for monitors (7 for probes, 8 for promoted monitors). */
  targetRc?: number;
  meta: Map<string, string>;
  before: { action: Action; flags: number }[];
  after: { action: Action; flags: number }[];
  /** Op definition used for timeout etc. */
  opConfig?: OpConfig;
  cancelOf?: string;
  /** Synapse priority (clone completion pseudo-actions get INFINITY). */
  priority?: number;
  /** A recurring op whose definition changed: it must be re-sent. */
  reschedule?: boolean;
  /** Pseudo fencing of a guest: the container whose recovery it stands for. */
  guestContainer?: Resource;
  /** Part of a live migration that can still happen (pe_action_migrate_runnable). */
  migrateRunnable?: boolean;
  /** The stop on the source of a migration that completed without it (pe_action_dangle). */
  dangle?: boolean;
  /** A "one or more" pseudo-action (clone-min, require-all=false): runnable once this many
   *  of its first actions (linked with Ord.oneOrMore) are. */
  requiredRunnableBefore?: number;
}

export interface WorkingSet {
  model: CibModel;
  now: number;
  options: Map<string, string>;
  stonithEnabled: boolean;
  symmetric: boolean;
  haveQuorum: boolean;
  noQuorumPolicy: string;
  stopOrphans: boolean;
  stopOrphanActions: boolean;
  startFailureFatal: boolean;
  maintenanceMode: boolean;
  stopAll: boolean;
  placementStrategy: string;
  haveStonithResource: boolean;
  nodes: Node[];
  nodeById: Map<string, Node>;
  nodeByName: Map<string, Node>;
  /** Top-level resources in working-set order. */
  resources: Resource[];
  /** Every resource at any level, by id. */
  rscById: Map<string, Resource>;
  colocations: Colocation[];
  orderings: Ordering[];
  /** Append-only (customAction); findActions keeps a by-key index of it. */
  actions: Action[];
  nextActionId: number;
  idIndex: Map<string, XmlElement>;
  /** Earliest epoch second at which a time-based rule changes its result (graph recheck-by). */
  recheckBy?: number;
  /** Messages Pacemaker would write to stderr that land in the summary. */
  warnings: string[];
  /** Node-level Transition Summary lines (fencing with a reason). */
  fenceLines?: string[];
  /** Location constraints as unpacked (role-specific ones matter for promotion). */
  locationRecords?: { rsc: Resource; role?: Role; nodes: { node: Node; weight: number }[] }[];
  /** Every lrm_resource entry and the resource it was matched to, in unpack order. */
  history: { node: Node; lrm: LrmResourceDef; rsc: Resource }[];
}
