#!/usr/bin/env bash
# make demo: run encimport end to end against an in-process sandbox on the
# sample spreadsheets. The sandbox world is kept in a temporary state file so
# the runs see each other's changes; reports land in demo-out/.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=./bin/encimport
out=demo-out
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
# apply --yes below: run from a terminal, apply would otherwise ask before writing
common=(--sandbox --sandbox-state "$work/world.json" --state-dir "$work/state")

step() { printf '\n==> %s\n' "$*"; }
run() {
  "$@"
  rc=$?
  case $rc in
    0) echo "(exit 0: every row done)";;
    3) echo "(exit 3: finished; some rows invalid or failed, see the report)";;
    *) echo "(exit $rc)"; exit $rc;;
  esac
}

step "check the instance first (read-only: token, caller, rights and scope)"
run $bin check --sandbox

step "validate samples/mixed.xlsx (offline; deliberate mistakes)"
run $bin validate samples/mixed.xlsx --report "$out/mixed-validate.csv"

step "apply samples/onboarding.xlsx (new hires)"
run $bin apply --yes "${common[@]}" samples/onboarding.xlsx --report "$out/onboarding-report.csv"

step "apply samples/reorg.csv (moves between branches)"
run $bin apply --yes "${common[@]}" samples/reorg.csv --report "$out/reorg-report.csv"

step "apply samples/onboarding.xlsx again (safe to re-run: nothing changes)"
run $bin apply --yes "${common[@]}" samples/onboarding.xlsx --report "$out/onboarding-rerun-report.csv"

step "reports"
ls -1 "$out"/*.csv
