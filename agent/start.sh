#!/usr/bin/env bash
# The agent container's supervisor. tini (PID 1) starts it as root; it
#   1. registers one Azure Pipelines agent (token in config.sh's environment
#      only, never on a command line or in a file),
#   2. runs the agent listener for one job (--once) as the unprivileged agent
#      user, with a clean environment (no token, no AWS or ECS endpoints), no
#      new privileges and an empty capability bounding set, self-update off,
#   3. protects the task from ECS scale-in while a job runs (ECS agent's
#      task-protection endpoint) and lifts the protection when it ends,
#   4. deregisters and exits; ECS then starts a fresh task if the desired
#      count asks for one.
# SIGTERM (scale-in, refresh, deployment, Spot reclaim, StopTask): the
# listener is told to stop (it cancels a running job), gets until the stop
# budget, then every process of the agent user is killed and the agent is
# deregistered. An idle agent exits in seconds.
#
# A job is untrusted code running as the agent user: it reads every
# /proc/*/cmdline, the environ of its own uid's processes, and can signal
# them. So: no secret or address on any command line (curl and config.sh
# take theirs on stdin or in a root-only environment); this script exports
# nothing but PATH, LANG and HOME once it has read its settings, so no
# helper inherits the token, ECS_AGENT_URI or the credentials path; every
# helper between SIGTERM and deregistration runs as root (the job cannot
# signal or read it), and the agent user's processes are stopped and killed
# from here, by root, without a helper of the agent user. A listener a job
# has stopped (SIGSTOP) ends the agent; a job that outlives its protection
# (AZP_MAX_JOB_MINUTES) is stopped: the task never stays up past that.
#
# Settings (environment):
#   AZP_URL, AZP_TOKEN (required), AZP_POOL (Default), AZP_AGENT_NAME (agent)
#   AZP_MAX_JOB_MINUTES       protection expiry while a job runs, and the
#                             longest a job may run (120; 1-2880)
#   AZP_STOP_TIMEOUT_SECONDS  the task's stop timeout (120)
#   AZP_AGENT_USER            user the listener and jobs run as (agent)
#   AZP_AGENT_HOME            the agent folder (the folder of this script)
#   AZP_POLL_SECONDS          how often to look at the listener (1)
#   AZP_LISTENER_EXIT_SECONDS how long the listener (--once) may stay after
#                             its job ended before the agent is ended (60)
set -euo pipefail

log() { printf 'start.sh: %s\n' "$*" >&2; }

: "${AZP_URL:?AZP_URL is not set}"
if [[ -z "${AZP_TOKEN:-}" ]]; then
  log "AZP_TOKEN is not set (ECS injects it from the hub secret)"
  exit 2
fi
# Settings go into shell variables; then the environment is emptied but for
# PATH, LANG and HOME, so that no child (curl, sleep, config.sh, setpriv)
# inherits the token, the ECS agent's address or the task credentials' path.
# (The environment this process started with stays in /proc/<pid>/environ,
# readable by root only.)
# Nothing may start a process before the environment is emptied.
token="$AZP_TOKEN"
azp_url="$AZP_URL"
pool="${AZP_POOL:-Default}"
agent_name_prefix="${AZP_AGENT_NAME:-agent}"
max_job_minutes="${AZP_MAX_JOB_MINUTES:-120}"
stop_timeout="${AZP_STOP_TIMEOUT_SECONDS:-120}"
poll="${AZP_POLL_SECONDS:-1}"
listener_exit="${AZP_LISTENER_EXIT_SECONDS:-60}"
agent_user="${AZP_AGENT_USER:-agent}"
agent_home="${AZP_AGENT_HOME:-}"
ecs_agent_uri="${ECS_AGENT_URI:-}"
check_only="${AZP_CHECK_ONLY:-}"
placeholder="${AZP_PLACEHOLDER_NAME:-hubspoke-placeholder}"
keep_path="${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
for v in $(compgen -e); do unset "$v" 2>/dev/null || true; done
export PATH="$keep_path" LANG=C.UTF-8 HOME=/root
# Fargate gives every task its own hostname: agent names stay unique.
agent_name="${agent_name_prefix}-$(hostname)"
[[ -n "$agent_home" ]] || agent_home="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Deregistration gets what is left of the stop timeout after the listener's
# share; 25 s is ample for `config.sh remove`.
listener_budget=$(( stop_timeout > 35 ? stop_timeout - 25 : stop_timeout / 2 ))

