"""A full disk, on a small tmpfs: one line and the free space to make, every file written before left whole, and
the run folder (when one is left) resumable once space is freed."""

from __future__ import annotations

import errno
import json
import re
from pathlib import Path

import optuna
import pandas as pd
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from disks import fill, small_disk
from dlbench.cli import main
from dlbench.errors import DlbenchError
from dlbench.files import disk_full, write_text_atomic
from dlbench.runs import runner
from dlbench.runs.locking import RunLock
from dlbench.tuning.journal import WholeEntryJournal
from dlbench.tuning.storage import JOURNAL_FILE


@pytest.fixture
def disk(tmp_path):
    """A fresh 2 MB tmpfs."""
    with small_disk(tmp_path / "disk") as folder:
        yield folder


def _run(output: Path, *models: str) -> int:
    return main(["run", "--task", "digits", "--model", *models, "--trials", "2", "--budget", "none", "--quiet",
                 "--output", str(output)])


def _files(run_dir: Path) -> dict:
    """The bytes of every file in ``run_dir`` (the lock file aside), by path relative to it."""
    return {str(path.relative_to(run_dir)): path.read_bytes() for path in sorted(run_dir.rglob("*"))
            if path.is_file() and path.name != ".lock"}


def _journal_entries(path: Path) -> list:
    """Every line of a journal file, each checked to be a whole entry."""
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"", "the journal ends in half an entry"
    return [json.loads(line) for line in lines[:-1]]


