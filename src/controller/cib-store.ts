// The controller's copy of the CIB and its home on disk. Every change goes through here:
// it is validated, versioned the way Pacemaker versions a CIB, written atomically, and only
// then becomes the current CIB that readers see. A refused change leaves memory and disk as
// they were.
//
// Unlike Pacemaker, which keeps the status section in memory only, pacer writes the whole
// CIB, status included: `crm_simulate -x` on the stored file then shows what pacer believes
// is running, and a restarted pacerd starts from its last known state (probes still verify
// it, as in Pacemaker).
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { XmlElement } from "../cib/xml.js";
import { child, cloneElement, describe, parseXml, serializeXml, XmlParseError } from "../cib/xml.js";
import { removeStaleTemporaries, writeFileAtomic } from "./atomic-file.js";
import { backUp, listBackups, type Backup } from "./cib-history.js";
import { CibRefusedError, validateCib, type CibProblem, type CibValidator } from "./cib-validate.js";
import {
  bumpConfiguration,
  bumpStatus,
  compareVersions,
  formatVersion,
  readVersion,
  writeVersion,
  VERSION_ATTRIBUTES,
  type CibVersion,
} from "./cib-version.js";
import { emptyCib } from "./empty-cib.js";
import { modelProblems } from "./model-validator.js";
import { acquireStateLock, type StateLock } from "./state-lock.js";

export const DEFAULT_STATE_DIR = "/var/lib/pacer";
export const DEFAULT_KEEP_VERSIONS = 20;

export interface CibStoreOptions {
  /** Directory holding pacer's state; the CIB lives in its `cib/` subdirectory. */
  stateDir?: string;
  /** How many earlier configuration versions to keep as cib-N.raw. */
  keepVersions?: number;
  /** Check every CIB against the typed model the scheduler reads (default true). */
  checkModel?: boolean;
  /** More checks, run after the structural ones and the model's. */
  validators?: CibValidator[];
  /** This node's name, recorded as `update-origin`. */
  origin?: string;
  /** Clock for `cib-last-written` (tests pin it). */
  now?: () => Date;
  /** Where warnings go (stale temporary files found at start-up, ...). */
  log?: (message: string) => void;
  /** Called when the new file is durable but not yet renamed into place (crash tests). */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

/** Who asked for a change; recorded as `update-client` / `update-user` like Pacemaker does. */
export interface UpdateSource {
  client?: string;
  user?: string;
}

/** What a commit changed: nothing, only the status (or CIB properties), or the configuration. */
export type ChangeKind = "none" | "status" | "configuration";

export interface CommitResult {
  kind: ChangeKind;
  previous: CibVersion;
  version: CibVersion;
  /** The backup made of the previous configuration version, if one was made. */
  backup?: Backup;
}

export type CommitListener = (cib: XmlElement, result: CommitResult) => void;

/** `<cib>` attributes that describe the last write rather than the configuration. */
const BOOKKEEPING_ATTRIBUTES = new Set([
  ...VERSION_ATTRIBUTES,
  "cib-last-written",
  "update-origin",
  "update-client",
  "update-user",
  "have-quorum",
  "dc-uuid",
]);

export class CibLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CibLoadError";
  }
}

