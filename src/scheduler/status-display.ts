// The "Current cluster status" / "Revised Cluster Status" sections of crm_simulate: the node
// list and the resource list, in Pacemaker's "fancy" nested-list text format.
import { Role, ROLE_NAMES, parseRole, type Node, type Resource, type WorkingSet } from "./types.js";
import { naturalCompare } from "./natural-sort.js";

export interface DisplayOptions {
  /** Show pending operations ("Starting", "(Monitoring)"): on for the current status. */
  showPending: boolean;
}

const OCF_EXIT_TEXT: Record<number, string> = {
  0: "ok",
  1: "error",
  2: "invalid parameter",
  3: "unimplemented feature",
  4: "insufficient privileges",
  5: "not installed",
  6: "not configured",
  7: "not running",
  8: "promoted",
  9: "promoted (failed)",
  190: "degraded",
  191: "degraded promoted",
};

export function exitText(rc: number): string {
  return OCF_EXIT_TEXT[rc] ?? "unknown";
}

/** Lines of the node list and resource list, each already indented. */
export function clusterStatusLines(ws: WorkingSet, opts: DisplayOptions): string[] {
  const out: string[] = [];
  out.push("  * Node List:");
  for (const l of nodeLines(ws)) out.push(`    * ${l}`);
  out.push("");
  out.push("  * Full List of Resources:");
  const rl: string[] = [];
  for (const r of ws.resources) resourceLines(ws, r, opts, 2, rl);
  if (rl.length === 0) rl.push("    * No resources");
  out.push(...rl);
  return out;
}

function nodeWord(n: Node): string {
  return n.kind === "remote" ? "RemoteNode" : n.kind === "guest" ? "GuestNode" : "Node";
}

function nodeLines(ws: WorkingSet): string[] {
  const out: string[] = [];
  const online: string[] = [];
  const offline: string[] = [];
  const remoteOnline: string[] = [];
  const remoteOffline: string[] = [];
  const guestOnline: string[] = [];
  for (const n of ws.nodes) {
    let status: string | undefined;
    if (n.unclean) status = n.online ? "UNCLEAN (online)" : n.pending ? "UNCLEAN (pending)" : "UNCLEAN (offline)";
    else if (n.pending) status = "pending";
    else if (n.standbyOnFail && n.online) status = "standby (on-fail)";
    else if (n.standby) status = n.online ? (n.running.length > 0 ? "standby (with active resources)" : "standby") : "OFFLINE (standby)";
    else if (n.maintenance) status = n.online ? "maintenance" : "OFFLINE (maintenance)";
    if (status !== undefined) {
      out.push(`${nodeWord(n)} ${n.uname}: ${status}`);
      continue;
    }
    if (n.kind === "guest") {
      if (n.online) guestOnline.push(n.uname);
    } else if (n.kind === "remote") {
      (n.online ? remoteOnline : remoteOffline).push(n.uname);
    } else {
      (n.online ? online : offline).push(n.uname);
    }
  }
  if (online.length) out.push(`Online: [ ${online.join(" ")} ]`);
  if (offline.length) out.push(`OFFLINE: [ ${offline.join(" ")} ]`);
  if (remoteOnline.length) out.push(`RemoteOnline: [ ${remoteOnline.join(" ")} ]`);
  if (remoteOffline.length) out.push(`RemoteOFFLINE: [ ${remoteOffline.join(" ")} ]`);
  if (guestOnline.length) out.push(`GuestOnline: [ ${guestOnline.join(" ")} ]`);
  return out;
}

function indent(depth: number): string {
  return "  ".repeat(depth) + "* ";
}

function isDisabled(rsc: Resource): boolean {
  const t = parseRole(rsc.meta.get("target-role"));
  return t === Role.Stopped;
}

function resourceLines(ws: WorkingSet, rsc: Resource, opts: DisplayOptions, depth: number, out: string[], inClone = false): void {
  if (rsc.meta.get("internal_rsc") === "true") return;
  if (rsc.kind === "primitive") {
    if (rsc.orphan && rsc.role === Role.Stopped && rsc.runningOn.length === 0) return;
    if (rsc.orphan && rsc.runningOn.length === 0 && rsc.role <= Role.Stopped) return;
    out.push(indent(depth) + primitiveText(ws, rsc, opts));
    return;
  }
  if (rsc.kind === "clone") {
    cloneLines(ws, rsc, opts, depth, out);
    return;
  }
  if (rsc.kind === "bundle") {
    bundleLines(ws, rsc, opts, depth, out);
    return;
  }
  if (rsc.kind === "group") {
    const attrs: string[] = [];
    if (!rsc.managed) attrs.push("unmanaged");
    if (isDisabled(rsc)) attrs.push("disabled");
    const members: string[] = [];
    for (const c of rsc.children) resourceLines(ws, c, opts, depth + 1, members);
    if (members.length === 0) return;
    out.push(indent(depth) + `Resource Group: ${rsc.id}${attrs.length ? ` (${attrs.join(", ")})` : ""}:`);
    out.push(...members);
  }
}

