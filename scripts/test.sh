#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Rust: installs the
# Debian packages the tests need when they are missing (real Postfix, swaks,
# Knot DNS, OpenDKIM tools), then runs formatting, lints and every test.
# CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# program -> Debian package
needed=(
  postconf:postfix postmap:postfix postfix:postfix
  swaks:swaks openssl:openssl
  knotd:knot kdig:knot-dnsutils knsupdate:knot-dnsutils kzonecheck:knot-dnssecutils
  opendkim-testkey:opendkim-tools
  pebble:pebble curl:curl
  dovecot:dovecot-core doveconf:dovecot-core doveadm:dovecot-core
  opendkim:opendkim
)
missing=()
for pair in "${needed[@]}"; do
  program=${pair%%:*} package=${pair#*:}
  command -v "$program" >/dev/null 2>&1 || [ -x "/usr/sbin/$program" ] || missing+=("$package")
done
# Libraries and map types that have no program of their own.
[ -e /usr/lib/postfix/postfix-lmdb.so ] || missing+=(postfix-lmdb)
perl -MNet::SSLeay -e1 2>/dev/null || missing+=(libnet-ssleay-perl)
# Dovecot's protocol servers are programs under /usr/lib/dovecot, not on PATH.
[ -x /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
[ -x /usr/lib/dovecot/pop3 ] || missing+=(dovecot-pop3d)
[ -x /usr/lib/dovecot/lmtp ] || missing+=(dovecot-lmtpd)
# dkimpy verifies the DKIM signatures of delivered mail in the mail-flow test.
/usr/bin/python3 -c 'import dkim' 2>/dev/null || missing+=(python3-dkim)

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "installing: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  # No configuration: the package writes no /etc/postfix/main.cf and starts
  # no daemon; the tests run their own instances with `-c DIR`.
  echo 'postfix postfix/main_mailer_type select No configuration' | $sudo debconf-set-selections
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends --no-upgrade -o DPkg::Lock::Timeout=300 "${missing[@]}"
fi

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
