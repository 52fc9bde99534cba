// An LSB init script for tests: start/stop/status on a flag file.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const LSB_SCRIPT = "pacer-lsb-dummy";

export function writeLsbScript(dir: string, flagDir: string): void {
  const flag = join(flagDir, "lsb-dummy.running");
  writeFileSync(
    join(dir, LSB_SCRIPT),
    `#!/bin/sh
### BEGIN INIT INFO
# Provides: ${LSB_SCRIPT}
# Short-Description: test service for pacer
### END INIT INFO
case "$1" in
  start) touch '${flag}' ;;
  stop) rm -f '${flag}' ;;
  status) [ -f '${flag}' ] && exit 0; exit 3 ;;
  *) exit 3 ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
}
