#!/usr/bin/env bash
# CI steps after the test suite (hook into .ci/run after `npm test`, before the
# summary line). Each step prints a line "ci-extra: <step> ok|FAILED (<s> s)";
# exit status is non-zero if any step failed.
#   1. scripts/check-packages.sh      build + manifest + publint --strict + attw per package
#   2. scripts/pack-install-check.sh  pnpm pack → npm install in a fresh project → ESM + CJS example per package
#   3. pnpm bench --quick             benchmark smoke test on every backend that loads (no timing assertions)
#   4. scripts/verdaccio-check.sh     release rehearsal on a loopback registry (≈ 3–5 min; STEINKIT_CI_VERDACCIO=0 skips it)
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

failed=0
summary=()
step() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "::group::ci-extra: $name"
  if "$@"; then
    summary+=("ci-extra: $name ok ($((SECONDS - t0)) s)")
  else
    summary+=("ci-extra: $name FAILED ($((SECONDS - t0)) s)")
    failed=1
  fi
  echo "::endgroup::"
}

bench_out="$(mktemp -d -t steinkit-bench-ci.XXXXXX)"
trap 'rm -rf "$bench_out"' EXIT

step check-packages scripts/check-packages.sh
step pack-install-check scripts/pack-install-check.sh --no-build
step bench-quick npx tsx benchmarks/src/cli.ts --quick --quiet --out "$bench_out"
if [ "${STEINKIT_CI_VERDACCIO:-1}" = 1 ]; then
  step verdaccio-check scripts/verdaccio-check.sh --no-build
fi
printf '%s\n' "${summary[@]}"
exit "$failed"
