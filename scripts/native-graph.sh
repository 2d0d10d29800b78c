#!/usr/bin/env bash
# Builds tailor's compiled training step (native/tailor_graph.cc), a small Node addon over
# TensorFlow's graph C API, against the TensorFlow library that native-tensorflow.sh put
# into tfjs-node (or the package directory given, e.g. node_modules/@tensorflow/tfjs-node-gpu).
# Without it, training on the native backend runs eagerly; like native-tensorflow.sh it
# says why in one line and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."

PKG=${1:-node_modules/@tensorflow/tfjs-node}
OUT=native/build/tailor_graph.node

skip() {
  echo "compiled training step not built: $*; native training runs eagerly" >&2
  exit 0
}

[ -f "$PKG/deps/include/tensorflow/c/c_api.h" ] || skip "no TensorFlow headers in $PKG/deps"
command -v g++ >/dev/null || skip "a C++ compiler is missing (apt-get install g++)"
NODE_INCLUDE=$(node -p "require('path').join(process.execPath, '../../include/node')")
[ -f "$NODE_INCLUDE/node_api.h" ] || skip "Node's headers are missing ($NODE_INCLUDE)"

# Rebuilt only when the source or the library changed.
if [ "$OUT" -nt native/tailor_graph.cc ] && [ "$OUT" -nt "$PKG/deps/lib/libtensorflow_cc.so.2" ]; then
  echo "compiled training step ready ($OUT)"
  exit 0
fi
mkdir -p native/build
LIB=$(cd "$PKG/deps/lib" && pwd)
# The rpath is relative to the addon, so the checkout (or image) can move.
RPATH="\$ORIGIN/$(realpath --relative-to=native/build "$LIB")"
g++ -std=c++17 -O2 -fPIC -shared -Wall -Wextra \
  -I"$NODE_INCLUDE" -I"$PKG/deps/include" native/tailor_graph.cc \
  -L"$LIB" -l:libtensorflow_cc.so.2 -l:libtensorflow_framework.so.2 \
  -Wl,-rpath,"$RPATH" -o "$OUT.tmp" || skip "the addon did not compile"
mv "$OUT.tmp" "$OUT"
node -e "process.stdout.write(require('./$OUT').version())" >/dev/null 2>&1 ||
  { rm -f "$OUT"; skip "the addon does not load"; }
echo "compiled training step built ($OUT)"
