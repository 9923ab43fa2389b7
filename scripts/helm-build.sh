#!/usr/bin/env bash
# Builds Helm from tools/helm (helm.sh/helm/v4, the version its go.mod pins) into a cache outside
# the repo, keyed by a hash of this script and the Go module files, so a change of version rebuilds
# and nothing else does. The chart tests (test/integration/helm.test.ts) lint, render, install and
# upgrade charts/nodemend with it. Prints the bin directory as its last stdout line.
# Cold build on 2 cores (empty Go module and build caches): 162 s with the machine to itself (10 s of
# module downloads, 152 s of compiling), 445 s while other builds shared it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
mod="$root/tools/helm"
die() { echo "helm-build: $*" >&2; exit 1; }

key=$(cat "$0" "$mod"/go.{mod,sum} | sha256sum | cut -c1-16)
bin="$cache/helm-$key/bin"
if [ -x "$bin/helm" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || die "Go is required (the machine's go)"
# -mod=readonly: the build never rewrites the committed go.mod/go.sum (a missing entry is an error).
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0
hver=$(cd "$mod" && go list -m -f '{{.Version}}' helm.sh/helm/v4)
[ -n "$hver" ] || die "cannot read the helm.sh/helm/v4 version from tools/helm/go.mod"
tmp="$bin.tmp.$$"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "helm-build: building helm $hver into $bin (first run only)..." >&2
# Stamp the version (upstream does this in its Makefile), or `helm version` says only v4.3.
( cd "$mod" && go build -trimpath -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$hver -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
    -o "$tmp/" helm.sh/helm/v4/cmd/helm ) >&2
out=$("$tmp/helm" version --template '{{.Version}}' 2>&1) || die "the built helm does not run: $out"
[ "$out" = "$hver" ] || die "the built helm says '$out', expected '$hver'"
rm -rf "$bin"; mv "$tmp" "$bin"
echo "helm-build: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
