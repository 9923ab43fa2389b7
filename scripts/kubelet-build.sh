#!/usr/bin/env bash
# Builds the lab's node binaries (kubelet, kube-proxy) from tools/kubelet into a cache outside the
# repo, keyed by a hash of this script and the Go module files, so a change of version rebuilds and
# nothing else does. tools/kubelet pins the same k8s.io/kubernetes (and the same replace directives)
# as tools/controlplane: checked below, so the nodes and the control plane never drift apart.
# Prints the bin directory as its last stdout line. About 20 s with a warm Go build cache; cold,
# a few minutes on 2 cores (the control plane build shares most of the packages).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
mod="$root/tools/kubelet"
die() { echo "kubelet-build: $*" >&2; exit 1; }

# Same Kubernetes as the control plane: same require, same replace block (text of go.mod; cheap,
# and needs no go command when the binaries are cached).
kver_of() { sed -n -E 's/^[[:space:]]*(require[[:space:]]+)?k8s\.io\/kubernetes[[:space:]]+(v[^[:space:]]+).*/\2/p' "$1" | head -1; }
replaces() { sed -n '/^replace (/,/^)/p' "$1"; }
kv=$(kver_of "$mod/go.mod"); cv=$(kver_of "$root/tools/controlplane/go.mod")
[ -n "$kv" ] || die "cannot read the k8s.io/kubernetes version from tools/kubelet/go.mod"
[ "$kv" = "$cv" ] || die "tools/kubelet pins k8s.io/kubernetes $kv but tools/controlplane pins ${cv:-nothing}: make them the same"
[ "$(replaces "$mod/go.mod")" = "$(replaces "$root/tools/controlplane/go.mod")" ] ||
  die "the replace blocks of tools/kubelet/go.mod and tools/controlplane/go.mod differ: make them the same"

key=$(cat "$0" "$mod"/go.{mod,sum} | sha256sum | cut -c1-16)
bin="$cache/kubelet-$key/bin"
want=(kubelet kube-proxy)
have=1; for b in "${want[@]}"; do [ -x "$bin/$b" ] || have=0; done
if [ $have = 1 ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || die "Go is required (the machine's go)"
# -mod=readonly: the build never rewrites the committed go.mod/go.sum (a missing entry is an error).
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0
tmp="$bin.tmp.$$"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
echo "kubelet-build: building kubelet and kube-proxy $kv into $bin (first run only)..." >&2
# The same version stamp as scripts/controlplane-build.sh, so `kubelet --version` says $kv and the
# node reports it (upstream does this in its Makefile; without it: v0.0.0-master).
vpkg=k8s.io/component-base/version
kminor=$(echo "$kv" | cut -d. -f2)
ldf="-s -w -X $vpkg.gitVersion=$kv -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$kminor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
( cd "$mod" && go build -trimpath -ldflags="$ldf" -o "$tmp/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy ) >&2
out=$("$tmp/kubelet" --version 2>&1) || die "the built kubelet does not run: $out"
[ "$out" = "Kubernetes $kv" ] || die "the built kubelet says '$out', expected 'Kubernetes $kv'"
rm -rf "$bin"; mv "$tmp" "$bin"
echo "kubelet-build: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
