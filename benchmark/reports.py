"""Markdown tables computed from a run's result rows alone: the leaderboard and the deep-vs-classical comparison."""

from __future__ import annotations

from typing import List, Optional

import pandas as pd

LEADERBOARD_COLUMNS = {"model": "model", "family": "family", "test_accuracy": "test acc",
                       "balanced_accuracy": "balanced acc", "macro_f1": "macro F1", "val_accuracy": "val acc",
                       "fit_seconds": "fit s", "predict_seconds_per_1k": "predict s/1k", "n_params": "params",
                       "n_trials": "trials"}


def _ok(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["status"] == "ok"]


SCORES = ("test_accuracy", "balanced_accuracy", "macro_f1")
MEANS = ["test_accuracy", "balanced_accuracy", "macro_f1", "val_accuracy", "fit_seconds", "predict_seconds_per_1k",
         "n_params", "n_trials"]


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """One row per task x model over its successful seeds: means, the scores' std (0 for one seed), ``n_seeds``."""
    grouped = _ok(results).groupby(["task", "model", "family"], sort=False)
    spread = grouped[list(SCORES)].std(ddof=1).fillna(0.0).add_suffix("_std")
    return pd.concat([grouped[MEANS].mean(), spread, grouped.size().rename("n_seeds")], axis=1).reset_index()


def ranked(results: pd.DataFrame, task: str) -> pd.DataFrame:
    """One task's models (means over seeds), best test accuracy first (ties: faster fit first)."""
    rows = summarize(results)
    rows = rows[rows["task"] == task]
    return rows.sort_values(["test_accuracy", "fit_seconds"], ascending=[False, True], kind="stable")


def _mean_and_spread(rows: pd.DataFrame, column: str) -> pd.Series:
    """``0.9822`` for one seed, ``0.9822 ± 0.0031`` for several."""
    return rows.apply(lambda row: f"{row[column]:.4f}" if row["n_seeds"] < 2
                      else f"{row[column]:.4f} ± {row[column + '_std']:.4f}", axis=1)


def _format_leaderboard(rows: pd.DataFrame) -> pd.DataFrame:
    table = rows[list(LEADERBOARD_COLUMNS)].rename(columns=LEADERBOARD_COLUMNS).reset_index(drop=True)
    for column in SCORES:
        table[LEADERBOARD_COLUMNS[column]] = _mean_and_spread(rows.reset_index(drop=True), column)
    table["val acc"] = table["val acc"].map("{:.4f}".format)
    table["fit s"] = table["fit s"].map("{:.2f}".format)
    table["predict s/1k"] = table["predict s/1k"].map("{:.4f}".format)
    table["params"] = table["params"].map(lambda n: f"{int(round(n)):,}")
    table["trials"] = table["trials"].map(lambda n: f"{int(round(n))}")
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def leaderboard_markdown(results: pd.DataFrame) -> str:
    """Per task, models ranked by test accuracy; failed models listed under the table with their reason."""
    lines = ["# Leaderboard", "",
             "Models ranked by accuracy on each task's fixed test split, after tuning on a validation split "
             "of the train data and refitting the best configuration on all of the train data. "
             "`fit s` is that refit; `predict s/1k` is prediction time per 1,000 test images. With several "
             "seeds (`--seeds`), scores are mean ± standard deviation over the refits.", ""]
    for task in dict.fromkeys(results["task"]):
        lines += [f"## {task}", ""]
        rows = ranked(results, task)
        if len(rows):
            table = _format_leaderboard(rows)
            align = ["right", "left", "left"] + ["right"] * (len(table.columns) - 3)
            lines += [table.to_markdown(index=False, disable_numparse=True, colalign=align), ""]
        failures = results[(results["task"] == task) & (results["status"] != "ok")]
        for _, failed in failures.drop_duplicates(["model", "error"]).iterrows():
            lines += [f"- **{failed['model']}** failed (seed {failed['seed']}): {failed['error']}"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _best(rows: pd.DataFrame, family: str) -> Optional[pd.Series]:
    members = rows[rows["family"] == family]
    return None if members.empty else members.iloc[0]


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.3g}×" if denominator > 0 else "n/a"


def comparison_rows(results: pd.DataFrame) -> pd.DataFrame:
    """Per task, the best deep model against the best classical model (best = highest test accuracy)."""
    rows: List[dict] = []
    for task in dict.fromkeys(results["task"]):
        ranking = ranked(results, task)
        deep, classical = _best(ranking, "deep"), _best(ranking, "classical")
        if deep is None or classical is None:
            continue
        gap = (deep["test_accuracy"] - classical["test_accuracy"]) * 100
        rows.append({"task": task, "best deep": deep["model"], "deep acc": f"{deep['test_accuracy']:.4f}",
                     "best classical": classical["model"], "classical acc": f"{classical['test_accuracy']:.4f}",
                     "Δ accuracy (points)": f"{gap:+.1f}",
                     "fit time (deep / classical)": _ratio(deep["fit_seconds"], classical["fit_seconds"]),
                     "latency (deep / classical)": _ratio(deep["predict_seconds_per_1k"],
                                                          classical["predict_seconds_per_1k"]),
                     "winner": "deep" if gap > 0 else "classical" if gap < 0 else "tie", "_gap": gap})
    return pd.DataFrame(rows)


def comparison_markdown(results: pd.DataFrame) -> str:
    """The deep-versus-classical table and a one-line verdict."""
    lines = ["# Deep learning vs classical ML", "",
             "For each task, the most accurate deep model against the most accurate classical model. "
             "Δ accuracy is deep minus classical in percentage points; the ratios say how many times "
             "longer the deep model takes to fit (on all train data) and to predict.", ""]
    table = comparison_rows(results)
    if table.empty:
        lines.append("No task has a successful deep and a successful classical model to compare.")
        return "\n".join(lines) + "\n"
    wins = int((table["_gap"] > 0).sum())
    table_text = table.drop(columns="_gap").to_markdown(
        index=False, disable_numparse=True, colalign=["left", "left", "right", "left", "right", "right", "right", "right", "left"])
    lines += [table_text, "",
              f"Deep learning wins on {wins} of {len(table)} task(s); median gap "
              f"{table['_gap'].median():+.1f} points."]
    return "\n".join(lines) + "\n"
