"""The ``dlbench`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from .errors import DlbenchError

DEFAULT_TRIALS = 10
DEFAULT_BUDGET = 660.0  # keeps `dlbench run --task images` within 15 minutes on a 2-core CPU


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump) and exit with code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; expected an integer >= {minimum}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small; expected an integer >= {minimum}")
        return value

    return parse


def positive_seconds(text: str) -> Optional[float]:
    """A number of seconds greater than zero, or ``none`` for no limit."""
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected seconds > 0 or none") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not valid; expected seconds > 0 or none")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser of every dlbench command."""
    parser = OneLineParser(prog="dlbench", description="Benchmark deep learning against tuned classical models "
                           "on image tasks: tune every model with Optuna, then compare them on held-out test data.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)

    run = commands.add_parser("run", help="tune and benchmark models on tasks; writes a run folder",
                              description="Tune every selected model on every selected task with Optuna, refit the "
                              "best configuration on the train data, score it on the test data, and write "
                              "results/<run-id>/ with trials.csv, results.csv, leaderboard.md, comparison.md and "
                              "environment.json.")
    run.add_argument("--task", action="extend", nargs="+", required=True, metavar="NAME_OR_TAG",
                     help="task name or tag (e.g. images); repeat or list several")
    run.add_argument("--model", action="extend", nargs="+", default=[], metavar="NAME",
                     help="model name or wildcard (e.g. 'svm', '*'); default: every model")
    run.add_argument("--trials", type=int_at_least(1), default=DEFAULT_TRIALS,
                     help=f"trials per study, the first being the model's defaults (default {DEFAULT_TRIALS})")
    run.add_argument("--timeout", type=positive_seconds, default=None, metavar="SECONDS",
                     help="seconds per study after which no new trial starts (default: none)")
    run.add_argument("--budget", type=positive_seconds, default=DEFAULT_BUDGET, metavar="SECONDS",
                     help="seconds for the whole run, shared fairly between the studies still to run; every study "
                     f"runs at least its defaults; 'none' for no limit (default {DEFAULT_BUDGET:g})")
    run.add_argument("--seed", type=int_at_least(0), default=0,
                     help="seed of the validation split, the samplers and the models (default 0)")
    run.add_argument("--output", type=Path, default=Path("results"), metavar="DIR",
                     help="folder that receives the run folder (default results/)")
    run.add_argument("--quiet", action="store_true", help="no progress bars and no table; print only the run folder")

    commands.add_parser("list", help="list models and tasks with the plugin each comes from",
                        description="List every registered model and task, with the plugin that registered it.")
    return parser


def _catalogue():
    from .registry import Catalogue, make_plugin_manager

    return Catalogue.from_plugins(make_plugin_manager())


def command_list() -> int:
    """Print the models and tasks, with where each comes from."""
    catalogue = _catalogue()
    print("models:")
    for name in catalogue.list_models():
        entry = catalogue.model_entries[name]
        print(f"  {name:<16} {entry.item.family:<10} {entry.plugin} ({entry.source})  {entry.item.description}")
    print("tasks:")
    for name in catalogue.list_tasks():
        entry = catalogue.task_entries[name]
        tags = ",".join(entry.item.tags)
        print(f"  {name:<16} {tags:<24} {entry.plugin} ({entry.source})  {entry.item.description}")
    return 0


def command_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run the benchmark and print the leaderboard."""
    catalogue = _catalogue()
    tasks = catalogue.select_tasks(args.task)
    models = catalogue.select_models(args.model)
    from .runner import RunConfig, RunInterrupted, run

    config = RunConfig(tasks=tasks, models=models, trials=args.trials, timeout=args.timeout, budget=args.budget,
                       seed=args.seed,
                       output=args.output, quiet=args.quiet, argv=list(argv))
    try:
        run_dir = run(config)
    except RunInterrupted as interrupted:
        sys.stderr.write(f"dlbench: interrupted; finished studies are saved in {interrupted.run_dir}\n")
        return 130
    if not args.quiet:
        print((run_dir / "leaderboard.md").read_text(encoding="utf-8"))
        print((run_dir / "comparison.md").read_text(encoding="utf-8"))
    print(f"results: {run_dir}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``dlbench`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            return command_list()
        return command_run(args, argv)
    except DlbenchError as error:
        sys.stderr.write(f"dlbench: error: {error}\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
