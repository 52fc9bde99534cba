// `pacer rule --check`: crm_rule's twin. Says whether rules of a CIB are in effect at a given
// time, with crm_rule's messages and exit codes (0 in effect, 110 expired, 111 not yet in
// effect, 105 no such rule). Unlike crm_rule 2.1.5, which only takes rules made of a single
// date expression, any rule can be checked: node attribute expressions are evaluated against a
// node of the CIB (--node) and/or attributes given on the command line (--attr).
import { readFileSync } from "node:fs";
import { optionWords } from "../options.js";
import { CliError } from "../errors.js";
import { buildIdIndex, resolveRef } from "../../cib/id-index.js";
import { parseIsoDate } from "../../cib/iso8601.js";
import { evaluateNvsets } from "../../cib/nvset.js";
import { evaluateRule } from "../../cib/rules/index.js";
import { child, childrenNamed, parseXml, walk, type XmlElement } from "../../cib/xml.js";

export const summary = "check whether rules of a CIB are in effect, like crm_rule";

const USAGE = `usage: pacer rule --check -r RULE [-r RULE...] (-X XML | -x FILE) [-d DATE] [-N NODE] [-a NAME=VALUE...]

  -c, --check              check whether each rule is in effect (the only mode)
  -r, --rule ID            a rule to check (repeatable)
  -X, --xml-text XML       the CIB as text ("-" reads standard input)
  -x, --xml-file FILE      the CIB from a file
  -d, --date DATE          when to check (ISO 8601; default: now). A time without an
                           offset is local time, as in Pacemaker
  -N, --node NAME          evaluate node attribute expressions on this node of the CIB
  -a, --attr NAME=VALUE    a node attribute for expressions (repeatable; overrides --node)

exit status: 0 in effect, 110 expired (or not satisfied), 111 not yet in effect,
105 no such rule, 2 bad usage, 65 bad CIB`;

/** Exit codes Pacemaker's tools use for these outcomes. */
const EXIT = { ok: 0, usage: 2, noSuchRule: 105, expired: 110, notYet: 111, dataErr: 65, noInput: 66 } as const;

interface Args {
  check: boolean;
  rules: string[];
  xmlText?: string;
  xmlFile?: string;
  date?: string;
  node?: string;
  attrs: [string, string][];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { check: false, rules: [], attrs: [] };
  for (const { name: arg, raw, value } of optionWords(argv, (name) => new CliError(`rule: option ${name} needs a value\n${USAGE}`, EXIT.usage))) {
    switch (arg) {
      case "-c":
      case "--check":
        a.check = true;
        break;
      case "-r":
      case "--rule":
        a.rules.push(value());
        break;
      case "-X":
      case "--xml-text":
        a.xmlText = value();
        break;
      case "-x":
      case "--xml-file":
        a.xmlFile = value();
        break;
      case "-d":
      case "--date":
        a.date = value();
        break;
      case "-N":
      case "--node":
        a.node = value();
        break;
      case "-a":
      case "--attr": {
        const pair = value();
        const at = pair.indexOf("=");
        if (at <= 0) throw new CliError(`rule: --attr needs NAME=VALUE, got '${pair}'`, EXIT.usage);
        a.attrs.push([pair.slice(0, at), pair.slice(at + 1)]);
        break;
      }
      case "-h":
      case "--help":
        a.check = false;
        a.rules = ["--help"];
        return a;
      default:
        throw new CliError(`rule: unknown option '${raw}'\n${USAGE}`, EXIT.usage);
    }
  }
  return a;
}

