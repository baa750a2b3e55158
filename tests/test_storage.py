"""Studies in a storage: URLs, atomic refit claims, resumed trials, and an exact trial quota across workers."""

from __future__ import annotations

import json

import pytest

from dlbench import Model, TaskInfo
from dlbench.errors import DlbenchError
from dlbench.host.catalogue import Catalogue, make_plugin_manager
from dlbench.runs.runner import tuning_split
from dlbench.tuning.storage import (INTERRUPTED, JOURNAL_FILE, JOURNAL_LOCK_SUFFIX, check_storage_url, claim_refit,
                                    journal_url, mark_interrupted, open_storage, redact, release_refit_claim,
                                    remove_stale_journal_lock, repair_journal_tail, withdraw_waiting)
from dlbench.tuning.studies import open_study, tune

CATALOGUE = Catalogue.from_plugins(make_plugin_manager(load_entrypoints=False))
INFO = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0)


@pytest.fixture(scope="module")
def split(digits_data):
    return tuning_split(digits_data, seed=0)[1]


@pytest.fixture
def storage(tmp_path):
    return open_storage(journal_url(tmp_path))


@pytest.mark.parametrize("url", ["journal:/tmp/x/run.journal", "sqlite:///runs.db",
                                 "postgresql://user:secret@127.0.0.1/dlbench", "mysql+pymysql://u:p@host/db"])
def test_valid_storage_urls(url):
    assert check_storage_url(url) == url


@pytest.mark.parametrize("url", ["runs.db", "http://host/db", "journal:", "redis://host"])
def test_invalid_storage_urls_name_the_valid_forms(url):
    with pytest.raises(DlbenchError, match="is not a storage URL; valid forms: journal:PATH"):
        check_storage_url(url)


def test_passwords_never_reach_messages():
    assert redact("postgresql://user:secret@127.0.0.1:5432/db") == "postgresql://user:***@127.0.0.1:5432/db"
    with pytest.raises(DlbenchError) as error:
        open_storage("postgresql://user:secret@127.0.0.1:9/db")  # nothing listens on port 9
    assert "secret" not in str(error.value) and "cannot open storage" in str(error.value)


def test_journal_in_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DlbenchError, match="does not exist"):
        open_storage(f"journal:{tmp_path}/missing/run.journal")


def _journal_with_a_finished_trial(folder) -> bytes:
    """A run folder journal of three entries: a study, its trial, the trial's value; returns its bytes."""
    import optuna

    storage = open_storage(journal_url(folder))
    study_id = storage.create_new_study([optuna.study.StudyDirection.MAXIMIZE], "run/digits/logistic")
    storage.set_trial_state_values(storage.create_new_trial(study_id), optuna.trial.TrialState.COMPLETE, [0.75])
    return (folder / JOURNAL_FILE).read_bytes()


@pytest.mark.parametrize("tail", [b'{"op_code":6,"worker_id":"w","trial_id":0', b"{}\n", b'{"op_code":6,"wor\n'])
def test_a_damaged_last_journal_line_is_cut(tmp_path, tail):
    journal = _journal_with_a_finished_trial(tmp_path)
    (tmp_path / JOURNAL_FILE).write_bytes(journal + tail)
    assert repair_journal_tail(tmp_path / JOURNAL_FILE) is True
    assert (tmp_path / JOURNAL_FILE).read_bytes() == journal
    assert repair_journal_tail(tmp_path / JOURNAL_FILE) is False  # a sound journal is left as it is
    storage = open_storage(journal_url(tmp_path))
    assert storage.get_all_trials(storage.get_study_id_from_name("run/digits/logistic"))[0].value == 0.75


