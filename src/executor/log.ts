// A small line logger in Pacemaker's spirit: one text line per event, to stderr and/or the file
// named by PCMK_logfile, with debug lines only when PCMK_debug asks for them. pino and winston
// were considered; both write JSON by default and would add a dependency for what is ~60 lines,
// while admins of Pacemaker sites grep text logs in Pacemaker's layout.
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { hostname } from "node:os";

export type Level = "error" | "warn" | "info" | "debug";
const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const LABEL: Record<Level, string> = { error: "error", warn: "warning", info: "info", debug: "debug" };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** A logger that drops everything: the default for library use (tests, embedding). */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

export interface LoggerOptions {
  /** Daemon name shown on each line and matched against PCMK_debug lists. */
  name: string;
  env?: NodeJS.ProcessEnv;
  /** Also write to stderr (a daemon in the foreground). */
  stderr?: boolean;
}

/** PCMK_debug is a boolean ("yes", "true", "1", "on") or a comma list of daemon names. */
export function debugEnabled(value: string | undefined, name: string): boolean {
  if (!value) return false;
  const v = value.trim().toLowerCase();
  if (["yes", "true", "1", "on", "y"].includes(v)) return true;
  return v.split(/[\s,]+/).some((n) => n === name.toLowerCase() || n === "pacemaker-remoted");
}

/** PCMK_logfile names the log file; "none" or "/dev/null" turns file logging off. */
export function createLogger(options: LoggerOptions): Logger {
  const env = options.env ?? process.env;
  const max = debugEnabled(env.PCMK_debug, options.name) ? RANK.debug : RANK.info;
  const file = env.PCMK_logfile && !["none", "/dev/null", ""].includes(env.PCMK_logfile) ? env.PCMK_logfile : undefined;
  let fileBroken = false;
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch {
      // reported on the first failed write below
    }
  }
  const host = hostname();
  const emit = (level: Level, message: string) => {
    if (RANK[level] > max) return;
    const line = `${timestamp()} ${host} ${options.name} [${process.pid}] ${LABEL[level]}: ${message}\n`;
    if (options.stderr !== false) process.stderr.write(line);
    if (file && !fileBroken) {
      try {
        appendFileSync(file, line);
      } catch (err) {
        fileBroken = true;
        process.stderr.write(`${options.name}: cannot write log file ${file}: ${(err as Error).message}\n`);
      }
    }
  };
  return {
    error: (m) => emit("error", m),
    warn: (m) => emit("warn", m),
    info: (m) => emit("info", m),
    debug: (m) => emit("debug", m),
  };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function timestamp(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${MONTHS[d.getMonth()]} ${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
