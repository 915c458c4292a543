#!/usr/bin/env bash
# The agent container's supervisor. tini (PID 1) starts it as root; it
#   1. registers one Azure Pipelines agent (token in config.sh's environment
#      only, never on a command line or in a file),
#   2. runs the agent listener for one job (--once) as the unprivileged agent
#      user, with a clean environment: no token, no AWS or ECS endpoints,
#   3. protects the task from ECS scale-in while a job runs (ECS agent's
#      task-protection endpoint) and lifts the protection when it ends,
#   4. deregisters and exits; ECS then starts a fresh task if the desired
#      count asks for one.
# SIGTERM (scale-in, refresh, deployment, Spot reclaim, StopTask): the
# listener is told to stop (it cancels a running job), gets until the stop
# budget, then the agent is deregistered. An idle agent exits in seconds.
#
# Settings (environment):
#   AZP_URL, AZP_TOKEN (required), AZP_POOL (Default), AZP_AGENT_NAME (agent)
#   AZP_MAX_JOB_MINUTES       protection expiry while a job runs (120; 1-2880)
#   AZP_STOP_TIMEOUT_SECONDS  the task's stop timeout (120)
#   AZP_AGENT_USER            user the listener and jobs run as (agent)
#   AZP_AGENT_HOME            the agent folder (the folder of this script)
#   AZP_POLL_SECONDS          how often to look for a running job (1)
set -euo pipefail

log() { printf 'start.sh: %s\n' "$*" >&2; }

: "${AZP_URL:?AZP_URL is not set}"
if [[ -z "${AZP_TOKEN:-}" ]]; then
  log "AZP_TOKEN is not set (ECS injects it from the hub secret)"
  exit 2
fi
# The token stays in this root process's memory; the variable leaves its
# environment so that no child inherits it by accident. (The environment the
# process started with stays in /proc/<pid>/environ, readable by root only.)
token="$AZP_TOKEN"
unset AZP_TOKEN
pool="${AZP_POOL:-Default}"
# Fargate gives every task its own hostname: agent names stay unique.
agent_name="${AZP_AGENT_NAME:-agent}-$(hostname)"
max_job_minutes="${AZP_MAX_JOB_MINUTES:-120}"
stop_timeout="${AZP_STOP_TIMEOUT_SECONDS:-120}"
poll="${AZP_POLL_SECONDS:-1}"
agent_user="${AZP_AGENT_USER:-agent}"
agent_home="${AZP_AGENT_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
ecs_agent_uri="${ECS_AGENT_URI:-}"
# Deregistration gets what is left of the stop timeout after the listener's
# share; 25 s is ample for `config.sh remove`.
listener_budget=$(( stop_timeout > 35 ? stop_timeout - 25 : stop_timeout / 2 ))

# Check-only mode (the smoke check after a deploy): the task pulled the image
# and received the token, which is all ECS does; now prove the token opens
# the organization and sees the pool, without registering an agent or taking
# a job, and exit. The token goes to curl on stdin, never on its command line.
if [[ "${AZP_CHECK_ONLY:-}" == true ]]; then
  auth="$(printf ':%s' "$token" | base64 -w0)"
  api() { # api PATH -> body on stdout; HTTP status in $code
    local out
    out="$(printf 'header = "Authorization: Basic %s"\n' "$auth" | curl -sS --max-time 20 -K - \
      -w '\n%{http_code}' "${AZP_URL%/}/_apis/$1" 2>&1)" || { code=000; body="$out"; return 0; }
    code="${out##*$'\n'}"; body="${out%$'\n'*}"
  }
  api "connectionData"
  case "$code" in
    200) ;;
    000) log "check failed: cannot reach ${AZP_URL}: ${body}"; exit 3 ;;
    401|403) log "check failed: ${AZP_URL} rejected the token (HTTP ${code}): renew the PAT (scope Agent Pools: read & manage) and put it into the hub secret"; exit 4 ;;
    *) log "check failed: ${AZP_URL}/_apis/connectionData answered HTTP ${code}: is AZP_URL the organization URL (https://dev.azure.com/your-org)?"; exit 5 ;;
  esac
  if ! grep -q '"authenticatedUser"' <<<"$body" || grep -q '"isActive":false' <<<"$body"; then
    log "check failed: ${AZP_URL} did not accept the token as a user (anonymous answer): renew the PAT"; exit 4
  fi
  api "distributedtask/pools?poolName=$(jq -rn --arg p "$pool" '$p|@uri')&api-version=7.1"
  if [[ "$code" != 200 ]] || [[ "$(jq -r '.count // 0' <<<"$body" 2>/dev/null)" == 0 ]]; then
    log "check failed: agent pool '${pool}' does not exist in ${AZP_URL} or the token cannot see it (HTTP ${code})"; exit 6
  fi
  log "check ok: image pulled, token received from the hub, ${AZP_URL} accepts it, pool '${pool}' exists"
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  log "must start as root (the image's entrypoint does): it runs jobs as ${agent_user}, a user that cannot read the token"
  exit 2
fi
agent_uid="$(id -u "$agent_user")"
agent_gid="$(id -g "$agent_user")"
agent_user_home="$(getent passwd "$agent_user" | cut -d: -f6)"
cd "$agent_home"

