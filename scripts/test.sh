#!/usr/bin/env bash
# Runs the whole test suite: the README's test command, and what CI runs (.ci/run).
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter "Category!=Slow"]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# The registry's PostgreSQL tests connect here (the private server setup started); an explicit setting wins.
if [ -z "${TWINFORGE_TEST_POSTGRES:-}" ] && bash scripts/postgres.sh status; then
  TWINFORGE_TEST_POSTGRES=$(bash scripts/postgres.sh connection-string)
  export TWINFORGE_TEST_POSTGRES
fi
if [ -z "${TWINFORGE_TEST_POSTGRES:-}" ]; then
  echo "test: no PostgreSQL server; the registry's PostgreSQL tests will be skipped (they fail when CI=true)" >&2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --blame: when a test host crashes, the run names the test that was running (and keeps its sequence file).
dotnet test Twinforge.slnx --configuration Release --blame "$@" 2>&1 | tee "$log" || status=$?

# One plain summary line over all test assemblies, e.g. "tests: 41 passed, 0 failed, 0 skipped"; an assembly whose
# test host crashed counts only the tests it finished, so the line says so.
awk '/(Passed|Failed)! +- +Failed:/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     /^Test Run Aborted/ { a += 1 }
     END { printf "tests: %d passed, %d failed, %d skipped", p, f, s
           if (a > 0) printf "; %d test run%s aborted (a test host crashed: the test running then is named above)", a, (a > 1 ? "s" : "")
           printf "\n" }' "$log"
exit "$status"
