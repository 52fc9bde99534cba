// lrmd_check: the cluster tells a remote node its stonith-watchdog-timeout. If watchdog
// fencing is expected here but SBD cannot deliver it in time, staying up would let the
// cluster assume this node self-fenced when it did not, so the daemon must stop.
import { readdirSync, readFileSync } from "node:fs";

/** A Pacemaker duration ("10s", "5000ms", "2min", bare number = seconds) in ms; NaN if bad. */
export function parseDurationMs(value: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min|h|hr)?\s*$/i.exec(value);
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = (m[2] ?? "s").toLowerCase();
  const mult = unit.startsWith("ms") ? 1 : unit.startsWith("s") ? 1000 : unit.startsWith("m") ? 60_000 : 3_600_000;
  return n * mult;
}

export function sbdRunning(): boolean {
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "sbd") return true;
      } catch {
        // the process went away
      }
    }
  } catch {
    // no /proc: cannot tell, assume not
  }
  return false;
}

/** Undefined when all is well; otherwise why this node cannot honour the watchdog timeout. */
export function watchdogProblem(watchdog: string | undefined, env: NodeJS.ProcessEnv, isSbdRunning: () => boolean = sbdRunning): string | undefined {
  if (watchdog === undefined || watchdog === "") return undefined;
  const ms = parseDurationMs(watchdog);
  if (Number.isNaN(ms)) return undefined;
  if (ms <= 0) return undefined;
  const sbdTimeout = env.SBD_WATCHDOG_TIMEOUT ? parseDurationMs(env.SBD_WATCHDOG_TIMEOUT) : NaN;
  if (!isSbdRunning() || Number.isNaN(sbdTimeout)) return `the cluster expects watchdog self-fencing (stonith-watchdog-timeout=${watchdog}) but SBD is not running here`;
  if (ms < sbdTimeout) return `stonith-watchdog-timeout (${ms} ms) is shorter than SBD_WATCHDOG_TIMEOUT (${sbdTimeout} ms)`;
  return undefined;
}
