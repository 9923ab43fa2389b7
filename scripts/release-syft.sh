#!/usr/bin/env bash
# Builds syft from tools/syft (github.com/anchore/syft, the version its go.mod pins) into a cache
# outside the repo, keyed by a hash of this script and the Go module files, so a change of version
# rebuilds and nothing else does. scripts/release-dryrun.sh makes the image's SPDX SBOM with it.
# Prints the binary's path as its last stdout line. Cold build: about 6 min on 2 shared cores
# (some 200 modules to download and compile), then a cache hit.
# Run syft with SYFT_CHECK_FOR_APP_UPDATE=false: otherwise it asks the internet for a newer version.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
mod="$root/tools/syft"
die() { echo "release-syft: $*" >&2; exit 1; }

key=$(cat "$0" "$mod"/go.{mod,sum} | sha256sum | cut -c1-16)
bin="$cache/syft-$key/syft"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || die "Go is required (the machine's go)"
# -mod=readonly: the build never rewrites the committed go.mod/go.sum (a missing entry is an error).
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0
ver=$(cd "$mod" && go list -m -f '{{.Version}}' github.com/anchore/syft)
[ -n "$ver" ] || die "cannot read the syft version from tools/syft/go.mod"
tmp="$(dirname "$bin").tmp.$$"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "release-syft: building syft $ver into $bin (first run only)..." >&2
# Stamp the version as upstream's release build does, or `syft version` says "[not provided]".
( cd "$mod" && go build -trimpath -ldflags="-s -w -X main.version=${ver#v}" \
    -o "$tmp/syft" github.com/anchore/syft/cmd/syft ) >&2
out=$(SYFT_CHECK_FOR_APP_UPDATE=false "$tmp/syft" version 2>&1 | sed -n 's/^Version: *//p') || die "the built syft does not run"
[ "$out" = "${ver#v}" ] || die "the built syft says '$out', expected '${ver#v}'"
rm -rf "$(dirname "$bin")"; mv "$tmp" "$(dirname "$bin")"
echo "release-syft: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
