#!/usr/bin/env bash
# Pins the agent image's inputs in agent/Dockerfile: the Azure Pipelines
# agent release (version and the SHA-256 of its Linux x64 tarball) and the
# base image's digest. Needs network access (run it where you can reach
# download.agent.dev.azure.com and public.ecr.aws), then review and commit
# the diff; the pipeline builds and rolls out the new image.
#
#   tools/bump-agent-pins.sh 4.261.0
#
# Env (for tests and mirrors): AGENT_DOWNLOAD_BASE (default the agent's CDN),
# BASE_IMAGE (default public.ecr.aws/ubuntu/ubuntu:24.04), BASE_DIGEST (skip
# the registry look-up), DOCKERFILE (default agent/Dockerfile).
set -euo pipefail
version="${1:?usage: tools/bump-agent-pins.sh AGENT_VERSION (e.g. 4.261.0)}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "not a version: $version" >&2; exit 2; }
base_url="${AGENT_DOWNLOAD_BASE:-https://download.agent.dev.azure.com/agent}"
base_image="${BASE_IMAGE:-public.ecr.aws/ubuntu/ubuntu:24.04}"
dockerfile="${DOCKERFILE:-$(dirname "$0")/../agent/Dockerfile}"

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
curl -fsSL -o "$tmp" "${base_url}/${version}/vsts-agent-linux-x64-${version}.tar.gz"
sha="$(sha256sum "$tmp" | cut -d' ' -f1)"

digest="${BASE_DIGEST:-}"
if [[ -z "$digest" ]]; then
  if command -v crane >/dev/null; then
    digest="$(crane digest "$base_image")"
  else
    digest="$(docker buildx imagetools inspect "$base_image" --format '{{.Manifest.Digest}}')"
  fi
fi
[[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "not an image digest: $digest" >&2; exit 1; }

sed -i -E \
  -e "s|^FROM [^ ]+\$|FROM ${base_image}@${digest}|" \
  -e "s|^ARG AGENT_VERSION=.*|ARG AGENT_VERSION=${version}|" \
  -e "s|^ARG AGENT_SHA256=.*|ARG AGENT_SHA256=${sha}|" \
  "$dockerfile"
echo "pinned agent ${version} (sha256 ${sha}) on ${base_image}@${digest} in ${dockerfile}"
