// Unpacks bzip2 payloads with the system's bzip2 program (see README: why not an npm decoder).
// The child runs with a byte limit, so a decompression bomb costs a killed process, not the
// daemon's memory.
import { spawn } from "node:child_process";
import { ProtocolError } from "./errors.js";

export function bunzip2(data: Buffer, expectedLength: number, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn("bzip2", ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
    } catch (err) {
      reject(new ProtocolError(`cannot run bzip2 to unpack a compressed message: ${(err as Error).message}`));
      return;
    }
    const out: Buffer[] = [];
    let length = 0;
    let stderr = "";
    let failed = false;
    const fail = (msg: string) => {
      if (failed) return;
      failed = true;
      child.kill("SIGKILL");
      reject(new ProtocolError(msg));
    };
    child.on("error", (err) => fail(`cannot run bzip2 to unpack a compressed message: ${err.message}`));
    child.stdout.on("data", (b: Buffer) => {
      length += b.length;
      if (length > limit) fail(`compressed payload unpacks to more than ${limit} bytes`);
      else out.push(b);
    });
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.stdin.on("error", () => {
      // bzip2 exited early (bad data): reported through the exit code
    });
    child.on("close", (code) => {
      if (failed) return;
      if (code !== 0) return fail(`bad bzip2 payload: ${stderr.trim() || `bzip2 exited with ${code}`}`);
      const buf = Buffer.concat(out);
      if (buf.length !== expectedLength) return fail(`bzip2 payload unpacked to ${buf.length} bytes, header said ${expectedLength}`);
      resolve(buf);
    });
    child.stdin.end(data);
  });
}
