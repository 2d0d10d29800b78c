#!/usr/bin/env bash
# Sets up a fresh machine: Debian's Fashion-MNIST and Redis where missing (the service can
# also download the data set, given internet, and use any Redis through REDIS_URL), Chromium
# for the tests that open the HTML reports, the npm packages, native TensorFlow for tfjs-node
# (pip and a compiler build it; without them tailor runs on wasm) with its compiled training
# step, the Keras peer the export tests check models with, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "missing: ${missing[*]}; install them (sudo apt-get install ${missing[*]})," >&2
    echo "or set REDIS_URL and let 'tailor train' download Fashion-MNIST into ./data." >&2
  fi
fi

# The optional native backends (tfjs-node, tfjs-node-gpu) download libtensorflow 2.9.1 while
# installing; offline that fails and npm skips them. native-tensorflow.sh then builds
# tfjs-node on TensorFlow 2.21 instead (or says in one line why not: wasm is used then).
npm ci --no-audit --no-fund
bash scripts/native-tensorflow.sh
# The compiled training step: one TensorFlow graph per batch (without it, native trains eagerly).
bash scripts/native-graph.sh
# Keras 3 on TensorFlow 2.21 in .cache/keras-peer, from the wheel native-tensorflow.sh kept: the
# model export tests load exported .keras files with it (and fail without it).
bash scripts/keras-peer.sh >/dev/null ||
  echo "the Keras peer could not be installed; the Keras export tests fail until 'bash scripts/keras-peer.sh' succeeds" >&2
npm run build
