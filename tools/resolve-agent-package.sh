#!/usr/bin/env bash
# Which Azure Pipelines agent the image gets, and the SHA-256 its download
# must have. Prints one line: VERSION SHA256 URL
#
#   printf '%s\n' "$token" | AZP_URL=https://dev.azure.com/org tools/resolve-agent-package.sh
#
# - Pinned (AGENT_VERSION and AGENT_SHA256, the fleet file's
#   image.agentVersion / image.agentSha256): that release, from the agent's
#   download site (AGENT_DOWNLOAD_BASE, default
#   https://download.agent.dev.azure.com/agent); the organization is not asked.
# - Otherwise the agent the organization currently offers:
#   GET {AZP_URL}/_apis/distributedtask/packages/agent?platform=linux-x64&$top=1,
#   the call the agent's own self-update makes (Agent.Listener SelfUpdater:
#   GetPackagesAsync(type, platform, top 1)); its answer is
#   {"count":1,"value":[{"version":{"major":4,"minor":264,"patch":1},
#   "downloadUrl":"https://...tar.gz","hashValue":"<sha256 hex>",...}]}:
#   the version, download URL and SHA-256 Microsoft registers with each release
#   (src/Misc/Publish.template.ps1: Add-DistributedTaskPackage -HashValue),
#   which the agent checks its own updates against (SelfUpdater.HashValidation).
# The token (a PAT with Agent Pools: read) comes on stdin, goes to curl in
# its config on stdin (never on a command line) and is never printed.
set -euo pipefail
platform="${AGENT_PLATFORM:-linux-x64}"
download_base="${AGENT_DOWNLOAD_BASE:-https://download.agent.dev.azure.com/agent}"
version="${AGENT_VERSION:-}" sha="${AGENT_SHA256:-}"
fail() { echo "resolve-agent-package: $*" >&2; exit 1; }

if [[ -n "$version" || -n "$sha" ]]; then
  [[ -n "$version" && -n "$sha" ]] || fail "set both image.agentVersion and image.agentSha256 in the fleet file, or neither (then the organization's current agent is used)"
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "agent version $version is not MAJOR.MINOR.PATCH"
  [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || fail "agent SHA-256 is not 64 lowercase hex digits"
  echo "$version $sha ${download_base%/}/${version}/vsts-agent-${platform}-${version}.tar.gz"
  exit 0
fi

: "${AZP_URL:?AZP_URL (the organization URL, agent.azpUrl) is not set}"
[[ "$AZP_URL" == https://* ]] || fail "AZP_URL must be an https URL (the organization, e.g. https://dev.azure.com/your-org)"
IFS= read -r token || true
[[ -n "$token" ]] || fail "no token on stdin (the hub secret's value)"
auth="$(printf ':%s' "$token" | base64 -w0)"
unset token
api="${AZP_URL%/}/_apis/distributedtask/packages/agent?platform=${platform}&\$top=1"
set +e
out="$(printf 'header = "Authorization: Basic %s"\nheader = "Accept: application/json"\n' "$auth" |
  curl -sS --max-time 60 --retry 3 -K - -w '\n%{http_code}' "$api" 2>&1)"
rc=$?
set -e
unset auth
code="${out##*$'\n'}"; body="${out%$'\n'*}"
if (( rc != 0 )); then fail "cannot reach ${AZP_URL}: ${body}"; fi
case "$code" in
  200) ;;
  # Azure DevOps answers a request it does not take as signed in with 203
  # and its sign-in page, not 401.
  203) fail "${AZP_URL} answered with its sign-in page (HTTP 203): the token was not accepted; renew the PAT (scope Agent Pools: read & manage) and put it with aws secretsmanager put-secret-value" ;;
  401|403) fail "${AZP_URL} rejected the token (HTTP ${code}): renew the PAT (scope Agent Pools: read & manage) and put it with aws secretsmanager put-secret-value" ;;
  *) fail "${api%%\?*} answered HTTP ${code}: is agent.azpUrl the organization URL (https://dev.azure.com/your-org)?" ;;
esac
line="$(jq -er '.value[0] | select(.version and .downloadUrl and .hashValue)
  | "\(.version.major).\(.version.minor).\(.version.patch) \(.hashValue) \(.downloadUrl)"' <<<"$body" 2>/dev/null)" ||
  fail "${AZP_URL} offers no ${platform} agent package (answer without version, downloadUrl and hashValue)"
read -r version sha url <<<"$line"
# The agent compares hashes without case or dashes (BitConverter form).
sha="$(tr -d '-' <<<"$sha" | tr 'A-F' 'a-f')"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "the organization's agent version '$version' is not MAJOR.MINOR.PATCH"
[[ "$sha" =~ ^[0-9a-f]{64}$ ]] || fail "the organization's hashValue for agent $version is not a SHA-256 (64 hex digits)"
[[ "$url" == https://* ]] || fail "the organization's downloadUrl for agent $version is not https: $url"
echo "$version $sha $url"
