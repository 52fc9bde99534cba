// <date_spec>: a cron-like pattern over the calendar fields of "now". Each attribute is a
// single value or a range "a-b", "a-" or "-b"; fields left out match anything. As observed
// with crm_simulate, a field whose text is not such a range ("12,13", "12abc", "abc") is
// ignored (matches anything) — validateRule reports it.
import { CibError } from "../errors.js";
import { calendarFields, type CalendarFields } from "../iso8601.js";
import type { XmlElement } from "../xml.js";

export const DATE_SPEC_FIELDS = ["years", "months", "monthdays", "hours", "minutes", "seconds", "yeardays", "weekyears", "weeks", "weekdays", "moon"] as const;

export interface Range {
  low?: number;
  high?: number;
}

const RANGE = /^\s*(\d+)?\s*(?:(-)\s*(\d+)?)?\s*$/;

/** "9-16" → {9,16}; "9-" → {9}; "-16" → {high 16}; "12" → {12,12}; anything else undefined. */
export function parseRange(text: string): Range | undefined {
  const m = RANGE.exec(text);
  if (!m || (m[1] === undefined && m[3] === undefined)) return undefined;
  const low = m[1] !== undefined ? Number(m[1]) : undefined;
  if (m[2] === undefined) return { low, high: low };
  return { low, high: m[3] !== undefined ? Number(m[3]) : undefined };
}

/**
 * Phase of the moon, 0 (new) to 7, from the day of the year and the year's place in the
 * 19-year Metonic cycle — the classic approximation (the "epact" is the moon's age on
 * 1 January). Checked against crm_simulate, which counts the day of the year from 1:
 * 2019-09-20 is phase 6, 2019-09-22 and 2019-01-01 phase 7, 2021-01-03 phase 5.
 */
export function moonPhase(year: number, yearday: number): number {
  const golden = (year % 19) + 1;
  let epact = (11 * golden + 18) % 30;
  if ((epact === 25 && golden > 11) || epact === 24) epact++;
  return Math.floor((((yearday + epact) * 6 + 11) % 177) / 22) & 7;
}

function fieldValue(name: (typeof DATE_SPEC_FIELDS)[number], f: CalendarFields): number {
  switch (name) {
    case "years": return f.year;
    case "months": return f.month;
    case "monthdays": return f.monthday;
    case "hours": return f.hour;
    case "minutes": return f.minute;
    case "seconds": return f.second;
    case "yeardays": return f.yearday;
    case "weekyears": return f.weekyear;
    case "weeks": return f.week;
    case "weekdays": return f.weekday;
    case "moon": return moonPhase(f.year, f.yearday);
  }
}

export function dateSpecMatches(spec: XmlElement, now: number, utcOffset = 0): boolean {
  const f = calendarFields(now, utcOffset);
  for (const name of DATE_SPEC_FIELDS) {
    const text = spec.attrs[name];
    if (text === undefined) continue;
    const range = parseRange(text);
    if (!range) continue;
    const v = fieldValue(name, f);
    if (range.low !== undefined && v < range.low) return false;
    if (range.high !== undefined && v > range.high) return false;
  }
  return true;
}

export function checkDateSpec(spec: XmlElement): CibError[] {
  const errors: CibError[] = [];
  for (const name of DATE_SPEC_FIELDS) {
    const text = spec.attrs[name];
    if (text !== undefined && !parseRange(text)) {
      errors.push(new CibError(`${name}="${text}" is not a number or a range such as 9-16 (Pacemaker ignores the field)`, spec));
    }
  }
  return errors;
}
