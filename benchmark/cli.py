"""The ``dlbench`` command line."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from dlbench.api.options import (DEFAULT_BUDGET, DEFAULT_TRIALS, FROM_PRESET, MAX_SEED, PRESETS, RESUME_OPTIONS,
                                 RunOptions, augmentation_text, checked_options, seconds_or_none, whole_number)
from dlbench.errors import DlbenchError
from dlbench.files import DISK_FULL, disk_full, space_to_free
from dlbench.reports.significance import ALPHA
from dlbench.runs.train_sizes import parse_train_size
from dlbench.timing import NOISE_FLOOR_SECONDS
from dlbench.training.options import PRECISIONS
from dlbench.tuning.pruning import PRUNERS

# what may be given with --resume: how to run it, and what a run folder is not trusted to name itself
RESUME_FLAGS = tuple("--" + name.replace("_", "-") for name in RESUME_OPTIONS)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage dump) and exit with code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(2)


def int_at_least(minimum: int, maximum: Optional[int] = None) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum`` (and with ``maximum``, at most that)."""

    def parse(text: str) -> int:
        try:
            value: object = int(text)
        except ValueError:
            value = text  # whole_number says it is not a whole number
        try:
            return whole_number(value, minimum, maximum)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse


def argument_type(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type that ``parse`` reads; its ValueError is the one-line error."""

    def parse_argument(text: str) -> object:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return parse_argument


def positive_seconds(text: str) -> Optional[float]:
    """A number of seconds greater than zero, or ``none`` for no limit."""
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected seconds > 0 or none") from None
    try:
        return seconds_or_none(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text} is not valid; expected seconds > 0 or none") from None


def bounded_number(accepts: Callable[[float], bool], expected: str, example: str = "",
                   invalid_detail: str = "") -> Callable[[str], float]:
    """An argparse type: a number that ``accepts`` takes; errors say ``expected`` (then ``example``, and for a
    number out of range ``invalid_detail`` before it)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number; expected {expected}{example}") from None
        if not accepts(value):
            raise argparse.ArgumentTypeError(f"{text} is not valid; expected {expected}{invalid_detail}{example}")
        return value

    return parse


INFINITY = float("inf")
fraction = bounded_number(lambda value: 0 <= value <= 1, "a fraction from 0 to 1", invalid_detail=" (0.01 = one point)")
seconds_at_least_zero = bounded_number(lambda value: 0 <= value < INFINITY, "seconds >= 0")
significance_level = bounded_number(lambda value: 0 < value < 1, "a level between 0 and 1", ", e.g. 0.05",
                                    invalid_detail=" (exclusive)")
factor_at_least_one = bounded_number(lambda value: 1 <= value < INFINITY, "a factor >= 1",
                                     invalid_detail=" (1.5 = 50% slower)")


class VersionAction(argparse.Action):
    """``--version``: print :func:`dlbench.runs.about.version_text` and exit 0 (torch is imported only then)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the versions of dlbench, torch, pytorch-lightning, Optuna and scikit-learn, "
                         "and the device it would train on")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: Optional[str] = None) -> None:
        from dlbench.runs.about import version_text

        sys.stdout.write(version_text())
        parser.exit(0)


def plugin_options() -> argparse.ArgumentParser:
    """The options that choose plugins, shared by every command that uses them."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("plugins")
    group.add_argument("--plugins-dir", action="append", type=Path, default=[], metavar="DIR",
                       help="load every *.py file in DIR as a plugin (repeatable; also $DLBENCH_PLUGINS_DIR, "
                       "folders separated by ':')")
    group.add_argument("-p", dest="plugin_args", action="append", default=[], metavar="NAME",
                       help="-p NAME loads the installed entry-point plugin NAME (needed when "
                       "$DLBENCH_DISABLE_PLUGIN_AUTOLOAD is set); -p no:NAME blocks plugin NAME (repeatable)")
    group.add_argument("--strict-plugins", action="store_true",
                       help="a broken plugin is an error (default: it is reported and skipped, and the rest goes on)")
    return options


def build_parser() -> argparse.ArgumentParser:
    """The parser of every dlbench command."""
    plugins = plugin_options()
    parser = OneLineParser(prog="dlbench", description="Benchmark deep learning against tuned classical models "
                           "on image tasks: tune every model with Optuna, then compare them on held-out test data.")
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)
    for add_command in (_add_run, _add_data, _add_report, _add_compare, _add_listings):
        add_command(commands, plugins)
    return parser


