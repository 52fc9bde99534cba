// interval-origin: a recurring operation may be pinned to a point in time, so that it runs at
// origin + k × interval (e.g. a nightly check at 02:00). The scheduler expresses this as a start
// delay for the first run. Observed with crm_simulate -t (interval 1h, origin 2014-06-01
// 00:35:00): at 00:28:00 the delay is 420000 ms, at 00:35:00 it is 0 (and still written), at
// 00:35:01 it is 3599000; origins in the past work the same way; an unparsable origin is
// ignored (no delay).
import { parseIsoDate, type ParseDateOptions } from "./iso8601.js";

/**
 * Milliseconds from `now` (epoch seconds) to the next instant at or after it that is a whole
 * number of intervals away from the origin; undefined when the origin is not an ISO 8601
 * date/time or the interval is not positive.
 */
export function intervalOriginDelay(origin: string, intervalMs: number, now: number, options: ParseDateOptions = {}): number | undefined {
  const at = parseIsoDate(origin, options);
  if (at === undefined || !(intervalMs > 0)) return undefined;
  // Pacemaker works in whole seconds.
  const interval = Math.floor(intervalMs / 1000);
  if (interval <= 0) return undefined;
  const diff = at - Math.floor(now);
  return (((diff % interval) + interval) % interval) * 1000;
}
