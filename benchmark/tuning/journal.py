"""The run folder's journal file, appended whole or not at all.

A failed append (a full disk, Ctrl-C in the middle of it) is cut off again: otherwise the next append
would glue its entry onto the half-written one, and the damaged line in the middle of the journal would
make every study in it unreadable. Imported only when a journal is opened (it imports Optuna).
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List

from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock


class WholeEntryJournal(JournalFileBackend):
    """Optuna's journal file (the same format and lock file) whose appends are all-or-nothing."""

    def __init__(self, file_path: str) -> None:
        self._append_lock = JournalFileSymlinkLock(file_path)
        super().__init__(file_path, self._append_lock)
        self._path = file_path

    def append_logs(self, logs: List[Dict[str, Any]]) -> None:
        """Append ``logs`` as Optuna does, under the journal's lock; when the write fails, the file is cut back to
        its length before it and the error (naming the journal) is raised."""
        data = memoryview("".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs).encode("utf-8"))
        self._append_lock.acquire()
        try:
            with open(self._path, "ab", buffering=0) as journal:  # unbuffered: closing it writes nothing more
                end = journal.seek(0, os.SEEK_END)
                try:
                    while data:
                        data = data[journal.write(data):]
                    os.fsync(journal.fileno())
                except BaseException as error:
                    journal.truncate(end)  # shrinking a file needs no space
                    if isinstance(error, OSError):
                        error.filename = self._path
                    raise
        finally:
            self._append_lock.release()