def _add_run(commands: argparse._SubParsersAction, plugins: argparse.ArgumentParser) -> None:
    """``dlbench run``: what to run and how long to tune it (see :func:`_add_run_outputs` for the rest)."""
    run = commands.add_parser("run", parents=[plugins], help="tune and benchmark models on tasks; writes a run folder",
                              description="Tune every selected model on every selected task with Optuna, refit the "
                              "best configuration on the train data, score it on the test data, and write "
                              "results/<run-id>/ with trials.csv, results.csv, leaderboard.md, comparison.md and "
                              "environment.json.")
    run.add_argument("--task", action="extend", nargs="+", default=[], metavar="NAME_OR_TAG",
                     help="task name or tag (e.g. images); repeat or list several (required unless --resume)")
    run.add_argument("--model", action="extend", nargs="+", default=[], metavar="NAME",
                     help="model name or wildcard (e.g. 'svm', '*'); default: every model")
    run.add_argument("--trials", type=int_at_least(1), default=None,
                     help=f"trials per study, the first being the model's defaults (default: the preset's, {DEFAULT_TRIALS})")
    run.add_argument("--timeout", type=positive_seconds, default=None, metavar="SECONDS",
                     help="seconds per study after which no new trial starts (default: none)")
    run.add_argument("--budget", type=positive_seconds, default=FROM_PRESET, metavar="SECONDS",
                     help="seconds for the whole run, shared fairly between the studies still to run; every study "
                     f"runs at least its defaults; 'none' for no limit (default: the preset's, {DEFAULT_BUDGET:g})")
    run.add_argument("--pruner", choices=PRUNERS, default="median",
                     help="stop weak deep-learning trials early: median (default), hyperband, or none; the "
                     "defaults and portfolio trials are never pruned")
    run.add_argument("--preset", choices=sorted(PRESETS), default=None,
                     help="bundled --trials and --budget: " + "; ".join(
                         f"{name}: {trials} trials, {budget:g} s" for name, (trials, budget) in PRESETS.items())
                     + " (explicit --trials/--budget win)")
    run.add_argument("--seeds", type=int_at_least(1), default=1, metavar="K",
                     help="refit every study's best configuration with K seeds (seed .. seed+K-1); tables show "
                     "mean ± std (default 1)")
    run.add_argument("--seed", type=int_at_least(0, MAX_SEED), default=0,
                     help="seed of the validation split, the samplers and the models; seed+K-1 (see --seeds) "
                     f"may be at most {MAX_SEED} (default 0)")
    _add_run_outputs(run)


