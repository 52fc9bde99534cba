// <date_expression>: compares "now" with dates (gt, lt, in_range) or with a calendar pattern
// (date_spec). Boundaries, observed with crm_rule: gt is true strictly after start, lt
// strictly before end, in_range from start to end inclusive.
import { CibError } from "../errors.js";
import { addDuration, parseIsoDate, type IsoDuration } from "../iso8601.js";
import { child, type XmlElement } from "../xml.js";
import type { RuleResult } from "./context.js";
import { checkDateSpec, dateSpecMatches } from "./date-spec.js";

const DURATION_FIELDS = ["years", "months", "weeks", "days", "hours", "minutes", "seconds"] as const;

/** A <duration> element as an ISO duration (each attribute a whole number; others ignored). */
export function durationElement(el: XmlElement): IsoDuration {
  const n = (name: string) => {
    const v = el.attrs[name];
    if (v === undefined) return 0;
    const m = /^\s*([+-]?\d+)/.exec(v);
    return m ? Number(m[1]) : 0;
  };
  return {
    years: n("years"),
    months: n("months"),
    days: n("weeks") * 7 + n("days"),
    seconds: n("hours") * 3600 + n("minutes") * 60 + n("seconds"),
  };
}

function date(expr: XmlElement, name: "start" | "end", utcOffset: number): number | undefined {
  const text = expr.attrs[name];
  return text === undefined ? undefined : parseIsoDate(text, { localOffset: utcOffset });
}

/**
 * Evaluate a date expression at `now`. Pacemaker treats an unparsable date, a missing
 * required date or an unknown operation as false; so does this (checkDateExpression reports
 * them). nextChange is when the result would flip: the start of a range not yet reached
 * (gt: one second after it), one second after the end of a range now in effect, or the end of
 * an lt; date_spec gives none (Pacemaker re-checks it on cluster-recheck-interval).
 */
export function evaluateDateExpression(expr: XmlElement, now: number, utcOffset = 0): RuleResult {
  const operation = (expr.attrs.operation ?? "in_range").toLowerCase(); // observed: "GT" works
  switch (operation) {
    case "gt": {
      const start = date(expr, "start", utcOffset);
      if (start === undefined) return { matched: false };
      return now > start ? { matched: true } : { matched: false, nextChange: start + 1 };
    }
    case "lt": {
      const end = date(expr, "end", utcOffset);
      if (end === undefined) return { matched: false };
      return now < end ? { matched: true, nextChange: end } : { matched: false };
    }
    case "in_range": {
      const startText = expr.attrs.start;
      const start = date(expr, "start", utcOffset);
      if (startText !== undefined && start === undefined) return { matched: false };
      let end: number | undefined;
      if (expr.attrs.end !== undefined) {
        end = date(expr, "end", utcOffset);
        if (end === undefined) return { matched: false };
      } else {
        const duration = child(expr, "duration");
        if (duration && start !== undefined) end = addDuration(start, durationElement(duration));
      }
      if (start === undefined && end === undefined) return { matched: false };
      if (start !== undefined && now < start) return { matched: false, nextChange: start };
      if (end !== undefined && now > end) return { matched: false };
      return end !== undefined ? { matched: true, nextChange: end + 1 } : { matched: true };
    }
    case "date_spec": {
      const spec = child(expr, "date_spec");
      // Observed: a date_spec expression without its <date_spec> element is true.
      return { matched: spec ? dateSpecMatches(spec, now, utcOffset) : true };
    }
    default:
      return { matched: false };
  }
}

export function checkDateExpression(expr: XmlElement, utcOffset = 0): CibError[] {
  const errors: CibError[] = [];
  const operation = (expr.attrs.operation ?? "in_range").toLowerCase(); // observed: "GT" works
  for (const name of ["start", "end"] as const) {
    const text = expr.attrs[name];
    if (text !== undefined && date(expr, name, utcOffset) === undefined) {
      errors.push(new CibError(`${name}="${text}" is not an ISO 8601 date/time (e.g. 2019-09-20 15:00:00 +00:00)`, expr));
    }
  }
  switch (operation) {
    case "gt":
      if (expr.attrs.start === undefined) errors.push(new CibError('operation "gt" needs a start', expr));
      break;
    case "lt":
      if (expr.attrs.end === undefined) errors.push(new CibError('operation "lt" needs an end', expr));
      break;
    case "in_range":
      if (expr.attrs.start === undefined && expr.attrs.end === undefined) {
        errors.push(new CibError('operation "in_range" needs a start or an end', expr));
      }
      break;
    case "date_spec": {
      const spec = child(expr, "date_spec");
      if (!spec) errors.push(new CibError('operation "date_spec" needs a <date_spec> element', expr));
      else errors.push(...checkDateSpec(spec));
      break;
    }
    default:
      errors.push(new CibError(`unknown operation "${operation}" (expected gt, lt, in_range or date_spec)`, expr));
  }
  const duration = child(expr, "duration");
  if (duration) {
    for (const [k, v] of Object.entries(duration.attrs)) {
      if ((DURATION_FIELDS as readonly string[]).includes(k) && !/^\s*[+-]?\d+\s*$/.test(v)) {
        errors.push(new CibError(`${k}="${v}" is not a whole number`, duration));
      }
    }
  }
  return errors;
}
