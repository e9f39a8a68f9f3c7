#!/bin/sh
# Configures and builds causeway into ./build (or $CAUSEWAY_BUILD_DIR). Extra arguments go to cmake.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR="${CAUSEWAY_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
