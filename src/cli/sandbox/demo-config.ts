// The demo's configuration, as the `pacer` commands an administrator would type: N guests,
// each an ocf:pacer:nscontainer container on the host, and one Dummy inside each. Kept as
// data so that `pacer demo` runs it against pacerd and a test runs it against a CIB file
// (`-f`), where crm_simulate can judge the plan.
import type { Sandbox } from "./sandbox.js";

export interface DemoConfigOptions {
  guests: number;
  /** What runs in the containers: pacer-remoted (default) or the real pacemaker-remoted. */
  remoted?: "pacer" | "pacemaker";
  /** Dummy resources per guest (default 1). */
  dummiesPerGuest?: number;
  /** Monitor interval of the Dummies and the containers (default 10s). */
  monitorInterval?: string;
}

export const guestName = (i: number) => `guest${i}`;
export const dummyName = (i: number, j = 1, perGuest = 1) => (perGuest === 1 ? `guest${i}-dummy` : `guest${i}-dummy${j}`);

/**
 * The commands, in order. The cluster is opt-in (symmetric-cluster=false): each resource
 * may run only where a location constraint allows it, so a Dummy waits for its own guest
 * instead of starting on the host while the guest is down. There is no fencing device on a
 * single host (a guest is "fenced" by recovering its container), hence stonith-enabled=false.
 */
export function demoCommands(box: Sandbox, options: DemoConfigOptions): string[][] {
  const interval = options.monitorInterval ?? "10s";
  const perGuest = options.dummiesPerGuest ?? 1;
  const cmds: string[][] = [["property", "set", "stonith-enabled=false", "symmetric-cluster=false"]];
  for (let i = 1; i <= options.guests; i++) {
    const guest = guestName(i);
    const ctr = `${guest}-ctr`;
    const params = Object.entries(box.containerParams(guest, i, options.remoted ?? "pacer")).map(([k, v]) => `${k}=${v}`);
    cmds.push(["resource", "create", ctr, "ocf:pacer:nscontainer", ...params, "op", "monitor", `interval=${interval}`]);
    cmds.push(["guest", "add", guest, "--container", ctr, "--addr", box.guestAddress(i)]);
    cmds.push(["constraint", "location", "add", ctr, box.nodeName, "INFINITY"]);
  }
  for (let i = 1; i <= options.guests; i++) {
    for (let j = 1; j <= perGuest; j++) {
      const d = dummyName(i, j, perGuest);
      cmds.push(["resource", "create", d, "ocf:pacemaker:Dummy", "op", "monitor", `interval=${interval}`]);
      cmds.push(["constraint", "location", "add", d, guestName(i), "INFINITY"]);
    }
  }
  return cmds;
}

/** Shell-quote one word for display, so a printed command can be pasted back. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_.,:=/@%+-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}
