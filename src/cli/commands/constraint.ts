// `pacer constraint location|colocation|order add|remove|list` (and `constraint list|remove`).
import { CliError } from "../errors.js";
import * as edit from "../../cib/edit/constraints.js";
import { knownNodes } from "../../cib/edit/nodes.js";
import { expectArgs, printJsonOrText, runFamily, takeOption, type CommonOptions, type Family, type Prepared } from "../admin/runner.js";

export const summary = "add, remove and list location, colocation and order constraints";

const USAGE = `usage: pacer constraint KIND add|remove|list ...

  location add RSC NODE [SCORE] [--role ROLE]    RSC prefers NODE (score INFINITY by default;
                                                 a negative score avoids it)
  location RSC prefers|avoids NODE[=SCORE]...    pcs's form of the same
  colocation add RSC WITH-RSC [SCORE] [--role R] [--with-role R]
                                                 RSC runs where WITH-RSC runs
  order add FIRST THEN [--first-action A] [--then-action A] [--kind Mandatory|Optional|Serialize]
                                                 start THEN after FIRST
  KIND remove ID | remove ID                     remove a constraint
  KIND list | list                               list constraints
ids are generated as pcs does: location-RSC-NODE-SCORE, colocation-RSC-WITH-SCORE,
order-FIRST-THEN-mandatory`;

const KINDS = { location: "rsc_location", colocation: "rsc_colocation", order: "rsc_order" } as const;
type Kind = keyof typeof KINDS;

function listing(opts: CommonOptions, kind?: Kind): Prepared {
  return {
    kind: "read",
    show: (loaded) => {
      const list = edit.listConstraints(loaded.root, kind);
      printJsonOrText(opts.json, { constraints: list }, list.length ? list.map((c) => `${c.type.padEnd(10)} ${c.id}: ${edit.constraintText(c)}`).join("\n") : "no constraints");
      return 0;
    },
  };
}

async function prepare(args: string[], opts: CommonOptions): Promise<Prepared> {
  const [first, ...rest] = args;
  if (first === "list") {
    expectArgs(rest, [], "constraint list");
    return listing(opts);
  }
  if (first === "remove") {
    const [id] = expectArgs(rest, ["ID"], "constraint remove");
    return { kind: "edit", apply: (cib) => edit.removeConstraint(cib, id) };
  }
  if (!(first in KINDS)) throw new CliError(`constraint: expected location, colocation, order, list or remove${first ? `, got '${first}'` : ""}`, 2);
  const kind = first as Kind;
  const [sub, ...words] = rest;
  const what = `constraint ${kind} ${sub ?? ""}`.trim();
  if (sub === "list") {
    expectArgs(words, [], what);
    return listing(opts, kind);
  }
  if (sub === "remove") {
    const [id] = expectArgs(words, ["ID"], what);
    return { kind: "edit", apply: (cib) => edit.removeConstraint(cib, id, KINDS[kind]) };
  }
  const nodesFor = (cib: Parameters<typeof knownNodes>[0]) => (opts.force ? undefined : knownNodes(cib).map((n) => n.name));
  if (kind === "location" && (words[0] === "prefers" || words[0] === "avoids")) {
    // pcs form: location RSC prefers|avoids NODE[=SCORE]...
    const rsc = sub;
    const avoid = words[0] === "avoids";
    const targets = words.slice(1);
    if (rsc === undefined || targets.length === 0) throw new CliError(`constraint location: expected RSC ${words[0]} NODE[=SCORE]...`, 2);
    const pairs = targets.map((t) => {
      const eq = t.indexOf("=");
      const node = eq < 0 ? t : t.slice(0, eq);
      const score = eq < 0 ? "INFINITY" : t.slice(eq + 1);
      return { node, score: avoid ? (score.startsWith("-") ? score : `-${score.replace(/^\+/, "")}`) : score };
    });
    return {
      kind: "edit",
      apply: (cib) => {
        const results = pairs.map((p) => edit.addLocation(cib, rsc, p.node, p.score, nodesFor(cib)));
        return { message: results.map((r) => r.message).join("\n"), changed: "configuration" };
      },
    };
  }
  if (sub !== "add") throw new CliError(`${what}: expected add, remove or list\n${USAGE}`, 2);
  switch (kind) {
    case "location": {
      const role = takeOption(words, "--role");
      const [rsc, node, score] = expectArgs(words, ["RSC", "NODE", "SCORE"], what, 1);
      return { kind: "edit", apply: (cib) => edit.addLocation(cib, rsc, node, score ?? "INFINITY", nodesFor(cib), role) };
    }
    case "colocation": {
      const role = takeOption(words, "--role");
      const withRole = takeOption(words, "--with-role");
      const [rsc, withRsc, score] = expectArgs(words, ["RSC", "WITH-RSC", "SCORE"], what, 1);
      return { kind: "edit", apply: (cib) => edit.addColocation(cib, rsc, withRsc, score ?? "INFINITY", role, withRole) };
    }
    case "order": {
      const firstAction = takeOption(words, "--first-action");
      const thenAction = takeOption(words, "--then-action");
      const k = takeOption(words, "--kind");
      const [a, b] = expectArgs(words, ["FIRST", "THEN"], what);
      return { kind: "edit", apply: (cib) => edit.addOrder(cib, a, b, firstAction ?? "start", thenAction ?? firstAction ?? "start", k ?? "Mandatory") };
    }
  }
}

export const family: Family = { name: "constraint", usage: USAGE, prepare };

export function run(args: string[]): Promise<number> {
  return runFamily(family, args);
}
