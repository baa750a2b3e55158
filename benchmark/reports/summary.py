"""The numbers every report shows, computed from tidy result rows alone (one row per task x model x seed).

Formats (Markdown, HTML, LaTeX, CSV, JSON) only render a :class:`Summary`; none computes anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import pandas as pd

from dlbench.reports.curves import cost_growth, crossovers, learning_curves
from dlbench.reports.significance import ACCURACY_DECIMALS, ALPHA, FriedmanResult, PairedTest, friedman, paired_test
from dlbench.results.predictions import Predictions, paired_labels
from dlbench.results.schema import MEASURED_COLUMNS, SCORE_COLUMNS, integer_counts

SCORES = tuple(SCORE_COLUMNS)
MEANS = MEASURED_COLUMNS
FAMILIES = ("deep", "classical")
MIN_TUNED_TRIALS = 5  # a study that trained fewer trials is under-tuned: its model was barely searched
PredictionsByKey = Mapping[Tuple[str, str, int], Predictions]  # (task, model, seed) -> a refit's test predictions


def trained_trials(rows: pd.DataFrame) -> pd.Series:
    """The trials of each row's study that trained (completed or pruned); older files without the counts by
    state: every finished trial."""
    return (rows["trials_completed"] + rows["trials_pruned"]).fillna(rows["n_trials"])


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """One row per task x model over its successful seeds: means, the scores' std (0 for one seed), ``n_seeds``."""
    ok = results[results["status"] == "ok"]
    if ok.empty:
        return pd.DataFrame(columns=["task", "model", "family", *MEANS, *[f"{s}_std" for s in SCORES], "n_seeds",
                                     "trained_trials", "under_tuned"])
    ok = ok.assign(**{column: math.nan for column in MEANS if column not in ok})  # older results lack some
    grouped = ok.groupby(["task", "model", "family"], sort=False)
    spread = grouped[list(SCORES)].std(ddof=1).fillna(0.0).add_suffix("_std")
    means = integer_counts(grouped[MEANS].mean())  # counts stay whole numbers
    table = pd.concat([means, spread, grouped.size().rename("n_seeds")], axis=1).reset_index()
    trained = trained_trials(table)
    under_tuned = (trained < MIN_TUNED_TRIALS).astype("boolean").fillna(False).astype(bool)  # unknown: not marked
    return table.assign(trained_trials=trained, under_tuned=under_tuned)


def comparable(accuracy: pd.Series) -> pd.Series:
    """Accuracies rounded past float noise, so that means of the same counts summed in another order are equal."""
    return accuracy.astype(float).round(ACCURACY_DECIMALS)


def task_ranks(accuracy: pd.Series) -> pd.Series:
    """Ranks by test accuracy within one task, 1 the best; equal accuracies share their mean rank (two tied
    for first are both 1.5); a missing accuracy has no rank."""
    return comparable(accuracy).rank(ascending=False, method="average")


def ranked(summary: pd.DataFrame, task: str) -> pd.DataFrame:
    """One task's models, best mean test accuracy first (ties: faster fit first), with ``rank`` (see
    :func:`task_ranks`) and ``best_of_family``: whether the model is its family's :func:`representative`."""
    rows = summary[summary["task"] == task].assign(_accuracy=lambda frame: comparable(frame["test_accuracy"]))
    rows = rows.sort_values(["_accuracy", "fit_seconds"], ascending=[False, True],
                            kind="stable").drop(columns="_accuracy").reset_index(drop=True)
    rows.insert(0, "rank", task_ranks(rows["test_accuracy"]))
    scored = rows.dropna(subset=["test_accuracy"])
    chosen = {choice.name for family in dict.fromkeys(scored["family"])
              if (choice := representative(scored, family)) is not None}
    rows["best_of_family"] = rows.index.isin(list(chosen))
    return rows


def overall_ranks(summary: pd.DataFrame) -> pd.DataFrame:
    """Each model's average rank over the tasks it ran on (ties share the mean rank), best first."""
    if summary.empty:
        return pd.DataFrame(columns=["model", "family", "average_rank", "tasks"])
    ranks = summary.assign(task_rank=summary.groupby("task")["test_accuracy"].transform(task_ranks))
    table = ranks.groupby(["model", "family"], sort=False).agg(average_rank=("task_rank", "mean"),
                                                               tasks=("task", "nunique")).reset_index()
    return table.sort_values(["average_rank", "tasks"], ascending=[True, False], kind="stable").reset_index(drop=True)


