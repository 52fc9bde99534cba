// The "Transition Summary": one line per resource change (Start, Stop, Move, Recover,
// Restart, ...) with crm_simulate's column widths, plus fencing lines for nodes.
import { Role, ROLE_NAMES, type Action, type Node, type Resource, type WorkingSet } from "./types.js";
import { activeNode, findActions, opKey } from "./actions.js";

interface Item {
  change: string;
  rsc: Resource;
  origin?: Node;
  destination?: Node;
  action: Action;
  source?: Action;
}

export function transitionSummaryLines(ws: WorkingSet): string[] {
  const items: Item[] = [];
  for (const r of ws.resources) collect(ws, r, items);
  // Widths grow as Pacemaker's static counters do; the summary is printed after one full
  // (logged) pass, so every line uses the final widths.
  let rw = 5;
  let dw = 5;
  const rows = items.map((it) => {
    const details = detailsOf(it);
    if (it.rsc.id.length > rw) rw = it.rsc.id.length + 2;
    if (details.length > dw) dw = details.length;
    return { it, details };
  });
  const out: string[] = [];
  for (const f of ws.fenceLines ?? []) out.push(f);
  for (const { it, details } of rows) {
    const src = it.source ?? it.action;
    let reason: string | undefined;
    if (src.reason !== undefined && !it.action.runnable) reason = `due to ${src.reason} (blocked)`;
    else if (src.reason !== undefined) reason = `due to ${src.reason}`;
    else if (!it.action.runnable) reason = "blocked";
    out.push(`  * ${it.change.padEnd(8)}   ${it.rsc.id.padEnd(rw)}   ( ${details.padStart(dw)} )${reason ? "  " + reason : ""}`);
  }
  return out;
}

function detailsOf(it: Item): string {
  const rsc = it.rsc;
  const needRole = rsc.role > Role.Started || rsc.nextRole > Role.Unpromoted;
  const origin = it.origin;
  const dest = it.destination;
  const sameHost = !!origin && !!dest && origin === dest;
  const sameRole = rsc.role === rsc.nextRole;
  const r1 = ROLE_NAMES[rsc.role];
  const r2 = ROLE_NAMES[rsc.nextRole];
  if (needRole && !origin) return `${r1} -> ${r2} ${dest!.uname}`;
  if (!origin) return dest!.uname;
  if (needRole && !dest) return `${r1} ${origin.uname}`;
  if (!dest) return origin.uname;
  if (needRole && sameRole && sameHost) return `${r1} ${origin.uname}`;
  if (sameRole && sameHost) return origin.uname;
  if (needRole && sameRole) return `${origin.uname} -> ${dest.uname} ${r1}`;
  if (sameRole) return `${origin.uname} -> ${dest.uname}`;
  if (sameHost) return `${r1} -> ${r2} ${origin.uname}`;
  return `${r1} ${origin.uname} -> ${r2} ${dest.uname}`;
}

function first(list: Action[]): Action | undefined {
  return list[0];
}

function collect(ws: WorkingSet, rsc: Resource, items: Item[]): void {
  if (rsc.kind === "bundle") {
    // Replica by replica: IP, container, connection, instance.
    for (const r of rsc.bundle!.list) for (const m of [r.ip, r.container, r.remote, r.child]) if (m) collect(ws, m, items);
    return;
  }
  if (rsc.children.length) {
    for (const c of rsc.children) collect(ws, c, items);
    return;
  }
  const next = rsc.assigned ?? undefined;
  let current: Node | undefined;
  if (rsc.runningOn.length) {
    current = activeNode(rsc);
    if (rsc.role === Role.Stopped) rsc.role = Role.Started;
  }
  if (!current && rsc.orphan) return;
  if (!rsc.managed || (!current && !next)) return;
  const moving = !!current && !!next && current !== next;
  const start = first(findActions(rsc.actions, opKey(rsc.id, "start"), next));
  const startNode = !start || !start.runnable ? undefined : current;
  let stop = first(findActions(rsc.actions, opKey(rsc.id, "stop"), startNode));
  if (!stop && rsc.recovery === "stop_unexpected") stop = first(findActions(rsc.actions, opKey(rsc.id, "stop"), undefined));
  const promote = first(findActions(rsc.actions, opKey(rsc.id, "promote"), next));
  const demote = first(findActions(rsc.actions, opKey(rsc.id, "demote"), next));
  const add = (change: string, origin: Node | undefined, destination: Node | undefined, action: Action | undefined, source?: Action) => {
    if (!action) return;
    items.push({ change, rsc, origin, destination, action, source });
  };
  if (rsc.role === rsc.nextRole) {
    if (!next) return;
    const migrate = first(findActions(rsc.actions, opKey(rsc.id, "migrate_from"), next));
    if (migrate && current && migrate.runnable) add("Migrate", current, next, start);
    else if (rsc.reload) add("Reload", current, next, start);
    else if (!start || start.optional) {
      if (demote && promote && !demote.optional && !promote.optional) add("Re-promote", current, next, promote, demote);
    } else if (!start.runnable) add("Stop", current, undefined, stop, stop && stop.reason !== undefined ? stop : start);
    else if (moving && current) add(rsc.failed ? "Recover" : "Move", current, next, stop);
    else if (rsc.failed) add("Recover", current, undefined, stop);
    else add("Restart", current, next, start);
    return;
  }
  if (stop && (rsc.nextRole === Role.Stopped || (start && !start.runnable))) {
    for (const node of rsc.runningOn) {
      const so = first(findActions(rsc.actions, opKey(rsc.id, "stop"), node));
      add("Stop", node, undefined, so, so && so.reason !== undefined ? so : start);
    }
  } else if (stop && rsc.failed && rsc.needsStop) {
    add("Recover", current, next, stop, start);
  } else if (moving) {
    add("Move", current, next, stop);
  } else if (rsc.reload) {
    add("Reload", current, next, start);
  } else if (stop && !stop.optional) {
    add("Restart", current, next, start);
  } else if (rsc.role === Role.Promoted) {
    add("Demote", current, next, demote);
  } else if (rsc.nextRole === Role.Promoted) {
    add("Promote", current, next, promote);
  } else if (rsc.role === Role.Stopped && rsc.nextRole > Role.Stopped) {
    add("Start", current, next, start);
  }
}
