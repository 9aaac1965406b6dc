#!/usr/bin/env bash
# Builds every package, then for each public package under packages/:
#   1. checks its manifest (scripts/check-manifest.mjs),
#   2. packs it with pnpm (workspace:^ rewritten, as it would be published),
#   3. runs publint --strict and @arethetypeswrong/cli on the tarball.
# Exit status is non-zero when any package fails any check.
# Usage: scripts/check-packages.sh [--no-build] [packages/<name> ...]
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
if [ $# -gt 0 ]; then pkgs=("$@"); else mapfile -t pkgs < <(public_packages); fi

ensure_pnpm
work="$(mktemp -d -t steinkit-check.XXXXXX)"
trap 'rm -rf "$work" ${PNPM_SHIM_DIR:+"$PNPM_SHIM_DIR"}' EXIT

if [ "$build" = 1 ]; then build_all; fi

# @arethetypeswrong/core 0.18.2 accepts fflate ^0.8.2, and fflate 0.8.3 breaks its
# tarball reader ("Cannot read properties of undefined (reading 'filename')",
# arethetypeswrong/arethetypeswrong.github.io#262). Use the workspace's attw when
# its fflate is not 0.8.3, else a pinned npx copy with fflate 0.8.2.
attw_bin=""
attw() {
  if [ -z "$attw_bin" ]; then
    local fv
    fv="$(node -e "
      const {createRequire}=require('module');
      const r=createRequire(require.resolve('@arethetypeswrong/cli/package.json'));
      const c=createRequire(r.resolve('@arethetypeswrong/core/package.json'));
      console.log(require(c.resolve('fflate/package.json')).version)" 2>/dev/null || echo missing)"
    if [ "$fv" != "0.8.3" ] && [ "$fv" != "missing" ]; then
      attw_bin="$REPO_ROOT/node_modules/.bin/attw"
    else
      # resolve npx's cached copy once (each `npx -p` costs seconds)
      attw_bin="$(npx --yes -p @arethetypeswrong/cli@0.18.2 -p fflate@0.8.2 which attw)"
      log "workspace attw has fflate $fv (broken tarball reader); using $attw_bin"
    fi
  fi
  "$attw_bin" "$@"
}

failed=()
node scripts/check-manifest.mjs "${pkgs[@]}" || failed+=("manifests")
for dir in "${pkgs[@]}"; do
  name="$(pkg_field "$dir" name)"
  log "$name"
  if [ ! -f "$dir/dist/index.js" ] || [ ! -f "$dir/dist/index.cjs" ] || [ ! -f "$dir/dist/index.d.cts" ]; then
    log "  ✗ $dir/dist is incomplete (need index.js, index.cjs, index.d.ts, index.d.cts)"
    failed+=("$name:build"); continue
  fi
  tgz="$(pack_package "$dir" "$work")" || { failed+=("$name:pack"); continue; }
  if grep -q 'workspace:' <(tar -xOzf "$tgz" package/package.json); then
    log "  ✗ packed package.json still has workspace: ranges"; failed+=("$name:workspace-ranges")
  fi
  npx --no-install publint run "$tgz" --strict --pack false || failed+=("$name:publint")
  attw "$tgz" --format ascii --no-emoji --no-color || failed+=("$name:attw")
done

if [ ${#failed[@]} -gt 0 ]; then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all ${#pkgs[@]} packages pass manifest, publint and attw"
