#!/usr/bin/env bash
# bench/check_dns.sh [N] -- `mailctl check-dns` against its anchor (checkdmarc)
# and its floor (dnsperf replaying every query a full check needs), in one run,
# on N synthetic domains served by Knot on loopback.
#
# Builds on the shared harness in ../shared/bench (by path, not copied):
# gen_zone.py (zones, queries.txt), dns_up.sh / dns_down.sh (knotd with
# mod-stats on 127.0.0.1:5353 and 127.0.0.2:53), local_resolv.sh (checkdmarc's
# system-resolver lookups stay on loopback). Installs what it needs (apt,
# a venv with checkdmarc==6.0.4). Loopback only.
#
# Prints: wall (median of RUNS), user+sys CPU (median; the fairer figure on
# a machine shared with other builds), peak RSS (GNU time, median), queries
# the server counted (mod-stats, one run), and mailctl's ratios to both.
set -euo pipefail
N=${1:-1000}
RUNS=${RUNS:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
SHARED=${SHARED_BENCH:-$REPO/../shared/bench}
export WORK=${WORK:-/var/tmp/mailctl-check-dns}
export DNS_RUN=$WORK/knot
Z=$WORK/zones-$N
mkdir -p "$WORK/res"

# ---- install
export DEBIAN_FRONTEND=noninteractive
pkgs="knot knot-dnsutils dnsperf time openssl python3-venv"
if ! dpkg -s $pkgs >/dev/null 2>&1; then
  apt-get update -q && apt-get install -y -q --no-install-recommends $pkgs
fi
if [ ! -x "$WORK/venv/bin/checkdmarc" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q checkdmarc==6.0.4
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
(cd "$REPO" && cargo build --release -q)
MAILCTL=${MAILCTL:-$CARGO_TARGET_DIR/release/mailctl}

# ---- zones, and a spec that expects what they publish (mostly)
[ -f "$Z/queries.txt" ] || "$SHARED/gen_zone.py" "$N" --out "$Z"
SPEC=$WORK/spec-$N.toml
python3 - "$N" "$Z" "$SPEC" <<'PY'
import os, sys
n, z, spec = int(sys.argv[1]), sys.argv[2], sys.argv[3]
keys = os.path.join(os.path.dirname(spec), f"dkim-{n}")
domains = [l.strip() for l in open(os.path.join(z, "domains.txt")) if l.strip()]
out = ['version = 1', '[server]', 'hostname = "mail.d0001.test"', 'ipv4 = ["127.1.0.1"]',
       'services = ["smtp"]', '[dkim]', f'key_dir = "{keys}"', 'selector = "sel1"', '']
for d in domains:
    os.makedirs(os.path.join(keys, d), exist_ok=True)
    link = os.path.join(keys, d, "sel1.pem")
    if not os.path.lexists(link):
        os.symlink(os.path.join(z, "dkim.pem"), link)
    out += ['[[domain]]', f'name = "{d}"', f'mx = [{{ host = "mail.{d}" }}]',
            'mailboxes = ["postmaster"]',
            '[domain.dmarc]', 'policy = "reject"', f'rua = ["dmarc@{d}"]',
            '[domain.mta_sts]', 'mode = "enforce"',
            '[domain.tls_rpt]', f'rua = ["tlsrpt@{d}"]', '']
open(spec, "w").write("\n".join(out))
PY
chmod 600 "$Z/dkim.pem"

"$SHARED/dns_up.sh" "$Z"
trap '"$SHARED/dns_down.sh"' EXIT
queries() { knotc -c "$DNS_RUN/knot.conf" stats mod-stats.server-operation | awk '{s+=$NF} END {print s+0}'; }

# bench NAME CMD...: RUNS runs; median wall and RSS; queries of the first run.
declare -A WALL CPU RSS QUERIES
bench() {
  local name=$1; shift
  local walls=() cpus=() rsss=() q0 q1 w r u s
  for i in $(seq "$RUNS"); do
    q0=$(queries)
    /usr/bin/time -f "%e %M %U %S" -o "$WORK/res/$name.time" "$@" >"$WORK/res/$name.out" 2>"$WORK/res/$name.err" || true
    q1=$(queries)
    [ "$i" = 1 ] && QUERIES[$name]=$((q1 - q0))
    read -r w r u s < <(tail -n 1 "$WORK/res/$name.time")
    walls+=("$w"); rsss+=("$r"); cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}')")
  done
  WALL[$name]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  CPU[$name]=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  RSS[$name]=$(printf '%s\n' "${rsss[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1024}')
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
bench mailctl "$MAILCTL" check-dns --spec "$SPEC" --nameserver 127.0.0.1:5353 --format json -q
bench checkdmarc "$SHARED/local_resolv.sh" "$WORK/venv/bin/checkdmarc" "$Z/domains.txt" -n 127.0.0.2 -o "$WORK/res/checkdmarc.json"
bench dnsperf dnsperf -s 127.0.0.1 -p 5353 -d "$Z/queries.txt" -n 1 -q 100 -t 2

python3 - "$WORK/res/mailctl.out" <<'PY' >&2 || true
import json, sys
r = json.load(open(sys.argv[1]))
print("mailctl summary:", r["summary"])
PY

printf '\ncheck-dns, %d domains (median of %d runs; queries as counted by knotd mod-stats)\n' "$N" "$RUNS"
printf 'load average before: %s\n' "$LOAD"
printf '%-12s %10s %10s %12s %10s %14s\n' tool wall "user+sys" "peak RSS" queries "per domain"
for t in mailctl checkdmarc dnsperf; do
  printf '%-12s %9ss %9ss %9s MiB %10s %11.3f ms\n' "$t" "${WALL[$t]}" "${CPU[$t]}" "${RSS[$t]}" "${QUERIES[$t]}" \
    "$(awk -v w="${WALL[$t]}" -v n="$N" 'BEGIN {print w * 1000 / n}')"
done
awk -v m="${WALL[mailctl]}" -v c="${WALL[checkdmarc]}" -v d="${WALL[dnsperf]}" 'BEGIN {
  printf "\nmailctl is %.1fx faster than checkdmarc (target >= 20x) and %.2fx the dnsperf floor (target <= 3x)\n", c / m, m / d }'
echo "GNU time resolves wall to 10 ms; outputs in $WORK/res/" >&2
