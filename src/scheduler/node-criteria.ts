// Node criteria applied before assignment: location constraints, stickiness on the current
// node, and bans where a resource reached its migration-threshold.
import { INFINITY, addScores } from "../cib/score.js";
import type { Node, Resource, WorkingSet } from "./types.js";
import { applyExclusiveDiscovery, applyLocation, type LocationRecord } from "./constraints.js";
import { resourceLocation } from "./location.js";
import { failCount } from "./unpack-history.js";

export function applyNodeCriteria(ws: WorkingSet, locations: LocationRecord[], clearing: { rsc: Resource; node: Node }[]): void {
  for (const rec of locations) applyLocation(ws, rec);
  for (const r of ws.resources) applyStickiness(ws, r);
  for (const node of ws.nodes) {
    for (const r of ws.resources) {
      checkThreshold(ws, r, node, clearing);
      applyExclusiveDiscovery(r, node);
    }
  }
}

function applyStickiness(ws: WorkingSet, rsc: Resource): void {
  if (rsc.children.length) {
    rsc.children.forEach((c) => applyStickiness(ws, c));
    return;
  }
  if (!rsc.managed || rsc.stickiness < 1 || rsc.runningOn.length !== 1) return;
  const node = rsc.runningOn[0];
  if (!ws.symmetric && !rsc.allowed.has(node)) return;
  resourceLocation(ws, rsc, node, rsc.stickiness, "stickiness");
}

function checkThreshold(ws: WorkingSet, rsc: Resource, node: Node, clearing: { rsc: Resource; node: Node }[]): void {
  if (rsc.children.length) {
    rsc.children.forEach((c) => checkThreshold(ws, c, node, clearing));
    return;
  }
  if (clearing.some((c) => c.rsc === rsc && c.node === node)) return;
  if (rsc.migrationThreshold === 0 || rsc.failureIgnored) return;
  let { count } = failCount(ws, rsc, node, true);
  // A container's failures include those of the resources living inside it.
  for (const f of rsc.fillers) count = addScores(count, failCount(ws, f, node, true).count);
  if (count <= 0) return;
  if (rsc.migrationThreshold - count <= 0) resourceLocation(ws, rsc, node, -INFINITY, "__fail_limit__");
}
