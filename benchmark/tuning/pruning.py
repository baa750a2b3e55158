"""Stopping weak trials early: deep models report validation accuracy to Optuna after every epoch."""

from __future__ import annotations

import time
from typing import Any, Optional

PRUNERS = ("median", "hyperband", "none")
MEDIAN_CHECK_EVERY = 6  # epochs between the median pruner's checks, after the first at epoch 3
WARM_START = "warm_start"  # trial user attribute of the enqueued defaults (0) and portfolio (1, 2, ...)
STOPPED = "stopped"  # trial user attribute: "time" when the study's time ran out while the trial trained


def make_pruner(name: str) -> Any:
    """The Optuna pruner for ``--pruner``: median, hyperband, or none.

    The median pruner starts after 3 finished trials and judges a trial at epoch 3, then every
    ``MEDIAN_CHECK_EVERY`` epochs (9, 15, 21, 27), not after every epoch. Optuna measures a trial
    against the *finished* trials only, which are the survivors of earlier checks, so each check
    raises the bar; and validation accuracy jitters by a few points from epoch to epoch. Checked
    every epoch, one noisy epoch of a slow starter decided its fate: on ``shapes`` that stopped the
    study's best CNN at epoch 5 (tests/benchmarks/replay_pruners.py replays a study's learning
    curves through each setting).
    """
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2, interval_steps=MEDIAN_CHECK_EVERY)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=2, reduction_factor=3)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise ValueError(f"pruner {name!r} is not one of {', '.join(PRUNERS)}")


def report_epochs(estimator: Any, trial: Any, deadline: Optional[float] = None) -> None:
    """Make an estimator with an ``on_epoch_end`` hook report to ``trial`` and stop when it should prune.

    Estimators without the hook (the classical ones) train whole. A hook the plugin set is kept.
    Warm-start trials (the model's defaults and portfolio) report but are never pruned: they are the
    known-good configurations the sampled trials are measured against, whatever their schedule.

    ``deadline`` (a ``time.perf_counter()`` value) is when the study's time is up: a sampled trial still
    training then stops at the end of its epoch, pruned (its user attribute ``stopped`` says ``time``), so
    a sampled schedule cannot overrun its study's share by more than an epoch; a trial at its last epoch
    (the estimator's ``epochs``) completes. Warm starts always train whole, for the reason above: stopped
    by the clock, the known-good configuration that wins on ``shapes`` (the cnn's first portfolio entry)
    was lost whenever the machine ran slow.
    """
    import optuna

    if not hasattr(estimator, "on_epoch_end"):
        return
    previous = estimator.on_epoch_end
    prunable = WARM_START not in trial.user_attrs
    stoppable = deadline is not None and prunable
    last_epoch = getattr(estimator, "epochs", None)

    def report(epoch: int, val_accuracy: float) -> None:
        if previous is not None:
            previous(epoch, val_accuracy)
        trial.set_user_attr("epochs", epoch + 1)
        trial.report(val_accuracy, epoch)
        if prunable and trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch + 1} at validation accuracy {val_accuracy:.4f}")
        if stoppable and time.perf_counter() >= deadline and (last_epoch is None or epoch + 1 < last_epoch):
            trial.set_user_attr(STOPPED, "time")
            raise optuna.TrialPruned(f"stopped after epoch {epoch + 1}: the study's time is up")

    estimator.on_epoch_end = report
