// Instance pairing ("interleave"). An ordering or colocation between two collective
// resources (clones, bundles) normally relates the collectives as wholes: every instance of
// "then" waits for the whole of "first". With interleave=true, each instance is paired with
// the instance of the other collective on the same node, and only that pair is related:
// B:0 on node1 waits for A's instance on node1, not for all of A.
//
// The members paired are a clone's instances and a bundle's containers (a replica stands
// for its container); for promote/demote the bundle's replica acts through its inner
// instance. An instance without a partner cannot wait for one: with a mandatory ordering it
// is kept from running at all.
import { naturalCompare } from "./natural-sort.js";
import { isTrue } from "../cib/model-parse.js";
import { Role, type Action, type BundleReplica, type Node, type Resource } from "./types.js";

export function isCollective(r: Resource | undefined): r is Resource {
  return r !== undefined && (r.kind === "clone" || r.kind === "bundle");
}

/** Whether an ordering from `first` to `then` (two different collectives) pairs instances:
 *  the collective whose instances change decides — "then", or "first" when "then" stops or
 *  demotes (its instances go away after their partners). */
export function interleaves(first: Action, then: Action): boolean {
  if (!isCollective(first.rsc) || !isCollective(then.rsc) || first.rsc === then.rsc) return false;
  const decides = /_(stop|demote)_0$/.test(then.key) ? first.rsc : then.rsc;
  return decides.clone ? decides.clone.interleave : isTrue(decides.meta.get("interleave"));
}

/** The members of a collective that are paired: instances, or a bundle's containers. */
export function pairedMembers(collective: Resource): Resource[] {
  if (collective.kind === "bundle") return collective.bundle!.list.map((r) => r.container);
  return collective.children;
}

/** A bundle's replica whose container is `member`. */
export function replicaOf(collective: Resource, member: Resource): BundleReplica | undefined {
  if (collective.kind !== "bundle") return undefined;
  return collective.bundle!.list.find((r) => r.container === member);
}

/** Where a member is: now (`current`: only if active on exactly one node) or after this
 *  transition (its assignment; a group's is its first placed member's). */
export function memberLocation(member: Resource, current: boolean): Node | undefined {
  if (member.kind === "primitive") {
    if (current) return member.runningOn.length === 1 ? member.runningOn[0] : undefined;
    return member.assigned ?? undefined;
  }
  if (current) {
    const nodes = new Set<Node>();
    for (const c of member.children) for (const n of c.runningOn) nodes.add(n);
    return nodes.size === 1 ? [...nodes][0] : undefined;
  }
  for (const c of member.children) if (c.assigned) return c.assigned;
  return undefined;
}

function blockedAnywhere(r: Resource): boolean {
  return r.blocked || r.children.some(blockedAnywhere);
}

function memberOn(collective: Resource, node: Node, current: boolean, role: Role): Resource | undefined {
  for (const m of pairedMembers(collective)) {
    if (role !== Role.Unknown && (current ? m.role : m.nextRole) !== role) continue;
    // A blocked (failed, unmanaged) instance is no partner.
    const where = blockedAnywhere(m) ? undefined : memberLocation(m, current);
    if (where === node) return m;
  }
  return undefined;
}

/** The partner of `local` among `collective`'s members: the one on the same node (now, or
 *  after the transition). An unplaced `local` takes the partner on its best allowed node. */
export function compatibleMember(local: Resource, collective: Resource, current: boolean, role: Role = Role.Unknown, nodeOrder?: (a: Node, b: Node) => number): Resource | undefined {
  const node = memberLocation(local, current);
  if (node) return memberOn(collective, node, current, role);
  // Best node first: by weight, then as the assignment would break ties (when given).
  const byWeight = ([a, wa]: [Node, number], [b, wb]: [Node, number]) => (wa !== wb ? (wa > wb ? -1 : 1) : naturalCompare(a.uname, b.uname));
  const candidates = [...local.allowed].sort(nodeOrder ? ([a], [b]) => nodeOrder(a, b) : byWeight);
  for (const [n] of candidates) {
    const m = memberOn(collective, n, current, role);
    if (m) return m;
  }
  return undefined;
}

const COMPLETION_TASK: Record<string, string> = { running: "start", stopped: "stop", promoted: "promote", demoted: "demote" };

/** The instance task a collective action stands for: a completion is its task for a
 *  primitive member (`running` → start; a cloned group keeps its own `running`), a
 *  notification the task it announces. */
export function memberTask(action: Action, member: Resource): string {
  let task = action.task;
  if (task === "notify" || task === "notified") {
    const m = /_notify_([a-z_-]+)_\d+$/.exec(action.key);
    if (m) task = m[1];
  }
  if (member.kind === "primitive") return COMPLETION_TASK[task] ?? task;
  return task;
}

/** A member's first action for `task` (on `node` when given). */
export function memberAction(member: Resource, task: string, node: Node | undefined): Action | undefined {
  return member.actions.find((a) => a.task === task && a.interval === 0 && (!node || !a.node || a.node === node));
}

function leaves(r: Resource): Resource[] {
  return r.children.length ? r.children.flatMap(leaves) : [r];
}

/** An instance that must wait for a partner that will not exist stays stopped: unassigned,
 *  its start unrunnable, its stop (if running) required, its recurring monitors unrunnable.
 *  Returns the actions that changed. */
export function keepUnpairedStopped(member: Resource): Action[] {
  const changed: Action[] = [];
  for (const leaf of leaves(member)) {
    if (!leaf.assigned && leaf.nextRole === Role.Stopped) continue;
    leaf.assigned = null;
    leaf.nextRole = Role.Stopped;
    leaf.nextRoleReason = "unable to allocate";
    for (const a of leaf.actions) {
      if (a.task === "stop" && a.interval === 0 && a.optional) {
        a.optional = false;
        changed.push(a);
      } else if (a.task === "start" && a.runnable) {
        a.runnable = false;
        changed.push(a);
      } else if (a.interval > 0 && a.targetRc !== 7 && a.runnable && !a.cancelOf) {
        a.runnable = false;
        changed.push(a);
      }
    }
  }
  return changed;
}
