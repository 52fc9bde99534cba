// <expression>: compares a node attribute with a value (literal, or taken from the resource's
// parameters or meta attributes).
import { CibError } from "../errors.js";
import type { XmlElement } from "../xml.js";
import { compareValues, defaultType } from "./compare.js";
import type { RuleContext } from "./context.js";
import { expandSubmatches } from "./submatches.js";

export const ATTRIBUTE_OPERATIONS = ["lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined"] as const;

function comparisonValue(expr: XmlElement, ctx: RuleContext): string | undefined {
  const value = expr.attrs.value;
  const source = (expr.attrs["value-source"] ?? "literal").toLowerCase();
  // Observed: value="" behaves exactly like no value at all (it equals only a missing
  // attribute, not an attribute set to "").
  if (value === undefined || value === "") return undefined;
  switch (source) {
    case "param":
      return ctx.params?.get(value);
    case "meta":
      return ctx.meta?.get(value);
    default:
      // Pacemaker treats any unrecognised value-source as literal (observed: "bogus" is
      // literal, "PARAM" is param — names are matched ignoring case).
      return value;
  }
}

/**
 * Evaluate an <expression>. Pacemaker evaluates an expression with no attribute or an unknown
 * operation as false; so does this function (validateRule reports them as errors).
 */
export function evaluateAttributeExpression(expr: XmlElement, ctx: RuleContext): boolean {
  const rawName = expr.attrs.attribute;
  // Observed: operation, type and value-source are matched ignoring case ("EQ", "VERSION").
  const operation = expr.attrs.operation?.toLowerCase();
  if (rawName === undefined || operation === undefined) return false;
  const name = expandSubmatches(rawName, ctx.match?.submatches);
  const attrValue = ctx.node?.get(name);

  if (operation === "defined") return attrValue !== undefined;
  if (operation === "not_defined") return attrValue === undefined;

  const value = comparisonValue(expr, ctx);
  if (attrValue === undefined || value === undefined) {
    // A missing value equals only another missing value and is not ordered against anything.
    const same = attrValue === value;
    return operation === "eq" ? same : operation === "ne" ? !same : false;
  }
  const cmp = compareValues(attrValue, value, expr.attrs.type?.toLowerCase() ?? defaultType(operation, attrValue, value));
  switch (operation) {
    case "eq": return cmp === 0;
    case "ne": return cmp !== 0;
    case "lt": return cmp < 0;
    case "gt": return cmp > 0;
    case "lte": return cmp <= 0;
    case "gte": return cmp >= 0;
    default: return false;
  }
}

/** Problems Pacemaker would silently turn into a false (or odd) result. */
export function checkAttributeExpression(expr: XmlElement): CibError[] {
  const errors: CibError[] = [];
  const op = expr.attrs.operation?.toLowerCase();
  if (expr.attrs.attribute === undefined) errors.push(new CibError("expression has no attribute", expr));
  if (op === undefined) errors.push(new CibError("expression has no operation", expr));
  else if (!(ATTRIBUTE_OPERATIONS as readonly string[]).includes(op)) {
    errors.push(new CibError(`unknown operation "${op}" (expected one of ${ATTRIBUTE_OPERATIONS.join(", ")})`, expr));
  } else if (op !== "defined" && op !== "not_defined" && expr.attrs.value === undefined) {
    errors.push(new CibError(`operation "${op}" needs a value`, expr));
  }
  const type = expr.attrs.type;
  if (type !== undefined && !["string", "integer", "number", "version"].includes(type.toLowerCase())) {
    errors.push(new CibError(`unknown type "${type}" (expected string, integer, number or version)`, expr));
  }
  const source = expr.attrs["value-source"];
  if (source !== undefined && !["literal", "param", "meta"].includes(source.toLowerCase())) {
    errors.push(new CibError(`unknown value-source "${source}" (expected literal, param or meta)`, expr));
  }
  return errors;
}
