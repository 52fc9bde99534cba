// Syntax checks for the values the model validates up front (scores, op intervals); the
// arithmetic lives in score.ts and duration.ts.
import type { XmlElement } from "./xml.js";
import { CibError } from "./errors.js";
import { parseInterval } from "./duration.js";

const SCORE = /^\s*([+-]?INFINITY|[+-]?\d+(\.\d*)?|red|yellow|green)\s*$/i;

/** Pacemaker reads a score with strtol-like leniency, but a score that is not a number at all
 *  is almost always a typo, so the model refuses it. */
export function checkScore(text: string, el: XmlElement, attr: string): void {
  if (!SCORE.test(text)) throw new CibError(`invalid score ${attr}="${text}"`, el);
}

/** Milliseconds of an operation interval; a bad interval is an error naming the op. */
export function parseOpInterval(text: string, el: XmlElement, attr: string): number {
  const ms = parseInterval(text);
  if (ms === undefined) throw new CibError(`invalid ${attr}="${text}"`, el);
  return ms;
}