def representative(ranking: pd.DataFrame, family: str) -> Optional[pd.Series]:
    """The family's model chosen without looking at the test set: the best validation accuracy, ties to the
    faster fit; None when the family has no scored model on the task."""
    members = ranking[ranking["family"] == family].assign(_val=lambda frame: comparable(frame["val_accuracy"]))
    members = members.sort_values(["_val", "fit_seconds"], ascending=[False, True], kind="stable")
    return None if members.empty else members.iloc[0]


def seed_predictions(predictions: PredictionsByKey, task: str, model: str) -> List[Predictions]:
    """The kept test predictions of one task × model, one per seed, in seed order."""
    return [kept for (t, m, _seed), kept in sorted(predictions.items(), key=lambda item: item[0][2])
            if t == task and m == model]


def gap_test(deep: Sequence[Predictions], classical: Sequence[Predictions], alpha: float = ALPHA) -> Optional[PairedTest]:
    """The paired test of deep against classical on the same test images, or None when they cannot be paired
    (no kept predictions, or other test images)."""
    pairs = paired_labels(deep, classical)
    return None if pairs is None else paired_test(*pairs, 1 - alpha)


def winner(test: Optional[PairedTest], alpha: float) -> str:
    """``deep`` or ``classical`` when McNemar's test calls the gap significant at ``alpha``, else ``tie``;
    ``untested`` when there are no paired predictions to test."""
    if test is None:
        return "untested"
    if not test.significant(alpha):
        return "tie"
    return "deep" if test.difference > 0 else "classical"


def _gap(deep: pd.Series, classical: pd.Series) -> float:
    """Deep minus classical mean test accuracy in points; exactly 0 for equal accuracies."""
    accuracies = comparable(pd.Series([deep["test_accuracy"], classical["test_accuracy"]]))
    return float(accuracies[0] - accuracies[1]) * 100


def _under_tuned_note(result: str, deep: pd.Series, classical: pd.Series) -> str:
    """The under-tuned model that weakens the verdict: the losing side's, or either side's in a tie."""
    sides = {"deep": [classical], "classical": [deep]}.get(result, [deep, classical])
    return ", ".join(str(side["model"]) for side in sides if bool(side["under_tuned"]))


COMPARISON_COLUMNS = ["task", "deep_model", "deep_accuracy", "classical_model", "classical_accuracy", "gap_points",
                      "gap_std_points", "gap_low_points", "gap_high_points", "p_value", "fit_time_ratio",
                      "latency_ratio", "winner", "under_tuned"]


def deep_vs_classical(summary: pd.DataFrame, predictions: PredictionsByKey = {}, alpha: float = ALPHA) -> pd.DataFrame:
    """Per task with a scored model of each family, the family representatives (:func:`representative`, chosen by
    validation accuracy) against each other: the test-accuracy gap in points (deep minus classical) with its
    spread over seeds and 95% paired bootstrap interval, McNemar's p-value, the fit-time and latency ratios, the
    :func:`winner`, and the under-tuned model that weakens it, if any."""
    rows: List[Dict] = []
    for task in dict.fromkeys(summary["task"]):
        ranking = ranked(summary, task).dropna(subset=["test_accuracy"])
        deep, classical = (representative(ranking, family) for family in FAMILIES)
        if deep is None or classical is None:
            continue
        test = gap_test(seed_predictions(predictions, task, deep["model"]),
                        seed_predictions(predictions, task, classical["model"]), alpha)
        result = winner(test, alpha)
        rows.append({"task": task, "deep_model": deep["model"], "deep_accuracy": deep["test_accuracy"],
                     "classical_model": classical["model"], "classical_accuracy": classical["test_accuracy"],
                     "gap_points": _gap(deep, classical),
                     "gap_std_points": math.hypot(deep["test_accuracy_std"], classical["test_accuracy_std"]) * 100,
                     "gap_low_points": test.low * 100 if test else math.nan,
                     "gap_high_points": test.high * 100 if test else math.nan,
                     "p_value": test.p_value if test else math.nan,
                     "fit_time_ratio": _ratio(deep["fit_seconds"], classical["fit_seconds"]),
                     "latency_ratio": _ratio(deep["predict_seconds_per_1k"], classical["predict_seconds_per_1k"]),
                     "winner": result, "under_tuned": _under_tuned_note(result, deep, classical)})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def tasks_phrase(count: int) -> str:
    """``1 task``, ``2 tasks``."""
    return f"{count} task" if count == 1 else f"{count} tasks"


