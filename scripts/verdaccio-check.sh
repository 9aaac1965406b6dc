#!/usr/bin/env bash
# Proves the release flow against a real registry on loopback:
#   1. starts Verdaccio 6 on 127.0.0.1 (random free port) with a throwaway
#      config, htpasswd and storage in a temp dir; @steinkit/* is local only,
#      everything else is proxied to the npm registry;
#   2. copies the repo (with built dist/) to a scratch dir and runs
#      `changeset version` there (the real checkout is never touched);
#   3. `changeset publish` to Verdaccio with a throwaway user's token;
#   4. installs every published package from Verdaccio into a fresh project
#      with plain npm and runs an ESM and a CJS example per package;
#   5. stops the registry and deletes everything (trap, also on failure).
# Usage: scripts/verdaccio-check.sh [--no-build] [--keep]
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

VERDACCIO_VERSION=6.0.5
parse_build_keep "$@"

ensure_pnpm
work="$(mktemp -d -t steinkit-verdaccio.XXXXXX)"
registry_pgid=""
cleanup() {
  local rc=$?
  if [ -n "$registry_pgid" ]; then
    kill -TERM -- "-$registry_pgid" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$registry_pgid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$registry_pgid" 2>/dev/null
    log "registry stopped"
  fi
  if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
  [ -n "${PNPM_SHIM_DIR:-}" ] && rm -rf "$PNPM_SHIM_DIR"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$build" = 1 ]; then build_all; fi

# ---- 1. registry ----------------------------------------------------------
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
url="http://127.0.0.1:$port/"
uplink="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
mkdir -p "$work/storage"
cat >"$work/config.yaml" <<YAML
storage: $work/storage
auth:
  htpasswd:
    file: $work/htpasswd
    max_users: 10
uplinks:
  npmjs:
    url: $uplink
    timeout: 60s
packages:
  '@steinkit/*':
    access: \$all
    publish: \$authenticated
    unpublish: \$authenticated
  '**':
    access: \$all
    publish: \$authenticated
    proxy: npmjs
log: { type: stdout, format: pretty, level: warn }
YAML
log "starting verdaccio@$VERDACCIO_VERSION on $url (uplink $uplink)"
# Install Verdaccio into the temp dir. Some mirrors of the npm registry serve
# only the `latest` dist-tag, and a Verdaccio 6 dependency asks for
# node-fetch@cjs (a tag for 2.x): pin it with an npm override. Set
# VERDACCIO_TOOL_DIR to reuse an install between runs.
tooldir="${VERDACCIO_TOOL_DIR:-$work/tool}"
if [ ! -x "$tooldir/node_modules/.bin/verdaccio" ]; then
  mkdir -p "$tooldir"
  cat >"$tooldir/package.json" <<JSON
{ "name": "steinkit-verdaccio-tool", "private": true,
  "dependencies": { "verdaccio": "$VERDACCIO_VERSION" },
  "overrides": { "node-fetch": "2.7.0" } }
JSON
  log "installing verdaccio@$VERDACCIO_VERSION into $tooldir"
  (cd "$tooldir" && npm install --no-audit --no-fund --loglevel=error) || { log "could not install verdaccio"; exit 1; }
fi
setsid "$tooldir/node_modules/.bin/verdaccio" --config "$work/config.yaml" --listen "127.0.0.1:$port" \
  >"$work/verdaccio.log" 2>&1 &
registry_pgid=$!
for i in $(seq 1 180); do
  curl -sf "${url}-/ping" >/dev/null 2>&1 && break
  if ! kill -0 "$registry_pgid" 2>/dev/null; then log "verdaccio exited:"; cat "$work/verdaccio.log" >&2; exit 1; fi
  sleep 1
done
curl -sf "${url}-/ping" >/dev/null || { log "verdaccio did not answer in 180 s"; cat "$work/verdaccio.log" >&2; exit 1; }
log "registry up after ${i}s"

# Throwaway user -> token (the CouchDB-style adduser call npm itself makes).
password="$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")"
token="$(curl -sf -X PUT "${url}-/user/org.couchdb.user:steinkit-ci" -H 'content-type: application/json' \
  -d "{\"name\":\"steinkit-ci\",\"password\":\"$password\",\"email\":\"ci@steinkit.invalid\"}" |
  node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).token))")"
