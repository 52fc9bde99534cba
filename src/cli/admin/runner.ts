// The shape every CIB-editing command shares: common options, load the CIB, apply a pure
// edit (src/cib/edit) to the loaded copy, then commit it — or, under `pacer plan`, run the
// scheduler on the edited copy and show what would happen instead.
import { cloneElement, serializeXml, type XmlElement } from "../../cib/xml.js";
import { EditError, type EditResult } from "../../cib/edit/tree.js";
import { simulate } from "../simulate/run.js";
import { CliError } from "../errors.js";
import { editCib, loadCib, type LoadedCib, type Target } from "./cib-access.js";

export interface CommonOptions {
  json: boolean;
  force: boolean;
  target: Target;
}

export type Prepared =
  /** A change to the CIB: pure, on the caller's copy. */
  | { kind: "edit"; apply(cib: XmlElement): EditResult }
  /** Reads the CIB and prints; returns the exit code. */
  | { kind: "read"; show(cib: LoadedCib): number }
  /** Needs the running cluster over time (restart, watch). */
  | { kind: "live"; run(): Promise<number> };

export interface Family {
  name: string;
  usage: string;
  prepare(args: string[], opts: CommonOptions): Promise<Prepared>;
}

export const COMMON_HELP = `common options:
  -f, --file FILE   work on a CIB file instead of the running pacerd
  --socket PATH     pacerd's socket (default $PACER_SOCKET, else /run/pacer/pacerd.sock)
  --json            machine-readable output (errors too: {"error": {...}} on stdout)
  --force           accept a name pacer does not know (unknown node, property)`;

export function splitCommon(args: string[]): { opts: CommonOptions; rest: string[]; help: boolean } {
  const opts: CommonOptions = { json: false, force: false, target: {} };
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (name: string): string => {
      const v = args[++i];
      if (v === undefined) throw new CliError(`option ${name} needs a value`, 2);
      return v;
    };
    if (a === "--json") opts.json = true;
    else if (a === "--force") opts.force = true;
    else if (a === "-f" || a === "--file") opts.target.file = value(a);
    else if (a.startsWith("--file=")) opts.target.file = a.slice(7);
    else if (a === "--socket") opts.target.socket = value(a);
    else if (a.startsWith("--socket=")) opts.target.socket = a.slice(9);
    else if (a === "-h" || a === "--help") help = true;
    else rest.push(a);
  }
  return { opts, rest, help };
}

/** Print an error: JSON on stdout with --json, else the usual `pacer: ...` on stderr. */
function fail(opts: CommonOptions, err: CliError): number {
  if (!opts.json) throw err;
  process.stdout.write(JSON.stringify({ error: { message: err.message, exitCode: err.exitCode } }) + "\n");
  return err.exitCode;
}

function asCliError(family: string, err: unknown): CliError | undefined {
  if (err instanceof CliError) return err;
  if (err instanceof EditError) return new CliError(`${family}: ${err.message}`, 1);
  return undefined;
}

export async function runFamily(family: Family, args: string[]): Promise<number> {
  const { opts, rest, help } = splitCommon(args);
  if (help || rest.length === 0) {
    process.stdout.write(`${family.usage}\n\n${COMMON_HELP}\n`);
    return help ? 0 : 2;
  }
  try {
    const prepared = await family.prepare(rest, opts);
    if (prepared.kind === "live") return await prepared.run();
    if (prepared.kind === "read") return prepared.show(await loadCib(opts.target));
    const { result, outcome } = await editCib(opts.target, (loaded) => prepared.apply(loaded.root), `pacer ${family.name}`);
    if (opts.json) process.stdout.write(JSON.stringify({ ok: true, message: result.message, changed: result.changed, ...outcome }) + "\n");
    else process.stdout.write(`${result.message}\n`);
    return 0;
  } catch (err) {
    const e = asCliError(family.name, err);
    if (e) return fail(opts, e);
    throw err;
  }
}

export interface PlanOutcome {
  message: string;
  transition: string[];
}

/** Apply the edit to a copy and schedule it: the Transition Summary it would cause. */
export function planEdit(loaded: LoadedCib, prepared: Prepared & { kind: "edit" }, now?: number): PlanOutcome {
  const copy = cloneElement(loaded.root);
  const result = prepared.apply(copy);
  let summary: string;
  try {
    summary = simulate(serializeXml(copy), { fileName: `${loaded.source} (edited)`, now }).summary;
  } catch (err) {
    const e = err as Error;
    if (e.name === "CibError" || e.name === "XmlParseError") throw new CliError(`the scheduler cannot read the edited CIB: ${e.message}`, 65);
    throw err;
  }
  const lines = summary.split("\n");
  const start = lines.indexOf("Transition Summary:");
  const end = lines.indexOf("Executing Cluster Transition:");
  const transition = lines.slice(start + 1, end).filter((l) => l.trim() !== "");
  return { message: result.message, transition };
}

export async function planFamily(family: Family, args: string[]): Promise<number> {
  const { opts, rest, help } = splitCommon(args);
  if (help || rest.length === 0) {
    process.stdout.write(`usage: pacer plan ${family.name} ...   (what the change would do; nothing is stored)\n\n${family.usage}\n`);
    return help ? 0 : 2;
  }
  try {
    const prepared = await family.prepare(rest, opts);
    if (prepared.kind !== "edit") throw new CliError(`plan: 'pacer ${family.name} ${rest[0]}' does not change the configuration`, 2);
    const loaded = await loadCib(opts.target);
    const p = planEdit(loaded, prepared);
    if (opts.json) process.stdout.write(JSON.stringify({ ok: true, committed: false, ...p }) + "\n");
    else process.stdout.write(`Change: ${p.message} (not committed)\n\nTransition Summary:\n${p.transition.length ? p.transition.join("\n") + "\n" : "  (nothing would change)\n"}`);
    return 0;
  } catch (err) {
    const e = asCliError(`plan ${family.name}`, err);
    if (e) return fail(opts, e);
    throw err;
  }
}

/** Take `--name VALUE` out of args; returns the value (undefined when absent). */
export function takeOption(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) {
    const inline = args.findIndex((a) => a.startsWith(`${name}=`));
    if (inline < 0) return undefined;
    const v = args[inline].slice(name.length + 1);
    args.splice(inline, 1);
    return v;
  }
  const v = args[i + 1];
  if (v === undefined) throw new CliError(`option ${name} needs a value`, 2);
  args.splice(i, 2);
  return v;
}

export function takeFlag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

export function expectArgs(args: string[], names: string[], what: string, optional = 0): string[] {
  const required = names.length - optional;
  if (args.length < required) throw new CliError(`${what}: missing ${names.slice(args.length).join(" ")}`, 2);
  if (args.length > names.length) throw new CliError(`${what}: unexpected argument '${args[names.length]}'`, 2);
  return args;
}

export function printJsonOrText(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(value) + "\n" : text.endsWith("\n") || text === "" ? text : text + "\n");
}
