"""Run folder files: written atomically, folders never shared, a live run's folder locked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from dlbench.errors import DlbenchError
from dlbench.files import create_run_dir, write_text_atomic
from dlbench.runs.locking import LOCK_FILE, RunLock


def test_an_interrupted_write_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "results.csv"
    write_text_atomic(target, "old,complete\n")

    def interrupted_fsync(fd):
        raise KeyboardInterrupt  # Ctrl-C after part of the new content is written

    monkeypatch.setattr("os.fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(target, "new," + "x" * 100_000)
    assert target.read_text() == "old,complete\n"
    assert [path.name for path in tmp_path.iterdir()] == ["results.csv"]


def test_run_folders_created_at_the_same_moment_are_all_different(tmp_path):
    with ThreadPoolExecutor(8) as pool:
        folders = list(pool.map(lambda _: create_run_dir(tmp_path), range(16)))
    assert len(set(folders)) == 16 and all(folder.is_dir() for folder in folders)


def test_a_locked_run_folder_is_refused_until_its_process_ends_even_by_sigkill(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from dlbench.runs.locking import RunLock; lock = RunLock(sys.argv[1]).acquire(); "
        "print('locked', flush=True); time.sleep(600)"), str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(DlbenchError, match=rf"is in use by a running dlbench \(pid {holder.pid} on .*, since "):
            RunLock(tmp_path).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = RunLock(tmp_path).acquire()  # the operating system released the dead process's lock
    lock.release()
    assert (tmp_path / LOCK_FILE).exists()
    again = RunLock(tmp_path).acquire()
    again.release()


def test_a_lock_that_cannot_be_created_is_a_clear_error(tmp_path):
    with pytest.raises(DlbenchError, match="cannot lock run folder"):
        RunLock(tmp_path / "missing").acquire()


def test_written_files_get_the_usual_permissions_not_private_ones(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    write_text_atomic(tmp_path / "leaderboard.md", "# Leaderboard\n")
    assert (tmp_path / "leaderboard.md").stat().st_mode & 0o777 == 0o666 & ~umask