def _add_run_outputs(run: argparse.ArgumentParser) -> None:
    """``dlbench run``'s options of where results go, resuming, workers, training and data."""
    run.add_argument("--output", type=Path, default=Path("results"), metavar="DIR",
                     help="folder that receives the run folder (default results/)")
    run.add_argument("--quiet", action="store_true", help="no progress bars and no table; print only the run folder")
    run.add_argument("--publish", type=Path, default=None, metavar="DIR",
                     help="also write the leaderboard to publish (leaderboard.md, self-contained leaderboard.html, "
                     "plots, environment.json) into DIR, e.g. results/leaderboard")
    run.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR",
                     help="continue an interrupted run with its own options: finished studies and trials are kept "
                     f"(only {', '.join(RESUME_FLAGS)} may be given with it)")
    run.add_argument("--storage", default=None, metavar="URL",
                     help="Optuna storage shared by several workers: postgresql://..., mysql+pymysql://..., "
                     "sqlite:///PATH or journal:PATH (default: a journal file in the run folder)")
    run.add_argument("--study-name", default=None, metavar="NAME",
                     help="name under which workers sharing --storage find each other's studies (required with "
                     "--storage)")
    run.add_argument("--jobs", type=int_at_least(1), default=None, metavar="N",
                     help="parallel workers sharing the studies: on the CPU at most the cores, each with cores/N "
                     "torch threads; default: one per GPU (see --devices), else 1")
    run.add_argument("--devices", type=int_at_least(1), default=None, metavar="N",
                     help="use the first N GPUs, one worker bound to each (default: every visible GPU)")
    run.add_argument("--precision", choices=PRECISIONS, default=None,
                     help="deep models' training precision: 32, bf16-mixed or 16-mixed (default: bf16-mixed on a "
                     "GPU or CPU with native bfloat16 (AVX512-BF16, AMX), else 32)")
    _add_alpha(run)
    run.add_argument("--compile", action="store_true",
                     help="torch.compile the deep models' networks (slower start, faster epochs on a GPU)")
    run.add_argument("--helper", type=int_at_least(1), default=None, help=argparse.SUPPRESS)
    run.add_argument("--train-sizes", nargs="+", type=argument_type(parse_train_size), default=[], metavar="SIZE",
                     help="learning curves: a study per task x model x size on nested, stratified subsamples of the "
                     "train split, each scored on the same test split; sizes are image counts, fractions (0.1) "
                     "or all, e.g. --train-sizes 100 250 500 1000 all")
    _add_data_dir(run)
    run.add_argument("--image-size", type=int_at_least(1), default=None, metavar="N",
                     help="folder tasks: resize images to N x N (default: their own size if they all agree, else 64)")
    run.add_argument("--color", choices=("rgb", "gray"), default=None,
                     help="folder tasks: convert images to RGB or grey (default rgb)")
    run.add_argument("--augment", type=argument_type(augmentation_text), default=None, metavar="SPEC",
                     help="the transforms that keep the labels of tasks that declare none (folders, arrays), e.g. "
                     "shift=2,hflip,vflip,rotate=15 (the built-in tasks declare their own)")


def _add_data(commands: argparse._SubParsersAction, plugins: argparse.ArgumentParser) -> None:
    """``dlbench data list`` and ``dlbench data fetch NAME``."""
    data = commands.add_parser("data", help="list or download the standard data sets",
                               description="Standard data sets (tag images-standard) live in the data directory: "
                               "--data-dir, else $DLBENCH_DATA, else ~/.cache/dlbench.")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION",
                                        parser_class=OneLineParser)
    _add_data_dir(data_commands.add_parser("list", parents=[plugins],
                                           help="each data set, where it is expected, and whether it is there"))
    fetch = data_commands.add_parser("fetch", parents=[plugins], help="download a data set (from $DLBENCH_DATA_MIRROR when set)")
    fetch.add_argument("name", metavar="NAME", help="data set name (see dlbench data list)")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_data_dir(fetch)


def _add_report(commands: argparse._SubParsersAction, plugins: argparse.ArgumentParser) -> None:
    """``dlbench report RUN_DIR ...``."""
    report = commands.add_parser("report", parents=[plugins], help="leaderboards and the deep-vs-classical summary of one or more runs",
                                 description="Build the report of one or more run folders (merged; identical "
                                 "duplicates kept once, conflicting ones reported and left out): per-task "
                                 "leaderboards, the overall average rank, deep learning against classical ML. "
                                 "Plots are written into the run folder (one RUN_DIR) or beside --out.")
    report.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR",
                        help="run folders, results.csv files or report JSON files")
    report.add_argument("--format", default="markdown", metavar="FORMAT",
                        help="markdown (default), html, latex, csv, json, or a format a plugin registers "
                        "(see dlbench plugins)")
    report.add_argument("--out", type=Path, default=None, metavar="FILE", help="write to FILE (default: stdout)")
    _add_alpha(report)
    report.add_argument("--refresh", action="store_true",
                        help="first rebuild each run folder's files from its Optuna storage, with what other "
                        "workers sharing it have finished")
    report.add_argument("--storage", default=None, metavar="URL",
                        help="with --refresh: the shared storage of runs started with --storage (a run folder "
                        "is not trusted to name one itself)")


