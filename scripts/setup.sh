#!/usr/bin/env bash
# Sets up a fresh machine: Debian's Fashion-MNIST and Redis where missing (the service can
# also download the data set, given internet, and use any Redis through REDIS_URL), Chromium
# for the tests that open the HTML reports, the npm packages, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "missing: ${missing[*]}; install them (sudo apt-get install ${missing[*]})," >&2
    echo "or set REDIS_URL and let 'tailor train' download Fashion-MNIST into ./data." >&2
  fi
fi

# The optional native backends (tfjs-node, tfjs-node-gpu) download libtensorflow while
# installing; offline that fails and npm skips them, which is fine: wasm is used then.
npm ci --no-audit --no-fund
npm run build
