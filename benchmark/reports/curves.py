"""Learning curves (``--train-sizes``): test accuracy and cost against the number of training images.

From result rows alone: every task run at two sizes or more (``TASK@N`` rows) gives one curve per
model; per task, the crossover (the smallest size from which the deep representative beats the
classical one, significantly, at that size and every larger one); per model, the exponent ``b`` of
``fit_seconds ~ a * n**b`` (least squares in log-log).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dlbench.results.schema import base_task, sized_task

CURVE_COLUMNS = ["task", "model", "family", "train_size", "seed", "test_accuracy", "balanced_accuracy", "macro_f1",
                 "val_accuracy", "fit_seconds", "predict_seconds_per_1k", "n_trials", "trials_completed",
                 "trials_pruned", "tuning_seconds"]
CROSSOVER_COLUMNS = ["task", "crossover", "sizes", "detail"]
COST_COLUMNS = ["task", "model", "family", "exponent", "coefficient", "smallest_fit_seconds", "largest_fit_seconds",
                "predict_seconds_per_1k", "sizes"]


def learning_curves(results: pd.DataFrame) -> pd.DataFrame:
    """``learning_curves.csv``: one row per task x model x train size x seed of the tasks run at two sizes or
    more, ``task`` the task itself (not ``TASK@N``); empty without such tasks."""
    ok = results[results["status"] == "ok"]
    if ok.empty or "train_size" not in ok or ok["train_size"].isna().all():
        return pd.DataFrame(columns=CURVE_COLUMNS)
    ok = ok.dropna(subset=["train_size"])
    curves = ok.assign(task=[base_task(task, size) for task, size in zip(ok["task"], ok["train_size"])])
    curved = curves[curves["task"] != ok["task"]]  # rows of TASK@N tasks
    sizes = curved.groupby("task")["train_size"].nunique()
    curved = curved[curved["task"].isin(sizes[sizes >= 2].index)]
    table = curved.reindex(columns=CURVE_COLUMNS).sort_values(["task", "model", "train_size", "seed"], kind="stable")
    return table.astype({"train_size": int}).reset_index(drop=True)


def crossovers(curves: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """Per task with a curve: from which train size on the deep representative beats the classical one, from
    the per-size comparison rows (``TASK@N``, with their significance tests): the smallest size from which
    every larger size is a significant deep win; else "deep never overtakes within the sizes run"."""
    rows = []
    for task in dict.fromkeys(curves["task"]):
        sizes = sorted(curves.loc[curves["task"] == task, "train_size"].unique())
        winners = {}
        for size in sizes:
            match = comparison[comparison["task"] == sized_task(task, size)]
            winners[size] = match.iloc[0]["winner"] if len(match) else "untested"
        leading = [size for index, size in enumerate(sizes) if all(winners[s] == "deep" for s in sizes[index:])]
        if all(winner == "untested" for winner in winners.values()):
            crossover, detail = None, "no crossover without a deep and a classical model (and their predictions)"
        elif not leading:
            crossover, detail = None, "deep never overtakes within the sizes run"
        elif leading[0] == sizes[0]:
            crossover, detail = int(sizes[0]), "deep leads from the smallest size"
        else:
            crossover, detail = int(leading[0]), f"deep wins from {int(leading[0]):,} training images on"
        rows.append({"task": task, "crossover": crossover, "sizes": ", ".join(f"{int(s)}: {winners[s]}" for s in sizes),
                     "detail": detail})
    return pd.DataFrame(rows, columns=CROSSOVER_COLUMNS)


def cost_growth(curves: pd.DataFrame) -> pd.DataFrame:
    """Per task x model: the exponent b and coefficient a of ``fit_seconds ~ a * n**b`` (least squares of log fit
    seconds on log train size, over the sizes' means), the fit seconds at the smallest and largest size, and
    the prediction time per 1,000 images at the largest size."""
    rows = []
    for (task, model, family), group in curves.groupby(["task", "model", "family"], sort=False):
        means = group.groupby("train_size")[["fit_seconds", "predict_seconds_per_1k"]].mean().sort_index()
        usable = means[means["fit_seconds"] > 0]
        exponent = coefficient = math.nan
        if len(usable) >= 2:
            slope, intercept = np.polyfit(np.log(usable.index.to_numpy(float)), np.log(usable["fit_seconds"]), 1)
            exponent, coefficient = float(slope), float(math.exp(intercept))
        rows.append({"task": task, "model": model, "family": family, "exponent": exponent, "coefficient": coefficient,
                     "smallest_fit_seconds": float(means["fit_seconds"].iloc[0]),
                     "largest_fit_seconds": float(means["fit_seconds"].iloc[-1]),
                     "predict_seconds_per_1k": float(means["predict_seconds_per_1k"].iloc[-1]),
                     "sizes": len(means)})
    return pd.DataFrame(rows, columns=COST_COLUMNS)
