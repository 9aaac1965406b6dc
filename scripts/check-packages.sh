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

# attw comes from the workspace. Its fflate is pinned to 0.8.2 by the
# `overrides` in pnpm-workspace.yaml: fflate 0.8.3 breaks @arethetypeswrong/core
# 0.18.2's tarball reader (arethetypeswrong/arethetypeswrong.github.io#262).
attw() { "$REPO_ROOT/node_modules/.bin/attw" "$@"; }

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
