// Throw-away agent trees for tests: an OCF provider and an LSB directory in a temp dir.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface AgentTree {
  dir: string;
  /** Resource.d directory to put before the system one in ocfRaPath. */
  raDir: string;
  lsbDir: string;
  /** Scratch directory for state files. */
  stateDir: string;
  addOcf(type: string, body: string): void;
  addLsb(name: string, body: string): void;
  cleanup(): void;
}

export const PROVIDER = "pacertest";

export function makeAgentTree(): AgentTree {
  const dir = mkdtempSync(join(tmpdir(), "pacer-agents-"));
  const raDir = join(dir, "resource.d");
  const lsbDir = join(dir, "init.d");
  const stateDir = join(dir, "state");
  for (const d of [join(raDir, PROVIDER), lsbDir, stateDir]) mkdirSync(d, { recursive: true });
  return {
    dir,
    raDir,
    lsbDir,
    stateDir,
    addOcf(type, body) {
      writeFileSync(join(raDir, PROVIDER, type), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    },
    addLsb(name, body) {
      writeFileSync(join(lsbDir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
