#!/usr/bin/env bash
# Builds the lab's guest disk: a Debian bookworm root filesystem that boots as a Kubernetes node
# (systemd, containerd, runc, CNI plugins, kubelet and kube-proxy from scripts/kubelet-build.sh, the
# units and configuration of tools/lab/guest/rootfs), as a qcow2 holding a bare ext4 filesystem
# labelled nm-root (no partition table), plus the kernel and initrd to boot it directly. The contract
# with the host side (kernel command line, seed and images disks) is in tools/lab/guest/README.md.
#
# Output, cached by a hash of this script, tools/lab/guest/rootfs and the kubelet build:
#   $NODEMEND_CACHE/lab-disk-<key>/{base.qcow2,vmlinuz,initrd.img,packages.txt}
# Prints that directory as its last stdout line. Container images are not in it: the lab brings them
# in a containerd store disk of their own (scripts/lab-containerd.sh, LABEL=nm-containerd).
#
# Runs as root: mmdebstrap in its root mode, inside a private mount namespace, so what it mounts
# (/proc, /sys, /dev in the chroot) never shows on the host; the filesystem image is made with
# mke2fs -d, without a loop mount. About 1-2 min cold, mostly downloading packages from the Debian
# mirror in /etc/apt/sources.list* (NODEMEND_LAB_MIRROR overrides: a URL, a sources.list line or a
# file).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
guest="$root/tools/lab/guest/rootfs"
log() { echo "lab-disk: $*" >&2; }
die() { log "$*"; exit 1; }
since() { echo $(( $(date +%s) - $1 )); }

