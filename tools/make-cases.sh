#!/bin/sh
# Turn CIB files into a conformance case directory, with the expected outputs made by the
# real Pacemaker 2.1.5 crm_simulate (package pacemaker-cli-utils), in the same layout as
# Pacemaker's cts/scheduler. Then: PACER_CONFORMANCE_DIR=DIR npm run conformance
#
#   tools/make-cases.sh DIR CIB.xml...
#
# Outputs are produced the way Pacemaker's cts-scheduler produces them: the summary with
# `-S` (stderr merged, LC_ALL=C), the graph with `-G` and the scores with `-s -Q`.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 DIR CIB.xml..." >&2; exit 2; }
command -v crm_simulate >/dev/null || { echo "$0: crm_simulate not found (apt-get install pacemaker-cli-utils)" >&2; exit 1; }
dir=$1; shift
mkdir -p "$dir/xml" "$dir/summary" "$dir/exp" "$dir/scores"
for cib in "$@"; do
  name=$(basename "$cib" .xml)
  cp "$cib" "$dir/xml/$name.xml"
  LC_ALL=C crm_simulate -x "$dir/xml/$name.xml" -S > "$dir/summary/$name.summary" 2>&1 || true
  LC_ALL=C crm_simulate -x "$dir/xml/$name.xml" -G "$dir/exp/$name.exp" > /dev/null 2>&1 || true
  LC_ALL=C crm_simulate -x "$dir/xml/$name.xml" -s -Q > "$dir/scores/$name.scores" 2>&1 || true
  echo "$name"
done
