#!/usr/bin/env bash
# The release workflow (.github/workflows/release.yml) on this machine, up to the push, with podman
# instead of buildx and a local OCI layout instead of the registry:
#   1 gate       the version carriers agree with package.json, THIRD_PARTY_NOTICES is current,
#                actionlint finds nothing in .github/workflows
#   2 build      the image from ./Dockerfile with the release's build arguments (VERSION, COMMIT,
#                CREATED), for this machine's platform only (the workflow adds linux/arm64 through
#                QEMU); the bases are scripts/image.sh's local stand-ins
#   3 label      the OCI labels and `--version` inside the image say this version and commit
#   4 "push"     `podman push` into an OCI layout directory; its manifest digest is what a
#                registry would name
#   5 SBOM       an SPDX SBOM of that layout with syft (built from tools/syft by scripts/release-syft.sh)
#   6 render     scripts/release-render.ts pins the manifests and the chart to that digest; the
#                kubectl plugin's archive and Krew manifest (cli/krew/render.ts)
# Output: dist/release-dryrun/ (oci/, digest, labels.json, sbom.spdx.json, the rendered files).
# Needs root, like scripts/image.sh. Not signed: cosign's keyless signing needs the workflow's
# OIDC identity and the public transparency log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PATH="$(bash scripts/node.sh):$PATH"
out="$root/dist/release-dryrun"
log() { echo "release-dryrun: $*" >&2; }
die() { log "$*"; exit 1; }
podman() { bash "$root/scripts/image.sh" podman "$@"; }
t0=$(date +%s)

version=$(node -p 'require("./package.json").version')
commit=$(git rev-parse HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] || commit="$commit-dirty"
created=$(git log -1 --format=%cI)
log "nodemend $version, commit $commit"

log "1 gate"
node scripts/release-version.ts >/dev/null
node scripts/release-notices.ts --check >&2
"$(bash scripts/release-actionlint.sh)" -no-color -oneline .github/workflows/*.yml

log "2 build"
bash scripts/image.sh >/dev/null # the stand-in base, and the podman set-up
standin=$(podman images --format '{{.Repository}}:{{.Tag}}' localhost/nodemend-standin/node | head -n1)
[ -n "$standin" ] || die "no stand-in base image after scripts/image.sh"
node_version=$(sed -n 's/^version=//p' scripts/node.sh)
ref="localhost/nodemend:$version"
build=(build --pull=never --network=host --layers -f Dockerfile -t "$ref"
  --build-arg "NODE_VERSION=$node_version" --build-arg "BUILD_IMAGE=$standin" --build-arg "BASE_IMAGE=$standin"
  --build-arg "VERSION=$version" --build-arg "COMMIT=$commit" --build-arg "CREATED=$created")
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
if [ -s "$ca" ]; then build+=(--secret "id=ca,src=$ca"); fi
podman "${build[@]}" . >&2

log "3 label"
rm -rf "$out"; mkdir -p "$out"
podman image inspect --format '{{json .Labels}}' "$ref" > "$out/labels.json"
node -e '
  const [file, version, commit, created] = process.argv.slice(1);
  const l = JSON.parse(require("fs").readFileSync(file, "utf8"));
  const want = { "org.opencontainers.image.version": version, "org.opencontainers.image.revision": commit,
    "org.opencontainers.image.created": created, "org.opencontainers.image.licenses": "Apache-2.0" };
  for (const [k, v] of Object.entries(want)) if (l[k] !== v) { console.error(`label ${k} is ${l[k]}, expected ${v}`); process.exit(1); }
' "$out/labels.json" "$version" "$commit" "$created"
said=$(podman run --rm --network=none "$ref" --version)
[ "$said" = "nodemend $version (commit $commit, node v$node_version)" ] || die "the image's --version says: $said"
log "  labels and --version: $said"

log "4 push (to the OCI layout $out/oci)"
podman push --quiet --digestfile "$out/digest" "$ref" "oci:$out/oci:$version" >&2
digest=$(cat "$out/digest")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || die "podman push wrote no digest: $digest"
log "  digest $digest"

log "5 SBOM"
# syft from tools/syft (cached); the workflow's anchore/sbom-action runs the same tool.
SYFT_CHECK_FOR_APP_UPDATE=false "$(bash scripts/release-syft.sh)" scan --quiet "oci-dir:$out/oci" -o "spdx-json=$out/sbom.spdx.json"
node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const names = new Set(s.packages.map((p) => p.name));
  for (const want of ["util-linux", "node"]) if (!names.has(want)) { console.error(`the SBOM lists no ${want}`); process.exit(1); }
  console.error(`release-dryrun:   ${process.argv[1]}: ${s.spdxVersion}, ${s.packages.length} packages`);
' "$out/sbom.spdx.json"

log "6 render"
node scripts/release-render.ts --image localhost/nodemend --digest "$digest" --out "$out" >&2
node scripts/build.ts >&2
node cli/krew/render.ts --out "$out/krew" >&2
log "done in $(( $(date +%s) - t0 )) s: $out"
echo "$out"
