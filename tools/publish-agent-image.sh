#!/usr/bin/env bash
# Pipeline step: build agent/ and push it to the hub repository as $TAG,
# unless that tag exists (immutable tags: a rebuild is skipped, not failed);
# then wait for the scan on push and fail on findings of severity $FAIL_ON
# (CRITICAL, or HIGH: high and critical) or worse.
# Then each replica region ($REPLICA_REGIONS) that lacks a tag pushed before
# the region had a replica (registry replication copies only images pushed
# after) gets it copied from the hub, so a spoke added in a new region finds
# its image without a hand step. A tag pushed now is left to replication.
# Env: HUB_ACCOUNT HUB_REGION REPO_NAME TAG [FAIL_ON] [REPLICA_REGIONS]
set -euo pipefail
fail_on="${FAIL_ON:-CRITICAL}"
registry="${HUB_ACCOUNT}.dkr.ecr.${HUB_REGION}.amazonaws.com"
ecr_in() { local region=$1; shift; aws ecr --region "$region" "$@" --registry-id "$HUB_ACCOUNT" --repository-name "$REPO_NAME"; }
ecr() { ecr_in "$HUB_REGION" "$@"; }
login() { aws ecr get-login-password --region "$1" | docker login --username AWS --password-stdin "${HUB_ACCOUNT}.dkr.ecr.$1.amazonaws.com"; }

copy_to_replicas() {
  local region pulled=""
  for region in ${REPLICA_REGIONS:-}; do
    if ecr_in "$region" describe-images --image-ids "imageTag=${TAG}" >/dev/null 2>&1; then
      echo "${REPO_NAME}:${TAG} is in the ${region} replica"
      continue
    fi
    if [[ -z "$pulled" ]]; then
      login "$HUB_REGION"
      docker pull "${registry}/${REPO_NAME}:${TAG}"
      pulled=yes
    fi
    local replica="${HUB_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${REPO_NAME}:${TAG}"
    login "$region"
    docker tag "${registry}/${REPO_NAME}:${TAG}" "$replica"
    docker push "$replica"
    echo "copied ${REPO_NAME}:${TAG} to the ${region} replica (pushed before replication reached ${region})"
  done
}

if ecr describe-images --image-ids "imageTag=${TAG}" >/dev/null 2>&1; then
  echo "${REPO_NAME}:${TAG} exists: nothing to build"
  copy_to_replicas
  exit 0
fi
login "$HUB_REGION"
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
echo "pushed and scanned ${REPO_NAME}:${TAG} (findings: ${counts}); registry replication copies it to: ${REPLICA_REGIONS:-no replica}"