function readCib(args: Args): XmlElement {
  let text: string;
  let name: string;
  if (args.xmlText !== undefined && args.xmlFile !== undefined) throw new CliError("rule: give the CIB once (-X or -x)", EXIT.usage);
  if (args.xmlText !== undefined) {
    name = args.xmlText === "-" ? "<stdin>" : "<xml-text>";
    text = args.xmlText === "-" ? readFileSync(0, "utf8") : args.xmlText;
  } else if (args.xmlFile !== undefined) {
    name = args.xmlFile;
    try {
      text = readFileSync(args.xmlFile, "utf8");
    } catch (e) {
      throw new CliError(`rule: cannot read ${args.xmlFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.noInput);
    }
  } else throw new CliError(`rule: no CIB given (use -X XML or -x FILE)\n${USAGE}`, EXIT.usage);
  try {
    return parseXml(text, name);
  } catch (e) {
    throw new CliError(`rule: ${(e as Error).message}`, EXIT.dataErr);
  }
}

/** The attributes a rule sees for a node of the CIB: its instance attributes and built-ins. */
function nodeAttributes(cib: XmlElement, name: string, now: number, utcOffset: number, index: ReturnType<typeof buildIdIndex>): Map<string, string> {
  const nodes = child(child(cib, "configuration") ?? cib, "nodes");
  const node = nodes && childrenNamed(nodes, "node").find((n) => n.attrs.uname === name);
  if (!node) throw new CliError(`rule: no node named '${name}' in the CIB`, EXIT.dataErr);
  const attrs = evaluateNvsets(node, "instance_attributes", { now, utcOffset, node: new Map([["#uname", name]]) }, index);
  attrs.set("#uname", name);
  if (node.attrs.id !== undefined) attrs.set("#id", node.attrs.id);
  attrs.set("#kind", node.attrs.type === "remote" ? "remote" : "cluster");
  attrs.set("#is_dc", String(cib.attrs["dc-uuid"] !== undefined && cib.attrs["dc-uuid"] === node.attrs.id));
  return attrs;
}

/**
 * Whether a rule that is false now becomes true at one of its next changes (a rule whose
 * only date condition is an "lt" still in effect changes too, but only to false).
 */
function takesEffectLater(rule: XmlElement, next: number | undefined, utcOffset: number, node: Map<string, string>, index: ReturnType<typeof buildIdIndex>): boolean {
  for (let step = 0; next !== undefined && step < 16; step++) {
    const r = evaluateRule(rule, { now: next, utcOffset, node }, index);
    if (r.matched) return true;
    next = r.nextChange;
  }
  return false;
}

/** Seconds east of UTC on this host right now (Pacemaker reads offset-less times this way). */
function hostUtcOffset(): number {
  return -new Date().getTimezoneOffset() * 60;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.rules[0] === "--help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (!args.check) throw new CliError(`rule: say what to do (--check)\n${USAGE}`, EXIT.usage);
  if (args.rules.length === 0) throw new CliError(`rule: name at least one rule (-r ID)\n${USAGE}`, EXIT.usage);
  const utcOffset = hostUtcOffset();
  let now = Math.floor(Date.now() / 1000);
  if (args.date !== undefined) {
    const at = parseIsoDate(args.date, { localOffset: utcOffset });
    if (at === undefined) throw new CliError(`rule: invalid date '${args.date}' (expected ISO 8601, e.g. 2024-01-31 12:00:00 +01:00)`, EXIT.usage);
    now = at;
  }
  const cib = readCib(args);
  let index;
  try {
    index = buildIdIndex(cib);
  } catch (e) {
    throw new CliError(`rule: ${(e as Error).message}`, EXIT.dataErr);
  }
  const node = args.node !== undefined ? nodeAttributes(cib, args.node, now, utcOffset, index) : new Map<string, string>();
  for (const [k, v] of args.attrs) node.set(k, v);

  let code: number = EXIT.ok;
  for (const id of args.rules) {
    const target = index.get(id);
    if (!target || target.name !== "rule") {
      process.stderr.write(`Could not determine whether rule ${id} is in effect: Rule not found\n`);
      code = EXIT.noSuchRule;
      continue;
    }
    let result;
    try {
      result = evaluateRule(target, { now, utcOffset, node }, index);
    } catch (e) {
      process.stderr.write(`Could not determine whether rule ${id} is in effect: ${(e as Error).message}\n`);
      code = EXIT.dataErr;
      continue;
    }
    const usesDateSpec = [...walk(resolveRef(target, index))].some((el) => el.name === "date_spec");
    if (result.matched) {
      process.stdout.write(usesDateSpec ? `Rule ${id} satisfies conditions\n` : `Rule ${id} is still in effect\n`);
      code = EXIT.ok;
    } else if (takesEffectLater(target, result.nextChange, utcOffset, node, index)) {
      process.stdout.write(`Rule ${id} has not yet taken effect\n`);
      code = EXIT.notYet;
    } else {
      process.stdout.write(`Rule ${id} is expired\n`);
      code = EXIT.expired;
    }
  }
  return code;
}
