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

function evaluateCondition(el: XmlElement, ctx: RuleContext, index: IdIndex | undefined): RuleResult {
  switch (el.name) {
    case "rule":
      return evaluateRule(el, ctx, index);
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
 */
export function evaluateRule(rule: XmlElement, ctx: RuleContext, idIndex?: IdIndex): RuleResult {
  const target = resolveRef(rule, idIndex);
  // Observed: "OR" counts as "or"; any other value (even "bogus") as "and".
  const isOr = target.attrs["boolean-op"]?.toLowerCase() === "or";
  let matched = !isOr;
  let nextChange: number | undefined;
  for (const c of target.children) {
    if (!CONDITIONS.has(c.name)) continue;
    const r = evaluateCondition(c, ctx, idIndex);
    nextChange = earliest(nextChange, r.nextChange);
    if (isOr ? r.matched : !r.matched) matched = isOr;
  }
  return nextChange === undefined ? { matched } : { matched, nextChange };
}

/**
 * Everything in a rule that Pacemaker would quietly evaluate as false or ignore: unknown
 * operations or types, missing values, unparsable dates, malformed date_spec fields, dangling
 * id-refs, unknown child elements and unknown boolean-op values. Empty when the rule is sound.
 */
export function validateRule(rule: XmlElement, idIndex?: IdIndex, utcOffset = 0): CibError[] {
  let target: XmlElement;
  try {
    target = resolveRef(rule, idIndex);
  } catch (e) {
    if (e instanceof CibError) return [e];
    throw e;
  }
  const errors: CibError[] = [];
  const op = target.attrs["boolean-op"]?.toLowerCase();
  if (op !== undefined && op !== "and" && op !== "or") {
    errors.push(new CibError(`unknown boolean-op "${op}" (expected and or or)`, target));
  }
  for (const c of target.children) {
    switch (c.name) {
      case "rule": errors.push(...validateRule(c, idIndex, utcOffset)); break;
      case "expression": errors.push(...checkAttributeExpression(c)); break;
      case "date_expression": errors.push(...checkDateExpression(c, utcOffset)); break;
      case "op_expression": errors.push(...checkOpExpression(c)); break;
      case "rsc_expression": break;
      default: errors.push(new CibError(`<${c.name}> is not a rule condition`, c));
    }
  }
  return errors;
}
