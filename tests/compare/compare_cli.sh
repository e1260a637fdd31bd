#!/usr/bin/env bash
# `expt compare` from the command line on a real sweep: every format, --output, --filter,
# --group-by, a malformed report among good ones, and the documented errors.
set -uo pipefail
expt=$1 grid=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$expt" sweep "$grid" results_dir="$work/r" training.epochs=3 --quiet >/dev/null || fail "the sweep failed"
mkdir -p "$work/r/broken"
echo '{"schema_version": 1, "name": "x", "hist' > "$work/r/broken/report.json"

out=$("$expt" compare "$work/r" 2>"$work/err"); code=$?
[[ $code -eq 0 ]] || fail "compare: exit $code: $(cat "$work/err")"
[[ $(wc -l <"$work/err") -eq 1 ]] && grep -q "warning: skipping $work/r/broken/report.json" "$work/err" \
  || fail "expected one warning naming the broken report, got: $(cat "$work/err")"
head -1 <<<"$out" | grep -q "^training.dropout  n " || fail "table header: $out"
grep -q "training.dropout=.* vs .*, n=3 vs 3" <<<"$out" || fail "no difference line: $out"
grep -q "train_test_gap: .*95% CI \[" <<<"$out" || fail "no gap interval: $out"

"$expt" compare "$work/r" --format json 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert len(j["groups"]) == 2 and all(g["n"] == 3 for g in j["groups"]), j["groups"]
assert j["differences"][0]["metrics"]["final_test_accuracy"] is not None' || fail "json output"
[[ $("$expt" compare "$work/r" --format csv 2>/dev/null | wc -l) -eq 3 ]] || fail "csv: expected a header and 2 rows"
"$expt" compare "$work/r" --format markdown 2>/dev/null | grep -q "^| training.dropout | n |" || fail "markdown header"

"$expt" compare "$work/r" -o "$work/page.html" 2>/dev/null || fail "--output html"
grep -q "<svg" "$work/page.html" || fail "--output page.html is not the HTML page"
ls "$work"/.*page.html* >/dev/null 2>&1 && fail "a temporary file was left beside the output"

out=$("$expt" compare --filter training.dropout=false "$work/r" 2>/dev/null) || fail "--filter"
grep -q "^3 runs in 1 groups" <(tail -n +3 <<<"$out") || fail "--filter kept other runs: $out"
out=$("$expt" compare "$work/r" --group-by seed --metric train_test_gap 2>/dev/null) || fail "--group-by"
head -1 <<<"$out" | grep -q "^seed  n " || fail "--group-by seed: $out"

"$expt" compare "$work/r" --metric accuracy >/dev/null 2>&1; code=$?
[[ $code -eq 2 ]] || fail "unknown metric: exit $code, expected 2"
"$expt" compare "$work/nothing" >/dev/null 2>&1; code=$?
[[ $code -eq 2 ]] || fail "missing path: exit $code, expected 2"
mkdir "$work/empty"
"$expt" compare "$work/empty" >/dev/null 2>&1; code=$?
[[ $code -eq 2 ]] || fail "no reports: exit $code, expected 2"
echo "formats, output, filters, grouping, warnings and errors as documented"
