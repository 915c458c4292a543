#!/usr/bin/env bash
# Pipeline step: build agent/ and push it to the hub repository as $TAG,
# unless that tag exists (immutable tags: a rebuild is skipped, not failed);
# then wait for the scan on push and fail on critical findings.
# Env: HUB_ACCOUNT HUB_REGION REPO_NAME TAG
set -euo pipefail
registry="${HUB_ACCOUNT}.dkr.ecr.${HUB_REGION}.amazonaws.com"
ecr() { aws ecr --region "$HUB_REGION" "$@" --registry-id "$HUB_ACCOUNT" --repository-name "$REPO_NAME"; }

if ecr describe-images --image-ids "imageTag=${TAG}" >/dev/null 2>&1; then
  echo "${REPO_NAME}:${TAG} exists: nothing to build"
  exit 0
fi
aws ecr get-login-password --region "$HUB_REGION" | docker login --username AWS --password-stdin "$registry"
docker build --pull -t "${registry}/${REPO_NAME}:${TAG}" agent
docker push "${registry}/${REPO_NAME}:${TAG}"
ecr wait image-scan-complete --image-id "imageTag=${TAG}"
critical=$(ecr describe-image-scan-findings --image-id "imageTag=${TAG}" \
  --query 'imageScanFindings.findingSeverityCounts.CRITICAL' --output text)
if [[ "$critical" != "None" && "$critical" -gt 0 ]]; then
  echo "${REPO_NAME}:${TAG} has ${critical} critical findings: not rolling it out" >&2
  exit 1
fi
echo "pushed and scanned ${REPO_NAME}:${TAG}"
