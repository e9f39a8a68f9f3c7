#!/bin/sh
# README's second command: set up a fresh Debian 12 machine, build everything, run every test.
set -eu
cd "$(dirname "$0")/.."
deploy/install-deps.sh
tests/peers/install.sh >/dev/null
deploy/build.sh
cd build
ctest --output-on-failure -j 2 --timeout 600
