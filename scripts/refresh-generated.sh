#!/usr/bin/env bash
# Regenerate the committed shell completions (completions/) and man pages
# (man/) from the binary's own command-line definition (src/cli.rs). Run it
# after any change to the CLI and commit the result; the integration tests in
# tests/integration/generated.rs fail until the committed files match.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --locked --bin mailctl
bin="${CARGO_TARGET_DIR:-target}/debug/mailctl"

mkdir -p completions man
for pair in bash:mailctl.bash zsh:_mailctl fish:mailctl.fish elvish:mailctl.elv powershell:_mailctl.ps1; do
  "$bin" completions "${pair%%:*}" > "completions/${pair#*:}"
done
rm -f man/*.1
"$bin" generate-man man
echo "refreshed completions/ ($(ls completions | wc -l) scripts) and man/ ($(ls man | wc -l) pages)" >&2
