// Paths to the project's own test fixtures and to the optional shared conformance cases.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

/** The project root (tests run from dist/test/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export function fixture(...parts: string[]): string {
  return readFileSync(join(ROOT, "test", "fixtures", ...parts), "utf8");
}

/** The shared conformance cases, when present on this machine (tests may skip without them). */
export function conformanceDir(): string | undefined {
  const dir = process.env.PACER_CONFORMANCE_DIR ?? resolve(ROOT, "..", "shared", "conformance", "scheduler");
  return existsSync(join(dir, "exp")) ? dir : undefined;
}
