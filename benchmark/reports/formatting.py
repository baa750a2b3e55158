"""The report tables as text cells, shared by every format: numbers rounded once, the same way everywhere."""

from __future__ import annotations

from typing import List, Tuple

import pandas as pd

from dlbench.reports.summary import MIN_TUNED_TRIALS, SCORES, Summary, trained_trials

LEADERBOARD_HEADERS = {"rank": "rank", "model": "model", "family": "family", "test_accuracy": "test acc",
                       "balanced_accuracy": "balanced acc", "macro_f1": "macro F1", "val_accuracy": "val acc",
                       "fit_seconds": "fit s", "predict_seconds_per_1k": "predict s/1k", "n_params": "params",
                       "tuning_seconds": "tuning s", "n_trials": "trials"}
TEXT_COLUMNS = {"model", "family", "task", "deep (best val)", "classical (best val)", "winner"}  # left-aligned; numbers right
UNDER_TUNED = "under-tuned"


def right_aligned(cells: pd.DataFrame) -> List[bool]:
    """For each column of a cell table, whether it holds numbers (aligned right)."""
    return [column not in TEXT_COLUMNS for column in cells.columns]


def _score(row: pd.Series, column: str) -> str:
    """``0.9822`` for one seed, ``0.9822 ± 0.0031`` for several."""
    if row["n_seeds"] < 2:
        return f"{row[column]:.4f}"
    return f"{row[column]:.4f} ± {row[column + '_std']:.4f}"


def _count(value: float, pattern: str) -> str:
    """A mean count as a whole number; empty when it is unknown (a model whose learned values dlbench cannot count)."""
    return "" if pd.isna(value) else pattern.format(int(round(value)))


def _trials(row: pd.Series) -> str:
    """The trials that trained (completed and pruned), failed ones noted: ``6 (+4 failed)``; results from before
    trials were counted by state show their finished trials, failed ones included."""
    trained = _count(row["trained_trials"], "{}")
    failed = row["trials_failed"]
    text = f"{trained} (+{failed} failed)" if pd.notna(failed) and failed > 0 else trained
    return f"{text}, {UNDER_TUNED}" if row["under_tuned"] else text