def _add_compare(commands: argparse._SubParsersAction, plugins: argparse.ArgumentParser) -> None:
    """``dlbench compare BASELINE NEW``: the regression gate."""
    compare = commands.add_parser("compare", help="regression gate: exit 1 when accuracy drops or fitting slows",
                                  description="Match two runs task x model (means over seeds), print the "
                                  "differences, and exit 1 when an accuracy drops by more than "
                                  "--max-accuracy-drop, a fit time grows beyond --max-slowdown times, a model "
                                  "that worked now fails (on any seed), or the new run lacks a task x model x seed "
                                  "of the baseline (unless --allow-missing); 0 otherwise. A damaged results file "
                                  "(a missing column, text where a number belongs, an accuracy outside [0, 1], a "
                                  "duplicate or truncated row) stops it with exit code 2.")
    compare.add_argument("baseline", type=Path, metavar="BASELINE", help="run folder, results.csv or report JSON")
    compare.add_argument("new", type=Path, metavar="NEW", help="run folder, results.csv or report JSON")
    compare.add_argument("--max-accuracy-drop", type=fraction, default=0.01, metavar="DROP",
                         help="largest allowed drop in test accuracy, absolute (default 0.01, one point)")
    compare.add_argument("--max-slowdown", type=factor_at_least_one, default=1.5, metavar="FACTOR",
                         help="largest allowed new / baseline fit time (default 1.5)")
    compare.add_argument("--min-seconds", type=seconds_at_least_zero, default=NOISE_FLOOR_SECONDS, metavar="SECONDS",
                         help="a slower fit counts only when it takes this much longer than the baseline's (default "
                         f"{NOISE_FLOOR_SECONDS:g}: smaller differences are mostly noise)")
    compare.add_argument("--alpha", type=significance_level, default=ALPHA, metavar="LEVEL",
                         help="an accuracy drop counts only when McNemar's test on the two runs' kept test "
                         f"predictions calls it significant at this level (default {ALPHA:g})")
    compare.add_argument("--no-significance", dest="significance", action="store_false",
                         help="count every accuracy drop over --max-accuracy-drop, significant or not")
    compare.add_argument("--allow-missing", action="store_true",
                         help="list a task x model x seed of the baseline that the new run lacks without counting "
                         "it as a regression (by default it counts: the gate passes only on what it checked)")


def _add_listings(commands: argparse._SubParsersAction, plugins: argparse.ArgumentParser) -> None:
    """``dlbench list`` and ``dlbench plugins``."""
    commands.add_parser("list", parents=[plugins], help="list models, tasks and report formats with the plugin each comes from",
                        description="List every registered model, task, task source and report format, with the "
                        "plugin that registered it and where that plugin comes from (package and version).")
    commands.add_parser("plugins", parents=[plugins], help="list the plugins: where each comes from, its hooks, "
                        "what it registered, and the broken ones",
                        description="Every plugin dlbench found: its name, where it came from (built-in, entry "
                        "point with distribution and version, or file), the hooks it implements and what it "
                        "registered; then every problem met loading them.")


def _add_alpha(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--alpha", type=significance_level, default=ALPHA, metavar="LEVEL",
                        help="significance level of McNemar's test on each task's deep and classical "
                        f"representatives: a gap not significant at it is a tie (default {ALPHA:g})")


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, metavar="DIR",
                        help="where standard data sets are kept (default: $DLBENCH_DATA, else ~/.cache/dlbench)")


