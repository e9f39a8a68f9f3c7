#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) into ./build-fuzz and runs each for
# SECONDS (default 60) one after another, seeded from tests/fuzz/seeds and, when present, the shared
# fixtures. Findings land in build-fuzz/findings/<target>/ and make the script exit 1.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH="${1:-60}"
FIXTURES="${CAUSEWAY_FIXTURES:-../shared/fixtures}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCAUSEWAY_FUZZ=ON -DCAUSEWAY_TESTS=OFF >/dev/null
TARGETS="dag_cbor car frame commit jetstream lexicon cavage_header rfc9421_header as2 html key_ownership convert record_to_note note_event"
# shellcheck disable=SC2086
cmake --build build-fuzz --target $(for t in $TARGETS; do printf 'fuzz_%s ' "$t"; done)

seed() {  # seed <corpus dir> <files...>
  dir="$1"; shift
  mkdir -p "$dir"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$dir/" || true; done
}
corpus=build-fuzz/corpus
seed "$corpus/frame" "$FIXTURES"/firehose-frames/*.cbor
seed "$corpus/commit" "$FIXTURES"/firehose-frames/*-commit.cbor
seed "$corpus/car" "$FIXTURES"/atproto-car/*.car "$FIXTURES"/firehose-frames/*.car
seed "$corpus/dag_cbor" "$FIXTURES"/firehose-frames/*.cbor
seed "$corpus/cavage_header" "$FIXTURES"/http-signatures/cavage-12/*.txt
seed "$corpus/rfc9421_header" "$FIXTURES"/http-signatures/rfc9421/cases/*
seed "$corpus/as2" "$FIXTURES"/http-signatures/rfc9530/sample-body.json
seed "$corpus/jetstream" tests/fuzz/seeds/jetstream/*.json
seed "$corpus/lexicon" tests/fuzz/seeds/lexicon/*.bin
seed "$corpus/html" tests/fuzz/seeds/html/*
seed "$corpus/key_ownership" tests/fuzz/seeds/key_ownership/*
# fuzz_convert's first byte picks the direction: even to Bluesky (AS2 in), odd to the fediverse.
mkdir -p "$corpus/convert"
n=0
for f in $(find tests/data/activitypub -name '*.json' 2>/dev/null); do
  n=$((n + 1)); { printf '\000'; cat "$f"; } > "$corpus/convert/ap-$n"
done
for f in $(find tests/data/atproto/posts -name '*.json' 2>/dev/null); do
  n=$((n + 1)); { printf '\001'; cat "$f"; } > "$corpus/convert/at-$n"
done
seed "$corpus/record_to_note" tests/data/atproto/posts/*.json
# The corpus repeats file names across servers (note.json ...): each seed is named for its server.
mkdir -p "$corpus/note_event"
for f in tests/data/activitypub/*/*.json; do cp "$f" "$corpus/note_event/$(basename "$(dirname "$f")")_$(basename "$f")"; done

status=0
for target in $TARGETS; do
  mkdir -p "build-fuzz/findings/$target"
  echo "fuzz_$target: ${SECONDS_EACH}s"
  if ! build-fuzz/tests/fuzz/fuzz_$target -max_total_time="$SECONDS_EACH" -max_len=1048576 -rss_limit_mb=2048 \
      -artifact_prefix="build-fuzz/findings/$target/" -print_final_stats=1 "$corpus/$target" \
      2> "build-fuzz/fuzz_$target.log"; then
    echo "fuzz_$target: FINDING, see build-fuzz/fuzz_$target.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "build-fuzz/fuzz_$target.log" | tail -2 || true
done
exit $status
