#!/bin/sh
# Installs every package causeway needs to build and test, from Debian 12's archive only.
# Idempotent: when everything is already installed it changes nothing and needs no network.
set -eu

PACKAGES="build-essential cmake ninja-build pkg-config git curl ca-certificates
  libboost-dev libboost-system-dev libcpp-httplib-dev libssl-dev nlohmann-json3-dev
  librocksdb-dev libsodium-dev catch2 libyaml-cpp-dev libsecp256k1-dev libspdlog-dev libfmt-dev
  libutf8proc-dev libgumbo-dev libcmark-dev zlib1g-dev clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages:$missing; run this script as root" >&2
  exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
