#!/bin/sh
# README's first command: on a fresh Debian 12 machine (as root) installs what is needed, builds,
# and runs the local demo network (deploy/demo/demo.mjs): a Bluesky PDS with its PLC directory, a
# Fedify server, causeway between them, a post and a reply crossing both ways. Leaves everything
# running with the URLs printed until Ctrl-C. State and logs under /tmp/causeway-demo
# (CAUSEWAY_DEMO_DIR to choose), never in the checkout.
set -eu
cd "$(dirname "$0")/.."
deploy/install-deps.sh
node22="$(tests/peers/install.sh | tail -n 1)"
deploy/build.sh
exec "$node22" deploy/demo/demo.mjs
