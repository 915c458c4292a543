#!/usr/bin/env bash
# Pipeline step after a wave: the smoke check of every spoke of the wave
# (tools/smoke-check.sh), each with its spoke's hubspoke-<spoke>-smoke role,
# which trusts the pipeline's verify role only.
# Env: SPOKES="ACCOUNT:REGION:CLUSTER:SERVICE ..."
set -euo pipefail
export ASSUME_ROLE='hubspoke-{spoke}-smoke'
exec bash "$(dirname "$0")/smoke-check.sh"
