// Scores: the integers every placement decision adds up. Pacemaker clamps them to
// ±INFINITY (one million) and gives the negative side precedence, so a ban can never be
// outvoted by any number of preferences.
import { CibError } from "./errors.js";
import type { XmlElement } from "./xml.js";

export const INFINITY = 1_000_000;

/** Values a node-health attribute may take instead of a number (see `node-score-*` options). */
export interface HealthScores {
  red?: number;
  yellow?: number;
  green?: number;
}

function clamp(n: number): number {
  return n >= INFINITY ? INFINITY : n <= -INFINITY ? -INFINITY : n;
}

const LEADING_INTEGER = /^[ \t\n\r\f\v]*([+-]?\d+)/;

/**
 * Lenient score parsing, as Pacemaker 2.1.5 does it when the schema has not already rejected
 * the value (observed with crm_simulate on a CIB with validate-with="none"):
 * "INFINITY"/"+INFINITY"/"-INFINITY" exactly (case matters: "infinity" is 0); otherwise the
 * leading decimal integer ("10.5" → 10, "5abc" → 5, "1e3" → 1, " -7" → -7), clamped; text with
 * no leading integer ("abc", "", "0x10" → 0, "--5") is 0. "red"/"yellow"/"green" map to the
 * given health scores, and are 0 when none are given (as with node-health-strategy=none).
 */
export function parseScore(text: string | undefined, health?: HealthScores): number {
  if (text === undefined) return 0;
  if (text === "INFINITY" || text === "+INFINITY") return INFINITY;
  if (text === "-INFINITY") return -INFINITY;
  if (text === "red" || text === "yellow" || text === "green") return clamp(health?.[text] ?? 0);
  const m = LEADING_INTEGER.exec(text);
  if (!m) return 0;
  return clamp(Number(m[1]));
}

const STRICT_SCORE = /^[+-]?(\d+|INFINITY)$/;

/** True when the text is a score the CIB schema accepts: an integer or ±INFINITY. */
export function isValidScore(text: string): boolean {
  return STRICT_SCORE.test(text.trim());
}

/**
 * Score parsing for validation: anything the schema's score type would reject is an error
 * naming the element (`where` names the attribute, e.g. `score`).
 */
export function parseScoreStrict(text: string | undefined, where: string, element?: XmlElement): number {
  if (text === undefined) throw new CibError(`missing ${where}`, element);
  if (!isValidScore(text)) {
    throw new CibError(`invalid ${where} "${text}": expected an integer, INFINITY, +INFINITY or -INFINITY`, element);
  }
  return parseScore(text);
}

/** Score addition: -INFINITY absorbs everything (even +INFINITY), then +INFINITY, else a clamped sum. */
export function addScores(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY;
  if (a >= INFINITY || b >= INFINITY) return INFINITY;
  return clamp(a + b);
}

/** How Pacemaker prints a score: "INFINITY", "-INFINITY" or the decimal integer. */
export function formatScore(n: number): string {
  if (n >= INFINITY) return "INFINITY";
  if (n <= -INFINITY) return "-INFINITY";
  return String(Math.trunc(n));
}
