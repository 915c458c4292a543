#!/usr/bin/env bash
# Mutation testing (make mutate; not part of make test): make one plausible
# mistake at a time in production code and see whether the tests notice.
#
#   tools/mutate.sh go [PACKAGE...]   Go packages that decide behaviour, with
#                                     gremlins (default: config schedule
#                                     constructs stacks preview)
#   tools/mutate.sh scripts [NAME...] the inline Python and agent/start.sh,
#                                     from the list in tools/mutate_scripts.py
#   tools/mutate.sh all               both
#
# Everything runs on a copy of the repository's files (tracked and new, not
# ignored ones: no node_modules, cdk.out or bin), so the work tree is never
# mutated. Reports go to $MUTATE_OUT (default cdk.out/mutate): per package
# the gremlins log and JSON, the scripts log, and summary-<mode>.txt with
# the scores and every survivor.
# Settings: WORKERS (gremlins workers, default 1: a test run of a CDK package
# already uses both cores), GREMLINS_TIMEOUT_COEFFICIENT (default 10).
#
# Cost on a 2-core machine: schedule about 2 minutes, config about 10; a CDK
# package (constructs, stacks, preview) recompiles and starts jsii for each
# mutant, tens of seconds each (docs/development.md has the measured times).
set -euo pipefail

# gremlins, pinned: the module proxy serves it, `@latest` does not resolve
# here.
GREMLINS="github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${MUTATE_OUT:-$root/cdk.out/mutate}"
mode="${1:-all}"
[[ $# -gt 0 ]] && shift
mkdir -p "$out"

copy="$(mktemp -d /tmp/hubspoke-mutate.XXXXXX)"
trap 'chmod -R u+w "$copy" 2>/dev/null; rm -rf "$copy"' EXIT
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$copy")

export CDK_VALIDATION="${CDK_VALIDATION:-false}" JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
summary="$out/summary-$mode.txt"
: > "$summary"

run_go() {
  local pkgs=("$@")
  [[ ${#pkgs[@]} -gt 0 ]] || pkgs=(config schedule constructs stacks preview)
  for p in "${pkgs[@]}"; do
    echo "== gremlins on ./$p" >&2
    local start=$SECONDS
    (cd "$copy" && go run "$GREMLINS" unleash --workers "${WORKERS:-1}" \
      --timeout-coefficient "${GREMLINS_TIMEOUT_COEFFICIENT:-10}" \
      --output "$out/$p.json" "./$p") > "$out/$p.log" 2>&1 || true
    # gremlins reports a mutant that does not compile (a + on strings made
    # a -) as KILLED: tools/nonviable lists those places, and the score is
    # given again without them.
    (cd "$copy" && go run ./tools/nonviable "./$p") > "$out/$p.nonviable" 2>>"$out/$p.log" || true
    {
      echo "./$p ($((SECONDS - start)) s):"
      grep -E '^(Killed|Timed out|Test efficacy|Mutator coverage)' "$out/$p.log" | sed 's/^/  /'
      python3 "$root/tools/mutate_score.py" "$out/$p.json" "$out/$p.nonviable"
      grep -E 'LIVED|NOT COVERED' "$out/$p.log" | sed 's/^ */  /'
    } | tee -a "$summary"
  done
}

run_scripts() {
  echo "== inline Python and agent/start.sh" >&2
  # Fails (pipefail) when a mutation's piece is stale.
  python3 "$root/tools/mutate_scripts.py" "$copy" "$@" | tee "$out/scripts.log" | tee -a "$summary"
}

case "$mode" in
  go) run_go "$@" ;;
  scripts) run_scripts "$@" ;;
  all) run_go; run_scripts ;;
  *) sed -n '2,12p' "$0" >&2; exit 2 ;;
esac
echo "summary: $summary" >&2
