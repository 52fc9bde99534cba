// `pacer resource restart`: stop the resource (target-role=Stopped), wait until pacerd
// reports it stopped everywhere, then put target-role back as it was.
import { setResourceMeta, findResource } from "../../cib/edit/resources.js";
import { nvpairs } from "../../cib/edit/tree.js";
import { CliError } from "../errors.js";
import { editCib, loadCib } from "./cib-access.js";
import { resourceStates } from "./cluster-state.js";
import type { CommonOptions } from "./runner.js";

export async function restartResource(opts: CommonOptions, id: string, timeoutSec: number): Promise<number> {
  let previous: string | undefined;
  await editCib(opts.target, (first) => {
    previous = nvpairs(findResource(first.root, id), "meta_attributes")["target-role"];
    setResourceMeta(first.root, id, [["target-role", "Stopped"]]);
    return { changed: "configuration" as const };
  }, "pacer resource restart");
  const deadline = Date.now() + timeoutSec * 1000;
  let stopped = false;
  while (Date.now() < deadline) {
    const now = await loadCib(opts.target);
    const s = resourceStates(now.root).find((r) => r.id === id);
    if (s && s.nodes.length === 0) {
      stopped = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await editCib(opts.target, (again) => {
    setResourceMeta(again.root, id, [["target-role", previous]]);
    return { changed: "configuration" as const };
  }, "pacer resource restart");
  if (!stopped) throw new CliError(`resource restart: '${id}' did not stop within ${timeoutSec}s; its target-role is restored`, 1);
  const msg = `restarted '${id}' (stopped, then target-role ${previous ? `back to ${previous}` : "removed"})`;
  process.stdout.write(opts.json ? JSON.stringify({ ok: true, message: msg }) + "\n" : msg + "\n");
  return 0;
}
