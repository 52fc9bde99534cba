// Write one generated CIB to a file: node dist/bench/scheduler-scale/write.js SCENARIO STATE NODES SIZE FILE
import { writeFileSync } from "node:fs";
import { generateCib, type Scenario, type State } from "./generate.js";

const [scenario, state, nodes, size, file] = process.argv.slice(2);
if (!file) {
  console.error("usage: write.js plain|mixed|guests fresh|steady NODES SIZE FILE");
  process.exit(2);
}
writeFileSync(file, generateCib({ scenario: scenario as Scenario, state: state as State, nodes: Number(nodes), size: Number(size) }));
