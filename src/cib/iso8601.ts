// ISO 8601 dates, durations and periods as Pacemaker 2.1.5 reads them in date expressions,
// `iso8601`-style option values and interval specs. Instants are epoch seconds (UTC); the
// calendar is the proleptic Gregorian one.
//
// How offsets work (observed with Pacemaker's own `iso8601 -d` under different TZ values):
// - a date without a time ("2019-09-24", "2005-001", "2004-W53-6") is midnight UTC, whatever TZ is;
// - a date with a time but no offset ("2019-09-24 00:30:00") is read in the host's local zone,
//   using the zone's offset *at the current moment* (not at that date: under Australia/Sydney
//   in November both a January and a July date got +11:00);
// - "Z", or an offset after a space ("... +01:00", "+0100", "+01") is honoured.
// pacer has no clock and no zone in the scheduler, so the caller passes the host's offset as
// `localOffset` (seconds east of UTC; default 0, which is what a UTC host — CI — gives).
//
// Deliberate divergences from Pacemaker (which accepts and silently ignores them):
// - an offset glued to the time ("T00:30:00+02:00") is honoured here; Pacemaker ignores it
//   and reads the time as local;
// - trailing text that is not an offset ("2019-07-24T00:30:00garbage") is rejected here;
// - a time of hours only followed by an offset ("2020-05-17T09 +01:00") is 09:00 at +01:00
//   here; Pacemaker misreads the offset's digits as seconds (08:00:01Z) or rejects it.

export interface IsoDuration {
  years: number;
  months: number;
  /** Weeks are folded into days (7 each). */
  days: number;
  /** Hours, minutes and seconds folded into seconds. */
  seconds: number;
}

export interface ParseDateOptions {
  /** Seconds east of UTC applied to a time given without an offset (default 0 = UTC). */
  localOffset?: number;
}

const DAY = 86_400;

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

export function daysInYear(y: number): number {
  return isLeapYear(y) ? 366 : 365;
}

/** Days from 1970-01-01 to the given civil date (any year, proleptic Gregorian). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
}

/** Day number (from the epoch) of the Monday of ISO week 1 of the given week-year. */
function isoWeek1Monday(weekYear: number): number {
  const jan4 = daysFromCivil(weekYear, 1, 4);
  return jan4 - (isoWeekday(jan4) - 1);
}

export function isoWeeksInYear(weekYear: number): number {
  return (isoWeek1Monday(weekYear + 1) - isoWeek1Monday(weekYear)) / 7;
}

/** Every calendar field a date_spec can test, for one instant seen at one UTC offset. */
export interface CalendarFields {
  year: number;
  month: number;
  monthday: number;
  yearday: number;
  weekday: number;
  weekyear: number;
  week: number;
  hour: number;
  minute: number;
  second: number;
}

export function calendarFields(epochSeconds: number, utcOffset = 0): CalendarFields {
  const t = epochSeconds + utcOffset;
  const days = Math.floor(t / DAY);
  const sod = t - days * DAY;
  const { year, month, day } = civilFromDays(days);
  const yearday = days - daysFromCivil(year, 1, 1) + 1;
  const weekday = isoWeekday(days);
  let weekyear = year;
  if (days < isoWeek1Monday(year)) weekyear = year - 1;
  else if (days >= isoWeek1Monday(year + 1)) weekyear = year + 1;
  const week = Math.floor((days - isoWeek1Monday(weekyear)) / 7) + 1;
  return {
    year,
    month,
    monthday: day,
    yearday,
    weekday,
    weekyear,
    week,
    hour: Math.floor(sod / 3600),
    minute: Math.floor((sod % 3600) / 60),
    second: sod % 60,
  };
}

// --- dates ---------------------------------------------------------------------------------

