#!/usr/bin/python3
"""PyTorch peer for the training benchmark: the seed Fashion-MNIST CNN, batch 50, Adam.

Run with the system Python, which is the one that has Debian's python3-torch:

    /usr/bin/python3 bench/torch_train.py --threads 2 --batches 40 --infer-batches 20

Prints exactly one JSON line on stdout; anything else goes to stderr.
Inputs are random: throughput does not depend on pixel values.

Debian's torch runs the Linear layers through whichever libblas.so.3 the
alternatives system selects. With the reference BLAS (libblas3: single-threaded,
about 2 GFLOP/s) they take over half of each training step, so the figures depend
on that choice as much as on the CPU; the "blas" field records which was loaded.
"""

import argparse
import json
import os
import sys
import time

import torch
from torch import nn

BATCH = 50
CONV_BLOCKS = [(32, 1), (64, 2), (128, 2)]  # (channels, pool)
FC_NEURONS = [512, 256, 10]
EXPECTED_TOTAL = 3_467_402
EXPECTED_TRAINABLE = 3_452_874
EXPECTED_NON_TRAINABLE = 14_528

# Keras BatchNormalization defaults: epsilon 1e-3, moving-average momentum 0.99.
# PyTorch's momentum is the weight of the *new* statistic, hence 1 - 0.99.
BN = {"eps": 1e-3, "momentum": 0.01}


class SeedCNN(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        channels, size = 1, 28
        for out_channels, pool in CONV_BLOCKS:
            layers += [
                nn.ZeroPad2d(1),
                nn.Conv2d(channels, out_channels, 3, stride=1),
                nn.BatchNorm2d(out_channels, **BN),
                nn.ReLU(),
                nn.MaxPool2d(pool, stride=pool),
            ]
            channels, size = out_channels, size // pool
        self.features = nn.Sequential(*layers)

        # Keras order per dense block: BatchNorm -> Dropout -> Dense(activation).
        layers = []
        width = channels * size * size
        for i, neurons in enumerate(FC_NEURONS):
            layers += [nn.BatchNorm1d(width, **BN), nn.Dropout(0.5), nn.Linear(width, neurons)]
            if i < len(FC_NEURONS) - 1:
                layers.append(nn.ReLU())
            width = neurons
        # The final softmax is folded into CrossEntropyLoss, which takes logits.
        self.classifier = nn.Sequential(*layers)

    def forward(self, x_nhwc):
        x = self.features(x_nhwc.permute(0, 3, 1, 2))
        # Flatten in Keras' HWC order so fc0's weights line up with a Keras model's.
        return self.classifier(x.permute(0, 2, 3, 1).flatten(1))


def count_params(model):
    """Counts parameters the way Keras' summary does: BN moving mean/variance are
    non-trainable params; PyTorch's num_batches_tracked has no Keras counterpart."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    non_trainable = sum(
        b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var"))
    )
    return trainable, non_trainable


def loaded_blas():
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    return ",".join(sorted(os.path.realpath(p) for p in paths)) or "unknown"


def rate(step, batches, batch_size):
    start = time.perf_counter()
    for i in range(batches):
        step(i)
    return batches * batch_size / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch.set_num_threads")
    parser.add_argument("--warmup", type=int, default=5, help="untimed training steps first")
    parser.add_argument("--batches", type=int, default=40, help="timed training steps")
    parser.add_argument("--infer-batches", type=int, default=20, help="timed inference batches; 0 skips")
    parser.add_argument("--infer-batch-size", type=int, default=BATCH)
    args = parser.parse_args()
    if min(args.threads, args.batches, args.infer_batch_size) < 1 or min(args.warmup, args.infer_batches) < 0:
        parser.error("--threads, --batches, --infer-batch-size must be >= 1; --warmup, --infer-batches >= 0")

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = SeedCNN()
    trainable, non_trainable = count_params(model)
    counts = (trainable, non_trainable)
    assert counts == (EXPECTED_TRAINABLE, EXPECTED_NON_TRAINABLE), f"params differ from the seed: {counts}"
    assert trainable + non_trainable == EXPECTED_TOTAL

    # A few distinct NHWC batches, as our data arrives, cycled through.
    images = [torch.rand(BATCH, 28, 28, 1) for _ in range(4)]
    labels = [torch.randint(0, 10, (BATCH,)) for _ in range(4)]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()

    def train_step(i):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images[i % 4]), labels[i % 4]).backward()
        optimizer.step()

    model.train()
    for i in range(args.warmup):
        train_step(i)
    result = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": BATCH,
        "train_images_per_s": round(rate(train_step, args.batches, BATCH), 1),
    }

    if args.infer_batches > 0:
        x = torch.rand(args.infer_batch_size, 28, 28, 1)
        model.eval()
        with torch.no_grad():
            model(x)  # warm-up: eval-mode kernels and allocations differ from training
            ips = rate(lambda _: model(x).softmax(1), args.infer_batches, args.infer_batch_size)
        result["infer_batch"] = args.infer_batch_size
        result["infer_images_per_s"] = round(ips, 1)

    result["params"] = trainable + non_trainable
    result["blas"] = loaded_blas()
    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
