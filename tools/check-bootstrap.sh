#!/usr/bin/env bash
# Pipeline synth step, before the pipeline updates itself: every account and
# region the synthesized app deploys to (read from the cloud assembly, so a
# spoke added in this commit is included) must be CDK-bootstrapped and trust
# the pipeline's account. With cross-account keys, CDK Pipelines names each
# target's deploy role in the artifact bucket and key policies: a target that
# is not bootstrapped makes the pipeline's own update fail with "Invalid
# principal in policy". This check fails first, naming the command.
# Targets are checked PARALLEL at a time (default 16, 1-64): two AWS CLI
# calls each (assume the lookup role, read the bootstrap version), about a
# second each, so 1,000 targets take minutes instead of the 15-20 one after
# another; results are printed in target order.
# Env: TOOLING_ACCOUNT, QUALIFIER (default hnb659fds); ASSEMBLY (default
# cdk.out); PARALLEL (default 16)
set -euo pipefail
qualifier="${QUALIFIER:-hnb659fds}"
assembly="${ASSEMBLY:-cdk.out}"
parallel="${PARALLEL:-16}"
: "${TOOLING_ACCOUNT:?TOOLING_ACCOUNT is not set}"
if ! [[ "$parallel" =~ ^[0-9]+$ ]] || ((parallel < 1 || parallel > 64)); then
  echo "PARALLEL=${parallel}: use 1 to 64 targets at a time" >&2
  exit 2
fi
min_version=6 # CDK Pipelines with cross-account deploy roles

# check_target ACCOUNT/REGION: writes "ok ..." or "FAIL ..." to $out/ACCOUNT_REGION.
check_target() {
  local target=$1 account region fix creds version result
  account=${target%%/*} region=${target#*/}
  fix="npx cdk bootstrap aws://${account}/${region} --trust ${TOOLING_ACCOUNT} --trust-for-lookup ${TOOLING_ACCOUNT} --cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess (in account ${account})"
  if ! creds=$(aws sts assume-role --role-arn "arn:aws:iam::${account}:role/cdk-${qualifier}-lookup-role-${account}-${region}" \
    --role-session-name hubspoke-bootstrap-check --query Credentials --output json 2>/dev/null); then
    result="FAIL ${account}/${region}: not bootstrapped, or not trusting ${TOOLING_ACCOUNT}: ${fix}"
  else
    version=$(AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$creds") AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$creds") \
      AWS_SESSION_TOKEN=$(jq -r .SessionToken <<<"$creds") \
      aws ssm get-parameter --region "$region" --name "/cdk-bootstrap/${qualifier}/version" --query Parameter.Value --output text 2>/dev/null || echo 0)
    [[ "$version" =~ ^[0-9]+$ ]] || version=0
    if ((version < min_version)); then
      result="FAIL ${account}/${region}: bootstrap version ${version}, needs ${min_version} or newer: ${fix}"
    else
      result="ok   ${account}/${region} (bootstrap version ${version})"
    fi
  fi
  echo "$result" >"$out/${account}_${region}"
}
# The script runs itself for each target (xargs -P below): --target DIR T.
if [[ "${1:-}" == --target ]]; then
  out=$2
  check_target "$3"
  exit 0
fi

targets=$(for m in "$assembly"/manifest.json "$assembly"/assembly-*/manifest.json; do
  [[ -f "$m" ]] && jq -r '.artifacts[] | select(.type == "aws:cloudformation:stack") | .environment' "$m"
done | sed 's|^aws://||' | sort -u | grep -E '^[0-9]{12}/' || true) # environment-agnostic stacks have none

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# At most $parallel targets at a time: each target's result goes to its own
# file, so lines never interleave; a check that died is reported below.
if [[ -n "$targets" ]]; then
  xargs -P "$parallel" -n 1 bash "$0" --target "$out" <<<"$targets" || true
fi

failed=0
for target in $targets; do
  f="$out/${target%%/*}_${target#*/}"
  if [[ ! -f "$f" ]]; then
    echo "FAIL ${target}: the check did not finish" >&2
    failed=1
  elif grep -q '^FAIL' "$f"; then
    cat "$f" >&2
    failed=1
  else
    cat "$f"
  fi
done
exit "$failed"
