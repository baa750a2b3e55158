"""The studies' sampler: each trial seeded by its place in the quota, so a stopped and resumed study replays."""

from __future__ import annotations

import threading

import pytest

from disks import fill, small_disk
from dlbench import Model, SklearnClassifier, TaskInfo
from dlbench.files import disk_full
from dlbench.runs.runner import tuning_split
from dlbench.tuning.sampling import QuotaSeededSampler
from dlbench.tuning.storage import journal_url, mark_interrupted, open_storage, withdraw_waiting
from dlbench.tuning.studies import open_study, tune

INFO = TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0)
TRIALS = 12  # the defaults, 5 random trials, then TPE from the trial after six finished ones


@pytest.fixture(scope="module")
def split(digits_data):
    return tuning_split(digits_data, seed=0)[1]


@pytest.fixture(autouse=True)
def one_blas_thread():
    """Trials one at a time leave BLAS all the cores, which these tiny fits only fight over on a busy machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


class _Killed(BaseException):
    """What a SIGKILL leaves: the fit never returns and nothing is told, so its trials stay running."""


class _Stops:
    """Counts the fits that start; the ``at``-th raises ``stop`` (None: never), or calls it when it is a function
    (the fit then goes on). Trials side by side fit on their own threads."""

    def __init__(self, at=None, stop=KeyboardInterrupt):
        self.at, self.stop, self.started, self.lock = at, stop, 0, threading.Lock()

    def __call__(self):
        with self.lock:
            self.started += 1
            started = self.started
        if started == self.at:
            if isinstance(self.stop, type):
                raise self.stop
            self.stop()


def _ridge(stops: _Stops) -> Model:
    """A cheap classical model with two params: PCA then a ridge classifier, single-threaded (trials in batches)."""

    def space(trial):
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True),
                "components": trial.suggest_int("components", 2, 40)}

    class Ridge(SklearnClassifier):
        def fit(self, X, y, X_val=None, y_val=None):
            stops()
            return super().fit(X, y, X_val, y_val)

    def build(params, task):
        from sklearn.decomposition import PCA
        from sklearn.linear_model import RidgeClassifier
        from sklearn.pipeline import make_pipeline

        return Ridge(make_pipeline(PCA(params["components"], svd_solver="full"),
                                   RidgeClassifier(alpha=params["alpha"])))

    return Model(name="ridge", family="classical", search_space=space, defaults={"alpha": 1.0, "components": 20},
                 build=build, single_threaded=True)


def _counted(outcome) -> list:
    return [(row["params"], row["val_accuracy"]) for row in outcome.trials if row["state"] != "interrupted"]


@pytest.mark.parametrize("lanes", [1, 2])
@pytest.mark.parametrize("stop", [KeyboardInterrupt, _Killed])
@pytest.mark.parametrize("at", [4, 9])  # the fit that stops: among the random trials, or after TPE sampled some
def test_a_study_stopped_in_its_sampled_trials_and_resumed_makes_the_undisturbed_trials(split, tmp_path, lanes, stop,
                                                                                        at):
    undisturbed = tune(_ridge(_Stops()), INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes)
    storage = open_storage(journal_url(tmp_path))
    model = _ridge(_Stops(at=at, stop=stop))
    study = open_study(model, INFO, 0, "none", storage, "run/digits/ridge")
    with pytest.raises(stop):
        tune(model, INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes, study=study)
    stopped = study.get_trials(deepcopy=False)
    finished = (at - 1) // lanes * lanes  # the batches before the one of the stopping fit
    assert sum(t.state.name == "COMPLETE" for t in stopped) == finished and len(stopped) == finished + lanes
    assert mark_interrupted(storage, study._study_id) == (0 if stop is KeyboardInterrupt else lanes)  # as on resume
    withdraw_waiting(storage, study._study_id)

    resumed = open_study(model, INFO, 0, "none", storage, "run/digits/ridge")
    outcome = tune(model, INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes, study=resumed)
    assert [row["state"] for row in outcome.trials].count("interrupted") == lanes
    assert _counted(outcome) == _counted(undisturbed)  # the same params and scores, in the same order
    assert len({params for params, _ in _counted(outcome)}) == TRIALS  # nothing tried twice
    assert resumed.sampler._samplers == {}  # each trial's TPE is dropped once the trial is told


def _killed_after_tell(study, at: int) -> None:
    """The ``at``-th ``study.tell`` is written, then the process dies: a batch's later trials are never told."""
    tell, told = study.tell, []

    def tell_then_die(trial, *args, **kwargs):
        tell(trial, *args, **kwargs)
        told.append(trial.number)
        if len(told) == at:
            raise _Killed

    study.tell = tell_then_die