@pytest.fixture
def autoload_off(monkeypatch):
    monkeypatch.setenv("DLBENCH_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("DLBENCH_PLUGINS_DIR", raising=False)


def test_a_full_disk_while_the_tables_are_rewritten_is_one_line_and_the_run_resumes(disk, autoload_off, capsys,
                                                                                    monkeypatch):
    written = runner.write_run_files
    before = {}

    def fill_before_the_second_rewrite(storage, base, tasks, models, run_dir, **options):
        if before or not (run_dir / "results.csv").exists():
            return written(storage, base, tasks, models, run_dir, **options)
        before.update(_files(run_dir))  # logistic's study is finished and its tables written: the disk fills now
        fill(disk)
        return written(storage, base, tasks, models, run_dir, **options)

    monkeypatch.setattr(runner, "write_run_files", fill_before_the_second_rewrite)
    assert _run(disk, "logistic", "svm") == 1
    (run_dir,) = [path for path in disk.iterdir() if path.is_dir()]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    folder = re.escape(str(run_dir))
    assert re.fullmatch(rf"dlbench: no space left on device while writing '{folder}/trials\.csv'; free at least "
                        rf"1\d\d MB on the disk of '{folder}' and resume with: dlbench run --resume {folder}\n", err)
    after = _files(run_dir)
    assert not [name for name in after if name.endswith(".tmp")]  # no failed temporary file is left
    assert {name: after[name] for name in before if name != JOURNAL_FILE} == {
        name: data for name, data in before.items() if name != JOURNAL_FILE}  # every file as it was, whole
    assert after[JOURNAL_FILE].startswith(before[JOURNAL_FILE])
    _journal_entries(run_dir / JOURNAL_FILE)

    monkeypatch.setattr(runner, "write_run_files", written)
    assert main(["run", "--resume", str(run_dir), "--quiet"]) == 1  # the disk is still full: the same line
    assert capsys.readouterr().err.endswith(f"and resume with: dlbench run --resume {run_dir}\n")
    (disk / "filler").unlink()
    assert main(["run", "--resume", str(run_dir), "--quiet"]) == 0
    assert capsys.readouterr().err == ""  # nothing half-written to repair
    results = pd.read_csv(run_dir / "results.csv")
    assert results.model.tolist() == ["logistic", "svm"] and results.status.tolist() == ["ok", "ok"]
    assert (run_dir / "accuracy_vs_fit_time.png").exists()


@pytest.mark.parametrize("full_from", ["the start", "after run.json"])
def test_a_full_disk_before_the_run_starts_is_one_line_and_leaves_no_folder(disk, autoload_off, capsys, monkeypatch,
                                                                            full_from):
    if full_from == "the start":
        fill(disk)
    else:
        start = runner._start
        monkeypatch.setattr(runner, "_start", lambda config: (start(config), fill(disk))[0])
    assert _run(disk, "logistic") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    folder = re.escape(str(disk))
    assert re.fullmatch(rf"dlbench: no space left on device while writing '{folder}/[^']+'; free at least 100 MB "
                        rf"on the disk of '{folder}' and run the command again\n", err)
    assert [path.name for path in disk.iterdir()] == ["filler"]  # no half-made run folder


def test_a_journal_append_that_fills_the_disk_leaves_the_journal_as_it_was(disk):
    path = disk / JOURNAL_FILE
    storage = JournalStorage(WholeEntryJournal(str(path)))
    study_id = storage.create_new_study([optuna.study.StudyDirection.MAXIMIZE], "study")
    filler = fill(disk)
    with pytest.raises(OSError) as raised:
        for appended in range(1000):  # the journal's last page takes a few entries, then one is cut short
            kept = path.read_bytes()
            storage.set_study_user_attr(study_id, f"key{appended}", "x" * 300)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(path)
    assert path.read_bytes() == kept  # not half an entry that the next append would glue onto
    filler.unlink()
    storage.set_study_user_attr(study_id, "after", "freed")
    reread = JournalStorage(JournalFileBackend(str(path)))  # Optuna's own reader replays every entry
    attrs = reread.get_study_user_attrs(reread.get_study_id_from_name("study"))
    assert sorted(attrs) == sorted([f"key{index}" for index in range(appended)] + ["after"])
    assert len(_journal_entries(path)) == appended + 2


def test_an_atomic_write_on_a_full_disk_keeps_the_old_file_and_names_the_file_meant(disk):
    table = disk / "results.csv"
    write_text_atomic(table, "old\n")
    fill(disk)
    with pytest.raises(OSError) as raised:
        write_text_atomic(table, "new\n" * 100_000)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(table)
    assert table.read_text() == "old\n" and sorted(path.name for path in disk.iterdir()) == ["filler", "results.csv"]


def test_a_lock_that_cannot_be_written_is_not_held(disk):
    filler = fill(disk)
    with pytest.raises(OSError) as raised:
        RunLock(disk).acquire()
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(disk / ".lock")
    filler.unlink()
    RunLock(disk).acquire().release()  # a lock left held would refuse this as "in use"


def test_disk_full_finds_the_full_disk_anywhere_in_a_chain():
    full = OSError(errno.EDQUOT, "Disk quota exceeded")
    try:
        try:
            raise full
        except OSError:
            raise DlbenchError("writing failed") from ValueError("wrapped")
    except DlbenchError as error:
        assert disk_full(error) is full
    assert disk_full(OSError(errno.EACCES, "Permission denied")) is None


def test_a_full_disk_inside_a_trial_stops_the_study_instead_of_failing_the_configuration(digits_data):
    import numpy as np

    from dlbench import Model, TaskInfo
    from dlbench.runs.runner import tuning_split
    from dlbench.tuning.studies import tune

    class FillsTheDisk:
        def fit(self, X, y, X_val=None, y_val=None):
            raise OSError(errno.ENOSPC, "No space left on device")

        def predict(self, X):
            return np.zeros(len(X), dtype=int)

    model = Model(name="full", family="classical", search_space=lambda trial: {"x": trial.suggest_int("x", 1, 2)},
                  defaults={"x": 1}, build=lambda params, task: FillsTheDisk())
    info = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0)
    with pytest.raises(OSError, match="No space left"):
        tune(model, info, tuning_split(digits_data, seed=0)[1], n_trials=2, timeout=None, seed=0)
