#!/bin/sh
# README's second command: set up a fresh Debian 12 machine, build everything, run every test.
# In a git checkout it then fails if the run left anything in the work tree: tests write only to
# temp dirs, never into the tree (only the build directory, var/ and node_modules may change).
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)

in_git=false
git rev-parse --is-inside-work-tree >/dev/null 2>&1 && in_git=true

# Every path git sees as modified, untracked or ignored (ignored ones too: a store under data/ is
# ignored, and still must not be written), but the build dirs, var/ and node_modules, with a hash
# of each file so a further change to a file already modified counts as well.
tree_state() {
  git status --porcelain --ignored --untracked-files=all -- . ':(exclude,glob)build*/**' ':(exclude,glob)var/**' \
      ':(exclude,glob)**/node_modules' ':(exclude,glob)**/node_modules/**' |
    while IFS= read -r line; do
      path=${line#???}
      if [ -f "$path" ] && [ ! -L "$path" ]; then
        echo "$line $(sha1sum <"$path" | cut -c1-40)"
      else
        echo "$line"
      fi
    done | LC_ALL=C sort
}

if $in_git; then
  before=$(mktemp)
  trap 'rm -f "$before"' EXIT
  tree_state >"$before"
fi

deploy/install-deps.sh
tests/peers/install.sh >/dev/null
deploy/build.sh
status=0
(cd build && ctest --output-on-failure -j 2 --timeout 600) || status=$?

if $in_git; then
  written=$(cd "$root" && tree_state | LC_ALL=C comm -13 "$before" -)
  if [ -n "$written" ]; then
    echo "run-all: the work tree changed during the run (tests must write to temp dirs only):" >&2
    printf '%s\n' "$written" >&2
    [ "$status" -ne 0 ] || status=1
  fi
fi
exit "$status"
