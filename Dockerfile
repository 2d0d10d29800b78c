# syntax=docker/dockerfile:1
#
# tailor images. Two runtime targets, both on TensorFlow 2.21 through its pip wheel's C
# library (scripts/native-tensorflow.sh links it into tfjs-node and builds the binding):
#   cpu  Debian bookworm + Node 20: tfjs-node on tensorflow-cpu 2.21 (oneDNN), else wasm
#        (build arg TFJS_NODE). The default target.
#   gpu  CUDA 12 + cuDNN 9 runtime (nvidia/cuda, CUDA_IMAGE) + Node 20: tfjs-node-gpu on
#        tensorflow 2.21, the GPU wheel (built for CUDA 12.5 and cuDNN 9.3; any CUDA 12.x
#        >= 12.5 and cuDNN 9.x >= 9.3 runtime serves it).
#
#   docker build --target cpu -t tailor:cpu .
#   docker build --target gpu -t tailor:gpu .        # TAILOR_TF_WHEEL_SHA256 pins the wheel
#   docker run --rm --gpus all tailor:gpu gpu-smoke   # on the GPU host: trains, prints img/s
#
# GPU hosts: an NVIDIA driver of the R525 branch or later (>= 525.60.13 on Linux: CUDA 12's
# minimum under minor version compatibility) and the NVIDIA Container Toolkit. The
# nvidia/cuda base image asks the toolkit for a driver of its own CUDA version
# (NVIDIA_REQUIRE_CUDA: R570 for 12.8, bar the datacenter branches it lists); on an older
# R525+ driver run with -e NVIDIA_DISABLE_REQUIRE=1. TensorFlow 2.21's kernels are built for
# compute capability 6.0, 7.0, 8.0, 8.9 and 9.0, plus PTX of 9.0: Pascal to Hopper run them
# as they are; later GPUs (Blackwell) have the driver JIT-compile the PTX on first use.
# See docs/deployment.md.
#
# Both run `node dist/src/cli.js <command>` under tini as an unprivileged user; the
# default command is `serve` (the API). See docs/deployment.md.

ARG NODE_VERSION=20
# The npm that installs (npm ci, prune, and npx for node-pre-gyp), the same on every builder.
ARG NPM_VERSION=11.19.1
# Any image with the CUDA 12 runtime libraries (12.5 or later) and cuDNN 9 (9.3 or later)
# on glibc >= 2.28 works; TensorFlow loads them by their major versions.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04


