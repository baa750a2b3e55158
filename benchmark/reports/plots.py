"""PNG plots (matplotlib, no display needed): accuracy against fit time with the Pareto front, each
study's optimisation history, and the learning curves of a ``--train-sizes`` run."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pandas as pd

from dlbench.files import write_bytes_atomic
from dlbench.reports.summary import Summary

FAMILY_COLOURS = {"deep": "#d1495b", "classical": "#00798c"}
OTHER_COLOUR = "#6c757d"
# Each model's best-so-far line has its own marker and dash, so that a line drawn exactly over another shows both
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_STYLES = ("-", "--", "-.", ":")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def _grid(count: int) -> Tuple[int, int]:
    columns = min(count, 3)
    return (count + columns - 1) // columns, columns


def pareto_front(points: pd.DataFrame) -> pd.DataFrame:
    """The rows no other row beats on both fit time (lower) and test accuracy (higher), fastest first."""
    front, best = [], float("-inf")
    for _, row in points.sort_values(["fit_seconds", "test_accuracy"], ascending=[True, False]).iterrows():
        if row["test_accuracy"] > best:
            front.append(row)
            best = row["test_accuracy"]
    return pd.DataFrame(front, columns=points.columns)  # no row at all when every accuracy is missing


def _panels(tasks: List[str], title: str, draw: Callable[[Any, str], None]) -> Any:
    """A figure of one panel per task (three to a row), each drawn by ``draw(axis, task)``."""
    plt = _pyplot()
    rows, columns = _grid(max(len(tasks), 1))
    figure, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 4.2 * rows), squeeze=False)
    for axis, task in zip(axes.flat, tasks):
        draw(axis, task)
        axis.grid(True, alpha=0.3)
        for label in axis.legend(fontsize=8, loc="best").get_texts():
            label.set_parse_math(False)  # a name is plain text, even with "$" signs in it
    for axis in list(axes.flat)[len(tasks):]:
        axis.set_visible(False)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def _png(figure: Any) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(figure)
    return buffer.getvalue()


def accuracy_vs_fit_time(summary: Summary) -> bytes:
    """One panel per task: each model's test accuracy against its fit time (log scale), the Pareto front drawn."""
    from matplotlib.ticker import NullFormatter

    def draw(axis: Any, task: str) -> None:
        points = summary.leaderboard(task)
        for family, members in points.groupby("family", sort=False):
            axis.scatter(members["fit_seconds"], members["test_accuracy"], s=46, label=family, zorder=3,
                         color=FAMILY_COLOURS.get(family, OTHER_COLOUR))
        for _, point in points.iterrows():
            axis.annotate(point["model"], (point["fit_seconds"], point["test_accuracy"]), textcoords="offset points",
                          xytext=(5, 4), fontsize=8, parse_math=False)
        front = pareto_front(points)
        axis.step(front["fit_seconds"], front["test_accuracy"], where="post", color="#333333", linestyle="--",
                  linewidth=1, zorder=2)
        axis.scatter(front["fit_seconds"], front["test_accuracy"], s=150, facecolors="none", edgecolors="#333333",
                     label="Pareto front", zorder=4)
        if (points.dropna(subset=["test_accuracy"])["fit_seconds"] > 0).any():  # log needs a drawn point > 0
            axis.set_xscale("log")
        axis.xaxis.set_minor_formatter(NullFormatter())  # major ticks only: minor labels collide on short ranges
        axis.margins(0.15)  # room for the model names
        axis.set_title(task, parse_math=False)
        axis.set_xlabel("fit time on all train data (s, log scale)")
        axis.set_ylabel("test accuracy")

    tasks = [task for task in summary.tasks if len(summary.leaderboard(task))]
    return _png(_panels(tasks, "Test accuracy against fit time", draw))


