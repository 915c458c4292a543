#!/usr/bin/env bash
# Builds agent/ and pushes it to the hub repository as $TAG, unless that tag
# exists (immutable tags: a rebuild is skipped, not failed); then waits for
# the scan on push and fails on findings of severity $FAIL_ON (CRITICAL, or
# HIGH: high and critical) or worse. The pipeline's BuildAgentImage step and
# the direct path (docs/deploy.md) both run this.
# What goes in:
#   - the agent: the fleet file's pin (AGENT_VERSION + AGENT_SHA256) or else
#     the release the organization offers now (tools/resolve-agent-package.sh,
#     asked with the hub token: TOKEN_SECRET_ID); downloaded here and checked
#     against that SHA-256, never against the download itself; the image
#     build checks it again;
#   - the base image: $BASE_IMAGE (public.ecr.aws/ubuntu/ubuntu:24.04), a
#     tag, resolved to its digest once here; the build uses that digest and
#     the image records it (label org.opencontainers.image.base.digest).
# Then each replica region ($REPLICA_REGIONS) that lacks a tag pushed before
# the region had a replica (registry replication copies only images pushed
# after) gets it copied from the hub, so a spoke added in a new region finds
# its image without a hand step. A tag pushed now is left to replication.
# Env: HUB_ACCOUNT HUB_REGION REPO_NAME TAG AZP_URL TOKEN_SECRET_ID
#      [AGENT_VERSION AGENT_SHA256] [FAIL_ON] [REPLICA_REGIONS] [BASE_IMAGE]
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
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
base_image="${BASE_IMAGE:-public.ecr.aws/ubuntu/ubuntu:24.04}"
started=$SECONDS

# The agent package: pinned, or what the organization offers. The token
# stays in this shell and goes to the resolver on a pipe.
if [[ -n "${AGENT_VERSION:-}${AGENT_SHA256:-}" ]]; then
  source_of_hash="pinned in the fleet file (image.agentSha256)"
  package="$(bash "$here/resolve-agent-package.sh" </dev/null)"
else
  : "${AZP_URL:?AZP_URL (agent.azpUrl) is not set}" "${TOKEN_SECRET_ID:?TOKEN_SECRET_ID (the hub token secret) is not set}"
  source_of_hash="published by ${AZP_URL} for this release"
  token="$(aws secretsmanager get-secret-value --region "$HUB_REGION" --secret-id "$TOKEN_SECRET_ID" \
    --query SecretString --output text)"
  package="$(printf '%s\n' "$token" | bash "$here/resolve-agent-package.sh")"
  unset token
fi
read -r agent_version agent_sha agent_url <<<"$package"
echo "agent ${agent_version}: ${agent_url}, SHA-256 ${agent_sha} (${source_of_hash})"

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
cp -R "$here/../agent/." "$ctx/"
curl -fsSL --retry 3 --max-time 900 -o "$ctx/agent.tar.gz" "$agent_url"
if ! echo "${agent_sha}  $ctx/agent.tar.gz" | sha256sum -c --status -; then
  echo "the download of agent ${agent_version} from ${agent_url} does not match the SHA-256 ${source_of_hash} (${agent_sha}, got $(sha256sum "$ctx/agent.tar.gz" | cut -d' ' -f1)): not building" >&2
  exit 1
fi

# The base image: its tag's digest now; the build uses exactly that.
docker pull "$base_image"
base_ref="$(docker inspect --format '{{index .RepoDigests 0}}' "$base_image" 2>/dev/null || true)"
if [[ ! "$base_ref" =~ ^[^@[:space:]]+@sha256:[0-9a-f]{64}$ ]]; then
  echo "cannot resolve ${base_image} to a registry digest (docker inspect gave '${base_ref}'): set BASE_IMAGE to an image in a registry" >&2
  exit 1
fi
echo "base image ${base_image} is ${base_ref}"

login "$HUB_REGION"
# BuildKit: the Dockerfile mounts its context instead of copying it (the
# default builder from Docker Engine 23; older engines need it asked for).
DOCKER_BUILDKIT=1 docker build --no-cache \
  --build-arg BASE_IMAGE="$base_ref" --build-arg AGENT_VERSION="$agent_version" --build-arg AGENT_SHA256="$agent_sha" \
  --label org.opencontainers.image.base.name="$base_image" --label org.opencontainers.image.base.digest="${base_ref#*@}" \
  --label hubspoke.agent.version="$agent_version" --label hubspoke.agent.sha256="$agent_sha" \
  -t "${registry}/${REPO_NAME}:${TAG}" "$ctx"
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
echo "pushed and scanned ${REPO_NAME}:${TAG} (agent ${agent_version}, base ${base_ref}, findings: ${counts}) in $(( SECONDS - started ))s; registry replication copies it to: ${REPLICA_REGIONS:-no replica}"
