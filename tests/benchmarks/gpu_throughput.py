"""The tutorial CNN's training speed on a GPU, with and without dlbench's GPU options, against a plain loop.

Trains the default CNN on ``shapes`` (64x64 RGB) for a few epochs, with per-epoch validation, once as a
hand-written PyTorch loop (32-bit, data moved to the GPU once, before the timing) and once through
``TorchClassifier`` for each configuration below, after a one-epoch warm-up of each (``torch.compile``
compiles then); each ends by predicting the validation images. Prints the training samples per second of
each (the fastest of ``--rounds`` timed runs, taking turns), and its ratio to the plain loop.

Run on a machine with a GPU: ``python tests/benchmarks/gpu_throughput.py`` (a few minutes); ``--device
cpu --limit 96 --epochs 1 --rounds 1 --no-compile`` tries it anywhere (the default test suite does).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for plain_loop

from dlbench import TaskInfo, TorchClassifier  # noqa: E402
from dlbench.plugins.cnn import DEFAULTS, make_cnn  # noqa: E402
from dlbench.runs.runner import tuning_split  # noqa: E402
from dlbench.tuning.studies import Split  # noqa: E402
from plain_loop import fastest, plain_loop  # noqa: E402

CONFIGURATIONS: Tuple[Tuple[str, Dict], ...] = (
    ("dlbench 32", {"precision": "32", "channels_last": False, "compile": False}),
    ("dlbench 32, channels-last", {"precision": "32", "channels_last": True, "compile": False}),
    ("dlbench bf16-mixed", {"precision": "bf16-mixed", "channels_last": False, "compile": False}),
    ("dlbench bf16-mixed, channels-last (the GPU default)", {"precision": "bf16-mixed", "channels_last": True,
                                                             "compile": False}),
    ("dlbench bf16-mixed, channels-last, --compile", {"precision": "bf16-mixed", "channels_last": True,
                                                      "compile": True}),
)


def _limited(split: Split, limit: Optional[int]) -> Split:
    """The first ``limit`` training and validation images (all of them without a limit)."""
    return Split(split.x_fit[:limit], split.y_fit[:limit], split.x_val[:limit], split.y_val[:limit])


def _on(split: Split, device: str) -> Split:
    """``split`` as tensors on ``device``, so that the plain loop, like dlbench, moves its data there once."""
    import torch

    return Split(*(torch.as_tensor(array).to(device) for array in (split.x_fit, split.y_fit, split.x_val,
                                                                    split.y_val)))


def measure(device: str, epochs: int, limit: Optional[int], with_compile: bool,
            rounds: int = 1) -> List[Tuple[str, float]]:
    """``(configuration, training samples per second)`` for the plain loop, then each configuration."""
    from dlbench.tasks import shapes

    data = shapes.load()
    split = _limited(tuning_split(data, seed=0)[1], limit)
    info = TaskInfo("shapes", tuple(data.x_train.shape[1:]), 10, tuple(str(k) for k in range(10)), 0)
    factory = lambda: make_cnn(info.input_shape, info.n_classes)  # noqa: E731 - the tutorial CNN
    on_device = _on(split, device)
    accelerator = "cpu" if device == "cpu" else "gpu"

    def plain(n: int) -> None:
        plain_loop(factory, on_device, DEFAULTS["lr"], DEFAULTS["batch_size"], n, 0, device)

    def through_dlbench(n: int, options: Dict) -> None:
        """Train for ``n`` epochs, then predict the validation images, as the plain loop does."""
        estimator = TorchClassifier(factory, lr=DEFAULTS["lr"], batch_size=DEFAULTS["batch_size"], epochs=n,
                                    accelerator=accelerator, devices=1, **options)
        estimator.fit(split.x_fit, split.y_fit, split.x_val, split.y_val).predict(split.x_val)

    runs: Dict[str, Callable[[int], None]] = {"plain PyTorch loop, 32": plain}
    for label, options in CONFIGURATIONS:
        if with_compile or not options["compile"]:
            runs[label] = lambda n, options=options: through_dlbench(n, options)
    for run in runs.values():
        run(1)  # warm-up: first-call costs, compilation
    seconds = fastest({label: lambda run=run: run(epochs) for label, run in runs.items()}, rounds)
    return [(label, epochs * len(split.y_fit) / taken) for label, taken in seconds.items()]


def main(argv: Optional[Sequence[str]] = None) -> List[Tuple[str, float]]:
    """Measure and print one line per configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="use only this many training images")
    parser.add_argument("--no-compile", dest="with_compile", action="store_false", help="skip --compile")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each; the fastest counts")
    args = parser.parse_args(argv)
    import torch

    name = torch.cuda.get_device_name() if args.device != "cpu" else f"CPU, {torch.get_num_threads()} threads"
    figures = measure(args.device, args.epochs, args.limit, args.with_compile, args.rounds)
    reference = figures[0][1]
    print(f"tutorial CNN on shapes, {args.epochs} epochs, batch {DEFAULTS['batch_size']}, {name}, "
          f"fastest of {args.rounds}")
    for label, per_second in figures:
        print(f"{label:<52} {per_second:10.0f} samples/s  {per_second / reference:5.2f} x plain")
    return figures


if __name__ == "__main__":
    main()