def _catalogue(args: argparse.Namespace, hold_warnings: bool = False):
    """The catalogue of the plugins the command line selects (``hold_warnings``: see :func:`load_plugins`)."""
    from dlbench.api.catalogues import plugin_catalogue

    return plugin_catalogue(args.plugins_dir, args.plugin_args, args.strict_plugins, hold_warnings)


def command_list(args: argparse.Namespace) -> int:
    """Print the models, tasks, task sources and report formats, with where each comes from."""
    from dlbench.api.catalogues import registered

    table = registered(args.plugins_dir, args.plugin_args, args.strict_plugins)
    for kind, heading in LISTING_HEADINGS.items():
        print(heading)
        for entry in table[table["kind"] == kind].itertuples():
            name = entry.name + ":" if kind == "task source" else entry.name
            print(f"  {name:<16} {entry.detail:<{24 if kind.startswith('task') else 10}} {entry.plugin} "
                  f"({entry.source})  {entry.description}")
    return 0


LISTING_HEADINGS = {"model": "models:", "task": "tasks:", "task source": "task sources (--task PREFIX:ARGUMENT):",
                    "report format": "report formats (dlbench report --format NAME):"}


def command_plugins(args: argparse.Namespace) -> int:
    """Print every plugin: where it came from, its hooks, what it registered; then the problems."""
    catalogue = _catalogue(args)
    plugins = catalogue.plugins
    registered: Dict[str, List[str]] = {}
    for kind, entries in (("model", catalogue.model_entries), ("task", catalogue.task_entries),
                          ("task source", catalogue.source_entries), ("format", catalogue.reporter_entries)):
        for name, entry in entries.items():
            registered.setdefault(entry.plugin, []).append(f"{kind} {name}")
    for name, info in plugins.infos.items():
        plugin = plugins.pm.get_plugin(name)
        if plugin is None:
            print(f"{name}  ({info.describe()})  not loaded")
            continue
        hooks = sorted(caller.name for caller in plugins.pm.get_hookcallers(plugin) or ())
        print(f"{name}  ({info.describe()})")
        print(f"    hooks: {', '.join(hooks) or '(none)'}")
        print(f"    registered: {', '.join(registered.get(name, [])) or '(nothing)'}")
    if plugins.problems:
        print("problems:")
        for problem in plugins.problems:
            print(f"  {problem}")
    return 0


def command_data(args: argparse.Namespace) -> int:
    """``data list``: where each data set is expected and whether it is there; ``data fetch NAME``: download it."""
    from dlbench.data.directory import resolve_data_dir

    root = resolve_data_dir(args.data_dir)
    remotes = {entry.item.name: entry.item.remote for entry in _catalogue(args).task_entries.values() if entry.item.remote}
    if args.data_command == "list":
        for name, remote in sorted(remotes.items()):
            missing = remote.missing(root)
            state = "present" if not missing else f"missing {len(missing)} of {len(remote.files)} file(s)"
            print(f"{name:<16} {state:<28} {remote.location(root)}")
        return 0
    if args.name not in remotes:
        raise DlbenchError(f"unknown data set {args.name!r}; valid data sets: {', '.join(sorted(remotes))}")
    print(f"{args.name}: {remotes[args.name].fetch(root, progress=not args.quiet)}")
    return 0


def check_run_args(args: argparse.Namespace) -> None:
    """What argparse cannot check on its own: with --resume only the options of RESUME_FLAGS, and --helper only
    with --resume (a new run's options are checked by :func:`dlbench.api.options.check_new_run`)."""
    if args.resume is not None:
        defaults = vars(build_parser().parse_args(["run", "--resume", str(args.resume)]))
        allowed = set(RESUME_OPTIONS) | {"helper"}
        changed = sorted(f"--{dest.replace('_', '-')}" for dest, value in vars(args).items()
                         if dest not in allowed and value != defaults[dest])
        if changed:
            raise DlbenchError(f"--resume continues a run with its own options; {', '.join(changed)} cannot be "
                               f"given with it (valid with --resume: {', '.join(RESUME_FLAGS)})")
    elif args.helper is not None:
        raise DlbenchError("--helper is internal: it is given by a run to its worker processes, with --resume")


