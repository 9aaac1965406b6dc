#!/usr/bin/env bash
# Packs every public package with pnpm (workspace:^ rewritten), installs the
# tarballs into a fresh temporary project with plain npm (no workspace, no
# links) together with @tensorflow/tfjs, tfjs-core and tfjs-backend-wasm 4.22.0,
# and runs one ESM (.mjs) and one CJS (.cjs) example per package: initBackend,
# then the small call in scripts/pack-examples/<name>.cjs. Cleans up after itself.
# Usage: scripts/pack-install-check.sh [--no-build] [--keep]
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

parse_build_keep "$@"

ensure_pnpm
work="$(mktemp -d -t steinkit-pack-install.XXXXXX)"
cleanup() {
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
  [ -n "${PNPM_SHIM_DIR:-}" ] && rm -rf "$PNPM_SHIM_DIR"
}
trap cleanup EXIT

if [ "$build" = 1 ]; then build_all; fi

mapfile -t pkgs < <(public_packages)
mkdir -p "$work/tarballs" "$work/project"
tarballs=()
for dir in "${pkgs[@]}"; do
  tgz="$(pack_package "$dir" "$work/tarballs")" || { log "pack failed: $dir"; exit 1; }
  tarballs+=("$tgz")
done
log "packed ${#tarballs[@]} packages"

# shellcheck disable=SC2016
"$REPO_ROOT/scripts/install-and-run-examples.sh" "$work/project" "${pkgs[@]}" -- \
  "${tarballs[@]}"