def _resumed(storage_url: str, model: Model, split, lanes: int):
    """What ``--resume`` does to the study in a fresh process, then the rest of its trials."""
    storage = open_storage(storage_url)
    (summary,) = storage.get_all_studies()
    mark_interrupted(storage, summary._study_id)
    withdraw_waiting(storage, summary._study_id)
    study = open_study(model, INFO, 0, "none", storage, "run/digits/ridge")
    return tune(model, INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes, study=study)


@pytest.mark.parametrize("lanes", [1, 2])
def test_a_study_killed_between_the_tells_of_a_batch_and_resumed_makes_the_undisturbed_trials(split, tmp_path, lanes):
    undisturbed = tune(_ridge(_Stops()), INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes)
    url = journal_url(tmp_path)
    study = open_study(_ridge(_Stops()), INFO, 0, "none", open_storage(url), "run/digits/ridge")
    _killed_after_tell(study, 7)  # trial 6 is told; trial 7, sampled by TPE beside it, is not
    with pytest.raises(_Killed):
        tune(_ridge(_Stops()), INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes, study=study)
    states = [t.state.name for t in study.get_trials(deepcopy=False)]
    assert states[:7] == ["COMPLETE"] * 7 and states[7:] == ["RUNNING"] * (lanes - 1)
    outcome = _resumed(url, _ridge(_Stops()), split, lanes)
    assert _counted(outcome) == _counted(undisturbed)  # the same params and scores, in the same order
    assert [row["state"] for row in outcome.trials].count("interrupted") == lanes - 1


@pytest.mark.parametrize("lanes", [1, 2])
def test_a_study_stopped_by_a_full_disk_and_resumed_makes_the_undisturbed_trials(split, tmp_path, lanes):
    undisturbed = tune(_ridge(_Stops()), INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes)
    with small_disk(tmp_path / "disk") as disk:
        url = journal_url(disk)
        study = open_study(_ridge(_Stops()), INFO, 0, "none", open_storage(url), "run/digits/ridge")
        model = _ridge(_Stops(at=9, stop=lambda: fill(disk)))  # the disk fills while a TPE trial fits
        with pytest.raises(OSError) as raised:
            tune(model, INFO, split, n_trials=TRIALS, timeout=None, seed=0, lanes=lanes, study=study)
        assert disk_full(raised.value) is not None
        for lane in [thread for thread in threading.enumerate() if thread.name.startswith("dlbench-lane")]:
            lane.join()  # the other lane's trial ends on its own (its tell fails on the full disk too)
        (disk / "filler").unlink()
        outcome = _resumed(url, _ridge(_Stops()), split, lanes)
    assert _counted(outcome) == _counted(undisturbed)
    assert "interrupted" in [row["state"] for row in outcome.trials]


def test_workers_and_places_get_their_own_seeds(split):
    seeds = [QuotaSeededSampler(7, worker).trial_seed(place) for worker in (0, 1) for place in range(100)]
    assert len(set(seeds)) == 200 and all(0 <= seed < 2 ** 32 for seed in seeds)
    assert QuotaSeededSampler(7).trial_seed(5) == seeds[5]  # from the seed, worker and place alone
    runs = [tune(_ridge(_Stops()), INFO, split, n_trials=4, timeout=None, seed=0,
                 study=open_study(_ridge(_Stops()), INFO, 0, "none", worker=worker)) for worker in (0, 1, 0)]
    params = [[row["params"] for row in run.trials] for run in runs]
    assert params[0] == params[2] and params[0][0] == params[1][0]  # the defaults first, on every worker
    assert not set(params[0][1:]) & set(params[1][1:])  # concurrent workers sample other configurations