const DATE_FORMS: { re: RegExp; days: (m: RegExpExecArray) => number | undefined }[] = [
  // calendar: 2019-09-24, 2019-9-4 (Pacemaker accepts single digits), 20190924
  {
    re: /^(?:(\d{1,5})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2}))/,
    days: (m) => {
      const y = Number(m[1] ?? m[4]);
      const mo = Number(m[2] ?? m[5]);
      const d = Number(m[3] ?? m[6]);
      if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
      return daysFromCivil(y, mo, d);
    },
  },
  // ISO week: 2004-W53-6
  {
    re: /^(\d{1,5})-?W(\d{2})-?(\d)/,
    days: (m) => {
      const wy = Number(m[1]);
      const w = Number(m[2]);
      const wd = Number(m[3]);
      if (w < 1 || w > isoWeeksInYear(wy) || wd < 1 || wd > 7) return undefined;
      return isoWeek1Monday(wy) + (w - 1) * 7 + (wd - 1);
    },
  },
  // ordinal: 2005-001
  {
    re: /^(\d{1,5})-(\d{3})/,
    days: (m) => {
      const y = Number(m[1]);
      const yd = Number(m[2]);
      if (yd < 1 || yd > daysInYear(y)) return undefined;
      return daysFromCivil(y, 1, 1) + yd - 1;
    },
  },
];

