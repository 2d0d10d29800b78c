#!/usr/bin/env bash
# Native TensorFlow for tailor: links TensorFlow 2.21's C library, taken from its pip wheel
# (the libtensorflow tarballs that tfjs-node's own install downloads stop at 2.15, and that
# download fails offline), into @tensorflow/tfjs-node, and builds its binding from source
# against this Node. Training and predict then run on TensorFlow with oneDNN instead of wasm.
#
#   bash scripts/native-tensorflow.sh [cpu]  tensorflow-cpu into @tensorflow/tfjs-node
#   bash scripts/native-tensorflow.sh gpu    tensorflow (built for CUDA 12 and cuDNN 9, which
#                                            it loads from the system at run time) into
#                                            @tensorflow/tfjs-node-gpu: the gpu image
#
# Idempotent: a working install is left alone. Where a piece is missing (pip, a compiler,
# the wheel, Node's headers) it says so in one line and exits 0: tailor then uses wasm.
# TAILOR_NATIVE=0 skips it; TAILOR_NATIVE_CACHE sets where the wheel is kept (.cache/native).
# TAILOR_NATIVE_REQUIRED=1 turns each of those one-line notes into a failure (exit 1), for
# image builds. TAILOR_TF_VARIANT=gpu does what the argument does.
# TAILOR_TF_WHEEL_SHA256, when set, is a SHA-256 the wheel must also match. The CPU wheel's
# checksum is pinned below; the GPU wheel's is not (it could not be read where this was
# written), so without TAILOR_TF_WHEEL_SHA256 that wheel is trusted as pip fetched it over
# HTTPS from the package index, and its SHA-256 is printed for pinning.
set -uo pipefail
cd "$(dirname "$0")/.."
# An index that cannot be reached is given up on quickly: pip's default of five retries per
# package costs minutes where only a local index answers (PIP_RETRIES overrides it).
export PIP_RETRIES="${PIP_RETRIES:-1}"

TF_VERSION=2.21.0
TFJS_NODE_VERSION=4.22.0
VARIANT=${1:-${TAILOR_TF_VARIANT:-cpu}}
case "$VARIANT" in
  cpu)
    DIST=tensorflow-cpu
    PKG_NAME=@tensorflow/tfjs-node
    OTHER_NAME=@tensorflow/tfjs-node-gpu
    WHEEL_GLOB=tensorflow_cpu-${TF_VERSION}-cp311-cp311-manylinux_2_27_x86_64.whl
    PLATFORMS=(manylinux_2_27_x86_64)
    PINNED_SHA256=2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c
    NOTE="native TensorFlow not installed"
    WITHOUT="tailor uses wasm"
    ;;
  gpu)
    DIST=tensorflow
    PKG_NAME=@tensorflow/tfjs-node-gpu
    OTHER_NAME=@tensorflow/tfjs-node
    # The platform tag of a release's GPU wheel is not known here: any manylinux x86-64 one.
    WHEEL_GLOB="tensorflow-${TF_VERSION}-cp311-cp311-manylinux*_x86_64.whl"
    PLATFORMS=(manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64)
    PINNED_SHA256=
    NOTE="native TensorFlow (GPU) not installed"
    WITHOUT="the tensorflow-gpu backend is unavailable"
    ;;
  *)
    echo "usage: scripts/native-tensorflow.sh [cpu|gpu] (got '$VARIANT')" >&2
    exit 2
    ;;
