#!/bin/bash
# Stand-in for the Azure Pipelines agent's config.sh, written from its
# contract (src/Misc/layoutroot/config.sh and Agent.Listener's CommandSettings):
# refuses root unless AGENT_ALLOW_RUNASROOT is set; takes every input from
# --name value arguments or VSTS_AGENT_INPUT_<NAME> variables; `remove`
# deregisters the agent of .agent. Instead of Azure DevOps it checks the
# token against the SHA-256 in standin.conf and records what it did in
# $STATE_DIR/events.
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=/dev/null
. ./standin.conf
if [[ "$(id -u)" == 0 && -z "${AGENT_ALLOW_RUNASROOT:-}" ]]; then
  echo "Must not run with sudo"; exit 1
fi
cmd=configure
if [[ "${1:-}" == remove ]]; then cmd=remove; shift; fi
token="${VSTS_AGENT_INPUT_TOKEN:-}" url="${VSTS_AGENT_INPUT_URL:-}" pool="${VSTS_AGENT_INPUT_POOL:-}" agent="${VSTS_AGENT_INPUT_AGENT:-}"
while (($#)); do
  case "$1" in
    --token) token="$2"; echo "token-on-command-line" >> "$STATE_DIR/events"; shift ;;
    --url) url="$2"; shift ;;
    --pool) pool="$2"; shift ;;
    --agent) agent="$2"; shift ;;
    --auth|--work) shift ;;
  esac
  shift
done
if [[ -z "$token" ]]; then echo "Enter personal access token > (unattended: missing)"; exit 1; fi
if [[ "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" != "$EXPECTED_TOKEN_SHA256" ]]; then
  echo "VS30063: You are not authorized to access ${url:-the server}."; exit 1
fi
case "$cmd" in
  configure)
    [[ -n "$url" && -n "$pool" && -n "$agent" ]] || { echo "missing url, pool or agent"; exit 1; }
    printf '{"agentName":"%s","poolName":"%s","serverUrl":"%s"}\n' "$agent" "$pool" "$url" > .agent
    printf '{"scheme":"OAuth","data":{"clientId":"standin"}}\n' > .credentials
    echo "configure agent=$agent pool=$pool uid=$(id -u)" >> "$STATE_DIR/events"
    ;;
  remove)
    [[ -f .agent ]] || { echo "The agent is not configured"; exit 1; }
    rm -f .agent .credentials
    echo "remove uid=$(id -u)" >> "$STATE_DIR/events"
    ;;
esac
