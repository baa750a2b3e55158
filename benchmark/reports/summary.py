"""The numbers every report shows, computed from tidy result rows alone (one row per task x model x seed).

Formats (Markdown, HTML, LaTeX, CSV, JSON) only render a :class:`Summary`; none computes anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List

import pandas as pd

from ..columns import TRIAL_STATE_COUNTS, integer_counts

SCORES = ("test_accuracy", "balanced_accuracy", "macro_f1")
MEANS = ["test_accuracy", "balanced_accuracy", "macro_f1", "val_accuracy", "fit_seconds", "predict_seconds_per_1k",
         "n_params", "n_trials", *TRIAL_STATE_COUNTS]
FAMILIES = ("deep", "classical")
ACCURACY_DECIMALS = 12  # far below any real difference (1 / test images), far above float rounding noise


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """One row per task x model over its successful seeds: means, the scores' std (0 for one seed), ``n_seeds``."""
    ok = results[results["status"] == "ok"]
    ok = ok.assign(**{column: math.nan for column in TRIAL_STATE_COUNTS if column not in ok})  # older results
    if ok.empty:
        return pd.DataFrame(columns=["task", "model", "family", *MEANS, *[f"{s}_std" for s in SCORES], "n_seeds"])
    grouped = ok.groupby(["task", "model", "family"], sort=False)
    spread = grouped[list(SCORES)].std(ddof=1).fillna(0.0).add_suffix("_std")
    means = integer_counts(grouped[MEANS].mean())  # counts stay whole numbers
    return pd.concat([means, spread, grouped.size().rename("n_seeds")], axis=1).reset_index()


def comparable(accuracy: pd.Series) -> pd.Series:
    """Accuracies rounded past float noise, so that means of the same counts summed in another order are equal."""
    return accuracy.astype(float).round(ACCURACY_DECIMALS)


def task_ranks(accuracy: pd.Series) -> pd.Series:
    """Ranks by test accuracy within one task, 1 the best; equal accuracies share their mean rank (two tied
    for first are both 1.5); a missing accuracy has no rank."""
    return comparable(accuracy).rank(ascending=False, method="average")