# Root's own runs of config.sh write their diagnostics here, out of the
# agent user's reach (the listener writes _diag, which that user owns).
root_diag="$(mktemp -d /tmp/azp-root-diag.XXXXXX)"
trap 'rm -rf "$root_diag"' EXIT # every way out

# with_agent_config runs config.sh as root with only the settings it needs
# and the token in VSTS_AGENT_INPUT_TOKEN (the agent reads configuration
# inputs from VSTS_AGENT_INPUT_* variables).
with_agent_config() {
  (
    for v in $(compgen -e); do unset "$v" 2>/dev/null || true; done
    export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root
    export AGENT_ALLOW_RUNASROOT=1 AGENT_DIAGLOGPATH="$root_diag" VSTS_AGENT_INPUT_TOKEN="$token"
    exec ./config.sh "$@"
  )
}

# protect turns ECS task scale-in protection on (with the expiry) or off.
# Outside ECS (no ECS_AGENT_URI) there is nothing to protect.
protect() {
  local body
  [[ -n "$ecs_agent_uri" ]] || return 0
  if [[ "$1" == on ]]; then
    body="{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":${max_job_minutes}}"
  else
    body='{"ProtectionEnabled":false}'
  fi
  local attempt
  for attempt in 1 2 3; do
    if curl -fsS --max-time 5 -X PUT -H 'Content-Type: application/json' \
      --data "$body" "${ecs_agent_uri}/task-protection/v1/state" >/dev/null; then
      log "scale-in protection ${1}$([[ "$1" == on ]] && echo " for up to ${max_job_minutes} min")"
      return 0
    fi
    sleep "$attempt"
  done
  log "could not turn scale-in protection $1 (the task role needs ecs:UpdateTaskProtection)"
  return 1
}

deregistered=""
deregister() {
  [[ -z "$deregistered" ]] || return 0
  deregistered=1
  log "deregistering ${agent_name}"
  with_agent_config remove --unattended --auth PAT || log "deregistration failed: remove ${agent_name} from pool ${pool} by hand"
}

# worker_running: is an Agent.Worker (one per job) a child of the listener?
worker_running() {
  local stat rest comm ppid
  for stat in /proc/[0-9]*/stat; do
    read -r rest < "$stat" 2>/dev/null || continue
    comm="${rest#*(}"; comm="${comm%)*}"
    rest="${rest##*) }"           # state ppid ...
    ppid="${rest#* }"; ppid="${ppid%% *}"
    if [[ "$ppid" == "$listener" && "$comm" == Agent.Worker* ]]; then
      return 0
    fi
  done
  return 1
}

busy=""
stopping=""
listener=""

# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
  [[ -z "$stopping" ]] || return 0
  stopping=1
  if [[ -n "$listener" ]] && kill -0 "$listener" 2>/dev/null; then
    log "stop requested ($([[ -n "$busy" ]] && echo "a job is running: cancelling it" || echo idle)); stopping the listener"
    # The listener treats SIGTERM as a shutdown: it cancels a running job,
    # lets the worker report it, and exits.
    kill -TERM "$listener" 2>/dev/null || true
  else
    log "stop requested before the listener started"
  fi
}
trap on_signal TERM INT

log "registering ${agent_name} in pool ${pool}"
# Registration files stay root-owned: the agent user can read them, but not
# change where a later deregistration sends the token.
with_agent_config --unattended --replace --acceptTeeEula \
  --url "$AZP_URL" --pool "$pool" --agent "$agent_name" --auth PAT --work _work
for f in .agent .credentials .credentials_rsaparams; do
  if [[ -e "$f" ]]; then chown root:"$agent_gid" "$f"; chmod 0640 "$f"; fi
done
mkdir -p _work _diag && chown "$agent_uid:$agent_gid" _work _diag

if [[ -n "$stopping" ]]; then
  deregister
  exit 143
fi

# The listener: the agent user, a clean environment (no token, no ECS agent
# or credentials endpoints: a job cannot change the task's protection), its
# own process so that signals reach it directly.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME="$agent_user_home" USER="$agent_user" LANG=C.UTF-8 \
  setpriv --reuid "$agent_uid" --regid "$agent_gid" --init-groups --inh-caps=-all \
  ./bin/Agent.Listener run --once &
listener=$!

while kill -0 "$listener" 2>/dev/null; do
  if [[ -z "$stopping" ]]; then
    if worker_running; then
      if [[ -z "$busy" ]]; then busy=1; protect on || true; fi
    elif [[ -n "$busy" ]]; then
      busy=""; protect off || true
    fi
  elif (( SECONDS >= ${stop_deadline:=$(( SECONDS + listener_budget ))} )); then
    log "the listener did not stop within ${listener_budget}s: killing it"
    # Every process of the agent user: the listener, its worker, the job.
    setpriv --reuid "$agent_uid" --regid "$agent_gid" --clear-groups bash -c 'kill -KILL -1' 2>/dev/null || true
  fi
  sleep "$poll" & wait $! || true
done
status=0
wait "$listener" || status=$?
[[ -z "$busy" ]] || protect off || true
deregister
if [[ -n "$stopping" ]]; then
  exit 143
fi
exit "$status"
