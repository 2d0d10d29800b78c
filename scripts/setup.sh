#!/usr/bin/env bash
# Sets up a fresh machine: Debian's Fashion-MNIST (the service also downloads it when it
# is missing, given internet), the npm packages, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ ! -d data ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist
  else
    echo "Fashion-MNIST not installed: run 'sudo apt-get install dataset-fashion-mnist'," >&2
    echo "or let 'tailor train' download it into ./data." >&2
  fi
fi

# The optional native backends (tfjs-node, tfjs-node-gpu) download libtensorflow while
# installing; offline that fails and npm skips them, which is fine: wasm is used then.
npm ci --no-audit --no-fund
npm run build
