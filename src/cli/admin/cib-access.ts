// Where an admin command reads and writes the CIB: a file (`-f CIB.xml`, no daemon needed)
// or the running pacerd (its "cib.get" / "cib.replace" requests). Edits are made on the
// fetched copy and sent back whole; pacerd refuses the write if the CIB moved on meanwhile
// (its version check), so two admins cannot silently overwrite each other.
import { readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import { parseXml, serializeXml, XmlParseError, type XmlElement } from "../../cib/xml.js";
import { ApiCallError, ApiClient, ApiUnreachableError } from "../../controller/api-client.js";
import type { CibGetResult, CibReplaceResult, PingResult, StatusResult } from "../../controller/api-protocol.js";
import { CliError } from "../errors.js";

export const EXIT_UNAVAILABLE = 69;

export interface Target {
  file?: string;
  socket?: string;
}

export interface LoadedCib {
  root: XmlElement;
  /** Where it came from, for messages: the file name or "pacerd". */
  source: string;
  /** Set when the CIB came from pacerd. */
  daemon?: PingResult;
  /** pacerd's transition engine (with the ping; absent when pacerd runs none). */
  engine?: StatusResult;
}

export async function loadCib(target: Target, withPing = false): Promise<LoadedCib> {
  if (target.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(target.file, "utf8");
    } catch (err) {
      throw new CliError(`cannot read ${target.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 66);
    }
    return { root: parseOrFail(text, target.file), source: target.file };
  }
  return withDaemon(target, async (client) => {
    const r = await client.call<CibGetResult>("cib.get");
    const daemon = withPing ? await client.call<PingResult>("ping") : undefined;
    let engine: StatusResult | undefined;
    if (withPing) {
      try {
        engine = await client.call<StatusResult>("status");
      } catch (err) {
        if (!(err instanceof ApiCallError)) throw err;
      }
    }
    return { root: parseOrFail(r.xml, "CIB from pacerd"), source: "pacerd", ...(daemon ? { daemon } : {}), ...(engine ? { engine } : {}) };
  });
}

function parseOrFail(text: string, name: string): XmlElement {
  try {
    return parseXml(text, name);
  } catch (err) {
    if (err instanceof XmlParseError) throw new CliError(err.message, 65);
    throw err;
  }
}

export interface CommitOutcome {
  version: string;
  previous: string;
}

function versionOf(cib: XmlElement): string {
  return `${cib.attrs.admin_epoch ?? "0"}:${cib.attrs.epoch ?? "0"}:${cib.attrs.num_updates ?? "0"}`;
}

/**
 * Store the edited CIB. A file gets the version bump pacerd would give it (configuration:
 * epoch+1 and num_updates 0; status: num_updates+1) and is replaced atomically.
 */
export async function commitCib(target: Target, cib: XmlElement, changed: "configuration" | "status", client: string): Promise<CommitOutcome> {
  if (target.file !== undefined) {
    const previous = versionOf(cib);
    if (changed === "configuration") {
      cib.attrs.epoch = String(Number(cib.attrs.epoch ?? "0") + 1);
      cib.attrs.num_updates = "0";
    } else {
      cib.attrs.num_updates = String(Number(cib.attrs.num_updates ?? "0") + 1);
    }
    writeAtomic(target.file, serializeXml(cib, { indent: 2 }) + "\n");
    return { previous, version: versionOf(cib) };
  }
  return withDaemon(target, async (c) => {
    // A configuration edit replaces the configuration only: status results recorded since
    // the fetch are no conflict (pacerd still refuses if the configuration moved on).
    const r = await c.call<CibReplaceResult>("cib.replace", { xml: serializeXml(cib, { indent: 2 }), client, user: process.env.USER, ...(changed === "configuration" ? { section: "configuration" } : {}) });
    return { previous: r.previous, version: r.version };
  });
}

/** pacerd refused a write because the CIB moved on since it was read (a status update by the
 *  transition engine, most often): read it again, redo the edit, write again. */
export class StaleCibError extends CliError {}

/**
 * Load the CIB, apply a pure edit to the copy, commit — and when pacerd says the CIB moved on
 * meanwhile (pacerd records results all the time), do it all again on the newer CIB, a few
 * times. The edit runs on each fresh copy, so nothing anyone else wrote is lost.
 */
export async function editCib<R>(target: Target, edit: (loaded: LoadedCib) => R & { changed: "configuration" | "status" }, client: string, attempts = 8): Promise<{ result: R; outcome: CommitOutcome }> {
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadCib(target);
    const result = edit(loaded);
    try {
      return { result, outcome: await commitCib(target, loaded.root, result.changed, client) };
    } catch (err) {
      if (!(err instanceof StaleCibError) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

function writeAtomic(file: string, text: string): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    const fd = openSync(temp, "r");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, file);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 73);
  }
}

async function withDaemon<T>(target: Target, work: (client: ApiClient) => Promise<T>): Promise<T> {
  const client = new ApiClient(target.socket);
  try {
    return await work(client);
  } catch (err) {
    if (err instanceof ApiUnreachableError) throw new CliError(`${err.message} (or use -f CIB.xml to work on a file)`, EXIT_UNAVAILABLE);
    if (err instanceof ApiCallError) {
      const stale = err.error.code === "refused" && (err.error.problems ?? []).some((p) => /is older than the current/.test(p));
      throw new (stale ? StaleCibError : CliError)(`pacerd refused the change: ${err.message}`, 1);
    }
    throw err;
  } finally {
    client.close();
  }
}
