#!/usr/bin/env bash
# bench/run.sh -- `mailctl render` against its anchor and its floor, in one run.
#
#   mailctl   mailctl render --spec S --out DIR --no-postmap   (fresh, empty DIR each run)
#   Jinja2    ../shared/bench/render_jinja.py S DIR             (what Ansible's template module does)
#   cat       the two maps mailctl wrote, copied file to file   (the I/O floor)
#   dd        the same copy through a user buffer (read+write)  (context: cat uses copy_file_range)
#   cat+fsync the same as cat, then fsync both files and the dir (context: mailctl fsyncs)
#
# For each size (K domains x M aliases): hyperfine median wall, GNU time peak RSS,
# mailctl's own phase split (-v), and a check that mailctl's maps hold the same
# entries as Jinja2's. One table at the end; raw rows in $WORK/results.tsv,
# hyperfine JSON and RSS lists in $WORK/res/. See bench/README.md.
#
# Knobs (environment): WORK (default /var/tmp/mailctl-bench), SHARED (default
# ../shared next to the repo), SIZES (default "100x1000 1000x1000"),
# CARGO_TARGET_DIR (honoured), RUNS_SMALL / RUNS_LARGE (Jinja2's timed runs below / at
# 1M aliases, default 5 / 3; mailctl gets twice as many, the floors 10),
# SPLIT_RUNS (mailctl -v runs for the time split, median per phase; default 3).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=${WORK:-/var/tmp/mailctl-bench}
SHARED=${SHARED:-$ROOT/../shared}
SIZES=${SIZES:-"100x1000 1000x1000"}
RUNS_SMALL=${RUNS_SMALL:-5}      # Jinja2 below / at 1M aliases; mailctl gets twice as many
RUNS_LARGE=${RUNS_LARGE:-3}
SPLIT_RUNS=${SPLIT_RUNS:-3}
VENV=$WORK/venv
RES=$WORK/res
TSV=$WORK/results.tsv
JINJA=$SHARED/bench/render_jinja.py
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '==> %s\n' "$*" >&2; }
[ -f "$JINJA" ] || { echo "run.sh: $JINJA not found; set SHARED to the directory holding bench/render_jinja.py" >&2; exit 2; }

# ------------------------------------------------------------------ tools ----
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
  log "installing hyperfine and GNU time (apt)"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends --no-upgrade hyperfine time
fi

log "building mailctl (release)"
(cd "$ROOT" && cargo build --release --quiet)
MAILCTL=${CARGO_TARGET_DIR:-$ROOT/target}/release/mailctl
[ -x "$MAILCTL" ] || { echo "run.sh: no binary at $MAILCTL" >&2; exit 3; }
log "building bench/validation_floor (release)"
FLOOR_TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/validation_floor
(cd "$HERE/validation_floor" && CARGO_TARGET_DIR=$FLOOR_TARGET cargo build --release --quiet --locked)
FLOOR=$FLOOR_TARGET/release/validation-floor

mkdir -p "$WORK" "$RES"
if ! "$VENV/bin/python" -c 'import jinja2, sys; sys.exit(jinja2.__version__ != "3.1.6")' 2>/dev/null; then
  log "venv $VENV with Jinja2 3.1.6"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check Jinja2==3.1.6
fi
PY=$VENV/bin/python

