// The transition graph: what the scheduler hands to the controller. It mirrors Pacemaker's
// graph XML one to one, so a graph can be written exactly as `crm_simulate -G` writes it and
// read back from Pacemaker's own files (the conformance cases' exp/ graphs).

/** The three kinds of graph action, named as in the XML. */
export type ActionKind = "rsc_op" | "pseudo_event" | "crm_event";

/** The resource an rsc_op (or a resource-level crm_event) acts on. */
export interface GraphPrimitive {
  /** The name the executor knows the resource by (anonymous clone instances: the bare id). */
  id: string;
  /** The instance name (`rsc:1`) when it differs from `id`. */
  longId?: string;
  class: string;
  provider?: string;
  type: string;
}

export interface GraphAction {
  kind: ActionKind;
  /** Creation id, unique in the graph (not contiguous). */
  id: number;
  /** Only on crm_events that act on the CIB instead of a node (`mode="cib"`). */
  mode?: string;
  operation: string;
  operationKey: string;
  /** Set when the key the executor uses differs from operationKey (clone instances: `rsc:1_start_0`). */
  internalOperationKey?: string;
  onNode?: string;
  onNodeUuid?: string;
  /** The cluster node that relays an action aimed at a remote or guest node. */
  routerNode?: string;
  primitive?: GraphPrimitive;
  /**
   * Action parameters: `CRM_meta_*` meta-attributes and the resource's instance parameters.
   * Written sorted by name (as Pacemaker does), so insertion order does not matter here.
   * `crm_feature_set` is not kept here: the writer adds the graph's own.
   */
  attributes: Record<string, string>;
  /** Node ids a fencing or shutdown event takes down (`<downed><node id/></downed>`). */
  downed?: string[];
}

export interface Synapse {
  /** Position in the graph, 0-based and contiguous. */
  id: number;
  priority?: number;
  /** Pacemaker always puts exactly one action in a synapse; the model allows more. */
  actions: GraphAction[];
  /** The actions that must complete before this synapse may fire (its triggers). */
  inputs: GraphAction[];
}

/** Graph-wide settings, kept as the configured strings (`60s`, `INFINITY`, ...). */
export interface TransitionGraph {
  clusterDelay: string;
  stonithTimeout: string;
  failedStopOffset: string;
  failedStartOffset: string;
  batchLimit: string;
  transitionId: number;
  migrationLimit?: string;
  /** Epoch seconds at which the scheduler must run again (time-based rules, failure-timeout). */
  recheckBy?: string;
  /** Feature set stamped into every action's attributes. */
  crmFeatureSet: string;
  synapses: Synapse[];
}

/** The feature set Pacemaker 2.1.5 stamps into graph actions. */
export const CRM_FEATURE_SET = "3.16.1";