const TIME = /^(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?(?:[.,]\d+)?/;
const OFFSET = /^(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** Parse an ISO 8601 date/time to epoch seconds, or undefined if it is not one. */
export function parseIsoDate(text: string, options: ParseDateOptions = {}): number | undefined {
  const s = text.trim();
  let days: number | undefined;
  let rest = "";
  for (const form of DATE_FORMS) {
    const m = form.re.exec(s);
    if (!m) continue;
    days = form.days(m);
    if (days === undefined) return undefined;
    rest = s.slice(m[0].length);
    break;
  }
  if (days === undefined) return undefined;
  if (rest === "") return days * DAY;
  if (rest[0] !== "T" && rest[0] !== " ") return undefined;
  rest = rest.slice(1).trimStart();
  if (rest === "") return days * DAY;

  const t = TIME.exec(rest);
  if (!t) return undefined;
  const h = Number(t[1]);
  const mi = Number(t[2] ?? 0);
  const se = Number(t[3] ?? 0);
  // 24:00:00 is the end of the day (Pacemaker accepts it); anything else out of range is not a time.
  if (h > 24 || mi > 59 || se > 59 || (h === 24 && (mi > 0 || se > 0))) return undefined;
  rest = rest.slice(t[0].length).trim();
  let offset = options.localOffset ?? 0;
  if (rest !== "") {
    const o = OFFSET.exec(rest);
    if (!o) return undefined;
    if (o[1] === undefined) offset = 0;
    else {
      const oh = Number(o[2]);
      const om = Number(o[3] ?? 0);
      if (oh > 24 || om > 59) return undefined; // observed: +24:00 is accepted, +25:00 is not
      offset = (o[1] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
    }
  }
  return days * DAY + h * 3600 + mi * 60 + se - offset;
}

// --- durations -----------------------------------------------------------------------------

/**
 * Parse an ISO 8601 duration ("P1Y2M3DT4H5M6S", "P2W", "PT90S"). Like Pacemaker, designators
 * may come in any order and repeat (they add up), "M" means months before "T" and minutes
 * after it, and H/S are accepted before "T"; numbers are integers (no fractions).
 */
export function parseIsoDuration(text: string): IsoDuration | undefined {
  const s = text.trimEnd();
  if (s[0] !== "P" || s.length < 2) return undefined;
  const d: IsoDuration = { years: 0, months: 0, days: 0, seconds: 0 };
  let timePart = false;
  const re = /T|(-?\d+)([YMWDHS])/y;
  re.lastIndex = 1;
  while (re.lastIndex < s.length) {
    const start = re.lastIndex;
    const m = re.exec(s);
    if (!m || m.index !== start) return undefined;
    if (m[0] === "T") {
      timePart = true;
      continue;
    }
    const n = Number(m[1]);
    switch (m[2]) {
      case "Y": d.years += n; break;
      case "M": if (timePart) d.seconds += n * 60; else d.months += n; break;
      case "W": d.days += n * 7; break;
      case "D": d.days += n; break;
      case "H": d.seconds += n * 3600; break;
      case "S": d.seconds += n; break;
    }
  }
  return d;
}

/** Add a duration to an instant: years (keeping the day of the year), then months (keeping the
 * day of the month, clamped to the month's end), then days, then seconds — the order and
 * clamping Pacemaker's `iso8601 -p` shows ("2004-02-29/P1Y" ends 2005-03-01, "2005-01-31/P1M"
 * ends 2005-02-28). Subtracting (sign -1) applies the same steps backwards.
 * Known difference: from day 366 of a leap year, Pacemaker ignores the months of a duration
 * that also has years ("2004-12-31/P1Y1M" ends 2005-12-31; here 2006-01-31). */
export function addDuration(epochSeconds: number, d: IsoDuration, sign: 1 | -1 = 1): number {
  let days = Math.floor(epochSeconds / DAY);
  const sod = epochSeconds - days * DAY;
  if (d.years !== 0) {
    const { year } = civilFromDays(days);
    const yd = days - daysFromCivil(year, 1, 1) + 1;
    const ny = year + sign * d.years;
    // Day 366 of a leap year: going forward it becomes the last day of the target year,
    // going back the first day of the year after it (both observed with iso8601 -p:
    // 2004-12-31/P1Y ends 2005-12-31, P1Y/2004-12-31 starts 2004-01-01).
    days = daysFromCivil(ny, 1, 1) + (sign > 0 ? Math.min(yd, daysInYear(ny)) : yd) - 1;
  }
  if (d.months !== 0) {
    const { year, month, day } = civilFromDays(days);
    const total = year * 12 + (month - 1) + sign * d.months;
    const ny = Math.floor(total / 12);
    const nm = total - ny * 12 + 1;
    days = daysFromCivil(ny, nm, Math.min(day, daysInMonth(ny, nm)));
  }
  days += sign * d.days;
  return days * DAY + sod + sign * d.seconds;
}

/**
 * The number of seconds Pacemaker 2.1.5 makes of an ISO duration used as an operation
 * interval. Observed with crm_simulate: it counts one day fewer than the duration has when
 * it has any days ("P1D" → 0, "P2D" → 1 day, "P1W" → 6 days, "P1DT1H" → 1 hour), one year
 * fewer likewise ("P1Y" → 0), and 30 days per month ("P1M" → 30 days). Kept for
 * compatibility: the same CIB must give the same recurring-operation keys.
 */
export function durationSecondsAsInterval(d: IsoDuration): number {
  let s = d.seconds + d.months * 30 * DAY;
  if (d.days > 0) s += (d.days - 1) * DAY;
  for (let y = 1; y < d.years; y++) s += daysInYear(y) * DAY;
  return s;
}

// --- periods -------------------------------------------------------------------------------

export interface IsoPeriod {
  start: number;
  end: number;
}

/** Parse "start/end", "start/duration" or "duration/end". */
export function parseIsoPeriod(text: string, options: ParseDateOptions = {}): IsoPeriod | undefined {
  const parts = text.trim().split("/");
  if (parts.length !== 2) return undefined;
  const [a, b] = parts;
  if (a.startsWith("P")) {
    const d = parseIsoDuration(a);
    const end = parseIsoDate(b, options);
    if (!d || end === undefined) return undefined;
    return { start: addDuration(end, d, -1), end };
  }
  const start = parseIsoDate(a, options);
  if (start === undefined) return undefined;
  if (b.startsWith("P")) {
    const d = parseIsoDuration(b);
    return d ? { start, end: addDuration(start, d) } : undefined;
  }
  const end = parseIsoDate(b, options);
  return end === undefined ? undefined : { start, end };
}

/** Format an instant the way Pacemaker's `iso8601 -d` prints it: "2019-09-24 00:30:00Z". */
export function formatIsoDate(epochSeconds: number): string {
  const f = calendarFields(epochSeconds);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(f.year, 4)}-${p(f.month)}-${p(f.monthday)} ${p(f.hour)}:${p(f.minute)}:${p(f.second)}Z`;
}
