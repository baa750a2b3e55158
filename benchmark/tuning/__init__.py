"""Tuning: one Optuna study per task x model, in a storage that workers and resumes share.

``studies`` (asking, running and telling trials; warm starts; trials side by side), ``pruning`` (stopping
weak deep trials, and sampled ones when the study's time is up), ``sampling`` (TPE seeded by each trial's
place in the quota, so a resume replays), ``storage`` (journal files and databases, the studies' saved
results, interrupted and surplus trials) and ``journal`` (journal entries appended whole or not at all).
None of it is public API: plugins only see the Optuna trial their search space is given.

May import: :mod:`dlbench.training` (to fit and check a trial's estimator), :mod:`dlbench.results`
(the metrics), the leaf helpers, and Optuna.
"""
