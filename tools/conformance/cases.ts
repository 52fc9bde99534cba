// A directory of scheduler regression cases, laid out as Pacemaker's cts/scheduler:
// xml/NAME.xml (input), summary/NAME.summary, exp/NAME.exp, scores/NAME.scores, and the
// optional tiers.txt ("tier N: name name ..."), tests.tsv (name, description, extra args such
// as "-t, 2005-020") and features.csv (tags; `meta:not-in-cts-list` excludes a case).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Case {
  name: string;
  tier?: number;
  /** The -t date Pacemaker passes when producing exp/ and scores/ (not summaries). */
  date?: string;
  dir: string;
}

export interface CaseSet {
  dir: string;
  cases: Case[];
  /** Cases present but not run, with the reason. */
  excluded: { name: string; reason: string }[];
}

export function loadCases(dir: string): CaseSet {
  const names = readdirSync(join(dir, "xml")).filter((f) => f.endsWith(".xml")).map((f) => f.slice(0, -4)).sort();
  const tiers = new Map<string, number>();
  const tiersFile = join(dir, "tiers.txt");
  if (existsSync(tiersFile)) {
    for (const line of readFileSync(tiersFile, "utf8").split("\n")) {
      const m = /^tier (\d+):(.*)$/.exec(line);
      if (m) for (const n of m[2].trim().split(/\s+/)) if (n) tiers.set(n, Number(m[1]));
    }
  }
  const dates = new Map<string, string>();
  const testsFile = join(dir, "tests.tsv");
  if (existsSync(testsFile)) {
    for (const line of readFileSync(testsFile, "utf8").split("\n").slice(1)) {
      const [name, , args] = line.split("\t");
      const m = args ? /-t,\s*(.+)$/.exec(args.trim()) : null;
      if (name && m) dates.set(name, m[1].trim());
    }
  }
  const notListed = new Set<string>();
  const featuresFile = join(dir, "features.csv");
  if (existsSync(featuresFile)) {
    for (const line of readFileSync(featuresFile, "utf8").split("\n")) {
      const [name, features] = line.split(",");
      if (features?.split(";").includes("meta:not-in-cts-list")) notListed.add(name);
    }
  }
  const set: CaseSet = { dir, cases: [], excluded: [] };
  for (const name of names) {
    if (notListed.has(name)) set.excluded.push({ name, reason: "not in Pacemaker's list of tests (stale expected output)" });
    else if (!existsSync(join(dir, "summary", `${name}.summary`))) set.excluded.push({ name, reason: "no summary/ file" });
    else set.cases.push({ name, tier: tiers.get(name), date: dates.get(name), dir });
  }
  return set;
}

export function readCaseFile(c: Case, kind: "xml" | "summary" | "exp" | "scores"): string | undefined {
  const path = join(c.dir, kind, `${c.name}.${kind}`);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}
