"""Keras peer for the training benchmark: the seed notebook's own framework and model.

The seed CNN (3 conv blocks: pad, conv 3x3, BN, ReLU, max-pool; flatten; 3 dense blocks:
BN, dropout, dense), batch 50, Adam, on Keras 3 over TensorFlow 2.21, either compiled
(`model.fit`'s traced training step, as the notebook ran it) or eager
(`run_eagerly=True`). Run with the benchmark peers' Python (bench/peers.sh):

    .cache/bench-peers/bin/python bench/keras_train.py --mode compiled --batches 40

Prints exactly one JSON line on stdout; anything else goes to stderr. Inputs are random:
throughput does not depend on pixel values.
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's banners off stdout
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

BATCH = 50
CONV_BLOCKS = [(32, 1), (64, 2), (128, 2)]  # (channels, pool), the seed's conv_params
FC_NEURONS = [512, 256, 10]
EXPECTED_TOTAL = 3_467_402


def seed_model():
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for i, (channels, pool) in enumerate(CONV_BLOCKS):
        x = layers.ZeroPadding2D(1, name=f"conv{i}_pad")(x)
        x = layers.Conv2D(channels, 3, strides=1, name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.Activation("relu", name=f"conv{i}_act")(x)
        x = layers.MaxPooling2D(pool, strides=pool, name=f"conv{i}_pool")(x)
    x = layers.Flatten()(x)
    for i, neurons in enumerate(FC_NEURONS):
        x = layers.BatchNormalization(name=f"fc{i}_bn")(x)
        x = layers.Dropout(0.0, name=f"fc{i}_drop")(x)
        last = i == len(FC_NEURONS) - 1
        x = layers.Dense(neurons, activation="softmax" if last else "relu", name=f"fc{i}_act")(x)
    return keras.Model(inputs, x, name="FashionMNISTCNN")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["compiled", "eager"], default="compiled")
    parser.add_argument("--threads", type=int, default=0, help="intra/inter-op threads; 0: TensorFlow's default")
    parser.add_argument("--warmup", type=int, default=5, help="untimed training steps first")
    parser.add_argument("--batches", type=int, default=40, help="timed training steps")
    args = parser.parse_args()
    if args.batches < 1 or args.warmup < 1:
        parser.error("--batches and --warmup must be >= 1")
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    keras.utils.set_random_seed(0)
    model = seed_model()
    assert model.count_params() == EXPECTED_TOTAL, f"params differ from the seed: {model.count_params()}"
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        run_eagerly=args.mode == "eager",
    )
    rng = np.random.default_rng(0)
    # One batch per step, cycled: fit's own input pipeline costs the same as ours.
    steps = args.warmup + args.batches
    x = rng.random((steps * BATCH, 28, 28, 1), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, steps * BATCH), 10)

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == args.warmup:
                self.start = time.perf_counter()

        def on_train_end(self, logs=None):
            self.seconds = time.perf_counter() - self.start

    clock = Clock()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[clock])
    result = {
        "peer": f"keras_{args.mode}",
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "batch": BATCH,
        "train_images_per_s": round(args.batches * BATCH / clock.seconds, 1),
        "params": model.count_params(),
    }
    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