# Check-only mode (the smoke check after a deploy): the task pulled the image
# and received the token, which is all ECS does; now prove the token opens
# the organization and sees the pool, without registering an agent or taking
# a job, and exit. The token goes to curl on stdin, never on its command line.
if [[ "$check_only" == true ]]; then
  auth="$(printf ':%s' "$token" | base64 -w0)"
  api() { # api PATH -> body on stdout; HTTP status in $code
    local out
    out="$(printf 'header = "Authorization: Basic %s"\n' "$auth" | curl -sS --max-time 20 -K - \
      -w '\n%{http_code}' "${azp_url%/}/_apis/$1" 2>&1)" || { code=000; body="$out"; return 0; }
    code="${out##*$'\n'}"; body="${out%$'\n'*}"
  }
  api "connectionData"
  case "$code" in
    200) ;;
    000) log "check failed: cannot reach ${azp_url}: ${body}"; exit 3 ;;
    401|403) log "check failed: ${azp_url} rejected the token (HTTP ${code}): renew the PAT (scope Agent Pools: read & manage) and put it into the hub secret, or with hub.agentToken source entra see the hub token minter's log (role hubspoke-token-minter, docs/token.md)"; exit 4 ;;
    *) log "check failed: ${azp_url}/_apis/connectionData answered HTTP ${code}: is AZP_URL the organization URL (https://dev.azure.com/your-org)?"; exit 5 ;;
  esac
  if ! grep -q '"authenticatedUser"' <<<"$body" || grep -q '"isActive":false' <<<"$body"; then
    log "check failed: ${azp_url} did not accept the token as a user (anonymous answer): renew the PAT, or with hub.agentToken source entra see the hub token minter's log (role hubspoke-token-minter, docs/token.md)"; exit 4
  fi
  api "distributedtask/pools?poolName=$(jq -rn --arg p "$pool" '$p|@uri')&api-version=7.1"
  if [[ "$code" != 200 ]] || [[ "$(jq -r '.count // 0' <<<"$body" 2>/dev/null)" == 0 ]]; then
    log "check failed: agent pool '${pool}' does not exist in ${azp_url} or the token cannot see it (HTTP ${code})"; exit 6
  fi
  # Azure DevOps refuses a job at queue time when no agent, online or
  # offline, is registered in the pool: the hub's pool keeper keeps an
  # offline placeholder there (docs/operations.md#the-pool-placeholder-and-ghosts).
  pool_id="$(jq -r '.value[0].id' <<<"$body")"
  api "distributedtask/pools/${pool_id}/agents?agentName=$(jq -rn --arg p "$placeholder" '$p|@uri')&api-version=7.1"
  if [[ "$code" != 200 ]] || [[ "$(jq -r '.count // 0' <<<"$body" 2>/dev/null)" == 0 ]]; then
    log "check failed: agent pool '${pool}' has no agent named ${placeholder} (HTTP ${code}): Azure DevOps refuses every job queued while no agent is registered; the hub's pool keeper (function hubspoke-demand-poller) registers it within 5 minutes once the hub secret holds a token that is an Administrator of the pool: see that function's log"; exit 7
  fi
  log "check ok: image pulled, token received from the hub, ${azp_url} accepts it, pool '${pool}' exists with its placeholder"
  exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
  log "must start as root (the image's entrypoint does): it runs jobs as ${agent_user}, a user that cannot read the token"
  exit 2
fi
agent_uid="$(id -u "$agent_user")"
agent_gid="$(id -g "$agent_user")"
agent_user_home="$(getent passwd "$agent_user" | cut -d: -f6)"
if [[ "$agent_uid" == 0 ]]; then
  log "AZP_AGENT_USER must not be root: jobs would run as root"
  exit 2
fi
cd "$agent_home"

# Root's own runs of config.sh write their diagnostics here, out of the
# agent user's reach (the listener writes _diag, which that user owns).
root_diag="$(mktemp -d /tmp/azp-root-diag.XXXXXX)"
trap 'rm -rf "$root_diag"' EXIT # every way out

