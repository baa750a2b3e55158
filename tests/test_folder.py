"""``--task folder:PATH``: layouts, every common image mode, the cache, clear errors, and a CLI run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlbench import DataSettings, TaskOptions
from dlbench.errors import DlbenchError
from dlbench.tasks.folder import load_folder, make_folder_task

MODES = ["RGB", "L", "RGBA", "P", "RGB-jpeg"]


def _image(label: int, index: int, size: int = 16) -> np.ndarray:
    """Class 0: a bright block on the left; class 1: on the right."""
    pixels = np.full((size, size, 3), 20 + index % 7, dtype=np.uint8)
    half = slice(0, size // 2) if label == 0 else slice(size // 2, size)
    pixels[:, half] = 230
    return pixels


def make_folder(root: Path, per_class: int = 20, size: int = 16, split: bool = False) -> Path:
    for part in (["train", "test"] if split else [""]):
        for label, name in enumerate(["left", "right"]):
            folder = root / part / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                mode = MODES[i % len(MODES)]
                image = Image.fromarray(_image(label, i, size))
                if mode == "RGB-jpeg":
                    image.save(folder / f"{i}.jpg", quality=95)
                    continue
                image = image.convert(mode) if mode != "P" else image.convert("P", palette=Image.ADAPTIVE)
                image.save(folder / f"{i}.png")
    return root


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    return root


@pytest.fixture
def settings(data_root):
    """What a run hands the task's loader: the data directory above, where the decoded images are cached."""
    return DataSettings(data_root, progress=False)


def test_flat_layout_is_split_stratified_and_every_mode_loads(tmp_path, data_root, settings):
    folder = make_folder(tmp_path / "imgs")
    task = make_folder_task(str(folder), TaskOptions())
    assert task.class_names == ("left", "right") and "images" in task.tags
    data = task.load_data(settings)
    assert data.x_train.shape == (32, 3, 16, 16) and data.x_test.shape == (8, 3, 16, 16)
    assert data.x_train.dtype == np.uint8 and sorted(np.bincount(data.y_test)) == [4, 4]
    left = data.x_train[data.y_train == 0]
    assert (left[:, :, :, :8].mean() > 200) and (left[:, :, :, 8:].mean() < 60)  # content survives every mode


def test_train_test_layout_image_size_and_gray(tmp_path, data_root, settings):
    folder = make_folder(tmp_path / "split", per_class=6, split=True)
    data = make_folder_task(str(folder), TaskOptions(image_size=8, color="gray")).load_data(settings)
    assert data.x_train.shape == (12, 1, 8, 8) and data.x_test.shape == (12, 1, 8, 8)


def test_mixed_sizes_default_to_64(tmp_path, data_root, settings):
    folder = make_folder(tmp_path / "mixed", per_class=3)
    Image.fromarray(_image(0, 0, size=20)).save(folder / "left" / "big.png")
    assert make_folder_task(str(folder), TaskOptions()).load_data(settings).x_train.shape[1:] == (3, 64, 64)


def test_cache_is_reused_until_the_folder_changes(tmp_path, data_root, settings):
    folder = make_folder(tmp_path / "imgs", per_class=5)
    load_folder(folder, TaskOptions(), settings)
    caches = sorted((data_root / "folder-cache").iterdir())
    stamp = (caches[0] / "images.npy").stat().st_mtime_ns
    load_folder(folder, TaskOptions(), settings)
    assert sorted((data_root / "folder-cache").iterdir()) == caches
    assert (caches[0] / "images.npy").stat().st_mtime_ns == stamp
    Image.fromarray(_image(1, 99)).save(folder / "right" / "new.png")
    changed = load_folder(folder, TaskOptions(), settings)
    assert len(changed.y_train) + len(changed.y_test) == 11
    assert len(list((data_root / "folder-cache").iterdir())) == 2


def test_folder_data_stays_memory_mapped_through_the_split(tmp_path, data_root, settings):
    from dlbench.runs.runner import prepare

    for layout in (make_folder(tmp_path / "flat", per_class=10), make_folder(tmp_path / "split", per_class=10, split=True)):
        data, info, split = prepare(make_folder_task(str(layout), TaskOptions()), seed=0, data_settings=settings)
        assert all(isinstance(a, np.memmap) for a in (data.x_train, data.x_test, split.x_fit, split.x_val))
        assert info.input_shape == (3, 16, 16) and len(split.x_fit) + len(split.x_val) == len(data.x_train)


def test_bad_folders_give_one_clear_error(tmp_path, data_root, settings):
    one = tmp_path / "one" / "only"
    one.mkdir(parents=True)
    Image.fromarray(_image(0, 0)).save(one / "a.png")
    with pytest.raises(DlbenchError, match="has 1 class folder\\(s\\); a task needs at least 2"):
        make_folder_task(str(tmp_path / "one"), TaskOptions())
    folder = make_folder(tmp_path / "imgs", per_class=3)
    (folder / "left" / "broken.png").write_bytes(b"this is not a png")
    with pytest.raises(DlbenchError, match="broken.png is not a readable image"):
        make_folder_task(str(folder), TaskOptions()).load_data(settings)
    empty = make_folder(tmp_path / "empty", per_class=2)
    (empty / "nothing").mkdir()
    with pytest.raises(DlbenchError, match="class 'nothing' has no images"):
        make_folder_task(str(empty), TaskOptions())
    with pytest.raises(DlbenchError, match="is not a folder"):
        make_folder_task(str(tmp_path / "missing"), TaskOptions())


def test_cli_runs_a_folder_task_with_two_models(tmp_path):
    folder = make_folder(tmp_path / "imgs", per_class=20)
    out = tmp_path / "out"
    env = {**os.environ, "DLBENCH_DATA": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "dlbench.cli", "run", "--task", f"folder:{folder}", "digits",
                             "--model", "logistic", "mlp", "--trials", "2", "--output", str(out), "--quiet"],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    (run_dir,) = out.iterdir()
    results = pd.read_csv(run_dir / "results.csv")
    folder_rows = results[results.task == f"folder:{folder}"]
    assert list(folder_rows.model) == ["logistic", "mlp"] and set(results.status) == {"ok"}
    assert (folder_rows.test_accuracy >= 0.9).all()  # two easy classes; chance is 0.5
    assert set(results.task) == {f"folder:{folder}", "digits"}
    bad = subprocess.run([sys.executable, "-m", "dlbench.cli", "run", "--task", f"folder:{tmp_path / 'nope'}"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "is not a folder" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
