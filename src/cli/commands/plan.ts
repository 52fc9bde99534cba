// `pacer plan <modifying command>`: apply the change to a copy of the CIB, run the
// scheduler on it and print the Transition Summary — nothing is stored.
import { CliError } from "../errors.js";
import { planFamily, type Family } from "../admin/runner.js";
import { family as resource } from "./resource.js";
import { family as constraint } from "./constraint.js";
import { family as node } from "./node.js";
import { family as guest } from "./guest.js";
import { family as remote } from "./remote.js";
import { family as property } from "./property.js";

export const summary = "show what a change would do (Transition Summary) without making it";

const FAMILIES: Record<string, Family> = { resource, constraint, node, guest, remote, property };

const USAGE = `usage: pacer plan COMMAND ARGS...   e.g. pacer plan node standby node1
COMMAND is one of: ${Object.keys(FAMILIES).join(", ")} (any sub-command that changes the CIB)`;

export async function run(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "-h" || name === "--help") {
    process.stdout.write(USAGE + "\n");
    return name === undefined ? 2 : 0;
  }
  const family = FAMILIES[name];
  if (!family) throw new CliError(`plan: '${name}' is not a command that changes the CIB\n${USAGE}`, 2);
  return planFamily(family, rest);
}
