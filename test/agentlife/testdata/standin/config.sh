#!/bin/bash
# Stand-in for the Azure Pipelines agent's config.sh, written from its
# contract (src/Misc/layoutroot/config.sh and Agent.Listener's CommandSettings):
# refuses root unless AGENT_ALLOW_RUNASROOT is set; takes every input from
# --name value arguments or VSTS_AGENT_INPUT_<NAME> variables; `remove`
# deregisters the agent of .agent.
#
# Against a stand-in organization server (the URL is http://127.0.0.1:...,
# internal/azdostandin) it registers and removes through the REST calls the
# real one makes (Agent.Listener/Configuration/ConfigurationManager.cs and
# ConfigurationProvider.cs): GET _apis/connectionData (connect), GET
# pools?poolName= (first match, else "Agent agent pool not found"), GET
# pools/{id}/agents?agentName= (an agent of that name: --replace updates it
# with PUT, unattended without --replace fails), else POST pools/{id}/agents
# with a TaskAgent (name, authorization.publicKey, maxParallelism 1,
# provisioningState, version, osDescription, systemCapabilities); remove:
# DELETE pools/{poolId}/agents/{agentId}. The token goes as Basic auth (--auth
# PAT), to curl on stdin, never on a command line.
# Otherwise (lifecycle tests, no server) it checks the token against the
# SHA-256 in standin.conf. Either way it records what it did in
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
replace=""
while (($#)); do
  case "$1" in
    --token) token="$2"; echo "token-on-command-line" >> "$STATE_DIR/events"; shift ;;
    --url) url="$2"; shift ;;
    --pool) pool="$2"; shift ;;
    --agent) agent="$2"; shift ;;
    --replace) replace=1 ;;
    --auth|--work) shift ;;
  esac
  shift
done
if [[ -z "$token" ]]; then echo "Enter personal access token > (unattended: missing)"; exit 1; fi
if [[ "$cmd" == remove && -f .agent ]]; then url="$(jq -r .serverUrl .agent)"; fi

if [[ "$url" == http://127.0.0.1:* ]]; then
  auth="$(printf ':%s' "$token" | base64 -w0)"
  api() { # api METHOD PATH [BODY] -> body on stdout; HTTP status in $code
    local out
    out="$(printf 'header = "Authorization: Basic %s"\n' "$auth" | curl -sS --max-time 20 -K - -X "$1" \
      -H 'Content-Type: application/json' ${3:+--data "$3"} -w '\n%{http_code}' "${url%/}/_apis/$2")" || { code=000; body="$out"; return 0; }
    code="${out##*$'\n'}"; body="${out%$'\n'*}"
  }
  fail() { echo "$1: HTTP $code $(jq -r '.message? // empty' <<<"$body" 2>/dev/null)"; exit 1; }
  api GET connectionData
  [[ "$code" == 200 ]] || fail "VS30063: You are not authorized to access ${url}"
  case "$cmd" in
    configure)
      [[ -n "$url" && -n "$pool" && -n "$agent" ]] || { echo "missing url, pool or agent"; exit 1; }
      api GET "distributedtask/pools?poolName=$(jq -rn --arg p "$pool" '$p|@uri')&api-version=7.1"
      pool_id="$(jq -r '.value[0].id // empty' <<<"$body")"
      [[ -n "$pool_id" ]] || { echo "Agent pool not found: '$pool'"; exit 1; }
      api GET "distributedtask/pools/$pool_id/agents?agentName=$(jq -rn --arg a "$agent" '$a|@uri')&api-version=7.1"
      existing="$(jq -r '.value[0].id // empty' <<<"$body")"
      # A throwaway RSA modulus stands in for the agent's key pair.
      modulus="$(head -c 256 /dev/urandom | base64 -w0)"
      task_agent="$(jq -cn --arg n "$agent" --arg m "$modulus" '{name: $n, version: "4.261.0", osDescription: "Linux (stand-in)",
        maxParallelism: 1, provisioningState: "Provisioned", authorization: {publicKey: {exponent: "AQAB", modulus: $m}},
        systemCapabilities: {"Agent.Name": $n, "Agent.OS": "Linux", "Agent.OSArchitecture": "X64", "Agent.Version": "4.261.0",
          "git": "/usr/bin/git", "curl": "/usr/bin/curl", "sh": "/usr/bin/sh"}}')"
      if [[ -n "$existing" ]]; then
        [[ -n "$replace" ]] || { echo "Pool $pool_id already contains an agent with name $agent."; exit 1; }
        api PUT "distributedtask/pools/$pool_id/agents/$existing?api-version=7.1" "$task_agent"
      else
        api POST "distributedtask/pools/$pool_id/agents?api-version=7.1" "$task_agent"
      fi
      [[ "$code" == 200 ]] || fail "Failed to add the agent"
      agent_id="$(jq -r .id <<<"$body")"
      jq -cn --arg n "$agent" --arg p "$pool" --arg u "$url" --argjson pid "$pool_id" --argjson aid "$agent_id" \
        '{agentId: $aid, agentName: $n, poolId: $pid, poolName: $p, serverUrl: $u}' > .agent
      ;;
    remove)
      [[ -f .agent ]] || { echo "The agent is not configured"; exit 1; }
      api DELETE "distributedtask/pools/$(jq -r .poolId .agent)/agents/$(jq -r .agentId .agent)?api-version=7.1"
      [[ "$code" == 204 || "$code" == 200 ]] || fail "Failed to remove the agent"
      ;;
  esac
elif [[ "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" != "$EXPECTED_TOKEN_SHA256" ]]; then
  echo "VS30063: You are not authorized to access ${url:-the server}."; exit 1
elif [[ "$cmd" == configure ]]; then
  [[ -n "$url" && -n "$pool" && -n "$agent" ]] || { echo "missing url, pool or agent"; exit 1; }
  printf '{"agentName":"%s","poolName":"%s","serverUrl":"%s"}\n' "$agent" "$pool" "$url" > .agent
fi
case "$cmd" in
  configure)
    printf '{"scheme":"OAuth","data":{"clientId":"standin"}}\n' > .credentials
    echo "configure agent=$agent pool=$pool uid=$(id -u)" >> "$STATE_DIR/events"
    ;;
  remove)
    [[ -f .agent ]] || { echo "The agent is not configured"; exit 1; }
    rm -f .agent .credentials
    echo "remove uid=$(id -u)" >> "$STATE_DIR/events"
    ;;
esac