export class CibStore {
  private current: XmlElement;
  /** Texts of the current CIB's parts, kept to tell what a change touched. */
  private currentTexts: SectionTexts;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly validators: CibValidator[];
  private readonly listeners = new Set<CommitListener>();
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly path: string,
    cib: XmlElement,
    /** Where the CIB came from at start-up: the stored file, or a fresh empty CIB. */
    readonly loadedFrom: "file" | "empty",
    private readonly lock: StateLock,
    private readonly options: CibStoreOptions,
  ) {
    this.current = cib;
    this.currentTexts = sectionTexts(cib);
    this.validators = validatorsFor(options);
  }

  /**
   * Open the store: take the state directory's lock, drop temporary files a crash left
   * behind, and load the stored CIB (or start from an empty one when there is none).
   * A stored CIB that cannot be read or fails validation stops the start with an error:
   * a crash cannot produce one (writes are atomic), so someone edited it, and guessing
   * which older version they meant would be worse than asking.
   */
  static async open(options: CibStoreOptions = {}): Promise<CibStore> {
    const dir = join(options.stateDir ?? DEFAULT_STATE_DIR, "cib");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const lock = await acquireStateLock(join(dir, "lock"));
    try {
      const path = join(dir, "cib.xml");
      const stale = await removeStaleTemporaries(path);
      if (stale.length > 0) {
        options.log?.(`${dir}: removed ${stale.length} unfinished write(s) left by a crash: ${stale.join(", ")}`);
      }
      let text: string | undefined;
      try {
        text = await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      if (text === undefined) return new CibStore(dir, path, emptyCib(), "empty", lock, options);
      let cib: XmlElement;
      try {
        cib = parseXml(text, path);
      } catch (err) {
        if (!(err instanceof XmlParseError)) throw err;
        throw new CibLoadError(`stored CIB is unreadable: ${err.message}${await restoreHint(dir, path)}`);
      }
      const problems = validateCib(cib, validatorsFor(options));
      if (problems.length > 0) {
        throw new CibLoadError(`stored CIB ${path} is invalid:${problems.map((p) => `\n  - ${p.message}`).join("")}${await restoreHint(dir, path)}`);
      }
      return new CibStore(dir, path, cib, "file", lock, options);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** The current version. */
  get version(): CibVersion {
    return readVersion(this.current);
  }

  /** A private copy of the current CIB. */
  snapshot(): XmlElement {
    return cloneElement(this.current);
  }

  /** The current CIB as Pacemaker-format XML text. */
  text(): string {
    return serializeCib(this.current);
  }

  /** Add a validator for every later load and commit (the typed model registers here). */
  addValidator(validator: CibValidator): void {
    this.validators.push(validator);
  }

  /** What the store would say about a candidate CIB, without committing it. */
  check(candidate: XmlElement): CibProblem[] {
    return validateCib(candidate, this.validators);
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  backups(): Promise<Backup[]> {
    return listBackups(this.dir);
  }

  /**
   * Change the CIB: `mutate` edits a private copy; the store then decides what changed and
   * bumps the version (configuration → next epoch, num_updates 0; status only →
   * num_updates + 1). The versions are the store's to manage, except that an administrator
   * may raise admin_epoch (never lower it).
   */
  update(mutate: (draft: XmlElement) => void, source: UpdateSource = {}): Promise<CommitResult> {
    return this.serialized(async () => {
      const draft = cloneElement(this.current);
      mutate(draft);
      this.refuseIfInvalid("CIB update", draft);
      const previous = this.version;
      const requested = readVersion(draft);
      if (requested.adminEpoch < previous.adminEpoch) {
        throw new CibRefusedError("CIB update", [
          { message: `${describe(draft)}: admin_epoch cannot go down (${previous.adminEpoch} → ${requested.adminEpoch})` },
        ]);
      }
      const texts = sectionTexts(draft);
      const kind = classify(this.currentTexts, texts);
      const adminRaised = requested.adminEpoch > previous.adminEpoch;
      if (kind === "none" && !adminRaised) return { kind, previous, version: previous };
      const base = { ...previous, adminEpoch: requested.adminEpoch };
      const version = kind === "configuration" ? bumpConfiguration(base) : bumpStatus(base);
      return this.commit(draft, texts, kind === "none" ? "status" : kind, previous, version, source, true);
    });
  }

  /**
   * Replace the whole CIB (`pacer cib push`), as `cibadmin --replace` does: a CIB older
   * than the current one is refused, so a client pushing an edited copy of a version that
   * has since moved on cannot undo someone else's change unnoticed. The pushed version is
   * kept, moved one step on by the change itself.
   */
  replace(next: XmlElement | string, source: UpdateSource = {}): Promise<CommitResult> {
    return this.serialized(async () => {
      const candidate = pushedCib(next);
      this.refuseIfInvalid("CIB replacement", candidate);
      const previous = this.version;
      const offered = readVersion(candidate);
      if (compareVersions(offered, previous) < 0) {
        throw new CibRefusedError("CIB replacement", [
          {
            message: `${describe(candidate)}: its version ${formatVersion(offered)} is older than the current ${formatVersion(previous)}; fetch the current CIB and apply the change to it`,
          },
        ]);
      }
      const texts = sectionTexts(candidate);
      const kind = classify(this.currentTexts, texts);
      if (kind === "none" && compareVersions(offered, previous) === 0) return { kind, previous, version: previous };
      const version = kind === "configuration" ? bumpConfiguration(offered) : bumpStatus(offered);
      return this.commit(candidate, texts, kind === "none" ? "status" : kind, previous, version, source, false);
    });
  }

  /**
   * Replace only the configuration (and the CIB's own settings) with that of `next`, keeping
   * the live status: what an admin tool sends after editing the configuration of a CIB it
   * fetched while pacerd kept recording results. Refused when the configuration moved on
   * since (its admin_epoch:epoch differs from the current one), so two admins still cannot
   * overwrite each other's changes; a status that moved on is no conflict.
   */
  async replaceConfiguration(next: XmlElement | string, source: UpdateSource = {}): Promise<CommitResult> {
    const candidate = pushedCib(next);
    const offered = readVersion(candidate);
    const configuration = child(candidate, "configuration");
    if (!configuration) throw new CibRefusedError("CIB replacement", [{ message: `${describe(candidate)}: missing <configuration>` }]);
    return this.update((draft) => {
      const current = readVersion(draft);
      if (offered.adminEpoch !== current.adminEpoch || offered.epoch !== current.epoch) {
        const older = compareVersions({ ...offered, numUpdates: 0 }, { ...current, numUpdates: 0 }) < 0;
        throw new CibRefusedError("CIB replacement", [
          {
            message: older
              ? `${describe(candidate)}: its version ${formatVersion(offered)} is older than the current ${formatVersion(current)}; fetch the current CIB and apply the change to it`
              : `${describe(candidate)}: its configuration version ${offered.adminEpoch}:${offered.epoch} is not the current ${current.adminEpoch}:${current.epoch}`,
          },
        ]);
      }
      for (const name of Object.keys(draft.attrs)) if (!BOOKKEEPING_ATTRIBUTES.has(name) && !(name in candidate.attrs)) delete draft.attrs[name];
      for (const [name, value] of Object.entries(candidate.attrs)) if (!BOOKKEEPING_ATTRIBUTES.has(name)) draft.attrs[name] = value;
      const i = draft.children.findIndex((c) => c.name === "configuration");
      if (i >= 0) draft.children[i] = configuration;
      else draft.children.unshift(configuration);
    }, source);
  }

  /** Release the state directory. Pending commits finish first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.lock.release();
  }

  private refuseIfInvalid(what: string, cib: XmlElement): void {
    const problems = this.check(cib);
    if (problems.length > 0) throw new CibRefusedError(what, problems);
  }

  private async commit(
    cib: XmlElement,
    texts: SectionTexts,
    kind: Exclude<ChangeKind, "none">,
    previous: CibVersion,
    version: CibVersion,
    source: UpdateSource,
    /** The draft is a copy of the stored CIB (update), not a document from elsewhere (replace). */
    fromStore: boolean,
  ): Promise<CommitResult> {
    writeVersion(cib, version);
    cib.attrs["cib-last-written"] = ctime((this.options.now ?? (() => new Date()))());
    setOrDelete(cib, "update-origin", this.options.origin);
    setOrDelete(cib, "update-client", source.client);
    setOrDelete(cib, "update-user", source.user);
    // One backup per configuration version: the file being replaced is the last state of
    // the previous epoch. Status-only writes do not add backups, or they would push the
    // configuration history out within seconds.
    const configurationMoved = version.adminEpoch !== previous.adminEpoch || version.epoch !== previous.epoch;
    let backup: Backup | undefined;
    const text = serializeCib(cib);
    await writeFileAtomic(this.path, text, {
      beforeRename: async (temp) => {
        if (configurationMoved) backup = await backUpIfPresent(this.dir, this.path, this.keep);
        await this.options.beforeRename?.(temp);
      },
    });
    if (kind === "configuration" || !fromStore) {
      // Read back what was written, so that errors about configuration elements name their
      // line in the stored file.
      this.current = parseXml(text, this.path);
      this.currentTexts = sectionTexts(this.current);
    } else {
      // The configuration, which comes before the status in the file, kept its lines: the
      // copy in hand is as good as a re-read, and status commits are the frequent ones.
      this.current = cib;
      this.currentTexts = texts;
    }
    const result: CommitResult = { kind, previous, version, ...(backup ? { backup } : {}) };
    for (const listener of this.listeners) listener(cloneElement(this.current), result);
    return result;
  }

  private get keep(): number {
    return this.options.keepVersions ?? DEFAULT_KEEP_VERSIONS;
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.path}: the CIB store is closed`));
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function validatorsFor(options: CibStoreOptions): CibValidator[] {
  return [...(options.checkModel === false ? [] : [modelProblems]), ...(options.validators ?? [])];
}

/** Pacemaker's on-disk layout: two-space indentation, one element per line. */
export function serializeCib(cib: XmlElement): string {
  return serializeXml(cib, { indent: 2 });
}

interface SectionTexts {
  configuration: string;
  status: string;
}

function sectionTexts(cib: XmlElement): SectionTexts {
  return { configuration: configurationText(cib), status: statusText(cib) };
}

function configurationText(cib: XmlElement): string {
  const settings = Object.entries(cib.attrs).filter(([name]) => !BOOKKEEPING_ATTRIBUTES.has(name));
  const configuration = child(cib, "configuration");
  return JSON.stringify(settings) + (configuration ? serializeXml(configuration) : "");
}

function statusText(cib: XmlElement): string {
  const status = child(cib, "status");
  return (status ? serializeXml(status) : "") + `|${cib.attrs["have-quorum"] ?? ""}|${cib.attrs["dc-uuid"] ?? ""}`;
}

function classify(before: SectionTexts, after: SectionTexts): ChangeKind {
  if (after.configuration !== before.configuration) return "configuration";
  return after.status !== before.status ? "status" : "none";
}

async function backUpIfPresent(dir: string, path: string, keep: number): Promise<Backup | undefined> {
  try {
    return await backUp(dir, path, keep);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function setOrDelete(el: XmlElement, name: string, value: string | undefined): void {
  if (value === undefined) delete el.attrs[name];
  else el.attrs[name] = value;
}

async function restoreHint(dir: string, path: string): Promise<string> {
  const [newest] = await listBackups(dir);
  return newest
    ? `\nFix it, or restore the newest earlier version with: cp ${newest.path} ${path}`
    : `\nFix it, or move it away to start from an empty CIB.`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The C library's ctime() layout, which Pacemaker uses for `cib-last-written`. */
export function ctime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** A CIB handed to replace(): parsed when text (a parse error refuses the replacement), else
 *  copied, so the caller's tree is never adopted. */
function pushedCib(next: XmlElement | string): XmlElement {
  if (typeof next !== "string") return cloneElement(next);
  try {
    return parseXml(next, "pushed CIB");
  } catch (err) {
    if (!(err instanceof XmlParseError)) throw err;
    throw new CibRefusedError("CIB replacement", [{ message: err.message }]);
  }
}