def verdict(comparison: pd.DataFrame, alpha: float = ALPHA) -> str:
    """One line: on how many tasks deep learning wins, ties and loses (significant at ``alpha``), the median gap
    over all of them (signed), the median costs, and the verdicts that under-tuned models weaken."""
    if comparison.empty:
        return "No task has a successful deep and a successful classical model to compare."
    count = len(comparison)
    outcomes = comparison["winner"].value_counts()
    line = f"Deep learning wins on {outcomes.get('deep', 0)} of {tasks_phrase(count)}"
    line += "".join(f", {verb} on {outcomes[key]}" for key, verb in (("tie", "ties"), ("classical", "loses"))
                    if key in outcomes)
    line += f" (McNemar's test, α = {alpha:g})"
    if "untested" in outcomes:
        line += f"; {tasks_phrase(outcomes['untested'])} untested (no kept predictions)"
    median = "median " if count > 1 else ""
    line += (f"; the {median}Δ accuracy (deep minus classical) is {comparison['gap_points'].median():+.1f} "
             f"points, at {'a ' + median if median else ''}{comparison['fit_time_ratio'].median():.3g}× the training "
             f"time and {comparison['latency_ratio'].median():.3g}× the prediction latency of the best classical "
             "model.")
    weakened = [f"{row.task} ({row.under_tuned})" for row in comparison.itertuples() if row.under_tuned]
    if weakened:
        line += f" Under-tuned (fewer than {MIN_TUNED_TRIALS} trials), so weakening the verdict: {', '.join(weakened)}."
    return line


def accuracy_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean test accuracy, tasks × models (missing where a model did not run on a task)."""
    return summary.pivot_table(index="task", columns="model", values="test_accuracy", sort=False)


def friedman_line(result: Optional[FriedmanResult], n_tasks: int, alpha: float = ALPHA) -> str:
    """What Friedman's test over the tasks says, or why there is none (and so no critical-difference diagram)."""
    from dlbench.reports.significance import MIN_FRIEDMAN_TASKS

    if result is None:
        return (f"No Friedman test or critical-difference diagram: they need at least {MIN_FRIEDMAN_TASKS} tasks "
                f"and 3 models that ran on all of them ({tasks_phrase(n_tasks)} here).")
    finding = "the models differ" if result.p_value < alpha else "no model is shown to differ"
    return (f"Friedman's test over {tasks_phrase(result.n_tasks)} and {len(result.average_ranks)} models: "
            f"χ² = {result.statistic:.2f}, p = {result.p_value:.3g} ({finding} at α = {alpha:g}); the "
            "critical-difference diagram joins models the Nemenyi post-hoc test cannot tell apart.")


@dataclass
class Summary:
    """Everything a report shows: per-task leaderboards, the overall ranking, deep vs classical, failures, and
    for a ``--train-sizes`` run the learning ``curves``, their ``crossovers`` and ``cost_growth``
    (see :mod:`dlbench.reports.curves`)."""

    results: pd.DataFrame
    conflicts: pd.DataFrame
    predictions: PredictionsByKey = field(default_factory=dict)  # kept test predictions, for the paired tests
    alpha: float = ALPHA

    def __post_init__(self) -> None:
        ok = self.results[self.results["status"] == "ok"]
        reported = set(zip(ok["task"], ok["model"], pd.to_numeric(ok["seed"], errors="coerce")))
        # only the predictions of the rows reported: not a stale file of a refit that failed when redone
        self.predictions = {key: kept for key, kept in self.predictions.items() if key in reported}
        self.per_model = summarize(self.results)
        self.tasks = list(dict.fromkeys(self.results["task"]))
        self.overall = overall_ranks(self.per_model)
        self.comparison = deep_vs_classical(self.per_model, self.predictions, self.alpha)
        self.verdict = verdict(self.comparison, self.alpha)
        scored_tasks = self.per_model.dropna(subset=["test_accuracy"])["task"].nunique()
        self.friedman = friedman(accuracy_table(self.per_model)) if len(self.per_model) else None
        self.friedman_line = friedman_line(self.friedman, scored_tasks, self.alpha)
        self.curves = learning_curves(self.results)
        self.crossovers = crossovers(self.curves, self.comparison)
        self.cost_growth = cost_growth(self.curves)

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
