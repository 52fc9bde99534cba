// Rule evaluation: a <rule> combines its conditions (expressions, date expressions, agent
// expressions and nested rules) with boolean-op "and" (default) or "or".
import { CibError } from "../errors.js";
import { resolveRef, type IdIndex } from "../id-index.js";
import type { XmlElement } from "../xml.js";
import { checkAttributeExpression, evaluateAttributeExpression } from "./attribute-expression.js";
import { earliest, type RuleContext, type RuleResult } from "./context.js";
import { checkDateExpression, evaluateDateExpression } from "./date-expression.js";
import { checkOpExpression, evaluateOpExpression, evaluateRscExpression } from "./agent-expressions.js";

const CONDITIONS = new Set(["rule", "expression", "date_expression", "rsc_expression", "op_expression"]);

function evaluateCondition(el: XmlElement, ctx: RuleContext, index: IdIndex | undefined, active: Set<XmlElement>): RuleResult {
  switch (el.name) {
    case "rule":
      return evaluateRuleIn(el, ctx, index, active);
    case "expression":
      return { matched: evaluateAttributeExpression(el, ctx) };
    case "date_expression":
      return evaluateDateExpression(el, ctx.now, ctx.utcOffset ?? 0);
    case "rsc_expression":
      return { matched: evaluateRscExpression(el, ctx) };
    case "op_expression":
      return { matched: evaluateOpExpression(el, ctx) };
    default:
      return { matched: false };
  }
}

/**
 * Evaluate a <rule> (following its id-ref through `index`). Observed with crm_simulate: a
 * rule with no conditions is true with boolean-op "and" and false with "or".
 *
 * Every condition is evaluated, even after the outcome is known, so that nextChange is the
 * earliest instant at which any date expression could change — possibly earlier than the one
 * that would actually flip the outcome, which only costs an early re-check.
 * A rule that contains itself through an id-ref is a CibError.
 */
export function evaluateRule(rule: XmlElement, ctx: RuleContext, idIndex?: IdIndex): RuleResult {
  return evaluateRuleIn(rule, ctx, idIndex, new Set());
}

function evaluateRuleIn(rule: XmlElement, ctx: RuleContext, idIndex: IdIndex | undefined, active: Set<XmlElement>): RuleResult {
  const target = resolveRef(rule, idIndex);
  if (active.has(target)) throw new CibError(`rule id-ref="${rule.attrs["id-ref"]}" makes the rule contain itself`, rule);
  active.add(target);
  // Observed: "OR" counts as "or"; any other value (even "bogus") as "and".
  const isOr = target.attrs["boolean-op"]?.toLowerCase() === "or";
  let matched = !isOr;
  let nextChange: number | undefined;
  for (const c of target.children) {
    if (!CONDITIONS.has(c.name)) continue;
    const r = evaluateCondition(c, ctx, idIndex, active);
    nextChange = earliest(nextChange, r.nextChange);
    if (isOr ? r.matched : !r.matched) matched = isOr;
  }
  active.delete(target);
  return nextChange === undefined ? { matched } : { matched, nextChange };
}

/**
 * Everything in a rule that Pacemaker would quietly evaluate as false or ignore: unknown
 * operations or types, missing values, unparsable dates, malformed date_spec fields, dangling
 * id-refs, unknown child elements and unknown boolean-op values. Empty when the rule is sound.
 */
export function validateRule(rule: XmlElement, idIndex?: IdIndex, utcOffset = 0, active: Set<XmlElement> = new Set()): CibError[] {
  let target: XmlElement;
  try {
    target = resolveRef(rule, idIndex);
  } catch (e) {
    if (e instanceof CibError) return [e];
    throw e;
  }
  if (active.has(target)) return [new CibError(`rule id-ref="${rule.attrs["id-ref"]}" makes the rule contain itself`, rule)];
  active.add(target);
  const errors: CibError[] = [];
  const op = target.attrs["boolean-op"]?.toLowerCase();
  if (op !== undefined && op !== "and" && op !== "or") {
    errors.push(new CibError(`unknown boolean-op "${op}" (expected and or or)`, target));
  }
  for (const c of target.children) {
    switch (c.name) {
      case "rule": errors.push(...validateRule(c, idIndex, utcOffset, active)); break;
      case "expression": errors.push(...checkAttributeExpression(c)); break;
      case "date_expression": errors.push(...checkDateExpression(c, utcOffset)); break;
      case "op_expression": errors.push(...checkOpExpression(c)); break;
      case "rsc_expression": break;
      default: errors.push(new CibError(`<${c.name}> is not a rule condition`, c));
    }
  }
  active.delete(target);
  return errors;
}
