"""Damaged run files: repaired with a one-line warning, or refused in one line naming the file; never a traceback
or a silent wait."""

from __future__ import annotations

import json
import shutil
import time

import pandas as pd
import pytest

from dlbench.cli import main
from dlbench.runs.runner import RUN_FILE
from dlbench.tuning.storage import JOURNAL_FILE, JOURNAL_LOCK_SUFFIX

COMMANDS = {"resume": ["run", "--resume", "{run}", "--quiet"], "refresh": ["report", "{run}", "--refresh"]}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("runs")
    assert main(["run", "--task", "digits", "--model", "logistic", "--trials", "2", "--output", str(output),
                 "--quiet"]) == 0
    (run_dir,) = output.iterdir()
    return run_dir


@pytest.fixture
def run_copy(finished_run, tmp_path):
    return shutil.copytree(finished_run, tmp_path / "run")


def _command(name, run_dir):
    return [str(run_dir) if part == "{run}" else part for part in COMMANDS[name]]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_journal_damaged_in_the_middle_is_refused_in_one_line(run_copy, command, capsys):
    journal = run_copy / JOURNAL_FILE
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2][:25] + b"\n"  # later entries refer to the trial it records: it cannot be dropped
    journal.write_bytes(b"".join(lines))
    results = (run_copy / "results.csv").read_bytes()
    capsys.readouterr()
    assert main(_command(command, run_copy)) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and stderr.startswith(
        f"dlbench: error: journal {str(journal)!r} line 3 is damaged (not a journal entry)")
    assert "restore the journal from a backup or start a new run" in stderr
    assert journal.read_bytes() == b"".join(lines) and (run_copy / "results.csv").read_bytes() == results


def test_a_damaged_last_journal_line_is_cut_with_a_warning(run_copy, capsys):
    journal = run_copy / JOURNAL_FILE
    sound = journal.read_bytes()
    journal.write_bytes(sound + b'{"op_code":6,"worker_id":"w","tri\n')
    capsys.readouterr()
    assert main(_command("resume", run_copy)) == 0
    stderr = capsys.readouterr().err
    assert stderr == (f"dlbench: warning: {str(journal)!r} ended in an entry that a killed run left half-written or "
                      "damaged; cut it, and the step it recorded is redone\n")
    assert journal.read_bytes() == sound  # the finished run had nothing left to do
    assert pd.read_csv(run_copy / "results.csv").status.tolist() == ["ok"]


def test_a_journal_lock_left_by_a_killed_run_is_taken_over_at_once(run_copy, capsys):
    journal = run_copy / JOURNAL_FILE
    journal.write_bytes(journal.read_bytes().splitlines(keepends=True)[0])  # killed right after creating the study
    lock = run_copy / (JOURNAL_FILE + JOURNAL_LOCK_SUFFIX)
    lock.symlink_to(journal)  # Optuna's journal lock, held by the killed run in the middle of an append
    capsys.readouterr()
    started = time.monotonic()
    assert main(_command("resume", run_copy)) == 0
    assert time.monotonic() - started < 25  # Optuna alone waits 30 s before it takes over a lock nobody releases
    assert capsys.readouterr().err == (f"dlbench: warning: removed the lock {str(lock)!r} that a killed run left on "
                                       "its journal\n")
    assert not lock.is_symlink()
    assert len(pd.read_csv(run_copy / "trials.csv")) == 2  # the resume ran the trials again, appending to the journal
    assert json.loads((run_copy / "environment.json").read_text())["finished"] is True


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("document, problem", [({}, "has no 'argv' list"), ([1, 2], "is not a JSON object"),
                                               ({"argv": ["run"]}, "has no 'tasks' list")])
def test_a_run_file_of_the_wrong_shape_is_refused_in_one_line(run_copy, command, document, problem, capsys):
    (run_copy / RUN_FILE).write_text(json.dumps(document))
    capsys.readouterr()
    assert main(_command(command, run_copy)) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and stderr.startswith(f"dlbench: error: {str(run_copy / RUN_FILE)!r} {problem}")
