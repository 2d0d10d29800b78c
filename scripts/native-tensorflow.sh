#!/usr/bin/env bash
# Native TensorFlow for tailor: links TensorFlow 2.21's C library, taken from its pip wheel
# (the libtensorflow tarballs that tfjs-node's own install downloads stop at 2.15, and that
# download fails offline), into @tensorflow/tfjs-node, and builds its binding from source
# against this Node. Training and predict then run on TensorFlow with oneDNN instead of wasm.
#
# Idempotent: a working install is left alone. Where a piece is missing (pip, a compiler,
# the wheel, Node's headers) it says so in one line and exits 0: tailor then uses wasm.
# TAILOR_NATIVE=0 skips it; TAILOR_NATIVE_CACHE sets where the wheel is kept (.cache/native).
set -uo pipefail
cd "$(dirname "$0")/.."

TF_VERSION=2.21.0
TFJS_NODE_VERSION=4.22.0
WHEEL=tensorflow_cpu-${TF_VERSION}-cp311-cp311-manylinux_2_27_x86_64.whl
WHEEL_SHA256=2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c
CACHE=${TAILOR_NATIVE_CACHE:-.cache/native}
PKG=node_modules/@tensorflow/tfjs-node

fallback() {
  echo "native TensorFlow not installed: $*; tailor uses wasm" >&2
  exit 0
}

# Prints the TensorFlow version tfjs-node runs on, or fails when it does not load.
native_version() {
  node -e "
    const tf = require('@tensorflow/tfjs-node');
    process.stdout.write(tf.backend().binding.TF_Version);
  " 2>/dev/null
}

[ "${TAILOR_NATIVE:-1}" = 0 ] && fallback "TAILOR_NATIVE=0"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || fallback "the pinned wheel is for Linux x86-64"
[ -d node_modules ] || fallback "run npm ci first"
if [ "$(native_version)" = "$TF_VERSION" ]; then
  echo "native TensorFlow $TF_VERSION ready (tfjs-node $TFJS_NODE_VERSION)"
  exit 0
fi
command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 ||
  fallback "pip is missing (apt-get install python3-pip)"
command -v g++ >/dev/null && command -v make >/dev/null ||
  fallback "a C++ compiler is missing (apt-get install g++ make)"

# The wheel, pinned by name and checksum whatever Python this machine has: only its C
# library and headers are used.
mkdir -p "$CACHE"
if [ ! -f "$CACHE/$WHEEL" ]; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_27_x86_64 \
    --python-version 3.11 --implementation cp "tensorflow-cpu==$TF_VERSION" -d "$CACHE" ||
    fallback "pip could not download tensorflow-cpu==$TF_VERSION"
fi
if ! echo "$WHEEL_SHA256  $CACHE/$WHEEL" | sha256sum --check --status; then
  rm -f "$CACHE/$WHEEL"
  fallback "$WHEEL does not match its pinned SHA-256 (removed; run again to fetch it anew)"
fi

# tfjs-node itself: npm ci drops it when its install script fails to download libtensorflow.
# Installed without scripts; the GPU package it brings along has no library here.
if [ ! -f "$PKG/package.json" ]; then
  npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" >/dev/null ||
    fallback "npm could not install @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
  [ -f node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node ] ||
    rm -rf node_modules/@tensorflow/tfjs-node-gpu
fi

# The libraries and the headers the binding includes, where binding.gyp looks; the binding
# links -ltensorflow and -ltensorflow_framework, and finds the .so.2 files by rpath.
python3 - "$CACHE/$WHEEL" "$PKG/deps" <<'EOF' || fallback "could not unpack the wheel"
import shutil, sys, zipfile
wheel, deps = sys.argv[1], sys.argv[2]
shutil.rmtree(deps, ignore_errors=True)
wanted = ('tensorflow/include/tensorflow/c/', 'tensorflow/include/xla/tsl/c/',
          'tensorflow/include/tensorflow/core/platform/ctstring',
          'tensorflow/include/tsl/platform/ctstring')
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(wanted):
            z.extract(name, deps + '/tmp')
        elif name in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            z.extract(name, deps + '/tmp')
shutil.move(deps + '/tmp/tensorflow/include', deps + '/include')
shutil.move(deps + '/tmp/tensorflow', deps + '/lib')
shutil.rmtree(deps + '/tmp')
EOF
(
  cd "$PKG/deps/lib" &&
    ln -sf libtensorflow_cc.so.2 libtensorflow.so &&
    ln -sf libtensorflow_cc.so.2 "libtensorflow.so.2.9.1" &&
    ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so
) || fallback "could not link the libraries"

# Built against this Node's own headers, so node-gyp downloads nothing.
nodedir=${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null)}
if [ -z "$nodedir" ] || [ "$nodedir" = undefined ] || [ ! -f "$nodedir/include/node/node.h" ]; then
  nodedir=$(dirname "$(dirname "$(command -v node)")")
fi
[ -f "$nodedir/include/node/node.h" ] || fallback "Node's headers are missing (no $nodedir/include/node)"
(cd "$PKG" && npm_config_nodedir=$nodedir npx --no-install node-pre-gyp install --build-from-source \
  >/dev/null 2>&1) || fallback "the tfjs-node binding did not build (cd $PKG && npx node-pre-gyp install --build-from-source)"

version=$(native_version)
[ "$version" = "$TF_VERSION" ] || fallback "the built binding does not load TensorFlow $TF_VERSION"
echo "native TensorFlow $version ready (tfjs-node $TFJS_NODE_VERSION, built from source)"
