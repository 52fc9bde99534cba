#!/usr/bin/env node
// The `pacer` command: the first word picks a sub-command module under ./commands.
// Each sub-command exports `run(args): Promise<number>` (the exit code) and a one-line summary.
import { commands } from "./commands/index.js";
import { CliError } from "./errors.js";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`pacer: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

function usage(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  return `usage: pacer COMMAND [ARGS...]\n\ncommands:\n${lines.join("\n")}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`pacer: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(`pacer: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 70;
    }
  },
);
