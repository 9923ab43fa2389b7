#!/usr/bin/env bash
# Imports container image archives into a containerd content store ON THE HOST and packs its root
# folder as an ext4 image (label nm-containerd) that every lab VM mounts, through its own qcow2
# overlay, at /var/lib/containerd. Importing 240 MB inside a software-emulated VM takes minutes
# (hashing, copying, unpacking); here it takes seconds. The host's containerd is Debian bookworm's,
# the same package as the guest's, so the store's format is the guest's own.
#   scripts/lab-containerd.sh ARCHIVE...   prints the folder holding containerd.img
# Cached by the archives' digests and the containerd version.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
[ $# -gt 0 ] || { echo "usage: $0 ARCHIVE..." >&2; exit 2; }
command -v containerd >/dev/null && command -v mke2fs >/dev/null || {
  apt-get install -y -q --no-install-recommends --no-upgrade containerd e2fsprogs >&2 ||
    { apt-get update -q >&2 && apt-get install -y -q --no-install-recommends --no-upgrade containerd e2fsprogs >&2; }
}
key=$( { cat "$0"; containerd --version; for a in "$@"; do sha256sum "$a" | cut -d' ' -f1; done; } | sha256sum | cut -c1-16)
out="$cache/lab-containerd-$key"
if [ -s "$out/containerd.img" ]; then echo "$out"; exit 0; fi
t0=$(date +%s)
work=$(mktemp -d "$cache/lab-containerd-tmp.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; umount -R "$work/root" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/root" "$work/state"
# Only the content store, the metadata and the overlayfs snapshotter: no CRI, no TCP listener.
cat > "$work/config.toml" <<CONF
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/containerd.sock"
[ttrpc]
  address = "$work/containerd-ttrpc.sock"
[debug]
  address = ""
[metrics]
  address = ""
CONF
containerd --config "$work/config.toml" >"$work/containerd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do ctr --address "$work/containerd.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
for a in "$@"; do
  ctr --address "$work/containerd.sock" -n k8s.io images import --snapshotter overlayfs "$a" >&2
done
ctr --address "$work/containerd.sock" -n k8s.io images ls -q >&2
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
# Free space for the images the VM may still pull or unpack, and its containers' writable layers.
used=$(du -sk "$work/root" | cut -f1)
mkdir -p "$out.tmp"
mke2fs -q -F -t ext4 -L nm-containerd -d "$work/root" "$out.tmp/containerd.img" "$(( used + 1024 * 1024 ))k"
rm -rf "$out"; mv "$out.tmp" "$out"
echo "lab-containerd: $(( $(date +%s) - t0 )) s, store $(( used / 1024 )) MiB" >&2
echo "$out"
