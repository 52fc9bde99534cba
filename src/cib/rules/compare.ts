// Typed comparison of two attribute values, as node attribute expressions do it. Which type
// applies, and what happens when a value does not parse, follows Pacemaker 2.1.5 (observed
// with crm_simulate; see the rule-*-as-* conformance cases):
// - no type: lt/gt/lte/gte compare as "number" when either value contains a ".", else as
//   "integer"; eq/ne compare as "string";
// - "integer" reads the leading integer ("3.6" → 3, " 10" → 10, "9abc" → 9), "number" the
//   leading decimal number ("1e1" → 10); if either side has no leading number at all the pair
//   is compared as strings instead;
// - "string" ignores case ("abc" eq "ABC");
// - "version" compares dot-separated numeric components ("1.9.0" < "1.10");
// - an unknown type makes every pair compare equal (Pacemaker's behaviour: eq true, ne false).
// A missing value (attribute not set, or value-source naming an absent parameter) is equal only
// to another missing value and neither less nor greater than anything.

export type ValueType = "string" | "integer" | "number" | "version";
export const VALUE_TYPES: readonly string[] = ["string", "integer", "number", "version"];

const LEADING_INTEGER = /^[ \t\n\r\f\v]*([+-]?\d+)/;
const LEADING_NUMBER = /^[ \t\n\r\f\v]*([+-]?0x[0-9a-f]+|[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|[+-]?(?:inf(?:inity)?|nan))/i;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The leading integer as strtoll reads it; undefined when there is none or it does not fit
 * 64 bits (Pacemaker then compares as strings). Huge values keep their order as doubles. */
export function leadingInteger(text: string): number | undefined {
  const m = LEADING_INTEGER.exec(text);
  if (!m) return undefined;
  const n = BigInt(m[1]);
  if (n < INT64_MIN || n > INT64_MAX) return undefined;
  return Number(n);
}

/**
 * The leading number as Pacemaker reads it with strtod: decimal, exponent, hexadecimal,
 * inf/infinity, nan — except that a result out of double range fails (overflow), and so does a
 * zero unless everything up to the end of the number is "0" or "." (Pacemaker's underflow
 * check: observed, "-0", "+0", "0e5", "0x0" and " 0" do not parse as numbers, "0.", ".0" and
 * "0abc" do).
 */
export function leadingNumber(text: string): number | undefined {
  const m = LEADING_NUMBER.exec(text);
  if (!m) return undefined;
  const t = m[1];
  const neg = t.startsWith("-");
  const body = t.replace(/^[+-]/, "").toLowerCase();
  if (body.startsWith("inf")) return neg ? -Infinity : Infinity;
  if (body === "nan") return NaN;
  const value = body.startsWith("0x") ? (neg ? -1 : 1) * parseInt(body.slice(2), 16) : Number(t);
  if (!Number.isFinite(value)) return undefined;
  if (value === 0 && !/^[0.]+$/.test(m[0])) return undefined;
  return value;
}

/** Case-insensitive string order (ASCII letters folded, like strcasecmp). */
export function compareStrings(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

/** Order of two dotted versions: numeric component by component, missing components are 0
 * ("1.10" = "1.10.0" = "1.010"). A component with letters ("1.9z") sends Pacemaker 2.1.5 into
 * an endless loop; here it counts by its leading digits. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = leadingInteger(pa[i] ?? "0") ?? 0;
    const y = leadingInteger(pb[i] ?? "0") ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The type a comparison uses when the expression names none. */
export function defaultType(operation: string, a: string | undefined, b: string | undefined): ValueType {
  if (operation === "lt" || operation === "gt" || operation === "lte" || operation === "gte") {
    return a?.includes(".") || b?.includes(".") ? "number" : "integer";
  }
  return "string";
}

/**
 * -1, 0 or 1 for two present values compared as `type` (any other string is an unknown type,
 * which compares equal).
 */
export function compareValues(a: string, b: string, type: string): number {
  switch (type) {
    case "integer": {
      const x = leadingInteger(a);
      const y = leadingInteger(b);
      if (x === undefined || y === undefined) return compareStrings(a, b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "number": {
      const x = leadingNumber(a);
      const y = leadingNumber(b);
      if (x === undefined || y === undefined) return compareStrings(a, b);
      return x < y ? -1 : x > y ? 1 : 0; // NaN compares equal to everything, as in C
    }
    case "version":
      return compareVersions(a, b);
    case "string":
      return compareStrings(a, b);
    default:
      return 0;
  }
}
