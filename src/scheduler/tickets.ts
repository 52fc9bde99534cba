// Ticket constraints: a resource that depends on a ticket may only run while the ticket is
// granted (and not in standby); losing it triggers the constraint's loss-policy.
import { INFINITY } from "../cib/score.js";
import { Role, parseRole, type Resource, type WorkingSet } from "./types.js";
import { resolveRscRef } from "./constraints.js";
import { resourceLocation } from "./location.js";
import { fenceNode } from "./unpack-nodes.js";

interface TicketState {
  granted: boolean;
  standby: boolean;
}

export function applyTickets(ws: WorkingSet): void {
  const tickets = new Map<string, TicketState>();
  for (const t of ws.model.ticketStates) tickets.set(t.id, { granted: t.granted, standby: t.standby });
  for (const c of ws.model.tickets) {
    const ticket = tickets.get(c.ticket) ?? { granted: false, standby: false };
    let policy = (c.lossPolicy ?? "stop").toLowerCase();
    if (policy === "fence" && !ws.stonithEnabled) policy = "stop";
    const members: { rsc: Resource; role?: string }[] = [];
    if (c.rsc !== undefined) for (const r of resolveRscRef(ws, c.rsc)) members.push({ rsc: r, role: c.rscRole });
    for (const s of c.sets) for (const id of s.resources) for (const r of resolveRscRef(ws, id)) members.push({ rsc: r, role: s.role });
    for (const m of members) constrain(ws, m.rsc, ticket, policy, roleOf(m.role));
  }
}

function roleOf(text: string | undefined): Role {
  const r = parseRole(text);
  return r === undefined || r === Role.Started ? Role.Unknown : r;
}

function constrain(ws: WorkingSet, rsc: Resource, ticket: TicketState, policy: string, role: Role): void {
  if (ticket.granted && !ticket.standby) return;
  // Without the ticket, instances needing it for the promoted role cannot be promoted.
  if (role === Role.Promoted) {
    const mark = (r: Resource) => {
      r.promotionBanned = true;
      r.children.forEach(mark);
    };
    mark(rsc);
  }
  if (rsc.children.length) {
    for (const c of rsc.children) constrain(ws, c, ticket, policy, role);
    return;
  }
  const roleMatches = role === Role.Unknown || role === rsc.role;
  if (!ticket.granted && rsc.runningOn.length > 0) {
    switch (policy) {
      case "stop":
        resourceLocation(ws, rsc, null, -INFINITY, "__loss_of_ticket__");
        break;
      case "demote":
        if (role !== Role.Promoted) resourceLocation(ws, rsc, null, -INFINITY, "__loss_of_ticket__");
        break;
      case "fence":
        if (!roleMatches) return;
        resourceLocation(ws, rsc, null, -INFINITY, "__loss_of_ticket__");
        for (const n of rsc.runningOn) fenceNode(ws, n, "deadman ticket was lost");
        break;
      case "freeze":
        if (!roleMatches) return;
        rsc.managed = false;
        rsc.blocked = true;
        break;
    }
  } else if (!ticket.granted || ticket.standby) {
    if (role !== Role.Promoted || policy === "stop") resourceLocation(ws, rsc, null, -INFINITY, ticket.granted ? "__ticket_standby__" : "__no_ticket__");
  }
}
