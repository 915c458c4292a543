#!/usr/bin/env bash
# Prints the fleet-file lines that pin the agent image's Azure Pipelines
# agent (image.agentVersion, image.agentSha256) to the release the
# organization offers now, after checking that the download matches the
# SHA-256 the organization publishes for it. Paste them under `image:` in
# the fleet file, review and commit; without a pin every image build takes
# the organization's current agent itself (tools/publish-agent-image.sh).
#
#   printf '%s\n' "$PAT" | AZP_URL=https://dev.azure.com/your-org tools/bump-agent-pins.sh
#
# The token comes on stdin (never on a command line). Needs network access to
# the organization and the agent's download site. The base image is not
# pinned: each build resolves its tag to a digest and records it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
read -r version sha url < <(AGENT_VERSION="" AGENT_SHA256="" bash "$here/resolve-agent-package.sh")
[[ -n "${sha:-}" ]] || exit 1
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
curl -fsSL --retry 3 -o "$tmp" "$url"
if ! echo "${sha}  ${tmp}" | sha256sum -c --status -; then
  echo "the download of agent ${version} from ${url} does not match the SHA-256 the organization publishes (${sha}): not pinning" >&2
  exit 1
fi
printf 'image:\n  agentVersion: %s\n  agentSha256: %s\n' "$version" "$sha"
