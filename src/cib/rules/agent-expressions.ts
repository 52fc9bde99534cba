// <rsc_expression> and <op_expression>: match the resource agent and the operation an
// rsc_defaults / op_defaults set is being evaluated for. When the context has no resource (or
// operation), the expression is false, as Pacemaker makes it outside rsc_defaults/op_defaults.
//
// Observed with crm_simulate (rsc_defaults target-role=Stopped on an ocf:heartbeat:Dummy):
// class and type match anything when left out, but provider does not — an rsc_expression
// without provider matches only resources without one (stonith, lsb, systemd...), so
// class="ocf" alone, or an empty rsc_expression, does not match an OCF resource.
import { CibError } from "../errors.js";
import { parseInterval } from "../duration.js";
import type { XmlElement } from "../xml.js";
import type { RuleContext } from "./context.js";

export function evaluateRscExpression(expr: XmlElement, ctx: RuleContext): boolean {
  if (!ctx.rsc) return false;
  for (const key of ["class", "type"] as const) {
    const want = expr.attrs[key];
    if (want !== undefined && want !== ctx.rsc[key]) return false;
  }
  return expr.attrs.provider === ctx.rsc.provider;
}

export function evaluateOpExpression(expr: XmlElement, ctx: RuleContext): boolean {
  if (!ctx.op) return false;
  if (expr.attrs.name !== undefined && expr.attrs.name !== ctx.op.name) return false;
  const intervalText = expr.attrs.interval;
  if (intervalText !== undefined) {
    const interval = parseInterval(intervalText);
    if (interval === undefined || interval !== ctx.op.interval) return false;
  }
  return true;
}

export function checkOpExpression(expr: XmlElement): CibError[] {
  const errors: CibError[] = [];
  if (expr.attrs.name === undefined) errors.push(new CibError("op_expression has no name", expr));
  const interval = expr.attrs.interval;
  if (interval !== undefined && parseInterval(interval) === undefined) {
    errors.push(new CibError(`interval="${interval}" is not an interval (e.g. 10s, 1min, PT10S)`, expr));
  }
  return errors;
}
