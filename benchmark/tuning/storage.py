"""Where a run's Optuna studies live: a journal file in its run folder, or any Optuna storage URL.

Every study is named ``<study-name>/<task>/<model>``. Its trials, and once refitted its result rows
(a study user attribute), are all in the storage, so a run can be resumed, shared by several
workers, and reported from the storage alone.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from dlbench.errors import DlbenchError

if TYPE_CHECKING:
    import optuna

JOURNAL_FILE = "optuna.journal"
JOURNAL_LOCK_SUFFIX = ".lock"  # Optuna's journal lock: PATH.lock exists while a process appends to PATH
JOURNAL_PREFIX = "journal:"
LOCK_HELD_SECONDS = 0.5  # a journal lock still there after this is more than an append in progress
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "oracle", "mssql")
VALID_FORMS = ("journal:PATH (a journal file, also on a shared disk)", "sqlite:///PATH",
               "postgresql://USER:PASSWORD@HOST/DB", "mysql+pymysql://USER:PASSWORD@HOST/DB")
RESULTS = "dlbench_results"  # study user attribute: the JSON list of the study's result rows
REFIT_CLAIM = "#refit"  # suffix of the marker study whose creation claims a study's refit
INTERRUPTED = "interrupted"  # trial user attribute: the trial stopped with its worker (Ctrl-C, kill)
SURPLUS = "surplus"  # trial user attribute: never run: asked for beyond --trials by a concurrent worker, or withdrawn
# on resume while still waiting (see withdraw_waiting)
SAMPLED = "sampled"  # trial user attribute: every parameter of the trial was sampled (before it ran)
REPLAYS = "replays"  # trial user attribute: the number of the interrupted trial whose parameters it runs again


def in_quota(trial: "optuna.trial.FrozenTrial") -> bool:
    """Whether a trial takes a place in its study's quota: not a surplus ask, not interrupted with its worker."""
    return not trial.user_attrs.get(SURPLUS) and not trial.user_attrs.get(INTERRUPTED)


def quota_place(trials: Sequence["optuna.trial.FrozenTrial"], number: int) -> int:
    """How many of ``trials`` that take a place in the quota come before trial ``number``."""
    return sum(1 for t in trials if t.number < number and in_quota(t))


def journal_url(run_dir: Path) -> str:
    """The storage URL of the journal file inside ``run_dir``."""
    return JOURNAL_PREFIX + str((Path(run_dir) / JOURNAL_FILE).resolve())


def repair_journal_tail(path: Path) -> bool:
    """Cut the last line of a journal file when a killed process left it half-written or damaged; True if it did.

    A SIGKILL in the middle of an append leaves a line without its newline, and the next append would
    glue a valid entry onto it, corrupting the journal; a damaged last line would likewise end up in the
    middle. No entry refers to a later one, so cutting the last line loses only the write it recorded.
    Only safe while nothing else writes the file: a run's own journal, under the run folder's lock.
    """
    path = Path(path)
    if not path.exists():
        return False
    with open(path, "rb+") as journal:
        data = journal.read()
        if not data:
            return False
        cut = data.rfind(b"\n", 0, len(data) - 1) + 1  # where the last line starts
        if data.endswith(b"\n") and _is_entry(data[cut:]):
            return False
        journal.truncate(cut)
    return True


def remove_stale_journal_lock(path: Path) -> bool:
    """Remove the lock file of journal ``path`` that a process killed while appending left; True if there was one.

    Optuna waits 30 s before it takes over a lock nobody releases. Only safe while nothing else writes
    the file: a run's own journal, under the run folder's lock.
    """
    try:
        Path(str(path) + JOURNAL_LOCK_SUFFIX).unlink()
    except FileNotFoundError:
        return False
    return True


def _warn_if_locked(path: Path) -> None:
    """Say so when journal ``path``'s lock stays for longer than an append takes: its holder may be dead, and
    Optuna then waits 30 s before taking it over (a shared journal's holder may be on another machine)."""
    lock = Path(str(path) + JOURNAL_LOCK_SUFFIX)
    if not (lock.is_symlink() or lock.exists()):  # Optuna's lock is a symlink to the journal
        return
    time.sleep(LOCK_HELD_SECONDS)
    if lock.is_symlink() or lock.exists():
        sys.stderr.write(f"dlbench: warning: the journal lock {str(lock)!r} is held: another worker is appending, or "
                         "one was killed while it did; Optuna takes a lock nobody releases over after 30 s (delete "
                         "it if no worker uses the journal)\n")


def _is_entry(line: bytes) -> bool:
    """Whether a line of a journal file is an Optuna journal entry: a JSON object with an operation code."""
    try:
        entry = json.loads(line)
    except ValueError:  # not JSON, or not UTF-8
        return False
    return isinstance(entry, dict) and isinstance(entry.get("op_code"), int)


def _damaged_line(path: Path) -> Optional[int]:
    """The number (from 1) of the first complete line of journal ``path`` that is not an entry, or None."""
    with open(path, "rb") as journal:
        for number, line in enumerate(journal, start=1):
            if line.endswith(b"\n") and not _is_entry(line):
                return number
    return None


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

    from dlbench.tuning.journal import WholeEntryJournal

    check_storage_url(url)
    if url.startswith(JOURNAL_PREFIX):
        path = Path(url[len(JOURNAL_PREFIX):]).expanduser()
        if not path.parent.is_dir():
            raise DlbenchError(f"storage {url!r}: folder {str(path.parent)!r} does not exist")
        _warn_if_locked(path)
        try:
            return optuna.storages.JournalStorage(WholeEntryJournal(str(path)))
        except (ValueError, KeyError, TypeError, AssertionError) as error:  # Optuna replaying a damaged journal
            line = _damaged_line(path)
            # the entries after a damaged line refer to the trials and studies it may have created: none can go
            problem = (f"line {line} is damaged (not a journal entry)" if line is not None else
                       f"cannot be replayed ({error!r})")
            raise DlbenchError(f"journal {str(path)!r} {problem}, so its studies cannot be read; results already "
                               "finished are in the run folder's results.csv; restore the journal from a backup or "
                               "start a new run") from None
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
    """The result rows saved by the study's refit (one per seed refitted so far), or None before its refit."""
    text = storage.get_study_user_attrs(study_id).get(RESULTS)
    return None if text is None else json.loads(text)


def save_results(study: "optuna.Study", rows: List[Dict[str, Any]]) -> None:
    """Store the study's result rows (one per seed refitted so far, replacing those stored before) in the study."""
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

    return _fail_trials(storage, study_id, optuna.trial.TrialState.RUNNING, INTERRUPTED)


def withdraw_waiting(storage: "optuna.storages.BaseStorage", study_id: int) -> int:
    """Withdraw the study's trials still waiting when its worker stopped (failed and surplus: never run, not shown,
    not counted); returns how many. The warm starts among them are enqueued again on load (see
    :func:`dlbench.tuning.studies.open_study`) in their order, behind none that a stopped worker left unfinished. Only
    safe while no worker runs the study: before a resume starts its workers."""
    import optuna

    return _fail_trials(storage, study_id, optuna.trial.TrialState.WAITING, SURPLUS)


def _fail_trials(storage: "optuna.storages.BaseStorage", study_id: int, state: Any, attribute: str) -> int:
    """Set ``attribute`` on the study's trials in ``state`` and mark them failed; returns how many."""
    import optuna

    trials = storage.get_all_trials(study_id, deepcopy=False, states=(state,))
    for trial in trials:
        storage.set_trial_user_attr(trial._trial_id, attribute, True)
        storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
    return len(trials)
