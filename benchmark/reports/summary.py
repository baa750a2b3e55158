"""The numbers every report shows, computed from tidy result rows alone (one row per task x model x seed).

Formats (Markdown, HTML, LaTeX, CSV, JSON) only render a :class:`Summary`; none computes anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List

import pandas as pd

SCORES = ("test_accuracy", "balanced_accuracy", "macro_f1")
MEANS = ["test_accuracy", "balanced_accuracy", "macro_f1", "val_accuracy", "fit_seconds", "predict_seconds_per_1k",
         "n_params", "n_trials"]
FAMILIES = ("deep", "classical")


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """One row per task x model over its successful seeds: means, the scores' std (0 for one seed), ``n_seeds``."""
    ok = results[results["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame(columns=["task", "model", "family", *MEANS, *[f"{s}_std" for s in SCORES], "n_seeds"])
    grouped = ok.groupby(["task", "model", "family"], sort=False)
    spread = grouped[list(SCORES)].std(ddof=1).fillna(0.0).add_suffix("_std")
    means = grouped[MEANS].mean()
    return pd.concat([means, spread, grouped.size().rename("n_seeds")], axis=1).reset_index()


def ranked(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """One task's models, best mean test accuracy first (ties: faster fit first), with ``rank`` and
    ``best_of_family`` (the most accurate model of each family)."""
    rows = summary[summary["task"] == task].sort_values(["test_accuracy", "fit_seconds"], ascending=[False, True],
                                                        kind="stable").reset_index(drop=True)
    rows.insert(0, "rank", range(1, len(rows) + 1))
    rows["best_of_family"] = ~rows.duplicated("family")
    return rows


def overall_ranks(summary: pd.DataFrame) -> pd.DataFrame:
    """Each model's average rank over the tasks it ran on (ties share the mean rank), best first."""
    if summary.empty:
        return pd.DataFrame(columns=["model", "family", "average_rank", "tasks"])
    ranks = summary.assign(task_rank=summary.groupby("task")["test_accuracy"].rank(ascending=False, method="average"))
    table = ranks.groupby(["model", "family"], sort=False).agg(average_rank=("task_rank", "mean"),
                                                               tasks=("task", "nunique")).reset_index()
    return table.sort_values(["average_rank", "tasks"], ascending=[True, False], kind="stable").reset_index(drop=True)


def deep_vs_classical(summary: pd.DataFrame) -> pd.DataFrame:
    """Per task, the most accurate deep model against the most accurate classical one: the gap in points
    (deep minus classical) with its spread over seeds, and the fit-time and latency ratios."""
    rows: List[Dict] = []
    for task in dict.fromkeys(summary["task"]):
        ranking = ranked(summary, task)
        best = {family: ranking[ranking["family"] == family].head(1) for family in FAMILIES}
        if any(frame.empty for frame in best.values()):
            continue
        deep, classical = best["deep"].iloc[0], best["classical"].iloc[0]
        gap = (deep["test_accuracy"] - classical["test_accuracy"]) * 100
        spread = math.hypot(deep["test_accuracy_std"], classical["test_accuracy_std"]) * 100
        rows.append({"task": task, "deep_model": deep["model"], "deep_accuracy": deep["test_accuracy"],
                     "classical_model": classical["model"], "classical_accuracy": classical["test_accuracy"],
                     "gap_points": gap, "gap_std_points": spread,
                     "fit_time_ratio": _ratio(deep["fit_seconds"], classical["fit_seconds"]),
                     "latency_ratio": _ratio(deep["predict_seconds_per_1k"], classical["predict_seconds_per_1k"]),
                     "winner": "deep" if gap > 0 else "classical" if gap < 0 else "tie"})
    return pd.DataFrame(rows, columns=["task", "deep_model", "deep_accuracy", "classical_model", "classical_accuracy",
                                       "gap_points", "gap_std_points", "fit_time_ratio", "latency_ratio", "winner"])


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def verdict(comparison: pd.DataFrame) -> str:
    """One line: on how many tasks deep learning wins, by what median margin, at what median cost."""
    if comparison.empty:
        return "No task has a successful deep and a successful classical model to compare."
    wins = int((comparison["winner"] == "deep").sum())
    return (f"Deep learning wins on {wins} of {len(comparison)} task(s), by a median margin of "
            f"{comparison['gap_points'].median():+.1f} points, at a median {comparison['fit_time_ratio'].median():.3g}× "
            f"the training time and {comparison['latency_ratio'].median():.3g}× the prediction latency of the best "
            "classical model.")


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
