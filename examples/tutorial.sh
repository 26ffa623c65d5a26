#!/usr/bin/env bash
# The TaskRouter quickstart with plain trctl commands, against a local emulator.
#
#   bash examples/tutorial.sh
#
# Starts `trctl emulator start` in the background (on a free port, with its store in
# TRCTL_DATA_DIR, or a fresh temporary directory), points trctl at it with
# `eval "$(trctl emulator env)"`, plays the tutorial, and stops the emulator on exit.
# The acceptance is the quickstart's REST step; `trctl demo` shows the callback variant too.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
throwaway=""
if [ -z "${TRCTL_DATA_DIR:-}" ]; then
  throwaway="$(mktemp -d)"
  export TRCTL_DATA_DIR="$throwaway"
fi
log="$(mktemp)"

trctl emulator start --port 0 >"$log" 2>&1 &
emulator_pid=$!
cleanup() {
  kill "$emulator_pid" 2>/dev/null || true
  wait "$emulator_pid" 2>/dev/null || true
  rm -f "$log"
  if [ -n "$throwaway" ]; then rm -rf "$throwaway"; fi
}
trap cleanup EXIT

# wait up to 10 s for the emulator to print its environment
for _ in $(seq 100); do
  if grep -q '^export TRCTL_API_URL=' "$log"; then break; fi
  if ! kill -0 "$emulator_pid" 2>/dev/null; then cat "$log" >&2; exit 1; fi
  sleep 0.1
done
if ! grep -q '^export TRCTL_API_URL=' "$log"; then
  echo "the emulator did not start within 10 s:" >&2
  cat "$log" >&2
  exit 1
fi
eval "$(trctl emulator env)"

run() {
  printf '\n$ trctl %s\n' "$*"
  trctl "$@"
}

run workspace apply "$here/quickstart.toml"
export TRCTL_WORKSPACE_SID="TaskRouter Quickstart"
run worker set-activity Alice Offline

printf '\n$ trctl task create --attr selected_language=es\n'
task="$(trctl task create --attr selected_language=es --json \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["sid"])')"
echo "created $task"
run tasks list --status pending

run worker set-activity Alice Idle
run reservations list --task "$task"
run reservation accept "$task"
run worker show Alice
run tasks list
