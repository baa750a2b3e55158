"""The tutorial CNN and the cnn's portfolio trained in bf16-mixed against 32-bit on this CPU, on mnist-5k's tuning
split: the speed-up that makes bf16-mixed the default on a CPU that computes bfloat16 natively (AVX512-BF16, AMX),
and the validation accuracy of each, which should not drop.

Run: ``python -m pytest tests/benchmarks/test_cpu_precision.py -s`` (about two minutes on 2 cores, idle);
``DLBENCH_WHOLE_SCHEDULES=1`` trains each configuration for its own epochs instead (about five minutes).
"""

from __future__ import annotations

import os
import time

import pytest

from dlbench import TrainingSettings
from dlbench.runs.runner import prepare
from dlbench.training.options import build_estimator
from dlbench.training.tensors import cpu_native_bf16

EPOCHS = None if os.environ.get("DLBENCH_WHOLE_SCHEDULES") else 4  # None: each configuration's own


@pytest.mark.parametrize("entry", ["defaults", "portfolio 1", "portfolio 2"])
def test_bf16_mixed_against_32_bit_on_the_cpu(catalogue, entry):
    if not cpu_native_bf16():
        pytest.skip("this CPU has no native bfloat16 (AVX512-BF16 or AMX): bf16-mixed is not its default")
    model = catalogue.model("cnn")
    params = dict(model.defaults if entry == "defaults" else model.portfolio[int(entry[-1]) - 1])
    params["epochs"] = EPOCHS or params["epochs"]
    seconds, accuracy = {}, {}
    for round_ in range(2):  # the first round warms up (oneDNN's kernels for each precision)
        for precision in ("32", "bf16-mixed"):
            _, info, split = prepare(catalogue.task("mnist-5k"), 0, training=TrainingSettings(precision=precision))
            estimator = build_estimator(model, params, info)
            started = time.perf_counter()
            estimator.fit(split.x_fit, split.y_fit, split.x_val, split.y_val)
            seconds[precision] = time.perf_counter() - started
            accuracy[precision] = float((estimator.predict(split.x_val) == split.y_val).mean())
    print(f"\ncnn {entry}, {params['epochs']} epochs on mnist-5k: 32-bit {seconds['32']:.2f} s (val {accuracy['32']:.4f}), "
          f"bf16-mixed {seconds['bf16-mixed']:.2f} s (val {accuracy['bf16-mixed']:.4f}), speed-up "
          f"{seconds['32'] / seconds['bf16-mixed']:.2f}x")
    assert abs(accuracy["bf16-mixed"] - accuracy["32"]) < 0.02