def ranked(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """One task's models, best mean test accuracy first (ties: faster fit first), with ``rank`` (see
    :func:`task_ranks`) and ``best_of_family`` (the most accurate models of each family, all of them when tied)."""
    rows = summary[summary["task"] == task].assign(_accuracy=lambda frame: comparable(frame["test_accuracy"]))
    rows = rows.sort_values(["_accuracy", "fit_seconds"], ascending=[False, True],
                            kind="stable").drop(columns="_accuracy").reset_index(drop=True)
    rows.insert(0, "rank", task_ranks(rows["test_accuracy"]))
    best = comparable(rows.groupby("family", sort=False)["test_accuracy"].transform("max"))
    rows["best_of_family"] = comparable(rows["test_accuracy"]).eq(best)
    return rows


def overall_ranks(summary: pd.DataFrame) -> pd.DataFrame:
    """Each model's average rank over the tasks it ran on (ties share the mean rank), best first."""
    if summary.empty:
        return pd.DataFrame(columns=["model", "family", "average_rank", "tasks"])
    ranks = summary.assign(task_rank=summary.groupby("task")["test_accuracy"].transform(task_ranks))
    table = ranks.groupby(["model", "family"], sort=False).agg(average_rank=("task_rank", "mean"),
                                                               tasks=("task", "nunique")).reset_index()
    return table.sort_values(["average_rank", "tasks"], ascending=[True, False], kind="stable").reset_index(drop=True)


def winner(deep: pd.Series, classical: pd.Series) -> str:
    """``deep``, ``classical`` or ``tie`` (equal mean test accuracy) for the best model of each family."""
    gap = _gap(deep, classical)
    return "deep" if gap > 0 else "classical" if gap < 0 else "tie"


def _gap(deep: pd.Series, classical: pd.Series) -> float:
    """Deep minus classical mean test accuracy in points; exactly 0 for equal accuracies."""
    accuracies = comparable(pd.Series([deep["test_accuracy"], classical["test_accuracy"]]))
    return float(accuracies[0] - accuracies[1]) * 100


def deep_vs_classical(summary: pd.DataFrame) -> pd.DataFrame:
    """Per task with a scored model of each family, the most accurate deep model against the most accurate
    classical one: the gap in points (deep minus classical) with its spread over seeds, the fit-time and
    latency ratios, and the :func:`winner`."""
    rows: List[Dict] = []
    for task in dict.fromkeys(summary["task"]):
        ranking = ranked(summary, task).dropna(subset=["test_accuracy"])
        best = {family: ranking[ranking["family"] == family].head(1) for family in FAMILIES}
        if any(frame.empty for frame in best.values()):
            continue
        deep, classical = best["deep"].iloc[0], best["classical"].iloc[0]
        gap = _gap(deep, classical)
        spread = math.hypot(deep["test_accuracy_std"], classical["test_accuracy_std"]) * 100
        rows.append({"task": task, "deep_model": deep["model"], "deep_accuracy": deep["test_accuracy"],
                     "classical_model": classical["model"], "classical_accuracy": classical["test_accuracy"],
                     "gap_points": gap, "gap_std_points": spread,
                     "fit_time_ratio": _ratio(deep["fit_seconds"], classical["fit_seconds"]),
                     "latency_ratio": _ratio(deep["predict_seconds_per_1k"], classical["predict_seconds_per_1k"]),
                     "winner": winner(deep, classical)})
    return pd.DataFrame(rows, columns=["task", "deep_model", "deep_accuracy", "classical_model", "classical_accuracy",
                                       "gap_points", "gap_std_points", "fit_time_ratio", "latency_ratio", "winner"])


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def tasks_phrase(count: int) -> str:
    """``1 task``, ``2 tasks``."""
    return f"{count} task" if count == 1 else f"{count} tasks"


def verdict(comparison: pd.DataFrame) -> str:
    """One line: on how many tasks deep learning wins, ties and loses, the median gap over all of them (signed),
    and the median costs."""
    if comparison.empty:
        return "No task has a successful deep and a successful classical model to compare."
    count = len(comparison)
    outcomes = comparison["winner"].value_counts()
    line = f"Deep learning wins on {outcomes.get('deep', 0)} of {tasks_phrase(count)}"
    line += "".join(f", {verb} on {outcomes[key]}" for key, verb in (("tie", "ties"), ("classical", "loses"))
                    if key in outcomes)
    median = "median " if count > 1 else ""
    return (f"{line}; the {median}Δ accuracy (deep minus classical) is {comparison['gap_points'].median():+.1f} "
            f"points, at {'a ' + median if median else ''}{comparison['fit_time_ratio'].median():.3g}× the training "
            f"time and {comparison['latency_ratio'].median():.3g}× the prediction latency of the best classical "
            "model.")


@dataclass
class Summary:
    """Everything a report shows: per-task leaderboards, the overall ranking, deep vs classical, failures."""

    results: pd.DataFrame
    conflicts: pd.DataFrame

    def __post_init__(self) -> None:
        self.per_model = summarize(self.results)
        self.tasks = list(dict.fromkeys(self.results["task"]))
        self.overall = overall_ranks(self.per_model)
        self.comparison = deep_vs_classical(self.per_model)
        self.verdict = verdict(self.comparison)

    def leaderboard(self, task: str) -> pd.DataFrame:
        """The task's models ranked by mean test accuracy (see :func:`ranked`)."""
        return ranked(self.per_model, task)

    def failures(self, task: str) -> pd.DataFrame:
        """The task's failed rows, one per model and reason."""
        failed = self.results[(self.results["task"] == task) & (self.results["status"] != "ok")]
        return failed.drop_duplicates(["model", "error"])

    @property
    def several_seeds(self) -> bool:
        """Whether some model has more than one seed (the tables then show mean ± std)."""
        return bool(len(self.per_model)) and int(self.per_model["n_seeds"].max()) > 1
