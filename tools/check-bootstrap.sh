#!/usr/bin/env bash
# Pipeline synth step, before the pipeline updates itself: every account and
# region the synthesized app deploys to (read from the cloud assembly, so a
# spoke added in this commit is included) must be CDK-bootstrapped and trust
# the pipeline's account. With cross-account keys, CDK Pipelines names each
# target's deploy role in the artifact bucket and key policies: a target that
# is not bootstrapped makes the pipeline's own update fail with "Invalid
# principal in policy". This check fails first, naming the command.
# Env: TOOLING_ACCOUNT, QUALIFIER (default hnb659fds); ASSEMBLY (default cdk.out)
set -euo pipefail
qualifier="${QUALIFIER:-hnb659fds}"
assembly="${ASSEMBLY:-cdk.out}"
: "${TOOLING_ACCOUNT:?TOOLING_ACCOUNT is not set}"
min_version=6 # CDK Pipelines with cross-account deploy roles

targets=$(for m in "$assembly"/manifest.json "$assembly"/assembly-*/manifest.json; do
  [[ -f "$m" ]] && jq -r '.artifacts[] | select(.type == "aws:cloudformation:stack") | .environment' "$m"
done | sed 's|^aws://||' | sort -u)

failed=0
for target in $targets; do
  account=${target%%/*} region=${target#*/}
  [[ "$account" =~ ^[0-9]{12}$ ]] || continue # environment-agnostic stacks
  fix="npx cdk bootstrap aws://${account}/${region} --trust ${TOOLING_ACCOUNT} --trust-for-lookup ${TOOLING_ACCOUNT} --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess (in account ${account})"
  if ! creds=$(aws sts assume-role --role-arn "arn:aws:iam::${account}:role/cdk-${qualifier}-lookup-role-${account}-${region}" \
    --role-session-name hubspoke-bootstrap-check --query Credentials --output json 2>/dev/null); then
    echo "FAIL ${account}/${region}: not bootstrapped, or not trusting ${TOOLING_ACCOUNT}: ${fix}" >&2
    failed=1
    continue
  fi
  version=$(AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$creds") AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$creds") \
    AWS_SESSION_TOKEN=$(jq -r .SessionToken <<<"$creds") \
    aws ssm get-parameter --region "$region" --name "/cdk-bootstrap/${qualifier}/version" --query Parameter.Value --output text 2>/dev/null || echo 0)
  if ((version < min_version)); then
    echo "FAIL ${account}/${region}: bootstrap version ${version}, needs ${min_version} or newer: ${fix}" >&2
    failed=1
  else
    echo "ok   ${account}/${region} (bootstrap version ${version})"
  fi
done
exit "$failed"
