// `pacer cib show|verify|push`: the whole CIB through the running pacerd.
import { readFileSync } from "node:fs";
import { CliError } from "../errors.js";
import { ApiCallError, ApiClient, ApiUnreachableError } from "../../controller/api-client.js";
import type { CibGetResult, CibReplaceResult, CibVerifyResult } from "../../controller/api-protocol.js";

export const summary = "show, verify or replace the cluster's CIB";

const USAGE = `usage: pacer cib show [--json]
       pacer cib verify FILE [--json]
       pacer cib push FILE [--json]

  show     print the current CIB (configuration and status)
  verify   check FILE as pacerd would check an update, without applying it
  push     replace the CIB with FILE (refused if invalid, or older than the current CIB:
           start from 'pacer cib show' output and edit that)
  --socket PATH   pacerd's socket (default $PACER_SOCKET, else /run/pacer/pacerd.sock)`;

const EXIT_UNAVAILABLE = 69;

export async function run(args: string[]): Promise<number> {
  let json = false;
  let socket: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--json") json = true;
    else if (a === "--socket") {
      socket = args[++i];
      if (socket === undefined) throw new CliError("cib: --socket needs a path", 2);
    } else if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE + "\n");
      return 0;
    } else if (a.startsWith("-")) throw new CliError(`cib: unknown option '${a}'\n${USAGE}`, 2);
    else rest.push(a);
  }
  const [sub, file, ...extra] = rest;
  if (extra.length > 0) throw new CliError(`cib: unexpected argument '${extra[0]}'`, 2);
  const needFile = () => {
    if (file === undefined) throw new CliError(`cib ${sub}: a FILE is required\n${USAGE}`, 2);
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw new CliError(`cib ${sub}: cannot read ${file}: ${(err as Error).message}`, 1);
    }
  };
  const client = new ApiClient(socket);
  try {
    switch (sub) {
      case "show": {
        if (file !== undefined) throw new CliError(`cib show: unexpected argument '${file}'`, 2);
        const r = await client.call<CibGetResult>("cib.get");
        process.stdout.write(json ? JSON.stringify(r) + "\n" : r.xml);
        return 0;
      }
      case "verify": {
        const r = await client.call<CibVerifyResult>("cib.verify", { xml: needFile() });
        if (json) process.stdout.write(JSON.stringify({ file, valid: r.problems.length === 0, problems: r.problems }) + "\n");
        else if (r.problems.length === 0) process.stdout.write(`${file}: valid\n`);
        else process.stderr.write(`${file}: ${r.problems.length} problem(s):\n${r.problems.map((p) => `  - ${p}\n`).join("")}`);
        return r.problems.length === 0 ? 0 : 1;
      }
      case "push": {
        const r = await client.call<CibReplaceResult>("cib.replace", { xml: needFile(), client: "pacer cib push", user: process.env.USER });
        if (json) process.stdout.write(JSON.stringify(r) + "\n");
        else process.stdout.write(r.kind === "none" ? `CIB unchanged (${r.version})\n` : `CIB replaced: ${r.previous} → ${r.version} (${r.kind} changed)\n`);
        return 0;
      }
      default:
        throw new CliError(`cib: expected show, verify or push${sub ? `, got '${sub}'` : ""}\n${USAGE}`, 2);
    }
  } catch (err) {
    if (err instanceof ApiUnreachableError) throw new CliError(err.message, EXIT_UNAVAILABLE);
    if (err instanceof ApiCallError) {
      if (json) {
        process.stdout.write(JSON.stringify({ error: err.error }) + "\n");
        return 1;
      }
      throw new CliError(`cib ${sub}: ${err.message}`, 1);
    }
    throw err;
  } finally {
    client.close();
  }
}
