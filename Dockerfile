# syntax=docker/dockerfile:1
#
# tailor images. Two runtime targets:
#   cpu  Debian bookworm + Node 20: wasm backend, plus tfjs-node when its libtensorflow
#        download works (build arg TFJS_NODE). The default target.
#   gpu  CUDA 11.2 + cuDNN 8.1 (what tfjs-node-gpu 4.22 / libtensorflow 2.9.1 needs)
#        + Node 20 + tfjs-node-gpu.
#
#   docker build --target cpu -t tailor:cpu .
#   docker build --target gpu -t tailor:gpu .
#
# Both run `node dist/src/cli.js <command>` under tini as an unprivileged user; the
# default command is `serve` (the API). See docs/deployment.md.

ARG NODE_VERSION=20
# The npm that installs. npm 11 applies an install-script policy (allowScripts in
# package.json, allow-scripts in .npmrc) that decides whether tfjs-node(-gpu) may
# download libtensorflow; pinning npm keeps that policy the same on every builder.
ARG NPM_VERSION=11.19.1
# Any image with the CUDA 11.2 runtime libraries and cuDNN 8.1 on glibc >= 2.28 works.
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04


# ---------------------------------------------------------------------------------------
# base: the Debian runtime layer shared by the cpu image (and the source of the data set
# and tini for the gpu image).
FROM node:${NODE_VERSION}-bookworm-slim AS base
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      dataset-fashion-mnist tini \
 && rm -rf /var/lib/apt/lists/*


# ---------------------------------------------------------------------------------------
# toolchain: a pinned npm, and what node-gyp needs should a native addon have no
# prebuilt binary (node headers come from the image, so node-gyp downloads nothing).
FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
ARG NPM_VERSION
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/* \
 && npm install -g "npm@${NPM_VERSION}" --no-audit --no-fund \
 && npm cache clean --force
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false
WORKDIR /app


# ---------------------------------------------------------------------------------------
# build: every dependency without install scripts (tsc needs no native code), compile,
# then drop the dev dependencies. The native backends are built per target below.
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund


# ---------------------------------------------------------------------------------------
# deps-cpu: production node_modules for the cpu image. tfjs-node's install script
# downloads libtensorflow 2.9.1 (CPU) from storage.googleapis.com; it is the only script
# allowed to run (the build-only .npmrc below is npm's install-script allow list).
#   TFJS_NODE=optional  try it; if it fails the image uses the wasm backend (default)
#   TFJS_NODE=required  fail the build without it
#   TFJS_NODE=skip      wasm only (offline builders)
FROM toolchain AS deps-cpu
ARG TFJS_NODE=optional
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
RUN set -eu; \
    echo 'allow-scripts=@tensorflow/tfjs-node' > .npmrc; \
    rm -rf node_modules/@tensorflow/tfjs-node-gpu; \
    case "$TFJS_NODE" in \
      skip) rm -rf node_modules/@tensorflow/tfjs-node ;; \
      required) npm rebuild @tensorflow/tfjs-node; \
        node -e "require('@tensorflow/tfjs-node')" ;; \
      optional) \
        if npm rebuild @tensorflow/tfjs-node && node -e "require('@tensorflow/tfjs-node')"; then :; \
        else echo 'tfjs-node could not be installed; the cpu image will use the wasm backend' >&2; \
          rm -rf node_modules/@tensorflow/tfjs-node; fi ;; \
      *) echo "TFJS_NODE must be optional, required or skip (got '$TFJS_NODE')" >&2; exit 1 ;; \
    esac; \
    rm .npmrc


# ---------------------------------------------------------------------------------------
# deps-gpu: production node_modules for the gpu image, built on the gpu image's own OS so
# that a from-source fallback of the addon links against the same glibc. tfjs-node-gpu's
# install script (libtensorflow 2.9.1 GPU + the prebuilt addon) must run: it is allowed
# explicitly, and the build fails if it did not produce the addon and the library.
FROM ${CUDA_IMAGE} AS deps-gpu
# NVIDIA's apt sources are not needed (the CUDA libraries are already installed).
RUN rm -f /etc/apt/sources.list.d/cuda*.list /etc/apt/sources.list.d/nvidia-ml*.list \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY --from=toolchain /usr/local/bin/node /usr/local/bin/node
COPY --from=toolchain /usr/local/include/node /usr/local/include/node
COPY --from=toolchain /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
RUN set -eu; \
    echo 'allow-scripts=@tensorflow/tfjs-node-gpu' > .npmrc; \
    rm -rf node_modules/@tensorflow/tfjs-node; \
    npm rebuild @tensorflow/tfjs-node-gpu; \
    ls node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v*/tfjs_binding.node \
       node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so.2*; \
    rm .npmrc


# ---------------------------------------------------------------------------------------
# gpu: CUDA 11.2 + cuDNN 8.1 runtime, Node 20, tfjs-node-gpu. Needs the NVIDIA driver and
# the NVIDIA Container Toolkit on the host (docker run --gpus all ...).
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
