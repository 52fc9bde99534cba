// The registry of `pacer` sub-commands. Add one line per command module.
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

import * as authkey from "./authkey.js";
import * as cib from "./cib.js";
import * as rule from "./rule.js";
import * as simulate from "./simulate.js";

export const commands: Record<string, Command> = {
  authkey,
  cib,
  rule,
  simulate,
};
