"""Loading 5,000 64x64 JPEGs through dlbench against a plain Pillow loop over the same files.

Run: ``python -m pytest tests/benchmarks/test_folder_loading.py -s``
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlbench import DataSettings, TaskOptions
from dlbench.tasks.folder import load_folder
from dlbench.tasks.shapes import CLASS_NAMES, make_shapes


@pytest.fixture(scope="module")
def jpeg_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("jpegs")
    images, labels = make_shapes(500, seed=3)  # 5,000 RGB 64x64 images, 10 classes
    for index, (pixels, label) in enumerate(zip(images, labels)):
        folder = root / CLASS_NAMES[label]
        folder.mkdir(exist_ok=True)
        Image.fromarray((pixels.transpose(1, 2, 0) * 255).astype(np.uint8)).save(folder / f"{index}.jpg", quality=90)
    return root


def plain_pillow(root: Path) -> np.ndarray:
    files = sorted(root.rglob("*.jpg"))
    return np.stack([np.asarray(Image.open(f).convert("RGB"), dtype=np.uint8).transpose(2, 0, 1) for f in files])


def dlbench_cold(root: Path, cache: Path) -> Path:
    load_folder(root, TaskOptions(), DataSettings(cache))
    return cache


def test_folder_loading_against_plain_pillow(benchmark, jpeg_folder, tmp_path):
    import sklearn.model_selection  # noqa: F401  (import time is no part of loading; a run imports it anyway)

    started = time.perf_counter()
    reference = plain_pillow(jpeg_folder)
    plain_seconds = time.perf_counter() - started
    assert reference.shape == (5000, 3, 64, 64)
    counter = iter(range(1000))
    caches = []
    benchmark.pedantic(lambda: caches.append(dlbench_cold(jpeg_folder, _fresh(tmp_path, next(counter)))), rounds=3,
                       iterations=1)
    cold = benchmark.stats.stats.mean
    started = time.perf_counter()
    load_folder(jpeg_folder, TaskOptions(), DataSettings(caches[-1]))  # cached
    warm = time.perf_counter() - started
    print(f"\nplain Pillow loop {plain_seconds:.2f} s; dlbench first load {cold:.2f} s "
          f"(ratio {cold / plain_seconds:.2f}); dlbench cached load {warm:.3f} s (ratio {warm / plain_seconds:.3f})")


def _fresh(tmp_path: Path, index: int) -> Path:
    cache = tmp_path / f"cache{index}"
    cache.mkdir()
    return cache
