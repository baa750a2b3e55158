"""Stopping weak trials early: deep models report validation accuracy to Optuna after every epoch."""

from __future__ import annotations

import time
from typing import Any, List, Optional

PRUNERS = ("median", "hyperband", "none")
MEDIAN_CHECK_EVERY = 6  # epochs between the median pruner's checks, after the first at epoch 3
WARM_START = "warm_start"  # trial user attribute of the enqueued defaults (0) and portfolio (1, 2, ...)
STOPPED = "stopped"  # trial user attribute: "time" when the study's time ran out while the trial trained
PORTFOLIO_GRACE = 0.5  # a portfolio warm start may end this share of its study's time after the study's deadline


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


def report_epochs(estimator: Any, trial: Any, deadline: Optional[float] = None, grace: float = 0.0) -> None:
    """Make an estimator with an ``on_epoch_end`` hook report to ``trial`` and stop when it should prune.

    Estimators without the hook (the classical ones) train whole. A hook the plugin set is kept.
    Warm-start trials (the model's defaults and portfolio) report but are never pruned: they are the
    known-good configurations the sampled trials are measured against, whatever their schedule.

    ``deadline`` (a ``time.perf_counter()`` value) is when the study's time is up: a sampled trial still
    training then stops at the end of its epoch, pruned (its user attribute ``stopped`` says ``time``), so
    a sampled schedule cannot overrun its study's share by more than an epoch; a trial at its last epoch
    (the estimator's ``epochs``) completes. The defaults always train whole (every study runs them). A
    portfolio warm start trains whole when it ends by ``deadline + grace`` at its epochs' pace so far
    (measured after the first, which holds the setup); one that would end later stops as soon as an
    epoch shows it: on ``shapes`` the cnn's long
    large-batch schedule (found on ``digits``) would have taken 83 s past a 48 s share. (Stopped at the
    deadline itself, the known-good configuration that wins on ``shapes``, the first portfolio entry,
    was lost whenever the machine ran slow.)
    """
    import optuna

    if not hasattr(estimator, "on_epoch_end"):
        return
    previous = estimator.on_epoch_end
    warm_start = trial.user_attrs.get(WARM_START)
    last_epoch = getattr(estimator, "epochs", None)
    first_epoch_end: List[float] = []  # the pace is measured from there: the first epoch holds the setup

    def out_of_time(epoch: int) -> bool:
        if deadline is None or warm_start == 0:  # no deadline, or the defaults
            return False
        remaining = None if last_epoch is None else last_epoch - epoch - 1
        now = time.perf_counter()
        if remaining == 0:  # the last epoch: the trial completes
            return False
        if warm_start is None:  # sampled: stops at the deadline
            return now >= deadline
        if remaining is None:  # a portfolio entry of unknown length trains whole
            return False
        if epoch == 0:  # its time holds the trainer's setup (and a compile): judged from the next epoch on
            first_epoch_end.append(now)
            return now > deadline + grace
        return now + (now - first_epoch_end[0]) / epoch * remaining > deadline + grace

    def report(epoch: int, val_accuracy: float) -> None:
        if previous is not None:
            previous(epoch, val_accuracy)
        trial.set_user_attr("epochs", epoch + 1)
        trial.report(val_accuracy, epoch)
        if warm_start is None and trial.should_prune():
            raise optuna.TrialPruned(f"pruned after epoch {epoch + 1} at validation accuracy {val_accuracy:.4f}")
        if out_of_time(epoch):
            trial.set_user_attr(STOPPED, "time")
            raise optuna.TrialPruned(f"stopped after epoch {epoch + 1}: the study's time is up")

    estimator.on_epoch_end = report
