#!/usr/bin/env bash
# The talk's three runs through the simulation, from the workshop's own YAML in ../shared (read-only):
# lays them into dist/simulate/talk/{1-replica,2-replicas,2-replicas-istio-retries}, runs `simulate` on each and
# prints the prediction beside the talk's numbers. Exits 1 when a completed count is more than 10 % off, or the
# three runs are not in the talk's order. Usage: tools/simulate/talk.sh [--shared DIR] [--out DIR] [--fit] [--sensitivity]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --require ./tools/synth/ts-register.cjs tools/simulate/talk.ts "$@"