# ---------------------------------------------------------------- helpers ----
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# bench NAME RUNS PREPARE -- CMD...: hyperfine -N (1 warm-up + RUNS), GNU time around every run.
# PREPARE ("" for none) runs before each run. Sets WALL (median s), WMIN (fastest
# run, s), CPU (mean user+sys s), RSS_MIB (median peak RSS).
bench() {
  local name=$1 runs=$2 prep=$3; shift 4
  local tag=$RES/$name; rm -f "$tag.rss"
  local prepare=(); [ -z "$prep" ] || prepare=(--prepare "$prep")
  hyperfine -N --style none --warmup 1 --runs "$runs" "${prepare[@]}" --export-json "$tag.json" \
    -- "$(printf '%q ' /usr/bin/time -f %M -a -o "$tag.rss" "$@")" >"$tag.log" 2>&1 \
    || { cat "$tag.log" >&2; return 1; }
  read -r WALL CPU WMIN < <("$PY" -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print(r["median"], r["user"] + r["system"], r["min"])' "$tag.json")
  RSS_MIB=$(grep -E '^[0-9]+$' "$tag.rss" | median | awk '{printf "%.1f", $1/1024}')
}
# canonical entries of a map: no comments or blank lines, "key t1,t2", sorted
canon() { grep -hv '^[[:space:]]*\(#\|$\)' "$1" | sed -E 's/[[:space:]]*,[[:space:]]*/,/g; s/[[:space:]]+/ /g' | LC_ALL=C sort; }
# the same with a target listed twice in one entry kept once
dedup() { awk '{n = split($2, t, ","); split("", seen); out = ""
                for (i = 1; i <= n; i++) if (!(t[i] in seen)) { seen[t[i]] = 1; out = out (out == "" ? "" : ",") t[i] }
                print $1 " " out}'; }
ms() { awk -v s="$1" 'BEGIN {printf "%.0f ms", s * 1000}'; }
secs() { awk -v s="$1" 'BEGIN {printf (s >= 1 ? "%.2f s" : "%.1f ms"), (s >= 1 ? s : s * 1000)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (a/b >= 10 ? "%.0fx" : "%.2fx"), a / b}'; }

# time_split SPEC OUTDIR ERRFILE: SPLIT_RUNS runs of `mailctl -v render`, stderr
# kept in ERRFILE. Sets post (s after parsing), rw (s from render on) and split_txt.
time_split() {
  local spec=$1 out=$2 err=$3 p t short after=0 in_rw=0 phases
  : > "$err"
  for _ in $(seq "$SPLIT_RUNS"); do
    rm -rf "$out"
    "$MAILCTL" -v render --spec "$spec" --out "$out" --no-postmap 2>> "$err"
  done
  mapfile -t phases < <(sed -nE 's/^([a-z][a-z ]*[a-z]): [0-9.]+ ms$/\1/p' "$err" | awk '!seen[$0]++')
  post=0; rw=0; split_txt=
  for p in "${phases[@]}"; do
    t=$(awk -v p="$p" 'index($0, p ": ") == 1 && / ms$/ {print $(NF-1)}' "$err" | median)
    [ "$p" != render ] || in_rw=1
    [ "$after" = 0 ] || post=$(awk -v a="$post" -v b="$t" 'BEGIN {print a + b}')
    [ "$in_rw" = 0 ] || rw=$(awk -v a="$rw" -v b="$t" 'BEGIN {print a + b}')
    case $p in parse*) after=1 ;; esac
    short=$(sed -E 's/ spec$//; s/ and postmap$//; s/^compare with disk$/compare/' <<< "$p")
    split_txt+="${split_txt:+ | }$short $(awk -v t="$t" 'BEGIN {printf "%.0f", t}')"
  done
  split_txt+=" ms"
  post=$(awk -v t="$post" 'BEGIN {print t / 1000}'); rw=$(awk -v t="$rw" 'BEGIN {print t / 1000}')
}

printf 'tool\taliases\twall median (fastest)\tCPU user+sys\tpeak RSS\tJinja2 / tool\tpost-parse / cat\trender+write / cat\ttime split\tnote\n' > "$TSV"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$TSV"; }
VERDICTS=()

log "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); $(hyperfine --version); $(rustc --version 2>/dev/null || echo rustc ?); Python $("$PY" -c 'import sys; print(sys.version.split()[0])')"

