# Shared helpers for the release/packaging scripts (sourced, not run).
# shellcheck shell=bash
PNPM_VERSION=10.34.9
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1m[%s]\033[0m %s\n' "$(basename "$0" .sh)" "$*" >&2; }

# pnpm may not be on PATH (it is run through npx here); tools such as publint,
# changesets and our pack step call `pnpm`, so put a pinned shim first on PATH.
ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm -v 2>/dev/null)" = "$PNPM_VERSION" ]; then
    return
  fi
  PNPM_SHIM_DIR="$(mktemp -d -t steinkit-pnpm-shim.XXXXXX)"
  # Resolve npx's cached pnpm once (each `npx pnpm` costs seconds).
  local bin
  bin="$(npx --yes -p "pnpm@$PNPM_VERSION" which pnpm 2>/dev/null)"
  if [ -x "$bin" ]; then
    ln -s "$bin" "$PNPM_SHIM_DIR/pnpm"
  else
    printf '#!/bin/sh\nexec npx --yes pnpm@%s "$@"\n' "$PNPM_VERSION" >"$PNPM_SHIM_DIR/pnpm"
    chmod +x "$PNPM_SHIM_DIR/pnpm"
  fi
  export PATH="$PNPM_SHIM_DIR:$PATH"
}

# Directories (relative to the repo root) of the publishable packages.
public_packages() {
  local d
  for d in "$REPO_ROOT"/packages/*/; do
    [ -f "$d/package.json" ] || continue
    if node -e "process.exit(require(process.argv[1]).private ? 1 : 0)" "$d/package.json"; then
      echo "packages/$(basename "$d")"
    fi
  done
}

pkg_field() { node -p "require(process.argv[1])[process.argv[2]]" "$REPO_ROOT/$1/package.json" "$2"; }

# Packs one package with pnpm (rewrites workspace:^ to real ranges) into $2;
# prints the tarball path.
pack_package() {
  local dir="$1" dest="$2" name version
  name="$(pkg_field "$dir" name)"
  version="$(pkg_field "$dir" version)"
  (cd "$REPO_ROOT/$dir" && pnpm pack --pack-destination "$dest" >/dev/null) || return 1
  local tgz="$dest/$(echo "${name#@}" | tr / -)-$version.tgz"
  [ -f "$tgz" ] || { log "pack of $dir produced no $tgz"; return 1; }
  echo "$tgz"
}

# Parses the common [--no-build] [--keep] options into globals build and keep.
parse_build_keep() {
  build=1 keep=0
  local a
  for a in "$@"; do
    case "$a" in
      --no-build) build=0 ;;
      --keep) keep=1 ;;
      *) echo "unknown option $a" >&2; exit 2 ;;
    esac
  done
}

# Builds every package (turbo); exits the calling script on failure.
build_all() {
  log "building (turbo run build)"
  npx turbo run build --output-logs=errors-only || { log "build failed"; exit 1; }
}
