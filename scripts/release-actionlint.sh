#!/usr/bin/env bash
# Builds actionlint from tools/actionlint (github.com/rhysd/actionlint, the version its go.mod
# pins) into a cache outside the repo, keyed by a hash of this script and the Go module files, so a
# change of version rebuilds and nothing else does. test/release/workflows.test.ts lints
# .github/workflows with it. Prints the binary's path as its last stdout line.
# actionlint checks each `run:` script with shellcheck when there is one: without it those checks
# are silently skipped, so this installs Debian's shellcheck (apt, as root) when it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
mod="$root/tools/actionlint"
die() { echo "release-actionlint: $*" >&2; exit 1; }

if ! command -v shellcheck >/dev/null; then
  [ "$(id -u)" = 0 ] || die "shellcheck is missing and only root can install it: apt-get install shellcheck"
  echo "release-actionlint: installing shellcheck from apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y --no-install-recommends shellcheck || { apt-get update && apt-get install -y --no-install-recommends shellcheck; }; } >&2
fi

key=$(cat "$0" "$mod"/go.{mod,sum} | sha256sum | cut -c1-16)
bin="$cache/actionlint-$key/actionlint"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || die "Go is required (the machine's go)"
# -mod=readonly: the build never rewrites the committed go.mod/go.sum (a missing entry is an error).
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0
ver=$(cd "$mod" && go list -m -f '{{.Version}}' github.com/rhysd/actionlint)
[ -n "$ver" ] || die "cannot read the actionlint version from tools/actionlint/go.mod"
tmp="$(dirname "$bin").tmp.$$"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "release-actionlint: building actionlint $ver into $bin (first run only)..." >&2
# Stamp the version as upstream's release build does, or `actionlint -version` says "(devel)".
( cd "$mod" && go build -trimpath -ldflags="-s -w -X github.com/rhysd/actionlint.version=$ver" \
    -o "$tmp/actionlint" github.com/rhysd/actionlint/cmd/actionlint ) >&2
out=$("$tmp/actionlint" -version 2>&1 | head -n1) || die "the built actionlint does not run: $out"
[ "$out" = "$ver" ] || die "the built actionlint says '$out', expected '$ver'"
rm -rf "$(dirname "$bin")"; mv "$tmp" "$(dirname "$bin")"
echo "release-actionlint: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
