// The registry of `pacer` sub-commands. Add one line per command module.
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

import * as authkey from "./authkey.js";
import * as cib from "./cib.js";
import * as constraint from "./constraint.js";
import * as demo from "./demo.js";
import * as guest from "./guest.js";
import * as node from "./node.js";
import * as plan from "./plan.js";
import * as property from "./property.js";
import * as remote from "./remote.js";
import * as resource from "./resource.js";
import * as rule from "./rule.js";
import * as simulate from "./simulate.js";
import * as status from "./status.js";

export const commands: Record<string, Command> = {
  status,
  resource,
  constraint,
  node,
  guest,
  remote,
  property,
  plan,
  simulate,
  cib,
  authkey,
  rule,
  demo,
};
