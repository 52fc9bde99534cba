// `pacer simulate`: crm_simulate's twin. Reads a CIB, runs the scheduler on it and prints
// what crm_simulate prints: the summary (-S), the allocation scores (-s); -G saves the graph.
import { readFileSync, writeFileSync } from "node:fs";
import { optionWords } from "../options.js";
import { CliError } from "../errors.js";
import { simulate } from "../simulate/run.js";
import { parseIsoDate } from "../../cib/iso8601.js";
import { serializeXml } from "../../cib/xml.js";
import { loadCib } from "../admin/cib-access.js";

export const summary = "run the scheduler on a CIB file or the live CIB, like crm_simulate";

const USAGE = `usage: pacer simulate [-x FILE | --socket PATH] [-S] [-G GRAPH] [-s] [-t DATE]

  -x, --xml-file FILE       the CIB to schedule (configuration and status); without it,
                            the live CIB is fetched from pacerd
  --socket PATH             pacerd's socket (default $PACER_SOCKET, else /run/pacer/pacerd.sock)
  -S, --simulate            print the summary: current status, transition summary,
                            simulated execution, revised status
  -G, --save-graph FILE     write the transition graph XML to FILE
  -s, --show-scores         print the allocation scores
  -t, --set-datetime DATE   "now" for rules and failure timeouts (ISO 8601)`;

interface Args {
  xml?: string;
  simulate: boolean;
  graph?: string;
  scores: boolean;
  date?: string;
  socket?: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { simulate: false, scores: false };
  for (const { name: arg, raw, value } of optionWords(argv, (name) => new CliError(`option ${name} needs a value\n${USAGE}`, 2))) {
    switch (arg) {
      case "-x":
      case "--xml-file":
        a.xml = value();
        break;
      case "--socket":
        a.socket = value();
        break;
      case "-S":
      case "--simulate":
        a.simulate = true;
        break;
      case "-G":
      case "--save-graph":
        a.graph = value();
        break;
      case "-s":
      case "--show-scores":
        a.scores = true;
        break;
      case "-t":
      case "--set-datetime":
        a.date = value();
        break;
      case "-h":
      case "--help":
        process.stdout.write(USAGE + "\n");
        process.exit(0);
        break;
      default:
        throw new CliError(`unknown option '${raw}'\n${USAGE}`, 2);
    }
  }
  return a;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  let text: string;
  if (args.xml === undefined) {
    // The live CIB: what pacerd would schedule now.
    text = serializeXml((await loadCib({ socket: args.socket })).root);
    args.xml = "live CIB";
  } else {
    try {
      text = readFileSync(args.xml, "utf8");
    } catch (e) {
      throw new CliError(`cannot read ${args.xml}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 66);
    }
  }
  let now: number | undefined;
  if (args.date !== undefined) {
    now = parseIsoDate(args.date);
    if (now === undefined) throw new CliError(`invalid date '${args.date}' (expected ISO 8601, e.g. 2024-01-31T12:00:00Z)`, 2);
  }
  let result;
  try {
    result = simulate(text, { fileName: args.xml, now, wantScores: args.scores });
  } catch (e) {
    const err = e as Error;
    if (err.name === "CibError" || err.name === "XmlParseError") throw new CliError(err.message, 65);
    throw e;
  }
  if (args.simulate) process.stdout.write(result.summary);
  else if (!args.scores) process.stdout.write(result.summary.slice(0, result.summary.indexOf("\nTransition Summary:") + 1));
  if (args.scores && result.scores !== undefined) process.stdout.write(result.scores);
  if (args.graph !== undefined) {
    try {
      writeFileSync(args.graph, result.graphXml);
    } catch (e) {
      throw new CliError(`cannot write ${args.graph}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 73);
    }
  }
  return 0;
}