def history_figure(trials: pd.DataFrame) -> Any:
    """The matplotlib figure of :func:`optimisation_history` (whole-number trial ticks; each model's line with
    its own colour, marker and dash)."""
    from matplotlib.ticker import MaxNLocator

    colours = _pyplot().get_cmap("tab10")
    models: List[str] = list(dict.fromkeys(trials["model"]))

    def draw(axis: Any, task: str) -> None:
        for model, study in trials[trials["task"] == task].groupby("model", sort=False):
            study = study.sort_values("trial")
            index = models.index(model)
            colour = colours(index % 10)
            scores = pd.to_numeric(study["val_accuracy"], errors="coerce")
            axis.scatter(study["trial"], scores, s=14, color=colour, alpha=0.45)
            best = scores.where(study["state"] == "complete").cummax()
            axis.step(study["trial"], best, where="post", color=colour, label=model, markerfacecolor="none",
                      marker=MARKERS[index % len(MARKERS)], linestyle=LINE_STYLES[index % len(LINE_STYLES)])
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # trials are counted: no 0.5th trial
        last = pd.to_numeric(trials.loc[trials["task"] == task, "trial"], errors="coerce").max()
        axis.set_xlim(-0.5, max(1.0, last if pd.notna(last) else 0.0) + 0.5)  # one trial: ticks 0 and 1, not ±0.04
        axis.set_title(f"{task} (dots: trials, lines: best so far)", parse_math=False)
        axis.set_xlabel("trial")
        axis.set_ylabel("validation accuracy")

    return _panels(list(dict.fromkeys(trials["task"])), "Optimisation history of each study", draw)


def optimisation_history(trials: pd.DataFrame) -> bytes:
    """One panel per task: for each model, every trial's validation accuracy and the best so far, as PNG bytes."""
    return _png(history_figure(trials))


def learning_curves_figure(curves: pd.DataFrame, crossovers: pd.DataFrame) -> Any:
    """One panel per task: test accuracy against train size (log axis), one line per model (deep solid, classical
    dashed, in their family's colours), the spread over seeds as a band, the crossover as a dotted line."""
    crossing = dict(zip(crossovers["task"], crossovers["crossover"])) if len(crossovers) else {}

    def draw(axis: Any, task: str) -> None:
        rows = curves[curves["task"] == task]
        for number, (model, group) in enumerate(rows.groupby("model", sort=False)):
            family = group["family"].iloc[0]
            stats = group.groupby("train_size")["test_accuracy"].agg(["mean", "std"]).sort_index()
            spread = stats["std"].fillna(0.0)
            colour = FAMILY_COLOURS.get(family, OTHER_COLOUR)
            axis.plot(stats.index, stats["mean"], linestyle="-" if family == "deep" else "--", color=colour,
                      marker=MARKERS[number % len(MARKERS)], markersize=4, linewidth=2 if family == "deep" else 1.3,
                      label=f"{model} ({family})")
            axis.fill_between(stats.index, stats["mean"] - spread, stats["mean"] + spread, color=colour, alpha=0.12)
        if crossing.get(task) is not None and not pd.isna(crossing.get(task)):
            axis.axvline(crossing[task], color="black", linestyle=":", linewidth=1.2,
                         label=f"deep wins from {int(crossing[task]):,}")
        axis.set_xscale("log")
        axis.set_title(task)
        axis.set_xlabel("training images (log scale)")
        axis.set_ylabel("test accuracy")

    return _panels(list(dict.fromkeys(curves["task"])), "Learning curves: test accuracy against train size", draw)


PLOT_FILES = {"accuracy_vs_fit_time.png": "Test accuracy against fit time, Pareto front dashed",
              "optimisation_history.png": "Optimisation history of each study",
              "critical_difference.png": "Critical-difference diagram: average ranks over the tasks (Nemenyi)",
              "learning_curves.png": "Learning curves: test accuracy against train size, crossover dotted"}


def write_plots(summary: Summary, trials: pd.DataFrame, folder: Path) -> List[Path]:
    """Write :func:`make_plots`'s PNGs into ``folder`` (each atomically); the files written."""
    written = []
    for name, png in make_plots(summary, trials).items():
        write_bytes_atomic(Path(folder) / name, png)
        written.append(Path(folder) / name)
    return written


def make_plots(summary: Summary, trials: pd.DataFrame) -> Dict[str, bytes]:
    """The PNGs by file name (the history only when there are trials, the critical-difference diagram only when
    Friedman's test could be made: see :attr:`Summary.friedman_line`)."""
    from dlbench.reports.significance import critical_difference_png

    plots = {}
    if len(summary.per_model):
        plots["accuracy_vs_fit_time.png"] = accuracy_vs_fit_time(summary)
    if len(trials):
        plots["optimisation_history.png"] = optimisation_history(trials)
    if summary.friedman is not None:
        plots["critical_difference.png"] = critical_difference_png(summary.friedman, summary.alpha)
    if len(summary.curves):
        plots["learning_curves.png"] = _png(learning_curves_figure(summary.curves, summary.crossovers))
    return plots