@pytest.mark.parametrize("damage", [b'{"op_code":4,"worker_id":"w","stu\n', b"not json\n", b"[1, 2]\n", b"{}\n"])
def test_a_journal_damaged_in_the_middle_is_refused_naming_the_line(tmp_path, damage):
    lines = _journal_with_a_finished_trial(tmp_path).splitlines(keepends=True)
    damaged = b"".join([lines[0], damage, *lines[2:]])
    (tmp_path / JOURNAL_FILE).write_bytes(damaged)
    assert repair_journal_tail(tmp_path / JOURNAL_FILE) is False  # the entries after it need it: nothing is cut
    with pytest.raises(DlbenchError) as error:
        open_storage(journal_url(tmp_path))
    message = str(error.value)
    assert f"journal {str((tmp_path / JOURNAL_FILE).resolve())!r} line 2 is damaged (not a journal entry)" in message
    assert "results.csv" in message and "restore the journal from a backup or start a new run" in message
    assert "\n" not in message and (tmp_path / JOURNAL_FILE).read_bytes() == damaged


def test_a_journal_optuna_cannot_replay_is_refused_in_one_line(tmp_path):
    lines = _journal_with_a_finished_trial(tmp_path).splitlines(keepends=True)
    (tmp_path / JOURNAL_FILE).write_bytes(b"".join([lines[0], b'{"op_code":99}\n', *lines[1:]]))
    with pytest.raises(DlbenchError, match=r"optuna.journal' cannot be replayed \(AssertionError"):
        open_storage(journal_url(tmp_path))


@pytest.mark.parametrize("symlink", [True, False])  # Optuna's own lock is a symlink; a copied folder has a file
def test_a_stale_journal_lock_is_removed(tmp_path, symlink):
    journal, lock = tmp_path / JOURNAL_FILE, tmp_path / (JOURNAL_FILE + JOURNAL_LOCK_SUFFIX)
    journal.write_bytes(b"")
    if symlink:
        lock.symlink_to(journal)
    else:
        lock.write_bytes(b"")
    assert remove_stale_journal_lock(journal) is True
    assert not lock.is_symlink() and not lock.exists() and journal.exists()
    assert remove_stale_journal_lock(journal) is False


def test_a_shared_journal_whose_lock_stays_is_opened_with_a_warning_not_a_silent_wait(tmp_path, capsys):
    journal, lock = tmp_path / JOURNAL_FILE, tmp_path / (JOURNAL_FILE + JOURNAL_LOCK_SUFFIX)
    _journal_with_a_finished_trial(tmp_path)
    open_storage(f"journal:{journal}")
    assert capsys.readouterr().err == ""
    lock.symlink_to(journal)  # a worker on another machine may hold it, so it is not removed
    storage = open_storage(f"journal:{journal}")
    assert capsys.readouterr().err == (f"dlbench: warning: the journal lock {str(lock)!r} is held: another worker is "
                                       "appending, or one was killed while it did; Optuna takes a lock nobody "
                                       "releases over after 30 s (delete it if no worker uses the journal)\n")
    assert lock.is_symlink() and len(storage.get_all_studies()) == 1


def test_a_refit_is_claimed_once_and_can_be_released(storage):
    assert claim_refit(storage, "run/digits/svm") is True
    assert claim_refit(storage, "run/digits/svm") is False
    release_refit_claim(storage, "run/digits/svm")
    assert claim_refit(storage, "run/digits/svm") is True


def test_a_second_worker_adds_no_trial_to_a_full_study(split, storage):
    model = CATALOGUE.model("logistic")
    study = open_study(model, INFO, 0, "none", storage, "run/digits/logistic")
    first = tune(model, INFO, split, n_trials=3, timeout=None, seed=0, study=study)
    again = open_study(model, INFO, 0, "none", storage, "run/digits/logistic", worker=1)
    second = tune(model, INFO, split, n_trials=3, timeout=None, seed=0, study=again)
    assert first.trials == second.trials and len(second.trials) == 3


def test_a_trial_taken_by_a_concurrent_worker_counts_towards_the_quota(split, storage):
    model = CATALOGUE.model("logistic")
    study = open_study(model, INFO, 0, "none", storage, "run/digits/logistic")
    other_worker = study.ask()  # the defaults, still running elsewhere
    outcome = tune(model, INFO, split, n_trials=3, timeout=None, seed=0, study=study)
    finished = [row for row in outcome.trials if row["state"] == "complete"]
    assert len(finished) == 2 and [row["trial"] for row in outcome.trials] == [0, 1, 2]
    assert outcome.trials[0]["state"] == "running" and other_worker.number == 0
    assert len(study.trials) == 3  # no surplus trial was even asked for


