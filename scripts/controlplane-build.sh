#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from tools/ into a cache outside the repo, keyed by
# a hash of the Go module files, so a change of version rebuilds and nothing else does.
# Prints the bin directory on stdout. Cold build: see README (about 15-20 min on 2 cores).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
key=$(cat "$0" "$root"/tools/controlplane/go.{mod,sum} "$root"/tools/controlplane/etcd/main.go \
          "$root"/tools/kwok/go.{mod,sum} | sha256sum | cut -c1-16)
bin="$cache/controlplane-$key/bin"
want=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)
have=1; for b in "${want[@]}"; do [ -x "$bin/$b" ] || have=0; done
if [ $have = 1 ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || { echo "controlplane-build: Go is required (the machine's go)" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
tmp="$bin.tmp.$$"; mkdir -p "$tmp"
start=$(date +%s)
echo "controlplane-build: building Kubernetes control plane into $bin (first run only)..." >&2
# Stamp the Kubernetes version (upstream does this in its Makefile), or /version says v0.0.0-master
# and version-aware clients such as kubectl refuse to talk.
kver=$(cd "$root/tools/controlplane" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
[ -n "$kver" ] || { echo "controlplane-build: cannot read the k8s.io/kubernetes version from go.mod" >&2; exit 1; }
vpkg=k8s.io/component-base/version
kminor=$(echo "$kver" | cut -d. -f2)
ldf="-s -w -X $vpkg.gitVersion=$kver -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$kminor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
( cd "$root/tools/controlplane" &&
  go build -trimpath -ldflags="$ldf" -o "$tmp/" \
    ./etcd k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl ) >&2
( cd "$root/tools/kwok" && go build -trimpath -ldflags='-s -w' -o "$tmp/" sigs.k8s.io/kwok/cmd/kwok ) >&2
rm -rf "$bin"; mv "$tmp" "$bin"
echo "controlplane-build: done in $(( $(date +%s) - start ))s" >&2
echo "$bin"
