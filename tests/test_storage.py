"""Studies in a storage: URLs, atomic refit claims, resumed trials, and an exact trial quota across workers."""

from __future__ import annotations

import json

import pytest

from dlbench import TaskInfo
from dlbench.errors import DlbenchError
from dlbench.registry import Catalogue, make_plugin_manager
from dlbench.runner import tuning_split
from dlbench.storage import (INTERRUPTED, check_storage_url, claim_refit, journal_url, mark_interrupted,
                             open_storage, redact, release_refit_claim)
from dlbench.tuning import open_study, tune

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
