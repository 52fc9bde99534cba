// Rule evaluation for the CIB: see ../README.md, "Rules and attribute sets".
export type { RuleContext, RuleResult } from "./context.js";
export { earliest } from "./context.js";
export { evaluateRule, validateRule } from "./evaluate.js";
export { ruleScore } from "./score-attribute.js";
export { evaluateAttributeExpression, ATTRIBUTE_OPERATIONS } from "./attribute-expression.js";
export { evaluateDateExpression, durationElement } from "./date-expression.js";
export { dateSpecMatches, moonPhase, parseRange } from "./date-spec.js";
export { evaluateRscExpression, evaluateOpExpression } from "./agent-expressions.js";
export { compareValues, compareVersions, defaultType } from "./compare.js";
export { expandSubmatches } from "./submatches.js";
export type { IdIndex } from "../id-index.js";
