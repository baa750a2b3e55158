"""The studies' sampler: TPE, with each trial's random draws seeded by its place in the quota, so a resume replays.

Optuna's TPE keeps one random generator for the whole study, so a process that resumes a study (after
Ctrl-C or a kill) starts that sequence afresh and samples other configurations than the undisturbed run
would have, even ones it already tried. TPE's only state is that generator: its history comes from the
study itself (the complete and pruned trials; failed and interrupted ones are left out). So this sampler
gives every trial its own TPE, seeded from the study's seed, the worker and the trial's place in the quota
(how many counted trials come before it). An interrupted trial does not count, so the trial that takes its
place after a resume sees the same history, draws the same numbers and samples the same parameters. (One
interrupted after its parameters were sampled runs again with them: see :mod:`dlbench.tuning.studies`.)

Exact replay holds for one worker on the run's own journal (the default): concurrent workers (``--jobs``,
``--storage``) get different ``worker`` offsets, so they sample different configurations, and which worker
takes which place depends on timing.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional, Sequence

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, TPESampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from dlbench.tuning.storage import quota_place


class QuotaSeededSampler(BaseSampler):
    """TPE with ``n_startup_trials`` random trials first, each trial drawing from its own generator: seeded
    from ``seed``, ``worker`` and the trial's place in the study's quota (see :func:`dlbench.tuning.storage.quota_place`)."""

    def __init__(self, seed: int, worker: int = 0, n_startup_trials: int = 5) -> None:
        self._seed = seed
        self._worker = worker
        self._n_startup_trials = n_startup_trials
        self._samplers: Dict[int, TPESampler] = {}  # by trial number, from its start until it is told
        self._lock = threading.Lock()  # trials side by side sample on their own threads

    def trial_seed(self, place: int) -> int:
        """The seed of the TPE of the trial at ``place`` in the quota (0 for the first counted trial)."""
        return int(np.random.SeedSequence((self._seed, self._worker, place)).generate_state(1)[0])

    def _sampler(self, study: Study, trial: FrozenTrial, forget: bool = False) -> TPESampler:
        """The trial's TPE, created on first use (dropped with ``forget``, once the trial is told)."""
        with self._lock:
            sampler = self._samplers.pop(trial.number, None) if forget else self._samplers.get(trial.number)
            if sampler is None:
                # all the study's trials, also under Hyperband, whose study view holds one bracket's only
                trials = study._storage.get_all_trials(study._study_id, deepcopy=False)
                sampler = TPESampler(seed=self.trial_seed(quota_place(trials, trial.number)),
                                     n_startup_trials=self._n_startup_trials)
                if not forget:
                    self._samplers[trial.number] = sampler
            return sampler

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Create the trial's TPE as the trial starts, and let it prepare."""
        self._sampler(study, trial).before_trial(study, trial)

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> Dict[str, BaseDistribution]:
        """The trial's TPE's joint search space (the parameters every finished trial shares)."""
        return self._sampler(study, trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study: Study, trial: FrozenTrial,
                        search_space: Dict[str, BaseDistribution]) -> Dict[str, Any]:
        """The parameters of ``search_space`` that the trial's TPE samples together."""
        return self._sampler(study, trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        """A parameter outside the joint search space, from the trial's TPE."""
        return self._sampler(study, trial).sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState,
                    values: Optional[Sequence[float]]) -> None:
        """Let the trial's TPE finish the trial, then forget it."""
        self._sampler(study, trial, forget=True).after_trial(study, trial, state, values)