# with_agent_config runs config.sh as root with only the settings it needs;
# every input, the token included, in VSTS_AGENT_INPUT_* variables (the
# agent reads any configuration input from them), none on its command line.
with_agent_config() {
  (
    for v in $(compgen -e); do unset "$v" 2>/dev/null || true; done
    export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root
    export AGENT_ALLOW_RUNASROOT=1 AGENT_DIAGLOGPATH="$root_diag" VSTS_AGENT_INPUT_TOKEN="$token"
    export VSTS_AGENT_INPUT_URL="$azp_url" VSTS_AGENT_INPUT_POOL="$pool" VSTS_AGENT_INPUT_AGENT="$agent_name"
    exec ./config.sh "$@"
  )
}

# protect turns ECS task scale-in protection on (with the expiry) or off.
# Outside ECS (no ECS_AGENT_URI) there is nothing to protect. The address
# goes to curl in its config on stdin: a job reads every command line.
protect() {
  local body
  [[ -n "$ecs_agent_uri" ]] || return 0
  if [[ "$1" == on ]]; then
    body="{\\\"ProtectionEnabled\\\":true,\\\"ExpiresInMinutes\\\":${max_job_minutes}}"
  else
    body='{\"ProtectionEnabled\":false}'
  fi
  local attempt
  for attempt in 1 2 3; do
    if printf 'url = "%s/task-protection/v1/state"\nrequest = "PUT"\nheader = "Content-Type: application/json"\ndata = "%s"\n' \
      "$ecs_agent_uri" "$body" | curl -fsS --max-time 5 -K - >/dev/null; then
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
  with_agent_config remove --unattended --auth PAT || log "deregistration failed: the hub's pool keeper deletes ${agent_name} from pool ${pool} once it has been offline 10 minutes (docs/operations.md)"
}

# agent_pids lists the processes whose real uid is the agent user's (from
# /proc, with bash builtins only: no helper process).
agent_pids() {
  local st key real _
  pids=()
  for st in /proc/[0-9]*/status; do
    real=""
    while read -r key real _; do
      [[ "$key" == Uid: ]] && break
      real=""
    done 2>/dev/null < "$st" || continue
    if [[ "$real" == "$agent_uid" ]]; then
      st="${st#/proc/}"; pids+=("${st%/status}")
    fi
  done
}