def run_options(args: argparse.Namespace) -> RunOptions:
    """The :class:`RunOptions` of a parsed ``run`` command line."""
    known = set(RunOptions.__dataclass_fields__)
    return checked_options(**{name: value for name, value in vars(args).items() if name in known})


def disk_full_message(error: OSError, run_dir: Optional[Path] = None) -> str:
    """``no space left on device while writing 'FILE'; free at least N MB on the disk of 'FOLDER'`` for a full
    disk's ``error``: FOLDER is ``run_dir`` when the file is in it (or unnamed), else the file's nearest existing
    folder; N is :func:`dlbench.files.space_to_free` of the run folder (an estimate)."""
    written = Path(os.fsdecode(error.filename)) if error.filename is not None else None
    where = Path(os.path.abspath(written)) if written is not None else None
    if run_dir is not None and (where is None or where.is_relative_to(os.path.abspath(run_dir))):
        folder: Optional[Path] = run_dir
        needed = space_to_free(run_dir)
    else:  # a file elsewhere (a shared storage, the data directory), or a new run's folder, removed again
        folder = next((parent for parent in where.parents if parent.is_dir()), None) if where else None
        needed = space_to_free()
    writing = f" while writing {str(written)!r}" if written is not None else ""
    disk = f" on the disk of {str(folder)!r}" if folder is not None else ""
    return f"{DISK_FULL[error.errno]}{writing}; free at least {math.ceil(needed / 10**6)} MB{disk}"


def command_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run the benchmark (or resume a run, or work for one as ``--helper``) and print the leaderboard."""
    from dlbench.api.running import resume, resume_command, start_run, work_as_helper
    from dlbench.runs.runner import RunDiskFull, RunInterrupted, load_run_file

    check_run_args(args)
    if args.helper is not None:
        try:
            work_as_helper(args.resume.resolve(), args.helper, args.jobs)
        except KeyboardInterrupt:
            return 130
        return 0
    plugins_dirs, storage = args.plugins_dir, args.storage
    try:
        if args.resume is None:
            outcome = start_run(run_options(args), argv=argv)
        else:
            run_file = load_run_file(args.resume)
            run_dir = args.resume.resolve()
            cwd, stored = run_file.get("cwd", ""), run_file.get("settings") or {}
            plugins_dirs = [folder.resolve() for folder in args.plugins_dir]  # before the stored cwd applies
            publish = args.publish and args.publish.resolve()
            if Path(cwd).is_dir():  # relative paths on the stored command line (a storage URL) keep their meaning
                os.chdir(cwd)
            outcome = resume(run_dir, quiet=args.quiet, jobs=args.jobs, devices=args.devices, storage=storage,
                             plugins_dir=plugins_dirs, publish=publish)
    except RunInterrupted as interrupted:
        sys.stderr.write(f"dlbench: interrupted; finished work is saved in {interrupted.run_dir}; resume with: "
                         f"{resume_command(interrupted.run_dir, interrupted.plugins_dirs, interrupted.storage)}\n")
        return 130
    except RunDiskFull as full:
        sys.stderr.write(f"dlbench: {disk_full_message(full.error, full.run_dir)} and resume with: "
                         f"{resume_command(full.run_dir, plugins_dirs, storage)}\n")
        return 1
    if args.publish is not None:
        print(f"published: {args.publish}")
    return _print_tables(outcome.run_dir, args.quiet or bool(args.resume and stored.get("quiet")))


def command_report(args: argparse.Namespace) -> int:
    """Print (or write to --out) the merged report of run folders; write its plots."""
    from dlbench.api.outcome import load, render_report
    from dlbench.files import write_text_atomic

    if args.storage is not None and not args.refresh:
        raise DlbenchError("--storage is only used with --refresh (it names the shared storage to rebuild from)")
    catalogue = _catalogue(args, hold_warnings=True)
    with catalogue.plugins.releasing_warnings():  # an unknown format stops before any run folder is read
        catalogue.reporter(args.format)
    if args.refresh:
        for run_dir in args.run_dirs:
            _refresh(run_dir, catalogue, args.storage)
    outcome = load(*args.run_dirs, alpha=args.alpha)
    text = render_report(outcome.summary, outcome.trials, args.format, catalogue)
    plots_dir = args.run_dirs[0] if len(args.run_dirs) == 1 and args.run_dirs[0].is_dir() else (
        args.out.parent if args.out else None)
    try:
        if plots_dir is not None:
            outcome.write_figures(plots_dir)
        if args.out is None:
            sys.stdout.write(text)
        else:
            write_text_atomic(args.out, text)
            print(f"report: {args.out}")
    except OSError as error:
        raise DlbenchError(f"cannot write the report: {error.strerror}: {error.filename}") from None
    return 0


def _refresh(run_dir: Path, catalogue, storage: Optional[str]) -> None:
    """Rewrite a run folder's files from its storage (a shared one only when ``storage`` names it)."""
    from dlbench.api.running import confirmed_storage, stored_options
    from dlbench.runs.runner import load_run_file, write_run_files
    from dlbench.tuning.storage import journal_url, open_storage

    run_file = load_run_file(run_dir)
    stored = stored_options(run_file, run_dir)
    url = confirmed_storage(run_dir, stored.storage, storage) or journal_url(run_dir)
    models = catalogue.select_models(run_file["models"])
    write_run_files(open_storage(url), run_file["study_name"], run_file["tasks"], models, run_dir, plots=True,
                    alpha=stored.alpha)


