#!/usr/bin/env bash
# A one-node cluster that cannot start ends the Slurm test within seconds, naming the daemon and
# showing its log, instead of waiting for CTest's timeout. A stand-in slurmd that dies at once
# plays the machine that cannot host one (skipped, exit 77, where cluster.sh skips).
set -uo pipefail
expt=$1 grid=$2
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
printf '#!/bin/sh\necho "slurmd: fatal: stand-in slurmd refusing to start" >&2\nexit 1\n' >"$fake/slurmd"
chmod +x "$fake/slurmd"

start=$SECONDS
out=$(PATH=$fake:$PATH bash "$(dirname "$0")/slurm_sweep.sh" "$expt" "$grid" 2>&1); code=$?
[[ $code -eq 77 ]] && { echo "$out"; exit 77; }
[[ $code -eq 1 ]] || { echo "FAIL: exit $code, expected 1: $out"; exit 1; }
grep -q "FAIL: slurmd exited while the cluster started" <<<"$out" || { echo "FAIL: no cause named: $out"; exit 1; }
grep -q "stand-in slurmd refusing to start" <<<"$out" || { echo "FAIL: the daemon's log is not shown: $out"; exit 1; }
(( SECONDS - start <= 20 )) || { echo "FAIL: took $((SECONDS - start)) s to give up"; exit 1; }
echo "a cluster that cannot start fails the test in $((SECONDS - start)) s, naming slurmd"
