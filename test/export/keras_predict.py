"""Loads a .keras archive with stock Keras 3 and prints its predictions as JSON.

stdin: {"models": {"<name>": "<path to .keras>", ...}, "images": [[784 floats in [0, 1]], ...]}
stdout: {"keras_version": "...", "models": {"<name>": {"predictions": [[probabilities], ...],
         "layers": ["<class name>", ...]}, ...}}
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402


def main():
    request = json.load(sys.stdin)
    images = np.asarray(request["images"], dtype=np.float32).reshape(-1, 28, 28, 1)
    answers = {}
    for name, path in request["models"].items():
        # safe_mode stays on: the archive must load without running any custom code.
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
        answers[name] = {
            "predictions": model.predict(images, verbose=0).tolist(),
            "layers": [layer.__class__.__name__ for layer in model.layers],
        }
    json.dump({"keras_version": keras.__version__, "models": answers}, sys.stdout)


if __name__ == "__main__":
    main()
