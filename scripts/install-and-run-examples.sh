#!/usr/bin/env bash
# Shared by pack-install-check.sh and verdaccio-check.sh: creates a plain npm
# project in $1, installs the given specs (tarballs or names) with tfjs 4.22.0,
# runs an ESM and a CJS example for each package dir (packages/<name>) and
# bundles each for browsers with esbuild (platform browser).
# Usage: install-and-run-examples.sh <project-dir> <packages/x ...> -- <npm specs ...>
set -uo pipefail
source "$(dirname "$0")/lib.sh"

project="$1"; shift
dirs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do dirs+=("$1"); shift; done
shift # --
specs=("$@")

mkdir -p "$project/checks"
cd "$project"
cat >package.json <<'JSON'
{ "name": "steinkit-install-check", "version": "0.0.0", "private": true }
JSON
log "npm install ${#specs[@]} packages + @tensorflow/tfjs{,-core,-backend-wasm}@4.22.0 in $project"
npm install --no-audit --no-fund --loglevel=error \
  "${specs[@]}" @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-core@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 \
  || { log "npm install failed"; exit 1; }

# Plain install, no links: every @steinkit package must be a real directory.
for d in node_modules/@steinkit/*; do
  if [ -L "$d" ]; then log "$d is a symlink"; exit 1; fi
done

failed=()
for dir in "${dirs[@]}"; do
  name="$(basename "$dir")"
  spec="@steinkit/$name"
  check="$REPO_ROOT/scripts/pack-examples/$name.cjs"
  if [ -f "$check" ]; then cp "$check" "checks/$name.cjs"; else
    cat >"checks/$name.cjs" <<'JS'
module.exports = async function check(pkg) {
  const names = Object.keys(pkg).filter((k) => k !== 'default' && k !== '__esModule');
  if (names.length === 0) throw new Error('no exports');
  return 'loads, generic check';
};
JS
  fi
  cat >"example-$name.mjs" <<JS
import { initBackend, describeBackend } from '@steinkit/core';
import * as tf from '@tensorflow/tfjs-core';
import * as pkg from '$spec';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const info = await initBackend({ backend: 'wasm' });
const check = require('./checks/$name.cjs');
const load = (s) => require(s);
const esmNames = Object.keys(pkg).filter((k) => k !== 'default').sort();
const summary = await check(pkg, tf, await import('@steinkit/core'), load);
const cjsPath = require.resolve('$spec');
if (!cjsPath.endsWith('.cjs')) throw new Error('require resolved ' + cjsPath);
console.log('ESM $spec on ' + describeBackend(info) + ': ' + summary + ' (' + esmNames.length + ' exports)');
JS
  cat >"example-$name.cjs" <<JS
const { initBackend, describeBackend } = require('@steinkit/core');
const tf = require('@tensorflow/tfjs-core');
const pkg = require('$spec');
const check = require('./checks/$name.cjs');
(async () => {
  const info = await initBackend({ backend: 'wasm' });
  const summary = await check(pkg, tf, require('@steinkit/core'), require);
  const cjsNames = Object.keys(pkg).filter((k) => k !== 'default' && k !== '__esModule');
  if (cjsNames.length === 0) throw new Error('CJS build has no exports');
  console.log('CJS $spec on ' + describeBackend(info) + ': ' + summary + ' (' + cjsNames.length + ' exports)');
})().catch((e) => { console.error(e); process.exit(1); });
JS
  for ext in mjs cjs; do
    if ! node "example-$name.$ext"; then failed+=("$name.$ext"); fi
  done
  # The browser path: the `browser` export condition must bundle (no Node built-ins).
  echo "import * as pkg from '$spec'; console.log(Object.keys(pkg).length);" >"browser-$name.mjs"
  if "$REPO_ROOT/node_modules/.bin/esbuild" "browser-$name.mjs" --bundle --platform=browser \
    --format=esm --external:@tensorflow/* --log-level=error --outfile="browser-$name.js"; then
    echo "browser bundle $spec: $(wc -c <"browser-$name.js") bytes (tfjs external)"
  else
    failed+=("$name.browser")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  log "FAILED examples: ${failed[*]}"
  exit 1
fi
log "all ${#dirs[@]} packages install with plain npm and run as ESM and CJS"