/** `Container bundle[ set]: ID [IMAGE]` and one line per replica. */
function bundleLines(ws: WorkingSet, rsc: Resource, opts: DisplayOptions, depth: number, out: string[]): void {
  const b = rsc.bundle!;
  const desc = rsc.meta.get("description");
  let header = `Container bundle${b.replicas > 1 ? " set" : ""}: ${rsc.id} [${b.image}]`;
  if (rsc.unique) header += " (unique)";
  if (desc !== undefined) header += ` (${desc})`;
  if (!rsc.managed) header += " (unmanaged)";
  out.push(indent(depth) + header + ":");
  for (const r of b.list) {
    const shownRsc = r.child ?? r.container;
    let name = r.remote && r.child ? r.remote.id : r.container.id;
    if (r.ipAddr !== undefined) name += ` (${r.ipAddr})`;
    const node = r.container.runningOn.length === 1 ? r.container.runningOn[0] : undefined;
    out.push(indent(depth + 1) + primitiveText(ws, shownRsc, opts, { name, node }));
  }
}

function leaves(r: Resource): Resource[] {
  return r.children.length ? r.children.flatMap(leaves) : [r];
}

function cloneLines(ws: WorkingSet, rsc: Resource, opts: DisplayOptions, depth: number, out: string[]): void {
  const c = rsc.clone!;
  const attrs: string[] = [];
  if (c.promotable) attrs.push("promotable");
  if (c.unique) attrs.push("unique");
  if (isDisabled(rsc)) attrs.push("disabled");
  if (!rsc.managed) attrs.push("unmanaged");
  const childId = rsc.def.children[0].id;
  const header = indent(depth) + `Clone Set: ${rsc.id} [${childId}]${attrs.length ? ` (${attrs.join(", ")})` : ""}:`;
  const body: string[] = [];
  const started: Node[] = [];
  const promoted: Node[] = [];
  let stopped: Map<string, string> | undefined;
  let activeInstances = 0;
  for (const child of rsc.children) {
    const ls = leaves(child);
    // An instance on a lost guest (offline, not unclean: it is recovered with its container)
    // does not count as active.
    const lostGuest = (l: Resource) => l.runningOn.length > 0 && l.runningOn.every((n) => n.kind === "guest" && !n.online && !n.unclean);
    const partiallyActive = ls.some((l) => l.runningOn.length > 0 && !lostGuest(l));
    const fullyActive = ls.every((l) => l.runningOn.length > 0);
    let printFull = false;
    if (c.unique) {
      if (partiallyActive || !child.orphan) printFull = true;
    } else if (opts.showPending && ls.some((l) => l.pendingTask !== undefined)) {
      printFull = true;
    } else if (!partiallyActive) {
      if (!child.orphan) {
        stopped ??= new Map();
        stopped.set(child.id, isDisabled(child) ? "Stopped (disabled)" : "Stopped");
      }
    } else if (ls.some((l) => l.orphan || !l.managed || l.failed)) {
      printFull = true;
    } else if (fullyActive) {
      const locs = new Set(ls.flatMap((l) => l.runningOn));
      if (locs.size === 1 && ls.every((l) => l.runningOn.length === 1)) {
        const loc = [...locs][0];
        const role = Math.max(...ls.map((l) => l.role));
        if (!loc.online && loc.unclean) printFull = true;
        else if (role > Role.Unpromoted) promoted.push(loc);
        else started.push(loc);
      } else printFull = true;
    } else {
      printFull = true;
    }
    if (printFull) resourceLines(ws, child, opts, depth + 1, body, true);
  }
  const byName = (a: Node, b: Node) => naturalCompare(a.uname, b.uname);
  if (promoted.length) {
    body.push(indent(depth + 1) + `Promoted: [ ${promoted.sort(byName).map((n) => n.uname).join(" ")} ]`);
    activeInstances += promoted.length;
  }
  if (started.length) {
    const word = c.promotable ? (parseRole(rsc.meta.get("target-role")) === Role.Unpromoted ? "Unpromoted (target-role)" : "Unpromoted") : "Started";
    body.push(indent(depth + 1) + `${word}: [ ${started.sort(byName).map((n) => n.uname).join(" ")} ]`);
    activeInstances += started.length;
  }
  if (!c.unique && c.max > activeInstances) {
    stopped = undefined;
    let candidates = [...rsc.allowed.keys()];
    if (candidates.length === 0) candidates = [...new Set(leaves(rsc).flatMap((l) => [...l.knownOn]))];
    candidates.sort(byName);
    const running = new Set(leaves(rsc).flatMap((l) => l.runningOn));
    for (const n of candidates) {
      if (running.has(n)) continue;
      let state = isDisabled(rsc) ? "Stopped (disabled)" : "Stopped";
      const probe = leaves(rsc).map((l) => l.failedProbes.get(n)).find((x) => x !== undefined);
      if (probe !== undefined) state = `Stopped (${probe})`;
      stopped ??= new Map();
      stopped.set(n.uname, state);
    }
  }
  if (stopped) {
    const states = [...new Set(stopped.values())].sort();
    for (const st of states) {
      const names = [...stopped].filter(([, v]) => v === st).map(([k]) => k);
      if (names.length) body.push(indent(depth + 1) + `${st}: [ ${names.join(" ")} ]`);
    }
  }
  out.push(header, ...body);
}