# ---------------------------------------------------------------------------------------
# base: the Debian runtime layer shared by the cpu image (and the source of the data set
# and tini for the gpu image).
FROM node:${NODE_VERSION}-bookworm-slim AS base
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      dataset-fashion-mnist tini \
 && rm -rf /var/lib/apt/lists/*


# ---------------------------------------------------------------------------------------
# toolchain: a pinned npm, what node-gyp needs to build the tfjs-node binding from source
# (node headers come from the image, so node-gyp downloads nothing), and pip, which fetches
# the TensorFlow wheel.
FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
ARG NPM_VERSION
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates python3 python3-pip make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && npm install -g "npm@${NPM_VERSION}" --no-audit --no-fund \
 && npm cache clean --force
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false
WORKDIR /app


# ---------------------------------------------------------------------------------------
# build: every dependency without install scripts (tsc needs no native code), compile,
# then drop the dev dependencies. No install script runs in any stage: tfjs-node(-gpu)'s
# own would download libtensorflow 2.9.1; the native backends are built per target below.
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund


# ---------------------------------------------------------------------------------------
# deps-cpu: production node_modules for the cpu image, with tfjs-node on TensorFlow 2.21:
# scripts/native-tensorflow.sh downloads the pinned tensorflow-cpu wheel with pip (checked
# against its SHA-256), puts its C library and headers in tfjs-node's deps/ and builds the
# binding from source. The wheel is kept in a build cache between builds.
#   TFJS_NODE=optional  try it; if it fails the image uses the wasm backend (default)
#   TFJS_NODE=required  fail the build without it
#   TFJS_NODE=skip      wasm only (offline builders)
FROM toolchain AS deps-cpu
ARG TFJS_NODE=optional
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY scripts/native-tensorflow.sh scripts/native-graph.sh ./scripts/
COPY native/tailor_graph.cc ./native/
RUN --mount=type=cache,target=/root/.cache/tailor-native,sharing=locked \
    set -eu; \
    export TAILOR_NATIVE_CACHE=/root/.cache/tailor-native TAILOR_NATIVE_REQUIRED=1; \
    rm -rf node_modules/@tensorflow/tfjs-node-gpu; \
    case "$TFJS_NODE" in \
      skip) rm -rf node_modules/@tensorflow/tfjs-node ;; \
      required) bash scripts/native-tensorflow.sh cpu ;; \
      optional) \
        if bash scripts/native-tensorflow.sh cpu; then :; \
        else echo 'the cpu image will use the wasm backend' >&2; \
          rm -rf node_modules/@tensorflow/tfjs-node; fi ;; \
      *) echo "TFJS_NODE must be optional, required or skip (got '$TFJS_NODE')" >&2; exit 1 ;; \
    esac
# The compiled training step (one TensorFlow graph per batch), linked against the same
# library; without tfjs-node (TFJS_NODE=skip, or a fallback to wasm) there is nothing to
# build and native/build stays empty.
RUN mkdir -p native/build \
 && if [ -d node_modules/@tensorflow/tfjs-node ]; then \
      bash scripts/native-graph.sh node_modules/@tensorflow/tfjs-node; fi


# ---------------------------------------------------------------------------------------
# deps-gpu: production node_modules for the gpu image, built on the gpu image's own OS so
# that the binding links against the same glibc and libstdc++. The same script links
# tensorflow 2.21's GPU wheel into tfjs-node-gpu; the build fails if it cannot. The
# wheel's SHA-256 is checked when given (build arg TAILOR_TF_WHEEL_SHA256); without it
# the wheel is trusted as pip fetched it over HTTPS from PyPI, and the build log shows its
# SHA-256 for pinning.
FROM ${CUDA_IMAGE} AS deps-gpu
# NVIDIA's apt sources are not needed (the CUDA libraries are already installed).
RUN rm -f /etc/apt/sources.list.d/cuda*.list /etc/apt/sources.list.d/nvidia-ml*.list \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates python3 python3-pip make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY --from=toolchain /usr/local/bin/node /usr/local/bin/node
COPY --from=toolchain /usr/local/include/node /usr/local/include/node
COPY --from=toolchain /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY scripts/native-tensorflow.sh scripts/native-graph.sh ./scripts/
COPY native/tailor_graph.cc ./native/
ARG TAILOR_TF_WHEEL_SHA256=
RUN --mount=type=cache,target=/root/.cache/tailor-native,sharing=locked \
    set -eu; \
    export TAILOR_NATIVE_CACHE=/root/.cache/tailor-native TAILOR_NATIVE_REQUIRED=1; \
    rm -rf node_modules/@tensorflow/tfjs-node; \
    bash scripts/native-tensorflow.sh gpu
# The compiled training step, linked against the GPU library.
RUN mkdir -p native/build \
 && bash scripts/native-graph.sh node_modules/@tensorflow/tfjs-node-gpu


# ---------------------------------------------------------------------------------------
# gpu: CUDA 12 + cuDNN 9 runtime, Node 20, tfjs-node-gpu on TensorFlow 2.21. Needs the
# NVIDIA driver and the NVIDIA Container Toolkit on the host (docker run --gpus all ...).
FROM ${CUDA_IMAGE} AS gpu
COPY --from=toolchain /usr/local/bin/node /usr/local/bin/node
COPY --from=base /usr/bin/tini-static /usr/bin/tini
COPY --from=base /usr/share/datasets/fashion-mnist /usr/share/datasets/fashion-mnist
COPY --from=base /usr/share/doc/dataset-fashion-mnist/copyright /usr/share/doc/dataset-fashion-mnist/copyright
RUN groupadd --gid 10001 tailor \
 && useradd --uid 10001 --gid tailor --home-dir /var/lib/tailor --shell /usr/sbin/nologin tailor \
 && mkdir -p /var/lib/tailor/data /var/lib/tailor/artifacts /var/lib/tailor/checkpoints \
 && chown -R tailor:tailor /var/lib/tailor
WORKDIR /app
COPY package.json ./
COPY --from=deps-gpu /app/node_modules ./node_modules
COPY --from=deps-gpu /app/native/build ./native/build
COPY --from=build /app/dist ./dist
# TF_FORCE_GPU_ALLOW_GROWTH: each training job runs in its own process (BullMQ sandbox);
# without it the first one would reserve all GPU memory.
ENV NODE_ENV=production \
    TAILOR_BACKEND=tensorflow-gpu \
    HOST=0.0.0.0 \
    PORT=3000 \
    TAILOR_DATA_DIR=/var/lib/tailor/data \
    TAILOR_ARTIFACT_DIR=/var/lib/tailor/artifacts \
    TAILOR_CHECKPOINT_DIR=/var/lib/tailor/checkpoints \
    TF_FORCE_GPU_ALLOW_GROWTH=true
USER tailor
VOLUME ["/var/lib/tailor/data", "/var/lib/tailor/artifacts"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/src/cli.js"]
CMD ["serve"]


# ---------------------------------------------------------------------------------------
# cpu: the default target (last stage).
FROM base AS cpu
RUN groupadd --gid 10001 tailor \
 && useradd --uid 10001 --gid tailor --home-dir /var/lib/tailor --shell /usr/sbin/nologin tailor \
 && mkdir -p /var/lib/tailor/data /var/lib/tailor/artifacts /var/lib/tailor/checkpoints \
 && chown -R tailor:tailor /var/lib/tailor
WORKDIR /app
COPY package.json ./
COPY --from=deps-cpu /app/node_modules ./node_modules
COPY --from=deps-cpu /app/native/build ./native/build
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production \
    TAILOR_BACKEND=auto \
    HOST=0.0.0.0 \
    PORT=3000 \
    TAILOR_DATA_DIR=/var/lib/tailor/data \
    TAILOR_ARTIFACT_DIR=/var/lib/tailor/artifacts \
    TAILOR_CHECKPOINT_DIR=/var/lib/tailor/checkpoints
USER tailor
VOLUME ["/var/lib/tailor/data", "/var/lib/tailor/artifacts"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/src/cli.js"]
CMD ["serve"]
