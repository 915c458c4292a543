#!/usr/bin/env bash
# Pipeline step: build agent/ and push it to the hub repository as $TAG,
# unless that tag exists (immutable tags: a rebuild is skipped, not failed);
# then wait for the scan on push and fail on findings of severity $FAIL_ON
# (CRITICAL, or HIGH: high and critical) or worse.
# Env: HUB_ACCOUNT HUB_REGION REPO_NAME TAG [FAIL_ON]
set -euo pipefail
fail_on="${FAIL_ON:-CRITICAL}"
registry="${HUB_ACCOUNT}.dkr.ecr.${HUB_REGION}.amazonaws.com"
ecr() { aws ecr --region "$HUB_REGION" "$@" --registry-id "$HUB_ACCOUNT" --repository-name "$REPO_NAME"; }

if ecr describe-images --image-ids "imageTag=${TAG}" >/dev/null 2>&1; then
  echo "${REPO_NAME}:${TAG} exists: nothing to build"
  exit 0
fi
aws ecr get-login-password --region "$HUB_REGION" | docker login --username AWS --password-stdin "$registry"
# --pull: the pinned base digest, its packages upgraded in the build.
docker build --pull --no-cache -t "${registry}/${REPO_NAME}:${TAG}" agent
docker push "${registry}/${REPO_NAME}:${TAG}"
ecr wait image-scan-complete --image-id "imageTag=${TAG}"
counts=$(ecr describe-image-scan-findings --image-id "imageTag=${TAG}" \
  --query 'imageScanFindings.findingSeverityCounts' --output json)
blocking=$(FAIL_ON="$fail_on" python3 -c '
import json, os, sys
c = json.load(sys.stdin) or {}
sev = ["CRITICAL"] + (["HIGH"] if os.environ["FAIL_ON"] == "HIGH" else [])
print(sum(int(c.get(s, 0)) for s in sev))' <<<"$counts")
if (( blocking > 0 )); then
  echo "${REPO_NAME}:${TAG} has ${blocking} findings of severity ${fail_on} or worse (${counts}): not rolling it out" >&2
  exit 1
fi
echo "pushed and scanned ${REPO_NAME}:${TAG} (findings: ${counts})"