kbin=$(bash "$root/scripts/kubelet-build.sh" | tail -n 1)
[ -x "$kbin/kubelet" ] && [ -x "$kbin/kube-proxy" ] || die "scripts/kubelet-build.sh made no kubelet in '$kbin'"
kkey=$(basename "$(dirname "$kbin")")
# Content, names and modes (the executable bit matters) of every guest file.
key=$( { cat "$0"; echo "$kkey";
         cd "$guest" && find . -type f -printf '%m %p\n' | LC_ALL=C sort &&
         find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
out="$cache/lab-disk-$key"
done_() { [ -s "$1/base.qcow2" ] && [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.img" ]; }
# Not for the disk: the host runs the VMs with qemu (tools/lab/lab.ts), and this script is the lab's
# first step on a fresh machine, so it installs qemu too, even when the disk is cached.
if ! command -v qemu-system-x86_64 >/dev/null; then
  log "installing qemu-system-x86"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-upgrade qemu-system-x86 >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-upgrade qemu-system-x86 >&2; }
fi
if done_ "$out"; then echo "$out"; exit 0; fi

[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap --mode=root, root-owned files in the image)"
mkdir -p "$cache"
# One build at a time (a test and the demo may ask together); the second then finds it cached.
exec 9>"$cache/lab-disk-$key.lock"
flock 9

# 4 GiB, 1 % reserved for root (kubelet's nodefs.available counts what non-root may use).
mkdisk() { # ROOTFS DIR: DIR/base.qcow2
  truncate -s 4G "$2/root.img"
  mke2fs -q -F -t ext4 -L nm-root -m 1 -d "$1" "$2/root.img" >&2
  qemu-img convert -O qcow2 "$2/root.img" "$2/base.qcow2"
  rm -f "$2/root.img"
}
summary() { echo "$(du -sh "$1/base.qcow2" | cut -f1) qcow2 ($(qemu-img info --output=json "$1/base.qcow2" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p' | awk '{printf "%.0f GiB", $1/1073741824}') virtual)"; }

need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v mke2fs >/dev/null || need+=(e2fsprogs)
command -v unshare >/dev/null || need+=(util-linux)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || need+=(debian-archive-keyring)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-upgrade "${need[@]}" >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends --no-upgrade "${need[@]}" >&2; }
fi

build_base() {
  # The host's Debian bookworm sources (the mirror this machine is allowed to reach), else Debian's.
  mirror=${NODEMEND_LAB_MIRROR:-}
  if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
      if [ -s "$f" ] && grep -qE '^[^#]*bookworm' "$f"; then mirror=$f; break; fi
    done
  fi
  mirror=${mirror:-http://deb.debian.org/debian}

  t0=$(date +%s)
  tmp="$out.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  rootfs="$tmp/rootfs"
  log "building the guest disk into $out (first run only; mirror: $mirror)..."

  packages=(
    systemd systemd-sysv udev dbus kmod util-linux mount e2fsprogs
    linux-image-cloud-amd64 initramfs-tools
    iproute2 iptables conntrack iputils-ping procps ca-certificates
    containerd runc containernetworking-plugins
    qemu-guest-agent
  )
  excludes=(
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/info/*'
  )
  # What the initramfs depends on goes in before the kernel package, so it is made once, right: fstab
  # (fsck.ext4 for the root filesystem) and the initramfs-tools settings (virtio disk drivers only).
  early=(etc/fstab etc/initramfs-tools/conf.d/nodemend-lab usr/share/initramfs-tools/modules.d/nodemend-lab)
  export NM_GUEST="$guest" NM_EARLY="${early[*]}"
  unshare --mount --propagation private \
    mmdebstrap --mode=root --variant=minbase --format=directory --quiet \
      --include="$(IFS=,; echo "${packages[*]}")" "${excludes[@]}" \
      --essential-hook='for f in $NM_EARLY; do mkdir -p "$1/${f%/*}" && cp "$NM_GUEST/$f" "$1/$f" || exit 1; done' \
      bookworm "$rootfs" "$mirror" >&2
  log "root filesystem in $(since "$t0") s"

  # --- the node: our files, kubelet, kube-proxy -------------------------------------------------------
  cp -R --no-preserve=ownership "$guest/." "$rootfs/"
  install -m 0755 "$kbin/kubelet" "$kbin/kube-proxy" "$rootfs/usr/local/bin/"
  chroot "$rootfs" systemctl enable --quiet systemd-networkd.service nodemend-lab-setup.service \
    nodemend-lab-images.service containerd.service kubelet.service kube-proxy.service
  # Units a lab node does not need: each costs seconds of an emulated CPU at boot (or runs later).
  chroot "$rootfs" systemctl mask --quiet apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
    e2scrub_reap.service fstrim.timer systemd-pstore.service modprobe@drm.service \
    modprobe@efi_pstore.service modprobe@dm_mod.service modprobe@fuse.service modprobe@loop.service \
    modprobe@configfs.service sys-fs-fuse-connections.mount sys-kernel-config.mount \
    systemd-network-generator.service getty@tty1.service

  # --- one image, many VMs: no identity in the image ---------------------------------------------------
  # An empty machine-id: each VM makes its own at first boot (not a "first boot" for systemd's presets)
  # and commits it to its own overlay, so it stays across reboots.
  : > "$rootfs/etc/machine-id"
  rm -f "$rootfs/var/lib/dbus/machine-id"; ln -s /etc/machine-id "$rootfs/var/lib/dbus/machine-id"
  rm -f "$rootfs/etc/hostname"   # systemd.hostname= on the kernel command line names the node
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$rootfs/etc/hosts"
  rm -f "$rootfs/etc/resolv.conf"; : > "$rootfs/etc/resolv.conf"   # no DNS in the lab
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/log/apt/* "$rootfs"/var/cache/debconf/*-old
  chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}\n' > "$tmp/packages.txt"
  "$rootfs/usr/local/bin/kubelet" --version | sed 's/^/# /' >> "$tmp/packages.txt"

  # --- kernel, initrd, disk ----------------------------------------------------------------------------
  set -- "$rootfs"/boot/vmlinuz-*; [ $# = 1 ] && [ -f "$1" ] || die "expected one kernel in /boot, found: $*"
  cp "$1" "$tmp/vmlinuz"
  set -- "$rootfs"/boot/initrd.img-*; [ $# = 1 ] && [ -f "$1" ] || die "expected one initrd in /boot, found: $*"
  cp "$1" "$tmp/initrd.img"
  chmod 0644 "$tmp/vmlinuz" "$tmp/initrd.img"
  t1=$(date +%s)
  mkdisk "$rootfs" "$tmp"
  rm -rf "$rootfs"
  log "disk image in $(since "$t1") s"

  rm -rf "$out"; mv "$tmp" "$out"
  trap - EXIT
  log "done in $(since "$t0") s: $(summary "$out")"
}

done_ "$out" || build_base
echo "$out"
