// `pacer remote add|remove`: a remote node reached through an ocf:pacemaker:remote resource.
import { CliError } from "../errors.js";
import { addRemote, removeRemote } from "../../cib/edit/guests.js";
import { expectArgs, runFamily, takeOption, type Family, type Prepared } from "../admin/runner.js";

export const summary = "add or remove a remote node (ocf:pacemaker:remote connection)";

const USAGE = `usage: pacer remote add NAME --server ADDRESS [--port PORT] [--reconnect-interval DURATION]
       pacer remote remove NAME

  add      a connection resource NAME (ocf:pacemaker:remote, monitored every 60s) to the
           remote executor at ADDRESS:PORT (default 3121)
  remove   the connection resource and the constraints naming it`;

async function prepare(args: string[]): Promise<Prepared> {
  const [sub, ...rest] = args;
  if (sub === "add") {
    const server = takeOption(rest, "--server");
    const port = takeOption(rest, "--port");
    const reconnect = takeOption(rest, "--reconnect-interval");
    const [name] = expectArgs(rest, ["NAME"], "remote add");
    if (server === undefined) throw new CliError("remote add: --server ADDRESS is required", 2);
    return { kind: "edit", apply: (cib) => addRemote(cib, name, server, port, reconnect) };
  }
  if (sub === "remove") {
    const [name] = expectArgs(rest, ["NAME"], "remote remove");
    return { kind: "edit", apply: (cib) => removeRemote(cib, name) };
  }
  throw new CliError(`remote: expected add or remove${sub ? `, got '${sub}'` : ""}\n${USAGE}`, 2);
}

export const family: Family = { name: "remote", usage: USAGE, prepare };

export function run(args: string[]): Promise<number> {
  return runFamily(family, args);
}
