#!/usr/bin/env bash
# Registers one Azure Pipelines agent, runs one job, deregisters.
set -euo pipefail

: "${AZP_URL:?AZP_URL is not set}"
: "${AZP_TOKEN:?AZP_TOKEN is not set (ECS injects it from the hub secret)}"
AZP_POOL="${AZP_POOL:-Default}"
# Fargate gives every task its own hostname: agent names stay unique.
AZP_AGENT_NAME="${AZP_AGENT_NAME:-agent}-$(hostname)"

# Keep the token out of the job's environment.
token_file="$(mktemp)"
chmod 600 "$token_file"
printf '%s' "$AZP_TOKEN" > "$token_file"
unset AZP_TOKEN

# shellcheck disable=SC2317 # also invoked by the trap
deregister() {
  ./config.sh remove --unattended --auth PAT --token "$(cat "$token_file")" || true
  rm -f "$token_file"
}
# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
  echo "stop requested: deregistering ${AZP_AGENT_NAME}"
  if [[ -n "${runner:-}" ]]; then
    kill -TERM "$runner" 2>/dev/null || true
  fi
  deregister
  exit 143
}
trap on_signal TERM INT

./config.sh --unattended --replace --acceptTeeEula \
  --url "$AZP_URL" --pool "$AZP_POOL" --agent "$AZP_AGENT_NAME" \
  --auth PAT --token "$(cat "$token_file")" --work _work

./run.sh --once &
runner=$!
wait "$runner" || status=$?
deregister
exit "${status:-0}"