def test_resumed_study_reruns_only_interrupted_trials_and_missing_warm_starts(split, storage):
    model = CATALOGUE.model("mlp")  # the defaults and a portfolio configuration
    study = open_study(model, INFO, 0, "none", storage, "run/digits/mlp")
    stopped = study.ask()  # the defaults: its worker was killed in the middle of the trial
    study_id = study._study_id
    assert mark_interrupted(storage, study_id) == 1
    resumed = open_study(model, INFO, 0, "none", storage, "run/digits/mlp")
    outcome = tune(model, INFO, split, n_trials=2, timeout=None, seed=0, study=resumed)
    rows = outcome.trials
    assert [row["state"] for row in rows] == ["interrupted", "complete", "complete"]
    assert stopped.number == 0 and storage.get_trial(stopped._trial_id).user_attrs[INTERRUPTED] is True
    ran = {row["params"] for row in rows[1:]}
    assert ran == {_params(model.defaults), _params(model.portfolio[0])}


def _params(params) -> str:
    return json.dumps(dict(params), sort_keys=True)


def test_a_resume_enqueues_the_warm_starts_again_in_their_order(storage):
    from optuna.trial import TrialState

    from dlbench.tuning.pruning import WARM_START
    from dlbench.tuning.storage import SURPLUS
    from dlbench.tuning.studies import study_outcome

    model = Model(name="warm", family="classical", defaults={"x": 0}, portfolio=({"x": 1}, {"x": 2}),
                  build=lambda params, task: None, search_space=lambda trial: {"x": trial.suggest_int("x", 0, 9)})
    study = open_study(model, INFO, 0, "none", storage, "run/digits/warm")
    study.ask()  # the defaults: its worker was killed in the middle of the trial, the portfolio still waiting
    assert mark_interrupted(storage, study._study_id) == 1 and withdraw_waiting(storage, study._study_id) == 2
    resumed = open_study(model, INFO, 0, "none", storage, "run/digits/warm")
    waiting = resumed.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    assert [t.user_attrs[WARM_START] for t in waiting] == [0, 1, 2]  # asked in this order: the defaults first
    assert [model.search_space(trial) for trial in (resumed.ask(), resumed.ask())] == [{"x": 0}, {"x": 1}]
    rows = study_outcome(model, "digits", resumed.get_trials(deepcopy=False)).trials
    assert [(row["trial"], row["state"]) for row in rows] == [(0, "interrupted"), (3, "running"), (4, "running")]
    withdrawn = [t for t in resumed.get_trials(deepcopy=False) if t.user_attrs.get(SURPLUS)]
    assert [(t.number, t.state.name) for t in withdrawn] == [(1, "FAIL"), (2, "FAIL")]  # never run, not shown


def test_a_worker_that_loses_the_race_to_create_the_tables_opens_the_storage_again(tmp_path, monkeypatch):
    import optuna
    from sqlalchemy.exc import IntegrityError

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    real = optuna.storages.RDBStorage
    attempts = []

    def racing(*args, **kwargs):  # the first attempt meets tables another worker is creating at that moment
        attempts.append(args[0])
        if len(attempts) == 1:
            raise IntegrityError("CREATE TABLE studies", {}, Exception('duplicate key value violates unique '
                                                                       'constraint "pg_type_typname_nsp_index"'))
        return real(*args, **kwargs)

    monkeypatch.setattr(optuna.storages, "RDBStorage", racing)
    assert open_storage(url) is not None and len(attempts) == 2

    def clashing(*args, **kwargs):
        attempts.append(args[0])
        raise IntegrityError("INSERT", {}, Exception("a clash that stays"))

    attempts.clear()
    monkeypatch.setattr(optuna.storages, "RDBStorage", clashing)
    with pytest.raises(DlbenchError, match="cannot open storage .*a clash that stays"):  # once retried, an error
        open_storage(url)
    assert len(attempts) == 2
