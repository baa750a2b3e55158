"""The arrays of tasks handed over in memory, kept in the run folder (``data/``), so a resume and the run's
helper workers train on the same images: one compressed ``.npz`` per task, loaded without pickle."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import List, Sequence

import numpy as np

from dlbench.errors import DlbenchError
from dlbench.files import write_bytes_atomic
from dlbench.types import DataSettings, Task, TaskData

KEPT_DATA_DIR = "data"
INDEX_FILE = "tasks.json"  # task name -> file: task names are any printable text, file names are not


def keep_task_data(run_dir: Path, tasks: Sequence[Task]) -> None:
    """Write each task's loaded data and class names into ``run_dir/data/``."""
    if not tasks:
        return
    folder = Path(run_dir) / KEPT_DATA_DIR
    folder.mkdir(exist_ok=True)
    index = {}
    for number, task in enumerate(tasks):
        data = task.load_data(DataSettings())
        buffer = io.BytesIO()
        np.savez_compressed(buffer, x_train=data.x_train, y_train=data.y_train, x_test=data.x_test,
                            y_test=data.y_test, class_names=np.array(task.class_names, dtype=str))
        index[task.name] = f"task-{number}.npz"
        write_bytes_atomic(folder / index[task.name], buffer.getvalue())
    write_bytes_atomic(folder / INDEX_FILE, json.dumps(index, indent=2).encode("utf-8"))


def kept_tasks(run_dir: Path, names: Sequence[str]) -> List[Task]:
    """The tasks ``names`` whose data the run folder keeps, each loading its arrays when the run asks."""
    if not names:
        return []
    folder = Path(run_dir) / KEPT_DATA_DIR
    try:
        index = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DlbenchError(f"run folder {str(run_dir)!r} lacks the arrays of its in-memory task(s) "
                           f"{', '.join(names)} ({folder / INDEX_FILE}: {error}); it cannot be resumed") from None
    missing = [name for name in names if name not in index]
    if missing:
        raise DlbenchError(f"run folder {str(run_dir)!r} keeps no arrays for task(s) {', '.join(missing)}; it cannot "
                           "be resumed")
    return [_kept_task(folder / index[name], name) for name in names]


def _kept_task(path: Path, name: str) -> Task:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            class_names = tuple(str(label) for label in arrays["class_names"])
    except (OSError, ValueError, KeyError) as error:
        raise DlbenchError(f"cannot read the arrays of task {name!r} in {str(path)!r}: {error}") from None

    def load() -> TaskData:
        with np.load(path, allow_pickle=False) as arrays:
            return TaskData(arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"])

    return Task(name, ("in-memory",), class_names, load, "kept in the run folder")
