"""Replay a finished study's learning curves through pruner settings, without training anything.

Give it the run folder of an unpruned run (``dlbench run --pruner none ...``). Every trial of the
study reported its validation accuracy after each epoch; this replays those curves, warm starts
first and the sampled trials in random orders, through each Optuna pruner setting below, and prints
how often the pruned study still finds its best trial (within 1 point of the unpruned best) and what
share of the fit time it spends. It is how ``MEDIAN_CHECK_EVERY`` in ``benchmark/pruning.py`` was
chosen. Only the pruning decision is replayed: a real pruned study's sampler also sees the pruned
trials and chooses differently afterwards, which the benchmark in ``test_pruning.py`` measures.

Run: ``python tests/benchmarks/replay_pruners.py RUN_DIR [--study dlbench/shapes/cnn] [--orders 60]``
"""

from __future__ import annotations

import argparse
import random
import statistics
from pathlib import Path
from typing import Callable, Dict, List

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from dlbench.tuning.pruning import WARM_START, make_pruner

Curve = Dict[str, object]


def read_curves(run_dir: Path, study_name: str) -> Dict[int, Curve]:
    """Each finished trial's per-epoch validation accuracies, whether it was a warm start, and its seconds."""
    storage = JournalStorage(JournalFileBackend(str(run_dir / "optuna.journal")))
    study = optuna.load_study(study_name=study_name, storage=storage)
    return {trial.number: {"values": [trial.intermediate_values[step] for step in sorted(trial.intermediate_values)],
                           "warm": WARM_START in trial.user_attrs,
                           "seconds": (trial.datetime_complete - trial.datetime_start).total_seconds()}
            for trial in study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))}


def replay(curves: Dict[int, Curve], order: List[int], pruner: optuna.pruners.BasePruner) -> tuple:
    """The best final accuracy the pruned study keeps, and the share of the fit seconds it spends."""
    study = optuna.create_study(direction="maximize", pruner=pruner)
    spent = total = best = 0.0
    for number in order:
        values, warm, seconds = curves[number]["values"], curves[number]["warm"], curves[number]["seconds"]
        trial, epochs = study.ask(), len(values)
        for step, value in enumerate(values):
            trial.report(value, step)
            if not warm and trial.should_prune():
                epochs = step + 1
                break
        spent, total = spent + seconds * epochs / len(values), total + seconds
        if epochs < len(values):
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, values[-1])
            best = max(best, values[-1])
    return best, spent / total


SETTINGS: Dict[str, Callable[[], optuna.pruners.BasePruner]] = {
    "dlbench median": lambda: make_pruner("median"),
    "median, every epoch": lambda: optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2),
    "median, every epoch from epoch 5": lambda: optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=4),
    "dlbench hyperband": lambda: make_pruner("hyperband"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--study", default="dlbench/shapes/cnn")
    parser.add_argument("--orders", type=int, default=60)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    curves = read_curves(args.run_dir, args.study)
    warm = [number for number in sorted(curves) if curves[number]["warm"]]
    sampled = [number for number in sorted(curves) if not curves[number]["warm"]]
    best = max(curve["values"][-1] for curve in curves.values())
    rng = random.Random(0)
    orders = [warm + rng.sample(sampled, len(sampled)) for _ in range(args.orders)]
    print(f"{len(curves)} trials, best final validation accuracy {best:.4f}, {args.orders} orders")
    print("| setting | keeps the best within 1 point | mean gap (points) | mean share of fit time | worst share |")
    print("|:--|--:|--:|--:|--:|")
    for name, make in SETTINGS.items():
        outcomes = [replay(curves, order, make()) for order in orders]
        gaps = [(best - kept) * 100 for kept, _ in outcomes]
        shares = [share for _, share in outcomes]
        print(f"| {name} | {sum(gap <= 1 for gap in gaps) / len(gaps):.0%} | {statistics.mean(gaps):.2f} "
              f"| {statistics.mean(shares):.2f} | {max(shares):.2f} |")


if __name__ == "__main__":
    main()