[ -n "$token" ] && [ "$token" != "undefined" ] || { log "could not create a registry user"; exit 1; }
npmrc="registry=$url
@steinkit:registry=$url
//127.0.0.1:$port/:_authToken=$token
git-checks=false
"

# ---- 2. scratch copy + changeset version ------------------------------------
scratch="$work/repo"
mkdir -p "$scratch"
tar -C "$REPO_ROOT" --exclude=node_modules --exclude=.git --exclude=.turbo \
  --exclude=benchmarks/results --exclude='apps/*/runs' -cf - . | tar -C "$scratch" -xf -
printf '%s' "$npmrc" >"$scratch/.npmrc"
# A git repo of its own, so changeset's release tags land in the scratch copy.
(cd "$scratch" && git init -q && git add -A >/dev/null && git -c user.email=ci@steinkit.invalid \
  -c user.name=steinkit-ci commit -qm scratch) || { log "git init of the scratch copy failed"; exit 1; }
# pnpm publish resolves `workspace:^` (dependencies, devDependencies and peers)
# from the installed links: recreate the
# workspace links (packages/<p>/node_modules/@steinkit/<dep> → ../../../<dep>).
for dir in packages/*/; do
  for dep in $(node -e "const p=require('$scratch/$dir/package.json');console.log(Object.keys({...p.dependencies,...p.devDependencies,...p.peerDependencies}).filter(d=>d.startsWith('@steinkit/')).map(d=>d.slice(10)).join(' '))"); do
    mkdir -p "$scratch/$dir/node_modules/@steinkit"
    ln -sfn "../../../$dep" "$scratch/$dir/node_modules/@steinkit/$dep"
  done
done
changeset="node $REPO_ROOT/node_modules/@changesets/cli/bin.js"
mapfile -t pkgs < <(public_packages)
declare -A before
for dir in "${pkgs[@]}"; do before[$dir]="$(pkg_field "$dir" version)"; done
log "changeset version (scratch copy)"
(cd "$scratch" && $changeset version) || { log "changeset version failed"; exit 1; }
specs=()
for dir in "${pkgs[@]}"; do
  name="$(node -p "require('$scratch/$dir/package.json').name")"
  v="$(node -p "require('$scratch/$dir/package.json').version")"
  log "  $name ${before[$dir]} → $v"
  specs+=("$name@$v")
done

# ---- 3. changeset publish ----------------------------------------------------
log "changeset publish → $url"
(cd "$scratch" && CI=true npm_config_registry="$url" $changeset publish) 2>&1 | tee "$work/publish.log"
[ "${PIPESTATUS[0]}" = 0 ] || { log "changeset publish failed"; exit 1; }
for s in "${specs[@]}"; do
  n="${s%@*}"; v="${s##*@}"
  got="$(npm view "$n@$v" version --registry "$url" 2>/dev/null)"
  [ "$got" = "$v" ] || { log "$n@$v is not on the registry"; exit 1; }
  deps="$(npm view "$n@$v" dependencies --json --registry "$url" 2>/dev/null)"
  if echo "$deps" | grep -q 'workspace:'; then log "$n@$v was published with workspace: ranges: $deps"; exit 1; fi
done
log "published ${#specs[@]} packages: ${specs[*]}"

# ---- 4. install from the registry and run the examples ----------------------
consumer="$work/consumer"
mkdir -p "$consumer"
printf '%s' "$npmrc" >"$consumer/.npmrc"
npm_config_registry="$url" npm_config_userconfig="$consumer/.npmrc" \
  "$REPO_ROOT/scripts/install-and-run-examples.sh" "$consumer" "${pkgs[@]}" -- "${specs[@]}" ||
  { log "install/examples from the registry failed"; exit 1; }
for s in "${specs[@]}"; do
  n="${s%@*}"; v="${s##*@}"
  got="$(node -p "require('$consumer/node_modules/$n/package.json').version")"
  [ "$got" = "$v" ] || { log "$n installed $got, expected $v"; exit 1; }
done
log "OK: changeset version + publish to Verdaccio, install from it and ESM/CJS examples pass"
