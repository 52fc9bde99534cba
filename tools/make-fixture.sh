#!/usr/bin/env bash
# Regenerates the expected outputs of the scheduler fixtures with the real crm_simulate
# (Pacemaker 2.1.5, package pacemaker-cli-utils): for each test/fixtures/scheduler/NAME.xml,
#   NAME.summary  crm_simulate -x NAME.xml -S          (stderr merged, LC_ALL=C)
#   NAME.scores   crm_simulate -x NAME.xml -sSQ        (allocation scores, sorted)
#   NAME.exp      crm_simulate -x NAME.xml -S -G ...   (transition graph)
# Usage: tools/make-fixture.sh [NAME.xml ...]   (default: all fixtures)
# FIXTURE_DIR=test/fixtures/scheduler-bundle selects another fixture directory.
set -euo pipefail
cd "$(dirname "$0")/../${FIXTURE_DIR:-test/fixtures/scheduler}"
export LC_ALL=C
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(*.xml)
for f in "${files[@]}"; do
  n="${f%.xml}"
  crm_simulate -x "$f" -S > "$n.summary" 2>&1
  crm_simulate -x "$f" -sSQ 2>&1 | sort > "$n.scores"
  crm_simulate -x "$f" -S -G "$n.exp" > /dev/null 2>&1
  echo "made $n.summary $n.scores $n.exp"
done
