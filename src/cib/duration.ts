// Operation intervals and timeouts ("10", "10s", "2min", "PT10S") in milliseconds, read the way
// Pacemaker 2.1.5 reads them. Every rule below was observed with crm_simulate (recurring
// operation keys give the interval, CRM_meta_timeout in the graph gives the timeout):
//
//   text        interval   timeout      text          interval     timeout
//   "10"        10000      10000        "1.5s"        1000         1000   (integer part only)
//   "10ms"      10         10           "10 min"      600000       600000 (space allowed)
//   "1500us"    1          1            "10sx"        10000        10000  (unit is a prefix)
//   "10M"       600000     600000       "+10", "-1"   invalid      invalid
//   "2h","2hr"  7200000    7200000      "5d", "abc"   invalid      invalid
//   "PT10S"     10000      invalid      "P1D"         0 (!)        invalid
//
// Units are matched case-insensitively by their first letters: ms/msec, us/usec, s/sec, m/min,
// h/hr; anything after a recognised unit is ignored; no unit means seconds. ISO 8601 durations
// are accepted for intervals only (see durationSecondsAsInterval for Pacemaker's day count).
// Intervals are capped at 2^32-1 ms; a timeout beyond 2^31-1 ms is invalid (Pacemaker wraps it
// modulo 2^32 first: "4294968" seconds gives a 704 ms timeout — reproduced in parseTimeout).
import { CibError } from "./errors.js";
import { durationSecondsAsInterval, parseIsoDuration } from "./iso8601.js";
import type { XmlElement } from "./xml.js";

const UINT32_MAX = 2 ** 32 - 1;
const INT32_MAX = 2 ** 31 - 1;
const INT64_MAX = 2n ** 63n - 1n;

const NUMBER_AND_UNIT = /^[ \t\n\r\f\v]*([0-9.]+)[ \t\n\r\f\v]*(.*)$/s;

/** Milliseconds of a plain time spec ("10", "10s", "2min", "500ms"), as a bigint so that huge
 * values keep their exact size; undefined when Pacemaker would reject it. */
function plainMsec(text: string): bigint | undefined {
  const m = NUMBER_AND_UNIT.exec(text);
  if (!m) return undefined;
  const lead = /^\d+/.exec(m[1]);
  const unit = m[2].toLowerCase();
  let multiplier = 1000n;
  let divisor = 1n;
  if (unit.startsWith("ms")) multiplier = 1n;
  else if (unit.startsWith("us")) {
    multiplier = 1n;
    divisor = 1000n;
  } else if (unit.startsWith("s")) multiplier = 1000n;
  else if (unit.startsWith("m")) multiplier = 60_000n;
  else if (unit.startsWith("h")) multiplier = 3_600_000n;
  else if (unit !== "" && !/^[\n\r]/.test(unit)) return undefined;
  // ".5": there is no integer to read, and Pacemaker carries on with -1, which only survives as
  // 0 through the microsecond division (observed: ".5s" is invalid, ".5 usec" is 0).
  let n = lead ? BigInt(lead[0]) : -1n;
  if (n > INT64_MAX) n = INT64_MAX; // strtoll saturates
  if (n > INT64_MAX / multiplier) return INT64_MAX;
  const ms = (n * multiplier) / divisor; // bigint division truncates toward zero, as in C
  return ms < 0n ? undefined : ms;
}

/**
 * An operation interval in ms, or undefined when the text is not an interval spec.
 * ISO 8601 durations are accepted when the text starts with "P".
 */
export function parseInterval(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text.startsWith("P")) {
    const d = parseIsoDuration(text);
    if (!d) return undefined;
    const ms = durationSecondsAsInterval(d) * 1000;
    return ms < 0 ? undefined : Math.min(ms, UINT32_MAX);
  }
  const ms = plainMsec(text);
  if (ms === undefined) return undefined;
  return ms > BigInt(UINT32_MAX) ? UINT32_MAX : Number(ms);
}

/** Like parseInterval, but a missing or invalid interval is a CibError naming the element. */
export function parseIntervalStrict(text: string | undefined, where: string, element?: XmlElement): number {
  if (text === undefined) throw new CibError(`missing ${where}`, element);
  const ms = parseInterval(text);
  if (ms === undefined) {
    throw new CibError(`invalid ${where} "${text}": expected a number with an optional unit (ms, s, min, h) or an ISO 8601 duration such as PT10S`, element);
  }
  return ms;
}

/**
 * A timeout (or any other plain time value: failure-timeout, cluster-delay...) in ms, or
 * undefined when Pacemaker would fall back to the default. ISO 8601 durations are not accepted.
 */
export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = plainMsec(text);
  if (ms === undefined) return undefined;
  const wrapped = Number(ms % 2n ** 32n);
  return wrapped > INT32_MAX ? undefined : wrapped;
}

/** Like parseTimeout, but a missing or invalid value is a CibError naming the element. */
export function parseTimeoutStrict(text: string | undefined, where: string, element?: XmlElement): number {
  if (text === undefined) throw new CibError(`missing ${where}`, element);
  const ms = plainMsec(text);
  if (ms === undefined) {
    throw new CibError(`invalid ${where} "${text}": expected a number with an optional unit (ms, s, min, h)`, element);
  }
  if (ms > BigInt(INT32_MAX)) throw new CibError(`${where} "${text}" is too long (at most ${INT32_MAX} ms)`, element);
  return Number(ms);
}

/** Plain time value in ms without the 32-bit limits of timeouts (e.g. for cluster options
 * such as cluster-recheck-interval, which Pacemaker reads as a 64-bit value). */
export function parseMsec(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = plainMsec(text);
  return ms === undefined ? undefined : Number(ms);
}
