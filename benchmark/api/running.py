"""Starting and resuming runs: :func:`dlbench.run` and :func:`dlbench.resume` (``dlbench run`` calls them too)."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

from dlbench.api.catalogues import plugin_catalogue
from dlbench.api.options import (FROM_PRESET, PathLike, RunOptions, check_new_run, check_writable_folder,
                                 checked_options, command_line)
from dlbench.api.outcome import Run
from dlbench.errors import DlbenchError
from dlbench.host.catalogue import LoadedOnce
from dlbench.host.contracts import check_task
from dlbench.host.validation import check_task_data
from dlbench.in_memory import DEFAULT_LAYOUT
from dlbench.reports.significance import ALPHA
from dlbench.runs.kept_data import kept_tasks
from dlbench.runs.runner import RunConfig, load_run_file
from dlbench.runs.runner import run as run_studies
from dlbench.runs.runner import run_helper
from dlbench.runs.train_sizes import budget_weights, sized_tasks
from dlbench.types import Augmentation, DataSettings, Task, TaskOptions

Arrays = Union[Tuple[Any, Any], Tuple[Any, Any, Any, Any]]  # (x, y) or (x_train, y_train, x_test, y_test)
Names = Union[str, Sequence[str]]


def run(tasks: Names = (), models: Names = (), *, data: Optional[Mapping[str, Arrays]] = None,
        layout: str = DEFAULT_LAYOUT, trials: Optional[int] = None, timeout: Optional[float] = None,
        budget: Optional[float] = FROM_PRESET, pruner: str = "median", preset: Optional[str] = None, seeds: int = 1,
        seed: int = 0, output: PathLike = "results", quiet: bool = False, publish: Optional[PathLike] = None,
        storage: Optional[str] = None, study_name: Optional[str] = None, jobs: Optional[int] = None,
        devices: Optional[int] = None, precision: Optional[str] = None, alpha: float = ALPHA, compile: bool = False,
        data_dir: Optional[PathLike] = None, image_size: Optional[int] = None, color: Optional[str] = None,
        plugins_dir: Sequence[PathLike] = (), plugins: Sequence[str] = (), strict_plugins: bool = False,
        train_sizes: Sequence[Union[int, float, str]] = (), augment: Union[str, Augmentation, None] = None) -> Run:
    """Tune every model of ``models`` on every task of ``tasks`` and ``data``, refit, score on test; the :class:`Run`.

    The options are ``dlbench run``'s, under the same names (``dlbench run --help`` explains each);
    ``plugins`` are its ``-p NAME`` / ``-p no:NAME``. ``data`` maps new task names to arrays in memory,
    ``(x, y)`` or ``(x_train, y_train, x_test, y_test)``, read as :meth:`dlbench.Task.from_arrays` reads them
    (``layout``, and without a test part a stratified 80/20 split seeded by ``seed``); the run folder keeps
    them, so the run can be resumed. ``train_sizes`` (image counts, fractions, ``"all"``) draws learning
    curves: a study per task x model x size on nested subsamples (``run.learning_curves``). ``augment`` (text
    such as ``"shift=2,hflip"``, or an :class:`~dlbench.Augmentation`) declares the label-keeping transforms of
    the tasks that declare none (``data``'s, folders). The run folder is written as by the command line.

    :raises DlbenchError: for a bad option or bad arrays (one line naming it), before any training.
    :raises RunInterrupted: on Ctrl-C or the notebook's stop button; what finished is kept, and
        :func:`resume` with its ``run_dir`` finishes the run.
    """
    memory = in_memory_tasks(data or {}, layout, seed)
    options = checked_options(task=tasks, model=models, data=[task.name for task in memory], trials=trials,
                              timeout=timeout, budget=budget, pruner=pruner, preset=preset, seeds=seeds, seed=seed,
                              output=output, quiet=quiet, publish=publish, storage=storage, study_name=study_name,
                              jobs=jobs, devices=devices, precision=precision, alpha=alpha, compile=compile,
                              data_dir=data_dir, image_size=image_size, color=color, plugins_dir=plugins_dir,
                              plugin_args=plugins, strict_plugins=strict_plugins, train_sizes=train_sizes,
                              augment=augment)
    return start_run(options, memory)


def in_memory_tasks(data: Mapping[str, Arrays], layout: str, seed: int) -> List[Task]:
    """The tasks of ``data`` (name -> arrays), each checked like a plugin's task."""
    if not isinstance(data, Mapping):
        raise DlbenchError(f"data must map task names to (x, y) or (x_train, y_train, x_test, y_test), got "
                           f"{type(data).__name__}")
    tasks = []
    for name, arrays in data.items():
        if not isinstance(arrays, (tuple, list)) or len(arrays) not in (2, 4):
            given = f"{len(arrays)} arrays" if isinstance(arrays, (tuple, list)) else type(arrays).__name__
            raise DlbenchError(f"data {name!r}: expected (x, y) or (x_train, y_train, x_test, y_test), got {given}")
        task = Task.from_arrays(name, *arrays, layout=layout, seed=seed)
        check_task(task)
        tasks.append(task)
    return tasks


def start_run(options: RunOptions, memory: Sequence[Task] = (), argv: Optional[Sequence[str]] = None) -> Run:
    """Check and run a new run of ``options`` (with the ``memory`` tasks), publish it when asked; its :class:`Run`.
    ``argv`` is the command line it came from (default: the one equivalent to ``options``). The deep models'
    precision is resolved here, before any training: ``run.json`` keeps the one this machine trains in."""
    from dlbench.training.options import run_precision

    check_new_run(options)  # run_config checks that the precision can run here
    resolved = replace(options.resolved(), precision=run_precision(options.precision))
    config = run_config(resolved, list(argv) if argv is not None else command_line(options), memory)
    run_dir = run_studies(config)
    return finished(run_dir, options)


def resume(run_dir: PathLike, *, quiet: bool = False, jobs: Optional[int] = None, devices: Optional[int] = None,
           storage: Optional[str] = None, plugins_dir: Sequence[PathLike] = (),
           publish: Optional[PathLike] = None) -> Run:
    """Finish the interrupted run in ``run_dir`` with its own options (finished studies and trials are kept);
    the :class:`Run`.

    Only how to run it may be given: ``quiet``, ``jobs``, ``devices``, ``publish``; and what a run folder is
    not trusted to name itself: the shared ``storage`` and the ``plugins_dir`` folders it used, which must be
    given again. A run's in-memory data comes from its folder. The run trains in the precision its ``run.json``
    records (see :func:`resumed_precision`).
    """
    given = checked_options(quiet=quiet, jobs=jobs, devices=devices, storage=storage, plugins_dir=plugins_dir,
                            publish=publish)
    run_file = load_run_file(Path(run_dir))
    run_dir = Path(run_dir).resolve()
    stored = confirmed_sources(run_dir, stored_options(run_file, run_dir), given)
    options = replace(stored, quiet=given.quiet or stored.quiet, jobs=given.jobs or stored.jobs,
                      devices=given.devices or stored.devices, publish=given.publish,
                      precision=resumed_precision(run_dir, stored.precision))
    if options.publish is not None:
        check_writable_folder(options.publish, "--publish")
    config = run_config(options, run_file["argv"], kept_tasks(run_dir, options.data))
    return finished(run_studies(config, resume=run_dir), options)


def work_as_helper(run_dir: Path, worker: int, jobs: Optional[int]) -> None:
    """Worker ``worker`` of the run in ``run_dir`` (``dlbench run --resume RUN_DIR --helper I``, started by the run)."""
    run_file = load_run_file(run_dir)
    options = stored_options(run_file, run_dir)
    options = replace(options, quiet=True, jobs=jobs or options.jobs)  # the run checked and resolved its precision
    run_helper(run_config(options, run_file["argv"], kept_tasks(run_dir, options.data)), run_dir, worker)


def resumed_precision(run_dir: Path, recorded: Optional[str]) -> str:
    """The precision a resumed run's deep models train in: the one its ``run.json`` records, so that its rows stay
    comparable, with a warning on stderr when this machine would default to another; a DlbenchError (nothing
    touched) when it cannot run here. A ``run.json`` from before dlbench recorded it (null) gets this machine's
    default, as a new run would."""
    from dlbench.training.options import precision_problem, run_precision

    here = run_precision()
    if recorded is None:
        return here
    problem = precision_problem(recorded)
    if problem is not None:
        raise DlbenchError(f"run folder {str(run_dir)!r} trains its deep models in precision {recorded} (its "
                           f"run.json), which cannot run on this machine: {problem}; resume it where {recorded} runs")
    if recorded != here:
        sys.stderr.write(f"dlbench: warning: run folder {str(run_dir)!r} goes on in precision {recorded}, as its "
                         f"run.json records, though this machine's default is {here}\n")
    return recorded


def finished(run_dir: Path, options: RunOptions) -> Run:
    """The :class:`Run` of a finished run folder, published first when ``options.publish`` asks (a failed publish
    says where the run's results are)."""
    if options.publish is not None:
        from dlbench.reports.publishing import publish

        try:
            publish(run_dir, options.publish, options.alpha)
        except DlbenchError as error:  # the run itself is finished and saved
            raise DlbenchError(f"{error}; the run's results are in {run_dir}") from None
    return Run([run_dir], alpha=options.alpha)


def stored_options(run_file: Mapping[str, Any], run_dir: Path) -> RunOptions:
    """The resolved options a run keeps in its ``run.json``."""
    settings = run_file.get("settings")
    if not isinstance(settings, dict):
        raise DlbenchError(f"run folder {str(run_dir)!r} was started by a dlbench that kept no settings in its "
                           "run.json; resume it with that version")
    return RunOptions.from_settings(settings)


def confirmed_sources(run_dir: Path, stored: RunOptions, given: RunOptions) -> RunOptions:
    """The stored options once the storage and plugin folders they name are named by the user too (``given``),
    since a run folder could come from anyone."""
    storage = confirmed_storage(run_dir, stored.storage, given.storage)
    resolved = [Path(folder).resolve() for folder in given.plugins_dir]
    missing = [str(folder) for folder in stored.plugins_dir if Path(folder).resolve() not in resolved]
    if missing:
        raise DlbenchError(f"run folder {str(run_dir)!r} used plugins from --plugins-dir {', '.join(missing)}; "
                           "a resume runs only plugin code you name: give --plugins-dir again")
    return replace(stored, storage=storage, plugins_dir=resolved)


def confirmed_storage(run_dir: Path, stored: Optional[str], given: Optional[str]) -> Optional[str]:
    """The shared storage a run folder's ``run.json`` names, once the user names it too.

    ``None`` means the run keeps its studies in the journal inside its folder. A run folder is not
    trusted to name a storage (a file or a server) outside itself: using one needs ``--storage``.
    """
    from dlbench.tuning.storage import redact

    if stored is None:
        if given is not None:
            raise DlbenchError(f"run folder {str(run_dir)!r} keeps its studies in its own journal; "
                               "--storage cannot be given with it")
        return None
    if given != stored:
        raise DlbenchError(f"run folder {str(run_dir)!r} shares its studies in storage {redact(stored)!r}; give "
                           "--storage with that URL to use it (a run folder alone cannot point dlbench elsewhere)")
    return stored


def resume_command(run_dir: Path, plugins_dirs: Sequence[PathLike] = (), storage: Optional[str] = None) -> str:
    """The shell command that resumes ``run_dir``, with the ``--plugins-dir`` folders and shared ``--storage``
    the run used (a resume needs them again; a password in the URL is shown as ``***``)."""
    from dlbench.tuning.storage import redact

    words = ["dlbench", "run", "--resume", str(run_dir)]
    for folder in plugins_dirs:
        words += ["--plugins-dir", str(folder)]
    if storage is not None:
        words += ["--storage", redact(storage)]
    return " ".join(shlex.quote(word) for word in words)


def declared_transforms(tasks: Sequence[Task], augment: Optional[str]) -> List[Task]:
    """``tasks``, those that declare no transforms given ``augment``'s (``--augment``; None: none)."""
    if augment is None:
        return list(tasks)
    augmentation = Augmentation.parse(augment)
    return [task if task.augmentation.active else replace(task, augmentation=augmentation) for task in tasks]


def run_config(options: RunOptions, argv: Sequence[str], memory: Sequence[Task] = ()) -> RunConfig:
    """The RunConfig of resolved ``options``: plugins loaded, models and tasks selected, every task's data loaded
    and checked (the ``memory`` tasks' too), before any training."""
    from dlbench.data.directory import data_settings
    from dlbench.host.observers import Observers
    from dlbench.runs.environment import run_plugins
    from dlbench.training.options import check_precision
    from dlbench.tuning.storage import check_storage_url

    check_precision(options.precision)
    data = data_settings(options.data_dir, options.quiet)
    catalogue = plugin_catalogue(options.plugins_dir, options.plugin_args, options.strict_plugins, hold_warnings=True)
    with catalogue.plugins.releasing_warnings():  # a model or task named exactly stops with its own problem
        models = catalogue.select_models(options.model)
        selected = catalogue.select_tasks(options.task, TaskOptions(options.image_size, options.color)) \
            if options.task else []
        clash = sorted({task.name for task in selected} & {task.name for task in memory})
        if clash:
            raise DlbenchError(f"data {clash[0]!r} has the name of a registered task; name the arrays differently")
        tasks = catalogue.load_checked(selected, data) if selected else []
    memory = [checked_in_memory(task, data) for task in memory]
    settings = replace(options, data_dir=data.chosen).settings()
    plugins = run_plugins(catalogue, models, tasks)
    tasks = sized_tasks(declared_transforms([*tasks, *memory], options.augment), options.train_sizes, options.seed,
                        data)
    return RunConfig(tasks=tasks, models=models, trials=options.trials, timeout=options.timeout,
                     budget=options.budget, pruner=options.pruner, seeds=options.seeds, seed=options.seed,
                     output=options.output, quiet=options.quiet, argv=list(argv),
                     storage=options.storage and check_storage_url(options.storage),
                     study_name=options.study_name or "dlbench", jobs=options.jobs, devices=options.devices,
                     observers=Observers(catalogue.plugins), precision=options.precision, compile=options.compile,
                     alpha=options.alpha, data_dir=data.chosen, settings=settings,
                     plugins=plugins, budget_weights=budget_weights(tasks), kept_tasks=memory)


def checked_in_memory(task: Task, settings: DataSettings) -> Task:
    """An in-memory (or kept) task whose data is checked against the contract, then handed to the run's first
    load instead of being read again (as the catalogue's tasks are)."""
    data = task.load_data(settings)
    check_task_data(task, data)
    return replace(task, load=LoadedOnce(task, data))
