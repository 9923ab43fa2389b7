#!/usr/bin/env bash
# Builds promtool from tools/promtool (github.com/prometheus/prometheus, the version its go.mod pins;
# only ./cmd/promtool) into a cache outside the repo, keyed by a hash of this script and the Go
# module files, so a change of version rebuilds and nothing else does. The monitoring tests
# (test/docs/monitoring.test.ts) check the PrometheusRule, run its unit tests and parse every
# dashboard query with it. Prints the bin directory as its last stdout line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
mod="$root/tools/promtool"
die() { echo "promtool-build: $*" >&2; exit 1; }

key=$(cat "$0" "$mod"/go.{mod,sum} | sha256sum | cut -c1-16)
bin="$cache/promtool-$key/bin"
if [ -x "$bin/promtool" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || die "Go is required (the machine's go)"
# -mod=readonly: the build never rewrites the committed go.mod/go.sum (a missing entry is an error).
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0
pver=$(cd "$mod" && go list -m -f '{{.Version}}' github.com/prometheus/prometheus)
[ -n "$pver" ] || die "cannot read the github.com/prometheus/prometheus version from tools/promtool/go.mod"
tmp="$bin.tmp.$$"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "promtool-build: building promtool ($pver) into $bin (first run only)..." >&2
# Stamp the version (upstream does this through promu), or `promtool --version` says none.
( cd "$mod" && go build -trimpath -ldflags="-s -w -X github.com/prometheus/common/version.Version=$pver" \
    -o "$tmp/" github.com/prometheus/prometheus/cmd/promtool ) >&2
"$tmp/promtool" --version >/dev/null 2>&1 || die "the built promtool does not run"
rm -rf "$bin"; mv "$tmp" "$bin"
echo "promtool-build: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
