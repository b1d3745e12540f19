#!/bin/sh
# How long `mailctl lint` takes on a 100,000-line lookup table, next to
# `postmap -s` (which reads the same source and dumps it) on the same file.
#
#   bench/lint_table.sh [LINES]
#
# Uses hyperfine when installed, else /usr/bin/time. Builds mailctl in
# release mode first (CARGO_TARGET_DIR is honoured).
set -eu

lines=${1:-100000}
repo=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-"$repo/target"}
postmap=$(command -v postmap || echo /usr/sbin/postmap)
[ -x "$postmap" ] || { echo "error: postmap is not installed (apt-get install postfix)" >&2; exit 3; }

(cd "$repo" && cargo build --release --quiet)
mailctl="$target/release/mailctl"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# postmap -c DIR needs a main.cf; an empty one means the defaults.
: > "$dir/main.cf"
awk -v n="$lines" 'BEGIN {
    for (i = 0; i < n; i++)
        printf "user%d@domain%d.example\tuser%d@mailbox.example, archive@mailbox.example\n", i, i % 500, i
}' > "$dir/virtual"
# Postfix tools sleep ~2 s on files modified within the last second.
touch -d '-10 seconds' "$dir/main.cf" "$dir/virtual"
echo "table: $(wc -l < "$dir/virtual") lines, $(wc -c < "$dir/virtual") bytes"

lint="$mailctl lint $dir/virtual"
dump="$postmap -c $dir -s texthash:$dir/virtual"
if command -v hyperfine > /dev/null; then
    hyperfine --warmup 2 --runs 10 --style basic \
        --command-name 'mailctl lint' "$lint > /dev/null" \
        --command-name 'postmap -s' "$dump > /dev/null"
else
    for cmd in "$lint" "$dump"; do
        echo "$cmd"
        /usr/bin/time -f '  %e s elapsed, %M KB max RSS' sh -c "$cmd > /dev/null"
    done
fi