def leaderboard_cells(summary: Summary, task: str) -> Tuple[pd.DataFrame, List[bool]]:
    """The task's leaderboard as strings, and for each row whether it is the best of its family."""
    rows = summary.leaderboard(task)
    table = pd.DataFrame({
        "rank": rows["rank"].map("{:g}".format), "model": rows["model"], "family": rows["family"],
        **{LEADERBOARD_HEADERS[c]: [_score(row, c) for _, row in rows.iterrows()] for c in SCORES},
        "val acc": rows["val_accuracy"].map("{:.4f}".format), "fit s": rows["fit_seconds"].map("{:.2f}".format),
        "predict s/1k": rows["predict_seconds_per_1k"].map("{:.4f}".format),
        "params": rows["n_params"].map(lambda n: _count(n, "{:,}")),
        "tuning s": rows["tuning_seconds"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        "trials": [_trials(row) for _, row in rows.iterrows()],
    }, columns=list(LEADERBOARD_HEADERS.values()))
    return table, list(rows["best_of_family"])


def overall_cells(summary: Summary) -> pd.DataFrame:
    """Average rank of each model over the tasks, as strings."""
    overall = summary.overall
    return pd.DataFrame({"model": overall["model"], "family": overall["family"],
                         "average rank": overall["average_rank"].map("{:.2f}".format),
                         "tasks": overall["tasks"].astype(str)}, columns=["model", "family", "average rank", "tasks"])


def _ratio(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.3g}×"


def _winner(row) -> str:
    """The winner, with the under-tuned model that weakens it."""
    return f"{row.winner} ({row.under_tuned} {UNDER_TUNED})" if row.under_tuned else row.winner


def comparison_cells(summary: Summary) -> pd.DataFrame:
    """Per task, deep against classical representative, as strings (gap ± spread over seeds when there are
    several, its 1 − α interval, the paired test's p-value)."""
    table = summary.comparison
    several = summary.several_seeds
    gap = [f"{row.gap_points:+.1f} ± {row.gap_std_points:.1f}" if several else f"{row.gap_points:+.1f}"
           for row in table.itertuples()]
    interval = ["n/a" if pd.isna(row.gap_low_points) else f"[{row.gap_low_points:+.1f}, {row.gap_high_points:+.1f}]"
                for row in table.itertuples()]
    columns = {"task": table["task"], "deep (best val)": table["deep_model"],
               "deep acc": table["deep_accuracy"].map("{:.4f}".format),
               "classical (best val)": table["classical_model"],
               "classical acc": table["classical_accuracy"].map("{:.4f}".format),
               "Δ accuracy (points)": gap, f"{(1 - summary.alpha) * 100:g}% CI (points)": interval,
               "McNemar p": table["p_value"].map(lambda p: "n/a" if pd.isna(p) else f"{p:.3g}"),
               "fit time (deep / classical)": table["fit_time_ratio"].map(_ratio),
               "latency (deep / classical)": table["latency_ratio"].map(_ratio),
               "winner": [_winner(row) for row in table.itertuples()]}
    return pd.DataFrame(columns, columns=list(columns))


def failure_lines(summary: Summary, task: str) -> List[Tuple[str, str, str]]:
    """(model, seed, reason) of each failed model of the task."""
    return [(str(row["model"]), str(row["seed"]), str(row["error"])) for _, row in summary.failures(task).iterrows()]


def conflict_lines(summary: Summary) -> List[str]:
    """One sentence per conflicting duplicate left out of the tables."""
    return [f"{row.task} × {row.model} × seed {row.seed}: {row.sources}" for row in summary.conflicts.itertuples()]


LEADERBOARD_INTRO = ("Models ranked by accuracy on each task's fixed test split, after tuning on a validation split of "
                     "the train data and refitting the best configuration on all of the train data. fit s is that "
                     "refit; predict s/1k is prediction time per 1,000 test images. With several seeds, scores are "
                     "mean ± standard deviation over the refits. Models of equal test accuracy share their mean "
                     "rank (two tied for first are both 1.5). Every model of a task had the same tuning time; "
                     "tuning s is the time its study used and trials the trials that trained (completed or pruned), "
                     f"failed ones noted; a study with fewer than {MIN_TUNED_TRIALS} is marked {UNDER_TUNED}. Bold: "
                     "each family's representative, the model with the best validation accuracy (ties: the faster "
                     "fit), chosen without looking at the test set.")
OVERALL_INTRO = "Average rank of each model over the tasks it ran on (1 is best; ties share their mean rank)."
COMPARISON_INTRO = ("For each task, the deep representative against the classical one: in each family, the model with "
                    "the best validation accuracy (ties: the faster fit), so the test set plays no part in the choice. "
                    "Δ accuracy is deep minus classical in test-accuracy points (± the spread over seeds), with its "
                    "paired bootstrap interval over the test images (1 − α: 95% at the default α); McNemar's exact "
                    "test on the paired test predictions gives p (with several seeds, each image's correctness is "
                    "averaged over the seeds and a paired sign-flip permutation test takes McNemar's place). "
                    "The winner is the more accurate family only when p is below α; otherwise the gap is a tie. "
                    "The ratios say how many times longer the deep model takes to fit (on all train data) and to "
                    "predict.")
CURVES_INTRO = ("Learning curves (--train-sizes): every model tuned and refitted on nested, stratified subsamples "
                "of the train split (each inside the larger ones) and scored on the same test split; mean test "
                "accuracy per train size. The crossover is the smallest train size from which the deep representative "
                "beats the classical one significantly at that size and every larger one (the per-size comparison "
                "above). b is the exponent of fit seconds ≈ a·nᵇ, fitted by least squares in log-log: how the cost "
                f"of a refit grows with the data. †: under-tuned (fewer than {MIN_TUNED_TRIALS} trials at that size). "
                "The sizes of a task share one task's budget in proportion to their images.")
CONFLICTS_INTRO = "Conflicting duplicates (the same task, model and seed with different numbers) left out of the tables:"


def curve_cells(summary: Summary, task: str) -> pd.DataFrame:
    """One row per model of a curved task: its family, then the mean test accuracy at every train size, marked
    ``†`` where that size's study was under-tuned."""
    rows = summary.curves[summary.curves["task"] == task]
    rows = rows.assign(_under=trained_trials(rows) < MIN_TUNED_TRIALS)
    table = rows.pivot_table(index=["model", "family"], columns="train_size", values="test_accuracy",
                             aggfunc="mean", sort=False)
    under = rows.pivot_table(index=["model", "family"], columns="train_size", values="_under", aggfunc="max",
                             sort=False).reindex_like(table)
    def cell(value: float, flag: object) -> str:
        return ("" if pd.isna(value) else f"{value:.4f}") + ("†" if not pd.isna(flag) and bool(flag) else "")

    cells = pd.DataFrame({size: [cell(value, flag) for value, flag in zip(table[size], under[size])]
                          for size in table.columns}, index=table.index).reset_index()
    cells.columns = ["model", "family", *[f"n={int(size):,}" for size in table.columns]]
    return cells


def crossover_cells(summary: Summary) -> pd.DataFrame:
    """Per curved task: the crossover and the winner at every size."""
    return pd.DataFrame({"task": summary.crossovers["task"],
                         "crossover": [_count(value, "{:,.0f}") or "none" for value in summary.crossovers["crossover"]],
                         "verdict": summary.crossovers["detail"],
                         "winner per size": summary.crossovers["sizes"]})


def cost_cells(summary: Summary) -> pd.DataFrame:
    """Per curved task x model: the exponent b of fit seconds ≈ a·nᵇ, fit seconds at the ends, predict latency."""
    cost = summary.cost_growth
    return pd.DataFrame({"task": cost["task"], "model": cost["model"], "family": cost["family"],
                         "b (fit s ≈ a·nᵇ)": cost["exponent"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
                         "fit s, smallest": cost["smallest_fit_seconds"].map(lambda v: f"{v:.2f}"),
                         "fit s, largest": cost["largest_fit_seconds"].map(lambda v: f"{v:.2f}"),
                         "predict s/1k, largest": cost["predict_seconds_per_1k"].map(lambda v: f"{v:.4f}")})


def curve_tasks(summary: Summary) -> List[str]:
    """The tasks with a learning curve."""
    return list(dict.fromkeys(summary.curves["task"]))

