#!/usr/bin/env bash
# configs/pets_dropout.yaml trains on a generated Oxford-IIIT Pet folder (real layout, with a
# PNG named .jpg, a CMYK, a grayscale and a truncated JPEG), and the second run of the same data
# decodes nothing: the cache file is reused as it is, and `expt data prepare` reports 0 decoded.
set -uo pipefail
expt=$1 make_image_sets=$2 config=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$make_image_sets" "$work/pets" 20 500 375 || fail "could not generate the data set"
args=(data.root="$work/pets" data.cache_dir="$work/cache" data.image_size=32 data.max_skipped_fraction=0.05
      training.epochs=1 results_dir="$work/results" tensorboard.enabled=false)

out=$("$expt" run "$config" "${args[@]}" 2>&1) || fail "first run: $out"
grep -q "completed" <<<"$out" || fail "first run did not complete: $out"
cache=$(ls "$work"/cache/oxford_pets-*.images) || fail "no cache file written"
stamp=$(stat -c %Y.%i "$cache")

out=$("$expt" run "$config" "${args[@]}" 2>&1) || fail "second run: $out"
grep -q "completed" <<<"$out" || fail "second run did not complete: $out"
[[ $(stat -c %Y.%i "$cache") == "$stamp" ]] || fail "the second run rewrote the cache"

out=$("$expt" data prepare "$config" "${args[@]}" 2>&1) || fail "prepare: $out"
grep -q "decoded 0, skipped 1, cache hit" <<<"$out" || fail "prepare did not read everything from the cache: $out"
grep -q "skipped .*shiba_inu_5.jpg" <<<"$out" || fail "the truncated file is not listed: $out"
echo "pets_dropout trains on generated Pets data; the second run decodes nothing"
