#!/usr/bin/env bash
# Pipeline step after a wave: for each spoke, with the read-only CDK lookup
# role of its account, check the agent service exists and is ACTIVE and its
# five scheduled actions are in place.
# Env: SPOKES="ACCOUNT:REGION:CLUSTER:SERVICE ..." QUALIFIER (default hnb659fds)
set -euo pipefail
qualifier="${QUALIFIER:-hnb659fds}"
want="daily-refresh night-scale-down weekday-restore weekday-scale-up weekend-restore"
failed=0
for spoke in $SPOKES; do
  IFS=: read -r account region cluster service <<<"$spoke"
  creds=$(aws sts assume-role --role-arn "arn:aws:iam::${account}:role/cdk-${qualifier}-lookup-role-${account}-${region}" \
    --role-session-name hubspoke-verify --query Credentials --output json)
  AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$creds")
  AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$creds")
  AWS_SESSION_TOKEN=$(jq -r .SessionToken <<<"$creds")
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  status=$(aws ecs describe-services --region "$region" --cluster "$cluster" --services "$service" --query 'services[0].status' --output text)
  actions=$(aws application-autoscaling describe-scheduled-actions --region "$region" --service-namespace ecs \
    --resource-id "service/${cluster}/${service}" --query 'ScheduledActions[].ScheduledActionName' --output text | tr '\t' '\n' | sort | xargs)
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  if [[ "$status" == "ACTIVE" && "$actions" == "$want" ]]; then
    echo "ok   ${account}/${region} ${cluster}/${service}"
  else
    echo "FAIL ${account}/${region} ${cluster}/${service}: status=${status} actions=[${actions}]" >&2
    failed=1
  fi
done
exit "$failed"
