#!/usr/bin/env bash
# The Python peer the export tests load `.keras` files with: Keras 3 on TensorFlow 2.21
# (tensorflow-cpu brings Keras 3), in a virtualenv of its own. Idempotent; prints the
# Python that runs the peer. KERAS_PEER_DIR sets the virtualenv (.cache/keras-peer).
# The wheel native-tensorflow.sh keeps in TAILOR_NATIVE_CACHE (.cache/native) is installed
# from when it is there, so the 270 MB download happens once per machine; else pip fetches
# it from the package index it is configured for.
set -euo pipefail
cd "$(dirname "$0")/.."
# An index that cannot be reached is given up on quickly: pip's default of five retries per
# package costs minutes where only a local index answers (PIP_RETRIES overrides it).
export PIP_RETRIES="${PIP_RETRIES:-1}"

TF_VERSION=2.21.0
venv=${KERAS_PEER_DIR:-.cache/keras-peer}
cache=${TAILOR_NATIVE_CACHE:-.cache/native}

if ! "$venv/bin/python" -c 'import keras, tensorflow' >/dev/null 2>&1; then
  python3 -m venv "$venv" >&2
  wheel=$(ls "$cache"/tensorflow_cpu-"$TF_VERSION"-*.whl 2>/dev/null | head -n 1 || true)
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "${wheel:-tensorflow-cpu==$TF_VERSION}" >&2
fi
echo "$venv/bin/python"
