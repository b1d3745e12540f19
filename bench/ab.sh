#!/usr/bin/env bash
# bench/ab.sh -- two mailctl binaries, interleaved, on one spec: A B A B ...
#
#   bench/ab.sh OLD_BINARY NEW_BINARY [SPEC] [ROUNDS]
#
# On a shared machine the load changes from one minute to the next, so a
# before/after comparison is only fair when the two runs alternate. Each run is
# `mailctl -v render --spec SPEC --out DIR --no-postmap` into a fresh DIR, under
# GNU time. Prints, per binary, the median of: wall, user, system, peak RSS,
# and each `-v` phase, plus post-parse (every phase after "parse spec").
# SPEC defaults to the 1M-alias spec bench/run.sh generates; ROUNDS to 7.
set -euo pipefail

A=${1:?usage: bench/ab.sh OLD_BINARY NEW_BINARY [SPEC] [ROUNDS]}
B=${2:?usage: bench/ab.sh OLD_BINARY NEW_BINARY [SPEC] [ROUNDS]}
SPEC=${3:-${WORK:-/var/tmp/mailctl-bench}/spec-1000x1000.toml}
ROUNDS=${4:-7}
[ -s "$SPEC" ] || { echo "ab.sh: no spec at $SPEC (bench/run.sh generates it)" >&2; exit 2; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for which in A B; do
    bin=$A; [ "$which" = A ] || bin=$B
    rm -rf "$T/out"
    /usr/bin/time -f '%e %U %S %M' -o "$T/time" "$bin" -v render --spec "$SPEC" --out "$T/out" --no-postmap 2> "$T/err"
    # one line per run: wall user sys rss_kib, then "phase=ms" pairs
    printf '%s %s\n' "$(cat "$T/time")" \
      "$(sed -nE 's/^([a-z][a-z ]*[a-z]): ([0-9.]+) ms$/\1=\2/p' "$T/err" | tr ' ' '_' | tr '\n' ' ')" >> "$T/$which"
  done
  echo "round $round done, load $(cut -d' ' -f1 /proc/loadavg)"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
for which in A B; do
  bin=$A; [ "$which" = A ] || bin=$B
  f=$T/$which
  line="$which ($bin): wall $(awk '{print $1}' "$f" | median) s, user $(awk '{print $2}' "$f" | median) s, sys $(awk '{print $3}' "$f" | median) s, RSS $(awk '{print $4}' "$f" | median | awk '{printf "%.0f", $1/1024}') MiB"
  line+=$'\n   phases (ms):'
  for phase in $(tr ' ' '\n' < "$f" | sed -nE 's/^([a-z_]+)=.*/\1/p' | awk '!s[$0]++'); do
    line+=" $phase $(tr ' ' '\n' < "$f" | sed -nE "s/^$phase=//p" | median)"
  done
  post=$(awk '{p = 0; after = 0
               for (i = 5; i <= NF; i++) { split($i, kv, "="); if (after) p += kv[2]; if (kv[1] == "parse_spec") after = 1 }
               print p}' "$f" | median)
  echo "$line; post-parse $post"
done
