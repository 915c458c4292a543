#!/usr/bin/env bash
# Smoke check of deployed spokes on real AWS: for each spoke, check that its
# service is ACTIVE with its five scheduled actions, then start one agent
# task from its service's task definition in check-only mode
# (AZP_CHECK_ONLY=true: the task pulls the image through the cross-account
# repository and key, receives the token from the hub secret, proves that
# AZP_URL accepts it and the pool exists, registers nothing, runs no job) and
# wait for it to stop. A spoke fails with the task's stopped reason, or the
# agent's own message from its log.
#
# Direct path, with credentials for the spoke accounts:
#   tools/smoke-check.sh 222222222222:eu-west-1:hubspoke-dev:build-agents ...
# Pipeline (after each wave): SPOKES="..." and ASSUME_ROLE=hubspoke-{spoke}-smoke
# ({spoke} is the cluster name without "hubspoke-"), and at most PARALLEL
# spokes at a time (default 10, 1-64; the pipeline sizes it from the wave:
# config.VerifySizing).
set -euo pipefail
spokes=("$@")
if ((${#spokes[@]} == 0)); then read -r -a spokes <<<"${SPOKES:-}"; fi
((${#spokes[@]})) || { echo "usage: tools/smoke-check.sh ACCOUNT:REGION:CLUSTER:SERVICE ..." >&2; exit 2; }
parallel="${PARALLEL:-10}"
if ! [[ "$parallel" =~ ^[0-9]+$ ]] || ((parallel < 1 || parallel > 64)); then
  echo "PARALLEL=${parallel}: use 1 to 64 spokes at a time" >&2
  exit 2
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

check() { # check ACCOUNT REGION CLUSTER SERVICE
  local account=$1 region=$2 cluster=$3 service=$4 svc td net task arn stopped reason code stream
  if [[ -n "${ASSUME_ROLE:-}" ]]; then
    local role="${ASSUME_ROLE//\{spoke\}/${cluster#hubspoke-}}" creds
    creds=$(aws sts assume-role --role-arn "arn:aws:iam::${account}:role/${role}" --role-session-name hubspoke-smoke \
      --query Credentials --output json) || { echo "cannot assume ${role} in ${account}: is the spoke deployed?"; return 1; }
    AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$creds")
    AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$creds")
    AWS_SESSION_TOKEN=$(jq -r .SessionToken <<<"$creds")
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  fi
  svc=$(aws ecs describe-services --region "$region" --cluster "$cluster" --services "$service" --query 'services[0]' --output json)
  if [[ "$(jq -r '.status // "MISSING"' <<<"$svc")" != ACTIVE ]]; then
    echo "service ${cluster}/${service} is not ACTIVE"; return 1
  fi
  local actions want="daily-refresh night-scale-down weekday-restore weekday-scale-up weekend-restore"
  actions=$(aws application-autoscaling describe-scheduled-actions --region "$region" --service-namespace ecs \
    --resource-id "service/${cluster}/${service}" --query 'ScheduledActions[].ScheduledActionName' --output text | tr '\t' '\n' | sort | xargs)
  if [[ "$actions" != "$want" ]]; then
    echo "scheduled actions of ${cluster}/${service} are [${actions}], want [${want}]"; return 1
  fi
  td=$(jq -r .taskDefinition <<<"$svc")
  net=$(jq -c .networkConfiguration <<<"$svc")
  task=$(aws ecs run-task --region "$region" --cluster "$cluster" --task-definition "$td" --launch-type FARGATE \
    --started-by hubspoke-smoke --network-configuration "$net" \
    --overrides '{"containerOverrides":[{"name":"Agent","environment":[{"name":"AZP_CHECK_ONLY","value":"true"}]}]}' \
    --output json)
  arn=$(jq -r '.tasks[0].taskArn // empty' <<<"$task")
  if [[ -z "$arn" ]]; then
    echo "the check task did not start: $(jq -r '[.failures[]? | "\(.reason) \(.detail // "")"] | join("; ")' <<<"$task")"; return 1
  fi
  aws ecs wait tasks-stopped --region "$region" --cluster "$cluster" --tasks "$arn"
  stopped=$(aws ecs describe-tasks --region "$region" --cluster "$cluster" --tasks "$arn" --query 'tasks[0]' --output json)
  code=$(jq -r '.containers[0].exitCode // "none"' <<<"$stopped")
  if [[ "$code" == 0 ]]; then
    return 0
  fi
  reason="$(jq -r '[.stoppedReason, .containers[0].reason] | map(select(. != null)) | join(": ")' <<<"$stopped")"
  stream="agent/Agent/${arn##*/}"
  local group msg=""
  group=$(aws ecs describe-task-definition --region "$region" --task-definition "$td" \
    --query 'taskDefinition.containerDefinitions[0].logConfiguration.options."awslogs-group"' --output text 2>/dev/null || true)
  if [[ -n "$group" && "$group" != None ]]; then
    msg=$(aws logs get-log-events --region "$region" --log-group-name "$group" --log-stream-name "$stream" --limit 5 \
      --query 'events[].message' --output text 2>/dev/null | tr '\t' '\n' | grep 'start.sh:' | tail -1 || true)
  fi
  echo "check task stopped with exit code ${code}: ${reason:-no reason given}${msg:+; agent said: ${msg}}"
  return 1
}

i=0
for spoke in "${spokes[@]}"; do
  IFS=: read -r account region cluster service <<<"$spoke"
  (
    msg=$(check "$account" "$region" "$cluster" "$service" 2>&1) && ok=1 || ok=""
    # Right after the hub creates its keys' aliases, the execution role's
    # kms:ResourceAliases condition can take minutes to take effect: a
    # task that could not get its secret gets one more try, and so does a
    # pool whose placeholder the hub's keeper has not registered yet (it
    # runs every 5 minutes: exit code 7).
    if [[ -z "$ok" && ( "$msg" == *ResourceInitializationError* || "$msg" == *"exit code 7:"* ) ]]; then
      sleep "${RETRY_AFTER_SECONDS:-120}"
      msg=$(check "$account" "$region" "$cluster" "$service" 2>&1) && ok=1 || ok=""
    fi
    if [[ -n "$ok" ]]; then
      echo "ok   ${account}/${region} ${cluster}" > "$out/$i"
    else
      echo "FAIL ${account}/${region} ${cluster}: ${msg##*$'\n'}" > "$out/$i"
    fi
  ) &
  i=$((i + 1))
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
done
wait
failed=0
for ((j = 0; j < i; j++)); do
  line=$(cat "$out/$j")
  if [[ "$line" == FAIL* ]]; then echo "$line" >&2; failed=1; else echo "$line"; fi
done
exit "$failed"
