# syntax=docker/dockerfile:1
# The nodemend backend image: one program that runs as the agent or the hub, by its first argument.
#   docker build --build-arg COMMIT=$(git rev-parse HEAD) -t nodemend .
#   docker run --rm nodemend --version
#   docker run --rm nodemend hub --help
# The manifests in deploy/ name this image. scripts/image.sh (`./dev image`) builds it with podman
# on machines without a registry, and test/image/ checks the result; the release workflow
# (.github/workflows/release.yml) builds, signs and pushes it, scripts/release-dryrun.sh does the
# same here up to the push.

# The same Node as scripts/node.sh (type stripping and the bundle's target are Node 24).
ARG NODE_VERSION=24.21.0
# What the image's OCI labels say. VERSION is package.json's version (the build stops when they
# differ; scripts/release-version.ts keeps this default equal to it); COMMIT is the git commit,
# stamped into the bundle too (--version, the start-up log line, nodemend_build_info), as the
# image build sees no .git; CREATED is the build time (RFC 3339). The release workflow passes all three.
ARG VERSION=0.1.0
ARG COMMIT=unknown
ARG CREATED=
# The two bases are build arguments so a machine that cannot pull them can pass local stand-ins
# (scripts/image.sh does); the defaults are the official images everyone else pulls.
ARG BUILD_IMAGE=node:${NODE_VERSION}-bookworm
ARG BASE_IMAGE=node:${NODE_VERSION}-bookworm-slim

# Stage 1: bundle. esbuild turns backend/main.ts and every dependency into one ESM file, so the
# final image needs no node_modules and no npm.
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the bundle needs none (esbuild finds its platform binary without one).
# Behind a TLS proxy that re-signs traffic, pass the host's CA bundle as the optional secret "ca":
#   docker build --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt .
# A secret mount exists only during this RUN, so the bundle never reaches a layer; without the
# secret the file is absent and npm uses Node's own CA list.
RUN --mount=type=secret,id=ca,target=/run/secrets/ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts/build.ts scripts/targets.ts scripts/
# scripts/build.ts bundles every target (backend, extension, webview, the kubectl plugin); it
# needs all their sources.
COPY protocol protocol
COPY backend backend
COPY extension extension
COPY webview webview
COPY cli cli
ARG VERSION
ARG COMMIT
RUN test "$(node -p 'require("./package.json").version')" = "$VERSION" || \
      { echo "the VERSION build argument ($VERSION) is not package.json's version" >&2; exit 1; }; \
    NODEMEND_COMMIT="$COMMIT" node scripts/build.ts

# Stage 2: run. Debian slim rather than distroless or Alpine, on purpose: the agent's command
# reboot method and sentinel command run `nsenter` into the host's mount namespace, and nsenter
# comes with util-linux, an essential package of every Debian image (/usr/bin/nsenter).
FROM ${BASE_IMAGE}
ARG VERSION
ARG COMMIT
ARG CREATED
LABEL org.opencontainers.image.title="nodemend" \
      org.opencontainers.image.description="Safe, coordinated, self-healing Kubernetes node reboots: the agent and the hub" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/nodemend/nodemend" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="nodemend"
# The runtime needs only node: drop npm, npx and corepack (less to patch, less to exploit).
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
# backend.mjs, its source map and the licence texts of the bundled dependencies.
COPY --from=build /src/dist/backend.mjs* /app/
COPY LICENSE THIRD_PARTY_NOTICES /app/
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps
# Non-root by default (the "node" user of the base image, numeric so Kubernetes can verify
# runAsNonRoot). The hub runs as this user. The agent's DaemonSet sets runAsUser: 0, because
# rebooting the host needs root: nsenter into PID 1's namespaces (command method) or a signal to
# PID 1 (signal method). Its dry-run variant runs as nobody.
USER 1000:1000
ENTRYPOINT ["node", "/app/backend.mjs"]
CMD ["--help"]
