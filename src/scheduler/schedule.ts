// schedule(): the whole scheduler as one pure function of (CIB model, now). The phases run in
// Pacemaker's order; see README.md for the picture.
import type { CibModel } from "../cib/model.js";
import { buildIdIndex } from "../cib/id-index.js";
import { isTrue } from "../cib/model-parse.js";
import type { WorkingSet } from "./types.js";
import { unpackConfig } from "./unpack-config.js";
import { unpackNodes, unpackNodeStates } from "./unpack-nodes.js";
import { unpackResources } from "./unpack-resources.js";
import { unpackHistory } from "./unpack-history.js";
import { setupContainers } from "./containers.js";
import { createRemoteNodes, linkConnections } from "./remote-nodes.js";
import { linkBundleNodes } from "./bundle-unpack.js";
import { orderRemoteConnectionActions } from "./remote-ordering.js";
import { clusterStatusLines, countsLine } from "./status-display.js";
import { unpackColocations, unpackLocations, unpackOrders } from "./constraints.js";
import { applyNodeCriteria } from "./node-criteria.js";
import { assignAll, type ScoreLog } from "./assign.js";
import { blockColocatedStarts, createInternalOrderings, createProbes, createResourceActions } from "./create-actions.js";
import { applyOrderings, orderProbes, summariseCloneActions, updateAction } from "./ordering.js";
import { transitionSummaryLines } from "./transition-summary.js";
import { applyTickets } from "./tickets.js";
import { createInstanceNotifications } from "./notifications.js";
import { buildGraph } from "./graph-build.js";
import { handleConfigChanges } from "./config-changes.js";
import { nodeActionLines, scheduleFencingAndShutdowns } from "./node-actions.js";
import type { TransitionGraph } from "./graph/types.js";

export interface ScheduleResult {
  ws: WorkingSet;
  /** Node and resource lists as unpacked (before scheduling), for "Current cluster status". */
  statusLines: string[];
  countsLine?: string;
  maintenanceMode: boolean;
  stopAll: boolean;
  summaryLines: string[];
  scores: string[];
  graph: TransitionGraph;
}

/** Unpack a CIB into a working set (config, nodes, resources, status). */
export function unpack(model: CibModel, now: number): WorkingSet {
  const index = buildIdIndex(model.root);
  const options = unpackConfig(model, now, index);
  const ws: WorkingSet = {
    model,
    now,
    options: options.values,
    stonithEnabled: options.flag("stonith-enabled"),
    symmetric: options.flag("symmetric-cluster"),
    haveQuorum: model.haveQuorum,
    noQuorumPolicy: options.get("no-quorum-policy").toLowerCase(),
    stopOrphans: options.flag("stop-orphan-resources"),
    stopOrphanActions: options.flag("stop-orphan-actions"),
    startFailureFatal: options.flag("start-failure-is-fatal"),
    maintenanceMode: options.flag("maintenance-mode"),
    stopAll: options.flag("stop-all-resources"),
    placementStrategy: options.get("placement-strategy").toLowerCase(),
    // SBD's watchdog self-fencing counts as a fencing device.
    haveStonithResource: options.flag("have-watchdog"),
    nodes: [],
    nodeById: new Map(),
    nodeByName: new Map(),
    resources: [],
    rscById: new Map(),
    colocations: [],
    orderings: [],
    actions: [],
    nextActionId: 1,
    idIndex: index,
    warnings: [],
    history: [],
  };
  unpackNodes(ws, index, isTrue(options.get("startup-fencing")));
  createRemoteNodes(ws, index);
  unpackResources(ws, index);
  setupContainers(ws);
  linkConnections(ws);
  linkBundleNodes(ws);
  unpackNodeStates(ws);
  const hist = unpackHistory(ws);
  historyByWs.set(ws, hist);
  return ws;
}

const historyByWs = new WeakMap<WorkingSet, ReturnType<typeof unpackHistory>>();

export interface ScheduleOptions {
  /** Record the allocation scores (`scores` in the result); default true. */
  scores?: boolean;
}

export function schedule(model: CibModel, now: number, options: ScheduleOptions = {}): ScheduleResult {
  const ws = unpack(model, now);
  const statusLines = clusterStatusLines(ws, { showPending: true });
  const counts = countsLine(ws);
  const hist = historyByWs.get(ws)!;

  const index = ws.idIndex;
  const locations = unpackLocations(ws, index);
  ws.locationRecords = locations;
  unpackColocations(ws);
  unpackOrders(ws);
  applyTickets(ws);
  applyNodeCriteria(ws, locations, hist.clearFailcounts);
  createInternalOrderings(ws);
  handleConfigChanges(ws);
  const log: ScoreLog = { lines: [], enabled: options.scores ?? true };
  assignAll(ws, log);
  createProbes(ws);
  createResourceActions(ws);
  orderRemoteConnectionActions(ws);
  scheduleFencingAndShutdowns(ws);
  applyOrderings(ws);
  const update = (a: import("./types.js").Action) => updateAction(ws, a);
  blockColocatedStarts(ws, update);
  orderProbes(ws);
  for (const a of [...ws.actions].reverse()) updateAction(ws, a);
  summariseCloneActions(ws);
  createInstanceNotifications(ws);
  ws.fenceLines = nodeActionLines(ws);
  const summaryLines = transitionSummaryLines(ws);
  const graph = buildGraph(ws);
  return { ws, statusLines, countsLine: counts, maintenanceMode: ws.maintenanceMode, stopAll: ws.stopAll, summaryLines, scores: log.lines, graph };
}
