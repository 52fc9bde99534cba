// `pacer status`: crm_mon -1's view of the cluster, from pacerd's CIB or a file.
import { CliError } from "../errors.js";
import { loadCib } from "../admin/cib-access.js";
import { statusReport } from "../admin/cluster-state.js";
import { COMMON_HELP, splitCommon } from "../admin/runner.js";

export const summary = "cluster status: nodes, resources, failed actions (like crm_mon -1)";

const USAGE = `usage: pacer status [--watch [SEC]] [-f CIB.xml] [--json]

  --watch [SEC]   refresh every SEC seconds (default 5) until interrupted; with --json,
                  one JSON document per line`;

async function once(args: ReturnType<typeof splitCommon>["opts"], clear: boolean): Promise<void> {
  const loaded = await loadCib(args.target, args.target.file === undefined);
  const d = loaded.daemon;
  const report = statusReport(loaded.root, d ? { stack: `pacer (${d.infrastructure})`, dc: d.dc ? d.node : undefined, engine: loaded.engine } : {});
  if (args.json) process.stdout.write(JSON.stringify(report.json) + "\n");
  else process.stdout.write((clear ? "\x1b[H\x1b[2J" : "") + report.text);
}

export async function run(argv: string[]): Promise<number> {
  const { opts, rest, help } = splitCommon(argv);
  if (help) {
    process.stdout.write(`${USAGE}\n\n${COMMON_HELP}\n`);
    return 0;
  }
  let watch: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--watch" || rest[i] === "-w") {
      watch = 5;
      const next = rest[i + 1];
      if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) {
        watch = Number(next);
        i++;
      }
      if (!(watch > 0)) throw new CliError("status: --watch needs a positive number of seconds", 2);
    } else throw new CliError(`status: unexpected argument '${rest[i]}'\n${USAGE}`, 2);
  }
  try {
    await once(opts, watch !== undefined && !opts.json && process.stdout.isTTY === true);
  } catch (err) {
    if (opts.json && err instanceof CliError) {
      process.stdout.write(JSON.stringify({ error: { message: err.message, exitCode: err.exitCode } }) + "\n");
      return err.exitCode;
    }
    throw err;
  }
  if (watch === undefined) return 0;
  const period = watch * 1000;
  for (;;) {
    await new Promise((r) => setTimeout(r, period));
    try {
      await once(opts, !opts.json && process.stdout.isTTY === true);
    } catch (err) {
      // A daemon restart should not end the watch: say so and keep trying.
      if (!(err instanceof CliError)) throw err;
      process.stdout.write(opts.json ? JSON.stringify({ error: { message: err.message } }) + "\n" : `pacer status: ${err.message}\n`);
    }
  }
}
