// The scheduler against the real crm_simulate: each CIB in test/fixtures/scheduler was run
// through crm_simulate 2.1.5 (tools/make-fixture.sh) and pacer must print the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { crmSimulateFixtureTests } from "./helpers/crm-fixtures.js";

const names = crmSimulateFixtureTests(join(import.meta.dirname, "..", "..", "test", "fixtures", "scheduler"), { scores: true });

test("fixtures are present", () => {
  assert.ok(names.length >= 4);
});
