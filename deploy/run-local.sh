#!/bin/sh
# README's first command: set up a fresh Debian 12 machine, build, and run causeway with
# config/examples/local.yaml (store and master key under ./var). Stop it with Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
deploy/install-deps.sh
deploy/build.sh
exec build/causeway run --config config/examples/local.yaml "$@"