# ----------------------------------------------------------------- sizes -----
for km in $SIZES; do
  k=${km%x*}; m=${km#*x}; n=$((k * m))
  label=$(awk -v n="$n" 'BEGIN {print (n >= 1e6 ? n / 1e6 "M" : n / 1e3 "k")}')
  runs=$(( n >= 1000000 ? RUNS_LARGE : RUNS_SMALL ))
  S=$WORK/spec-$km.toml
  JO=$WORK/jinja-out-$km         # Jinja2's maps (overwritten each run)
  MO=$WORK/mailctl-out-$km       # mailctl's, fresh each run
  MV=$WORK/mailctl-v-$km         # the -v run
  C=$WORK/copy-$km               # cat's copy, fresh each run
  if [ ! -s "$S" ] || [ "$HERE/gen_spec.py" -nt "$S" ]; then
    log "$label: generating $S"
    "$PY" "$HERE/gen_spec.py" "$k" "$m" --out "$S"
  fi
  spec_mib=$(awk -v b="$(wc -c < "$S")" 'BEGIN {printf "%.1f", b / 1048576}')

  log "$label: mailctl render ($((runs * 2)) runs)"
  bench "mailctl-$km" "$((runs * 2))" "rm -rf $MO" -- "$MAILCTL" render --spec "$S" --out "$MO" --no-postmap
  M_WALL=$WALL; M_MIN=$WMIN; M_CPU=$CPU; M_RSS=$RSS_MIB

  log "$label: Jinja2 ($runs runs)"
  rm -f "$RES/jinja2-$km.phases"
  bench "jinja2-$km" "$runs" "" -- sh -c 'exec "$0" "$1" "$2" "$3" 2>>"$4"' \
    "$PY" "$JINJA" "$S" "$JO" "$RES/jinja2-$km.phases"
  J_WALL=$WALL; J_MIN=$WMIN; J_CPU=$CPU; J_RSS=$RSS_MIB
  j_parse=$(awk '{for (i = 1; i < NF; i++) if ($i == "parse") print $(i+1)}' "$RES/jinja2-$km.phases" | median)
  j_rest=$(awk '{for (i = 1; i < NF; i++) if ($i == "render+write") print $(i+1)}' "$RES/jinja2-$km.phases" | median)

  bytes=$(cat "$MO/virtual" "$MO/vmailbox" | wc -c)
  out_mib=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')
  log "$label: cat floor, dd, cat+fsync (10 runs each)"
  bench "cat-$km" 10 "rm -rf $C" -- sh -c 'mkdir "$2" && cat "$1/virtual" > "$2/virtual" && cat "$1/vmailbox" > "$2/vmailbox"' sh "$MO" "$C"
  C_WALL=$WALL; C_MIN=$WMIN; C_CPU=$CPU; C_RSS=$RSS_MIB
  bench "catsync-$km" 10 "rm -rf $C" -- sh -c 'mkdir "$2" && cat "$1/virtual" > "$2/virtual" && cat "$1/vmailbox" > "$2/vmailbox" && sync "$2/virtual" "$2/vmailbox" "$2"' sh "$MO" "$C"
  CS_WALL=$WALL; CS_MIN=$WMIN; CS_CPU=$CPU; CS_RSS=$RSS_MIB
  bench "dd-$km" 10 "rm -rf $C" -- sh -c 'mkdir "$2" && dd status=none bs=64M if="$1/virtual" of="$2/virtual" && dd status=none bs=64M if="$1/vmailbox" of="$2/vmailbox"' sh "$MO" "$C"
  DD_WALL=$WALL; DD_MIN=$WMIN; DD_CPU=$CPU; DD_RSS=$RSS_MIB

  # mailctl -v prints "<phase>: <t> ms" per phase on stderr: "read spec", "parse spec",
  # "validate spec", "render", "compare with disk", "write and postmap". Median per
  # phase. Post-parse work (the issue's "validation, rendering, writing") is every
  # phase after the one named "parse ..."; render+write is "render" onwards. (An older
  # mailctl printed "parse and validate spec": then validation counts as parsing.)
  log "$label: mailctl -v (time split, $SPLIT_RUNS runs)"
  VERR=$RES/mailctl-v-$km.err
  time_split "$S" "$MV" "$VERR"
  M_POST=$post; M_RW=$rw
  warnings=$(( $(grep -c '^warning\[' "$VERR" || true) / SPLIT_RUNS ))

  log "$label: comparing mailctl's maps with Jinja2's"
  same=same; dups=0
  for f in virtual vmailbox; do
    canon "$JO/$f" > "$RES/canon-jinja2-$km-$f"
    canon "$MO/$f" > "$RES/canon-mailctl-$km-$f"
    if ! cmp -s "$RES/canon-jinja2-$km-$f" "$RES/canon-mailctl-$km-$f"; then
      # mailctl drops a target listed twice in one alias (with a warning); Jinja2 writes it twice
      d=$(diff "$RES/canon-jinja2-$km-$f" "$RES/canon-mailctl-$km-$f" | grep -c '^<' || true)
      if cmp -s <(dedup < "$RES/canon-jinja2-$km-$f") <(dedup < "$RES/canon-mailctl-$km-$f"); then
        dups=$((dups + d))
      else
        same="DIFFERENT ($f)"
      fi
    fi
  done
  rm -f "$RES"/canon-*-"$km"-*
  entries=$(grep -vc '^[[:space:]]*\(#\|$\)' "$MO/virtual" || true)
  note_m="$entries aliases; output $same as Jinja2's"
  [ "$dups" -eq 0 ] || note_m="$note_m ($dups aliases list a target twice: Jinja2 repeats it, mailctl keeps one and warns; $warnings warnings)"

  row "mailctl" "$label" "$(secs "$M_WALL") (min $(secs "$M_MIN"))" "$(secs "$M_CPU")" "$M_RSS MiB" "$(ratio "$J_WALL" "$M_WALL")" \
      "$(ratio "$post" "$C_WALL") ($(ms "$post"))" "$(ratio "$rw" "$C_WALL") ($(ms "$rw"))" "$split_txt" "$note_m"
  row "Jinja2 (render_jinja.py)" "$label" "$(secs "$J_WALL") (min $(secs "$J_MIN"))" "$(secs "$J_CPU")" "$J_RSS MiB" "1x" "-" "-" \
      "$(printf 'parse (tomllib) %.0f | render+write %.0f ms' "$(awk -v s="$j_parse" 'BEGIN {print s * 1000}')" "$(awk -v s="$j_rest" 'BEGIN {print s * 1000}')")" \
      "spec $spec_mib MiB -> $out_mib MiB of maps"
  row "cat (I/O floor)" "$label" "$(secs "$C_WALL") (min $(secs "$C_MIN"))" "$(secs "$C_CPU")" "$C_RSS MiB" "$(ratio "$J_WALL" "$C_WALL")" "1x" "1x" "-" \
      "the same $out_mib MiB, into a fresh dir"
  row "dd (read+write)" "$label" "$(secs "$DD_WALL") (min $(secs "$DD_MIN"))" "$(secs "$DD_CPU")" "$DD_RSS MiB" "$(ratio "$J_WALL" "$DD_WALL")" "$(ratio "$DD_WALL" "$C_WALL")" "$(ratio "$DD_WALL" "$C_WALL")" "-" \
      "as cat, but through a user-space buffer (read + write, as mailctl writes)"
  row "cat + fsync" "$label" "$(secs "$CS_WALL") (min $(secs "$CS_MIN"))" "$(secs "$CS_CPU")" "$CS_RSS MiB" "$(ratio "$J_WALL" "$CS_WALL")" "$(ratio "$CS_WALL" "$C_WALL")" "$(ratio "$CS_WALL" "$C_WALL")" "-" \
      "as cat, then fsync both files and the dir (mailctl syncs too)"

  # The least any validator must do after parsing (bench/validation_floor):
  # the duplicate and target-exists lookups alone, on both cores. With
  # mailctl's own render + write it bounds the post-parse work from below.
  log "$label: validation floor"
  floor_line=$("$FLOOR" "$S" 7)
  floor_s=$(awk '{print $1 / 1000}' <<< "$floor_line")
  bound=$(awk -v a="$floor_s" -v b="$M_RW" 'BEGIN {print a + b}')
  row "validation floor" "$label" "$(secs "$floor_s")" "-" "-" "-" "$(ratio "$floor_s" "$C_WALL")" "-" "-" \
      "hash lookups only: ${floor_line#* ms }"

  # The same spec with submission, Dovecot checking the logins, as a real server
  # runs: render also follows every alias to its mailboxes (sender_login) and
  # writes Dovecot's files. No Jinja2 counterpart; the split shows the cost.
  SD=$WORK/spec-$km-dovecot.toml
  MD=$WORK/mailctl-dovecot-out-$km
  if [ ! -s "$SD" ] || [ "$HERE/gen_spec.py" -nt "$SD" ]; then
    log "$label: generating $SD"
    "$PY" "$HERE/gen_spec.py" "$k" "$m" --dovecot --out "$SD"
  fi
  log "$label: mailctl render, Dovecot on ($((runs * 2)) runs)"
  bench "mailctl-dovecot-$km" "$((runs * 2))" "rm -rf $MD" -- "$MAILCTL" render --spec "$SD" --out "$MD" --no-postmap
  D_RSS=$RSS_MIB
  time_split "$SD" "$MD" "$RES/mailctl-dovecot-v-$km.err"
  row "mailctl, Dovecot on" "$label" "$(secs "$WALL") (min $(secs "$WMIN"))" "$(secs "$CPU")" "$RSS_MIB MiB" "-" \
      "$(ratio "$post" "$C_WALL") ($(ms "$post"))" "$(ratio "$rw" "$C_WALL") ($(ms "$rw"))" "$split_txt" \
      "also sender_login ($(awk -v b="$(wc -c < "$MD/sender_login")" 'BEGIN {printf "%.1f", b / 1048576}') MiB) and Dovecot's files; the ratios are to cat of virtual+vmailbox only"

  # Jinja2 is one thread: a wall well above its CPU time means others took the cores
  if awk -v w="$J_WALL" -v c="$J_CPU" 'BEGIN {exit !(w > 1.15 * c)}'; then
    VERDICTS+=("$label: WARNING: contended run (Jinja2 wall $(secs "$J_WALL") vs CPU $(secs "$J_CPU")); other processes shared the cores, rerun when the machine is quiet")
  fi
  ok() { if awk "BEGIN {exit !($1)}"; then echo met; else echo MISSED; fi; }
  VERDICTS+=("$label: mailctl >= 10x faster than Jinja2: $(ok "$J_WALL / $M_WALL >= 10") ($(ratio "$J_WALL" "$M_WALL"))")
  VERDICTS+=("$label: post-parse work <= 3x cat floor:  $(ok "$M_POST / $C_WALL <= 3") ($(ratio "$M_POST" "$C_WALL"): validate+render+compare+write $(ms "$M_POST") vs cat $(secs "$C_WALL"))")
  VERDICTS+=("$label:   (render+write alone <= 3x cat:   $(ok "$M_RW / $C_WALL <= 3"), $(ratio "$M_RW" "$C_WALL"): $(ms "$M_RW"))")
  VERDICTS+=("$label:   (lower bound, validation floor + render+write: $(ms "$bound"), $(ratio "$bound" "$C_WALL") cat)")
  VERDICTS+=("$label: peak RSS < 1 GiB:                 $(ok "$M_RSS < 1024") ($M_RSS MiB)")
  VERDICTS+=("$label: peak RSS < 1 GiB, Dovecot on:     $(ok "$D_RSS < 1024") ($D_RSS MiB)")
done

echo
echo "mailctl render vs Jinja2 and cat; $(nproc) cores (shared), $(date -u +%Y-%m-%dT%H:%MZ), $(( $(date +%s) - T0 )) s"
echo "mailctl at $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $(rustc --version 2>/dev/null | cut -d' ' -f1-2); Jinja2 3.1.6 on Python $("$PY" -c 'import sys; print(sys.version.split()[0])'); $(hyperfine --version)"
echo "median (and fastest) wall of hyperfine -N runs, 1 warm-up, then Jinja2 $RUNS_SMALL/$RUNS_LARGE runs (below/at 1M), mailctl $((RUNS_SMALL * 2))/$((RUNS_LARGE * 2)), floors 10;"
echo "mean CPU (user+sys), median peak RSS (GNU time %M);"
echo "split: median of $SPLIT_RUNS mailctl -v runs; load average at start $LOAD0, at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
column -t -s $'\t' "$TSV"
echo
printf '%s\n' "${VERDICTS[@]}"
echo "raw: $TSV, $RES/"

# bench/lint_table.sh (another bench, `mailctl lint` vs `postmap -s`), when present
if [ -x "$HERE/lint_table.sh" ]; then
  echo
  (cd "$ROOT" && bench/lint_table.sh) || echo "run.sh: bench/lint_table.sh failed (exit $?)" >&2
fi
