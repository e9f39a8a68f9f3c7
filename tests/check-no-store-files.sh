#!/bin/sh
# Fails when git tracks a file named like a RocksDB store's (CURRENT, IDENTITY, LOCK, LOG, LOG.old.*,
# MANIFEST-*, OPTIONS-*, *.sst, and the write-ahead logs NNNNNN.log): a store belongs in storage.path or a temp dir, never in the
# repository. Exits 77 (skipped) outside a git checkout. Usage: check-no-store-files.sh [DIR]
set -eu
cd "${1:-$(dirname "$0")/..}"
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "skipped: $(pwd) is not a git checkout"
  exit 77
fi
tracked=$(git ls-files -z | tr '\0' '\n' | awk -F/ '
  { name = $NF }
  name == "CURRENT" || name == "IDENTITY" || name == "LOCK" || name == "LOG" ||
  name ~ /^LOG\.old\./ || name ~ /^MANIFEST-/ || name ~ /^OPTIONS-/ || name ~ /\.sst$/ ||
  name ~ /^[0-9]+\.log$/ { print }')
if [ -n "$tracked" ]; then
  echo "RocksDB store files are tracked by git; remove them (git rm -r --cached) and keep stores out of the tree:"
  echo "$tracked"
  exit 1
fi
echo "no RocksDB store files are tracked ($(git ls-files | wc -l) files checked)"