esac
CACHE=${TAILOR_NATIVE_CACHE:-.cache/native}
PKG=node_modules/$PKG_NAME
SHORT=${PKG_NAME#@tensorflow/}

fallback() {
  if [ "${TAILOR_NATIVE_REQUIRED:-0}" = 1 ]; then
    echo "$NOTE: $*" >&2
    exit 1
  fi
  echo "$NOTE: $*; $WITHOUT" >&2
  exit 0
}

# Prints the TensorFlow version the package runs on, or fails when it does not load.
native_version() {
  node -e "
    const tf = require('$PKG_NAME');
    process.stdout.write(tf.backend().binding.TF_Version);
  " 2>/dev/null
}

# The wheel's file name in the cache, if pip left one there.
cached_wheel() {
  local found
  for found in "$CACHE"/$WHEEL_GLOB; do
    [ -f "$found" ] && basename "$found" && return 0
  done
  return 1
}

[ "${TAILOR_NATIVE:-1}" = 0 ] && fallback "TAILOR_NATIVE=0"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || fallback "the pinned wheel is for Linux x86-64"
expected_sha256=${TAILOR_TF_WHEEL_SHA256:-}
[ -z "$expected_sha256" ] || [[ "$expected_sha256" =~ ^[0-9a-fA-F]{64}$ ]] ||
  fallback "TAILOR_TF_WHEEL_SHA256 is not a SHA-256 (64 hex digits)"
[ -d node_modules ] || fallback "run npm ci first"
if [ "$(native_version)" = "$TF_VERSION" ]; then
  echo "native TensorFlow $TF_VERSION ready ($SHORT $TFJS_NODE_VERSION)"
  exit 0
fi
command -v python3 >/dev/null && python3 -m pip --version >/dev/null 2>&1 ||
  fallback "pip is missing (apt-get install python3-pip)"
command -v g++ >/dev/null && command -v make >/dev/null ||
  fallback "a C++ compiler is missing (apt-get install g++ make)"

# The wheel, pinned by name (and, where known, checksum) whatever Python this machine has:
# only its C library and headers are used.
mkdir -p "$CACHE"
if ! cached_wheel >/dev/null; then
  python3 -m pip download --quiet --no-deps --only-binary=:all: "${PLATFORMS[@]/#/--platform=}" \
    --python-version 3.11 --implementation cp "$DIST==$TF_VERSION" -d "$CACHE" ||
    fallback "pip could not download $DIST==$TF_VERSION"
fi
WHEEL=$(cached_wheel) || fallback "pip left no $WHEEL_GLOB in $CACHE"
if [ -n "$PINNED_SHA256" ] && ! echo "$PINNED_SHA256  $CACHE/$WHEEL" | sha256sum --check --status; then
  rm -f "$CACHE/$WHEEL"
  fallback "$WHEEL does not match its pinned SHA-256 (removed; run again to fetch it anew)"
fi
if [ -n "$expected_sha256" ] &&
  ! echo "$expected_sha256  $CACHE/$WHEEL" | sha256sum --check --status; then
  rm -f "$CACHE/$WHEEL"
  fallback "$WHEEL does not match TAILOR_TF_WHEEL_SHA256 (removed; run again to fetch it anew)"
fi
if [ -z "$PINNED_SHA256$expected_sha256" ]; then
  echo "$WHEEL: no SHA-256 to check it against (TAILOR_TF_WHEEL_SHA256 unset), trusted as pip" \
    "fetched it over HTTPS; its SHA-256 is $(sha256sum "$CACHE/$WHEEL" | cut -d' ' -f1)" >&2
fi

# The package itself: npm ci drops it when its install script fails to download libtensorflow.
# Installed without scripts; the other native package it brings along has no library here.
if [ ! -f "$PKG/package.json" ]; then
  npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
    "$PKG_NAME@$TFJS_NODE_VERSION" >/dev/null ||
    fallback "npm could not install $PKG_NAME@$TFJS_NODE_VERSION"
  [ -f "node_modules/$OTHER_NAME/lib/napi-v8/tfjs_binding.node" ] ||
    rm -rf "node_modules/$OTHER_NAME"
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
  >/dev/null 2>&1) || fallback "the $SHORT binding did not build (cd $PKG && npx node-pre-gyp install --build-from-source)"

version=$(native_version)
[ "$version" = "$TF_VERSION" ] || fallback "the built binding does not load TensorFlow $TF_VERSION"
echo "native TensorFlow $version ready ($SHORT $TFJS_NODE_VERSION, built from source)"