# kill_agent_processes stops every process of the agent user (SIGSTOP, pass
# after pass, until a pass finds none it had not stopped: a stopped process
# cannot fork), then kills them all. Root does it, in this process: the job
# can neither signal nor inspect it.
kill_agent_processes() {
  local pass pid
  local -A stopped=()
  for (( pass = 0; pass < 100; pass++ )); do
    agent_pids
    local fresh=0
    for pid in "${pids[@]}"; do
      if [[ -z "${stopped[$pid]:-}" ]]; then
        kill -STOP "$pid" 2>/dev/null || true
        stopped[$pid]=1; fresh=1
      fi
    done
    (( fresh )) || break
  done
  for (( pass = 0; pass < 100; pass++ )); do
    agent_pids
    (( ${#pids[@]} )) || return 0
    kill -KILL "${pids[@]}" 2>/dev/null || true
  done
}

# worker_running: is an Agent.Worker (one per job) a child of the listener?
# listener_state: the listener's state letter (R, S, T: stopped, ...).
worker_running() {
  local stat rest comm ppid
  for stat in /proc/[0-9]*/stat; do
    read -r rest 2>/dev/null < "$stat" || continue
    comm="${rest#*(}"; comm="${comm%)*}"
    rest="${rest##*) }"           # state ppid ...
    ppid="${rest#* }"; ppid="${ppid%% *}"
    if [[ "$ppid" == "$listener" && "$comm" == Agent.Worker* ]]; then
      return 0
    fi
  done
  return 1
}
listener_state() {
  local rest=""
  read -r rest 2>/dev/null < "/proc/$listener/stat" || { echo gone; return; }
  rest="${rest##*) }"
  echo "${rest%% *}"
}

busy=""
busy_since=0
job_ended=""
job_ended_at=0
stopping=""
stop_deadline=0
listener=""
# The exit status when this script ends the agent itself: 143 after SIGTERM
# (ECS asked), 1 when a job stopped the listener or ran past its protection.
exit_code=""

# stop_listener asks the listener to stop (it cancels a running job and
# exits); the loop below kills what is left after the listener's budget.
stop_listener() {
  [[ -z "$stopping" ]] || return 0
  stopping=1
  exit_code="$2"
  stop_deadline=$(( SECONDS + listener_budget ))
  if [[ -n "$listener" ]] && kill -0 "$listener" 2>/dev/null; then
    log "$1; stopping the listener"
    # The listener treats SIGTERM as a shutdown: it cancels a running job,
    # lets the worker report it, and exits.
    kill -TERM "$listener" 2>/dev/null || true
  else
    log "$1 before the listener started"
  fi
}
# shellcheck disable=SC2317 # invoked by the trap
on_signal() {
  stop_listener "stop requested ($([[ -n "$busy" ]] && echo "a job is running: cancelling it" || echo idle))" 143
}
trap on_signal TERM INT

log "registering ${agent_name} in pool ${pool}"
# Registration files stay root-owned: the agent user can read them, but not
# change where a later deregistration sends the token.
with_agent_config --unattended --replace --acceptTeeEula --auth PAT --work _work
for f in .agent .credentials .credentials_rsaparams; do
  if [[ -e "$f" ]]; then chown root:"$agent_gid" "$f"; chmod 0640 "$f"; fi
done
mkdir -p _work _diag && chown "$agent_uid:$agent_gid" _work _diag

if [[ -n "$stopping" ]]; then
  deregister
  exit "$exit_code"
fi

# The listener: the agent user, a clean environment (no token, no ECS agent
# or credentials endpoints: a job cannot change the task's protection), no
# new privileges and no capabilities it could ever gain (nothing in the
# image needs setuid: no sudo), its own process so that signals reach it.
# agent.disableupdate turns the agent's self-update off (Agent.Listener
# skips the update message; it could not write the root-owned agent folder
# anyway): the image's scheduled rebuild brings the organization's current
# agent instead.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME="$agent_user_home" USER="$agent_user" LANG=C.UTF-8 agent.disableupdate=true \
  setpriv --reuid "$agent_uid" --regid "$agent_gid" --init-groups \
  --inh-caps=-all --bounding-set=-all --no-new-privs \
  ./bin/Agent.Listener run --once &
listener=$!

ended=""
while kill -0 "$listener" 2>/dev/null; do
  state="$(listener_state)"
  if [[ "$state" == T || "$state" == t ]] && [[ -z "$ended" ]]; then
    # Only a process of the agent user (a job) can stop the listener: end
    # this agent now rather than keep a task that no listener serves.
    ended=1
    log "the listener was stopped (SIGSTOP, by a job): ending this agent"
    stopping=1; exit_code="${exit_code:-1}"
    kill_agent_processes
  elif [[ -z "$stopping" ]]; then
    if worker_running; then
      if [[ -z "$busy" ]]; then busy=1; busy_since=$SECONDS; protect on || true; fi
      if (( SECONDS - busy_since >= max_job_minutes * 60 )); then
        stop_listener "the job has run ${max_job_minutes} min, its scale-in protection has expired: ending it" 1
      fi
    elif [[ -n "$busy" ]]; then
      busy=""; job_ended=1; job_ended_at=$SECONDS; protect off || true
    elif [[ -n "$job_ended" ]] && (( SECONDS - job_ended_at >= listener_exit )); then
      # Run --once, the listener exits seconds after its job: one that
      # stays (hung, or kept by a job) would keep an unprotected task up.
      stop_listener "the listener is still running ${listener_exit}s after its job ended: ending this agent" 1
    fi
  elif (( SECONDS >= stop_deadline )) && [[ -z "$ended" ]]; then
    ended=1
    log "the listener did not stop within ${listener_budget}s: killing it"
    kill_agent_processes
  fi
  sleep "$poll" & wait $! || true
done
status=0
wait "$listener" || status=$?
# A job's processes that outlived the listener (double-forked) go too.
kill_agent_processes
[[ -z "$busy" ]] || protect off || true
deregister
exit "${exit_code:-$status}"
