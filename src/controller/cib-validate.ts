// Checks a CIB must pass before the store accepts it. The store only needs the document's
// skeleton to be sound (it reads versions and tells configuration from status); whether the
// configuration makes sense is the typed model's job, plugged in as an extra validator.
import type { XmlElement } from "../cib/xml.js";
import { child, describe, walk } from "../cib/xml.js";
import { readVersion, CibVersionError } from "./cib-version.js";

export interface CibProblem {
  /** What is wrong, starting with the element it concerns (see `describe`). */
  message: string;
}

/** A check run on every CIB the store loads or is asked to commit; returns its findings. */
export type CibValidator = (cib: XmlElement) => CibProblem[];

/** The configuration sections Pacemaker's schema requires, in their required order. */
export const REQUIRED_SECTIONS = ["crm_config", "nodes", "resources", "constraints"] as const;

/**
 * Elements whose `id` is not an XML ID in Pacemaker's schema: references to something
 * declared elsewhere (a resource in a set, an object in a tag, a role granted to an ACL
 * target) and user or group names (ACL targets and groups).
 */
const ID_REFERENCES: Record<string, readonly string[] | null> = {
  resource_ref: null,
  obj_ref: null,
  acl_target: null,
  acl_group: null,
  role: ["acl_target", "acl_user", "acl_group"],
};

export function structuralProblems(cib: XmlElement): CibProblem[] {
  const problems: CibProblem[] = [];
  if (cib.name !== "cib") {
    return [{ message: `${describe(cib)}: the root element must be <cib>` }];
  }
  try {
    readVersion(cib);
  } catch (err) {
    if (!(err instanceof CibVersionError)) throw err;
    problems.push({ message: err.message });
  }
  const configuration = child(cib, "configuration");
  if (!configuration) {
    problems.push({ message: `${describe(cib)}: missing <configuration>` });
  } else {
    for (const section of REQUIRED_SECTIONS) {
      if (!child(configuration, section)) problems.push({ message: `${describe(configuration)}: missing <${section}>` });
    }
    problems.push(...duplicateIds(configuration));
  }
  if (!child(cib, "status")) problems.push({ message: `${describe(cib)}: missing <status>` });
  for (const name of ["configuration", "status"]) {
    if (cib.children.filter((c) => c.name === name).length > 1) {
      problems.push({ message: `${describe(cib)}: more than one <${name}>` });
    }
  }
  return problems;
}

/**
 * Ids in the configuration are one namespace (an XML ID each), except cluster node ids,
 * which have their own: Pacemaker lets a node and a resource share a name.
 */
function duplicateIds(configuration: XmlElement): CibProblem[] {
  const problems: CibProblem[] = [];
  const seen = new Map<string, XmlElement>();
  const seenNodes = new Map<string, XmlElement>();
  const parents = new Map<XmlElement, XmlElement>();
  for (const el of walk(configuration)) {
    for (const c of el.children) parents.set(c, el);
    const id = el.attrs.id;
    if (id === undefined) continue;
    const parent = parents.get(el);
    if (id === "") {
      problems.push({ message: `${describe(el)}: empty id` });
      continue;
    }
    if (el.name in ID_REFERENCES) {
      const within = ID_REFERENCES[el.name];
      if (within === null || (parent && within.includes(parent.name))) continue;
    }
    const table = el.name === "node" && parent?.name === "nodes" ? seenNodes : seen;
    const first = table.get(id);
    if (first) problems.push({ message: `${describe(el)}: duplicate id "${id}" (first used by ${describe(first)})` });
    else table.set(id, el);
  }
  return problems;
}

/** Thrown when the store refuses a CIB; `problems` lists every finding, not just the first. */
export class CibRefusedError extends Error {
  constructor(
    readonly what: string,
    readonly problems: CibProblem[],
  ) {
    super(`${what} refused: ${problems.length === 1 ? problems[0].message : problems.map((p) => `\n  - ${p.message}`).join("")}`);
    this.name = "CibRefusedError";
  }
}

/** Run the structural checks and then every extra validator; the extras see only sound skeletons. */
export function validateCib(cib: XmlElement, extra: readonly CibValidator[]): CibProblem[] {
  const problems = structuralProblems(cib);
  if (problems.length > 0) return problems;
  for (const validate of extra) problems.push(...validate(cib));
  return problems;
}
