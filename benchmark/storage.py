"""Where a run's Optuna studies live: a journal file in its run folder, or any Optuna storage URL.

Every study is named ``<study-name>/<task>/<model>``. Its trials, and once refitted its result rows
(a study user attribute), are all in the storage, so a run can be resumed, shared by several
workers, and reported from the storage alone.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from .errors import DlbenchError

if TYPE_CHECKING:
    import optuna

JOURNAL_FILE = "optuna.journal"
JOURNAL_PREFIX = "journal:"
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "oracle", "mssql")
VALID_FORMS = ("journal:PATH (a journal file, also on a shared disk)", "sqlite:///PATH",
               "postgresql://USER:PASSWORD@HOST/DB", "mysql+pymysql://USER:PASSWORD@HOST/DB")
RESULTS = "dlbench_results"  # study user attribute: the JSON list of the study's result rows
REFIT_CLAIM = "#refit"  # suffix of the marker study whose creation claims a study's refit
INTERRUPTED = "interrupted"  # trial user attribute: the trial stopped with its worker (Ctrl-C, kill)
SURPLUS = "surplus"  # trial user attribute: asked for beyond --trials by a concurrent worker, never run


def journal_url(run_dir: Path) -> str:
    """The storage URL of the journal file inside ``run_dir``."""
    return JOURNAL_PREFIX + str((Path(run_dir) / JOURNAL_FILE).resolve())


def repair_journal_tail(path: Path) -> bool:
    """Cut the last line of a journal file when a killed process left it half-written; True if it did.

    A SIGKILL in the middle of an append leaves a line without its newline, and the next append would
    glue a valid entry onto it, corrupting the journal. Only safe while nothing else writes the file:
    a run's own journal, under the run folder's lock.
    """
    path = Path(path)
    if not path.exists():
        return False
    with open(path, "rb+") as journal:
        data = journal.read()
        if not data or data.endswith(b"\n"):
            return False
        journal.truncate(data.rfind(b"\n") + 1)
    return True


def check_storage_url(url: str) -> str:
    """``url`` if it has a form dlbench can open; otherwise a DlbenchError listing the valid forms."""
    if url.startswith(JOURNAL_PREFIX) and len(url) > len(JOURNAL_PREFIX):
        return url
    scheme = url.split("://", 1)[0].split("+", 1)[0] if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise DlbenchError(f"storage {redact(url)!r} is not a storage URL; valid forms: {'; '.join(VALID_FORMS)}")
    return url


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def open_storage(url: str) -> "optuna.storages.BaseStorage":
    """Open the storage at ``url`` (see :func:`check_storage_url`); a clear DlbenchError when it cannot."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    check_storage_url(url)
    if url.startswith(JOURNAL_PREFIX):
        path = Path(url[len(JOURNAL_PREFIX):]).expanduser()
        if not path.parent.is_dir():
            raise DlbenchError(f"storage {url!r}: folder {str(path.parent)!r} does not exist")
        return optuna.storages.JournalStorage(JournalFileBackend(str(path)))
    # postgresql:// means the driver dlbench[postgres] installs, whatever SQLAlchemy's default
    engine_url = "postgresql+psycopg://" + url[len("postgresql://"):] if url.startswith("postgresql://") else url
    try:
        try:
            return optuna.storages.RDBStorage(engine_url, engine_kwargs={"pool_pre_ping": True})
        except Exception as error:
            if type(error).__name__ != "IntegrityError":
                raise
            # workers starting together on a new database each create Optuna's tables, and the one that loses
            # the race fails (a duplicate key); once the tables exist, opening the storage again works
            time.sleep(0.5)
            return optuna.storages.RDBStorage(engine_url, engine_kwargs={"pool_pre_ping": True})
    except ImportError:  # Optuna's message for a missing driver (psycopg2, pymysql, ...)
        raise DlbenchError(f"storage {redact(url)!r} needs its database driver: for PostgreSQL pip install "
                           "'dlbench[postgres]', for MySQL pip install pymysql") from None
    except Exception as error:  # SQLAlchemy's errors: refused connection, bad credentials, unknown database
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DlbenchError(f"cannot open storage {redact(url)!r}: {first_line}") from None


def study_name(base: str, task: str, model: str) -> str:
    """The name of the task x model study of the run (or distributed run) ``base``."""
    return f"{base}/{task}/{model}"


def find_study_id(storage: "optuna.storages.BaseStorage", name: str) -> Optional[int]:
    """The id of study ``name`` in ``storage``, or None when there is no such study."""
    try:
        return storage.get_study_id_from_name(name)
    except KeyError:
        return None


def saved_results(storage: "optuna.storages.BaseStorage", study_id: int) -> Optional[List[Dict[str, Any]]]:
    """The result rows saved by the study's refit, or None when it has not been refitted."""
    text = storage.get_study_user_attrs(study_id).get(RESULTS)
    return None if text is None else json.loads(text)


def save_results(study: "optuna.Study", rows: List[Dict[str, Any]]) -> None:
    """Store the study's result rows (one per seed) in the study."""
    study.set_user_attr(RESULTS, json.dumps(rows, default=float))


def claim_refit(storage: "optuna.storages.BaseStorage", name: str) -> bool:
    """Atomically claim the refit of study ``name``: True for exactly one caller, on any storage.

    Creating a study is atomic in every Optuna storage (the name is unique), so the claim is the
    creation of a marker study.
    """
    import optuna

    try:
        storage.create_new_study([optuna.study.StudyDirection.MAXIMIZE], name + REFIT_CLAIM)
    except optuna.exceptions.DuplicatedStudyError:
        return False
    return True


def release_refit_claim(storage: "optuna.storages.BaseStorage", name: str) -> None:
    """Drop the refit claim of study ``name`` (on resume, when the refit never finished)."""
    claim = find_study_id(storage, name + REFIT_CLAIM)
    if claim is not None:
        storage.delete_study(claim)


def mark_interrupted(storage: "optuna.storages.BaseStorage", study_id: int) -> int:
    """Mark the study's trials left running by a stopped worker as failed and interrupted; returns how many."""
    import optuna

    TrialState = optuna.trial.TrialState
    stale = storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))
    for trial in stale:
        storage.set_trial_user_attr(trial._trial_id, INTERRUPTED, True)
        storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    return len(stale)
