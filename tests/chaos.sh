#!/usr/bin/env bash
# The chaos scenario at full size: SIGKILLs the local host at random moments while a batch runs and simulated
# reviewers submit, restarts it, and checks the invariants (every item ends once; no review lost or counted twice;
# no assignment e-mailed twice except where a kill fell between the send and its record).
#   bash tests/chaos.sh [PAIRS] [KILLS] [SEED]     defaults: 2000 pairs, 5 kills, a random seed
# Needs what `bash .ci/run` installs (Azurite under ~/.cot, smtp4dev as a local tool) and a Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export COT_CHAOS_PAIRS="${1:-2000}" COT_CHAOS_KILLS="${2:-5}"
[ -n "${3:-}" ] && export COT_CHAOS_SEED="$3"
dotnet build CotFunctions.sln -c Release -nologo -v q
dotnet test tests/CotPipeline.IntegrationTests -c Release --no-build --settings .runsettings \
  --filter "FullyQualifiedName~ChaosTests" --logger "console;verbosity=detailed" \
  -- RunConfiguration.TestSessionTimeout=14400000   # 4 h: .runsettings' 25-minute session cap is for CI