def command_compare(args: argparse.Namespace) -> int:
    """Print the differences between two runs; 1 when something regressed."""
    from dlbench.api.comparing import compare

    comparison = compare(args.baseline, args.new, max_accuracy_drop=args.max_accuracy_drop,
                         max_slowdown=args.max_slowdown, min_seconds=args.min_seconds, alpha=args.alpha,
                         significance=args.significance, allow_missing=args.allow_missing)
    print(comparison.to_markdown())
    failed = len(comparison.regressions)
    significance = f", significant at {args.alpha:g} where predictions pair" if args.significance else ""
    missing = "not counted" if args.allow_missing else "counted"
    print(f"\n{failed} regression(s) (bounds: accuracy drop <= {args.max_accuracy_drop:g}{significance}; "
          f"slowdown <= {args.max_slowdown:g}× for fits over {args.min_seconds:g} s; baseline rows missing "
          f"from the new run {missing})")
    return 0 if comparison.ok else 1


def _print_tables(run_dir: Path, quiet: bool) -> int:
    import json

    from dlbench.timing import describe

    if not quiet:
        print((run_dir / "leaderboard.md").read_text(encoding="utf-8"))
        print((run_dir / "comparison.md").read_text(encoding="utf-8"))
        split = json.loads((run_dir / "environment.json").read_text(encoding="utf-8")).get("time_split")
        if split:
            print(describe(split))
    print(f"results: {run_dir}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of the ``dlbench`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            return command_list(args)
        if args.command == "plugins":
            return command_plugins(args)
        if args.command == "data":
            return command_data(args)
        if args.command == "report":
            return command_report(args)
        if args.command == "compare":
            return command_compare(args)
        return command_run(args, argv)
    except DlbenchError as error:
        sys.stderr.write(f"dlbench: error: {error}\n")
        return 2
    except BrokenPipeError:  # the reader of stdout stopped early (dlbench list | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 0
    except Exception as error:
        full = disk_full(error)
        if full is None:
            raise
        # with no run folder to resume (a new run that never started leaves none): one line, and nothing to resume
        sys.stderr.write(f"dlbench: {disk_full_message(full)} and run the command again\n")
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