function displayRole(rsc: Resource): Role {
  let top = rsc;
  while (top.parent && top.parent.kind !== "bundle") top = top.parent;
  if (rsc.role === Role.Started && top.clone?.promotable) return Role.Unpromoted;
  return rsc.role;
}

const PENDING_STATE: Record<string, string> = {
  start: "Starting",
  stop: "Stopping",
  migrate_to: "Migrating",
  migrate_from: "Migrating",
  promote: "Promoting",
  demote: "Demoting",
};

/** One primitive's line. A bundle replica shows its instance (or container) under the
 *  replica's name, on the node of its container: `shown` gives both. */
export function primitiveText(ws: WorkingSet, rsc: Resource, opts: DisplayOptions, shown?: { name: string; node: Node | undefined }): string {
  const provider = rsc.agentClass === "ocf" ? rsc.provider : undefined;
  // Anonymous clone instances are shown by their configured id.
  const name = shown ? shown.name : rsc.unique ? rsc.id : rsc.def.id;
  let s = `${name}\t(${rsc.agentClass ?? "unknown"}${provider !== undefined ? ":" + provider : ""}:${rsc.type ?? "unknown"}):\t`;
  const multiple = rsc.runningOn.length > 1;
  let node: Node | undefined = rsc.runningOn[0];
  if (!node && rsc.pendingNode && opts.showPending) node = rsc.pendingNode;
  if (!node && rsc.lockNode) node = rsc.lockNode;
  if (multiple) node = undefined;
  if (shown) node = shown.node;
  if (rsc.orphan) s += " ORPHANED";
  const role = displayRole(rsc);
  if (rsc.failed) {
    s += " FAILED";
    if (role > Role.Unpromoted) s += " " + ROLE_NAMES[role];
  } else {
    const pending = opts.showPending && rsc.pendingTask ? PENDING_STATE[rsc.pendingTask] : undefined;
    s += " " + (pending ?? ROLE_NAMES[role === Role.Unknown ? Role.Stopped : role]);
  }
  if (node) s += " " + node.uname;
  if (role <= Role.Stopped) {
    const probe = failedProbeText(rsc, node);
    if (probe !== undefined) s += ` (${probe}) `;
  }
  const flags: string[] = [];
  if (node && !node.online && node.unclean) flags.push("UNCLEAN");
  if (node && node === rsc.lockNode) flags.push("LOCKED");
  if (opts.showPending && rsc.pendingTask === "monitor") flags.push("Monitoring");
  const tr = rsc.meta.get("target-role");
  if (tr !== undefined && parseRole(tr) === Role.Stopped) flags.push("disabled");
  if (rsc.blocked) flags.push("blocked");
  else if (!rsc.managed) flags.push("unmanaged");
  if (rsc.failureIgnored) flags.push("failure ignored");
  if (flags.length) s += ` (${flags.join(", ")})`;
  if (multiple) {
    const desc = rsc.meta.get("description");
    if (desc !== undefined) s += " " + desc;
    s += ` [ ${rsc.runningOn.map((n) => n.uname).join(" ")} ]`;
  }
  return s;
}

function failedProbeText(rsc: Resource, node: Node | undefined): string | undefined {
  if (node) return rsc.failedProbes.get(node);
  for (const v of rsc.failedProbes.values()) return v;
  return undefined;
}

/** "N of M resource instances DISABLED and K BLOCKED from further action due to failure". */
export function countsLine(ws: WorkingSet): string | undefined {
  let total = 0;
  let disabled = 0;
  let blocked = 0;
  const visit = (r: Resource) => {
    if (r.children.length) {
      r.children.forEach(visit);
      return;
    }
    if (r.orphan && r.role <= Role.Stopped) return;
    total++;
    if (isDisabled(r)) disabled++;
    if (r.blocked) blocked++;
  };
  ws.resources.forEach(visit);
  if (disabled === 0 && blocked === 0) return undefined;
  return `${disabled} of ${total} resource instances DISABLED and ${blocked} BLOCKED from further action due to failure`;
}
