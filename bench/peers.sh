#!/usr/bin/env bash
# The training benchmark's peers, pinned: Keras on TensorFlow 2.21 and PyTorch 2.13 (CPU)
# in a virtualenv of their own (from the package index pip is configured for), and
# Debian's PyTorch 1.13 from apt when it can be installed. Idempotent; prints the Python
# that runs the pip peers. BENCH_PEERS_DIR sets the virtualenv (.cache/bench-peers).
set -euo pipefail
cd "$(dirname "$0")/.."
# An index that cannot be reached is given up on quickly: pip's default of five retries per
# package costs minutes where only a local index answers (PIP_RETRIES overrides it).
export PIP_RETRIES="${PIP_RETRIES:-1}"

venv=${BENCH_PEERS_DIR:-.cache/bench-peers}
if ! "$venv/bin/python" -c 'import tensorflow, torch' >/dev/null 2>&1; then
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    'tensorflow-cpu==2.21.0' 'torch==2.13.0+cpu' >&2
fi
if ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
  command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2 ||
    echo "Debian's python3-torch could not be installed; that peer is skipped" >&2
fi
echo "$venv/bin/python"
