"""The options of a run, as :func:`dlbench.run` takes them and ``run.json`` keeps them: names, defaults, checks.

The command line's ``dlbench run`` options are these under the same names (``--trials`` is ``trials``,
``--plugins-dir`` is ``plugins_dir``); both hand them to :func:`checked_options`, so a bad value gets the
same one-line :class:`dlbench.DlbenchError` from either.
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

from dlbench.errors import DlbenchError
from dlbench.reports.significance import ALPHA
from dlbench.runs.train_sizes import check_train_size
from dlbench.training.options import PRECISIONS
from dlbench.tuning.pruning import PRUNERS
from dlbench.types import Augmentation

DEFAULT_TRIALS = 10
DEFAULT_BUDGET = 720.0  # keeps `dlbench run --task images` (eleven models, refits included) within 15 minutes on a
# 2-core CPU
PRESETS = {"quick": (3, 180.0), "standard": (DEFAULT_TRIALS, DEFAULT_BUDGET), "thorough": (30, 1800.0)}
MAX_SEED = 2**32 - 1  # the largest seed numpy and scikit-learn accept (random_state < 2**32); torch takes more
COLORS = ("rgb", "gray")
# what may be given with a resume: how to run it, and what a run folder is not trusted to name itself
RESUME_OPTIONS = ("quiet", "jobs", "devices", "storage", "plugins_dir", "publish")


class _FromPreset:
    """The default of ``budget``: the preset's (``standard``: :data:`DEFAULT_BUDGET` seconds)."""

    def __repr__(self) -> str:
        return "FROM_PRESET"


FROM_PRESET: Any = _FromPreset()
PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class RunOptions:
    """Every option of a run (see ``dlbench run --help`` for each one's meaning), under its command-line name.

    ``task`` and ``model`` are the names, tags or wildcards to select; ``data`` the names of tasks handed over
    in memory (:func:`dlbench.run`'s ``data``), whose arrays the run folder keeps. ``budget`` and ``trials``
    left at their defaults take the ``preset``'s (``standard`` when none is given).
    """

    task: Sequence[str] = ()
    model: Sequence[str] = ()
    data: Sequence[str] = ()
    trials: Optional[int] = None
    timeout: Optional[float] = None
    budget: Any = FROM_PRESET
    pruner: str = "median"
    preset: Optional[str] = None
    seeds: int = 1
    seed: int = 0
    output: Path = Path("results")
    quiet: bool = False
    publish: Optional[Path] = None
    storage: Optional[str] = None
    study_name: Optional[str] = None
    jobs: Optional[int] = None
    devices: Optional[int] = None
    precision: Optional[str] = None
    alpha: float = ALPHA
    compile: bool = False
    data_dir: Optional[Path] = None
    image_size: Optional[int] = None
    color: Optional[str] = None
    augment: Optional[str] = None  # --augment: the transforms of tasks that declare none, as Augmentation's text
    plugins_dir: Sequence[Path] = field(default_factory=list)
    plugin_args: Sequence[str] = field(default_factory=list)
    strict_plugins: bool = False
    train_sizes: Sequence[Any] = ()  # --train-sizes: image counts, fractions of the train split, or "all"

    def resolved(self) -> "RunOptions":
        """These options with ``trials`` and ``budget`` taken from the preset where not given, and the study name's
        default."""
        preset_trials, preset_budget = PRESETS[self.preset or "standard"]
        return replace(self, trials=self.trials or preset_trials, study_name=self.study_name or "dlbench",
                       budget=preset_budget if self.budget is FROM_PRESET else self.budget)

    def settings(self) -> Dict[str, Any]:
        """What ``run.json`` keeps for a resume: the resolved options, paths absolute (the data directory only when
        given: None is the default's rule, looked up where the run resumes), without ``publish`` and ``preset``."""
        settings = {name: value for name, value in asdict(self.resolved()).items() if name not in NOT_STORED}
        for name in PATH_OPTIONS:
            settings[name] = None if settings[name] is None else str(Path(settings[name]).resolve())
        settings.update(plugins_dir=[str(Path(folder).resolve()) for folder in self.plugins_dir],
                        task=list(self.task), model=list(self.model), data=list(self.data),
                        plugin_args=list(self.plugin_args), train_sizes=list(self.train_sizes))
        return settings

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> "RunOptions":
        """The options a run stored in its ``run.json`` (see :meth:`settings`); a key this dlbench does not know is
        one clear error."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise DlbenchError(f"run.json stores settings this dlbench does not know ({', '.join(unknown)}); resume it "
                               "with the dlbench version that started it")
        options = dict(settings)
        for name in PATH_OPTIONS:
            if options.get(name) is not None:
                options[name] = Path(options[name])
        options["plugins_dir"] = [Path(folder) for folder in options.get("plugins_dir", [])]
        return cls(**options)


NOT_STORED = ("publish", "preset")  # a resume is told where to publish; the preset is resolved
PATH_OPTIONS = ("output", "data_dir")


def whole_number(value: Any, minimum: int, maximum: Optional[int] = None) -> int:
    """``value`` as an int of at least ``minimum`` (and at most ``maximum``); a ValueError saying what was expected."""
    expected = f"an integer >= {minimum}" if maximum is None else f"an integer from {minimum} to {maximum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{value!r} is not a whole number; expected {expected}")
    if value < minimum:
        raise ValueError(f"{value} is too small; expected {expected}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{value} is too large; expected {expected}")
    return int(value)


def seconds_or_none(value: Any) -> Optional[float]:
    """A number of seconds greater than zero, or None for no limit; a ValueError saying what was expected."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0 or math.isinf(value):
        raise ValueError(f"{value!r} is not valid; expected seconds > 0 or none")
    return float(value)


def level(value: Any) -> float:
    """A significance level strictly between 0 and 1; a ValueError saying what was expected."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{value!r} is not valid; expected a level between 0 and 1 (exclusive), e.g. 0.05")
    return float(value)


def one_of(choices: Sequence[str]) -> Callable[[Any], Any]:
    """A check that a value is one of ``choices`` (or None, the default's rule)."""
    def check(value: Any) -> Any:
        if value is not None and value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(map(str, choices))}")
        return value
    return check


def augmentation_text(value: Any) -> Optional[str]:
    """``--augment``'s value (text, or a :class:`dlbench.Augmentation`) as the augmentation's text, or None; a
    ValueError naming what cannot be read."""
    if value is None:
        return None
    try:
        return str(value if isinstance(value, Augmentation) else Augmentation.parse(str(value)))
    except DlbenchError as error:
        raise ValueError(str(error).removeprefix(f"--augment {value!r}: ")) from None


def _names(value: Any) -> List[str]:
    """A list of names from one name or a sequence of them."""
    names = [value] if isinstance(value, str) else list(value)
    bad = [name for name in names if not isinstance(name, str)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a name; expected names as strings")
    return names


def _optional_number(minimum: int) -> Callable[[Any], Optional[int]]:
    return lambda value: None if value is None else whole_number(value, minimum)


def _paths(value: Any) -> List[Path]:
    return [Path(value)] if isinstance(value, (str, os.PathLike)) else [Path(item) for item in value]


CHECKS: Dict[str, Callable[[Any], Any]] = {
    "task": _names, "model": _names, "data": _names, "plugin_args": _names,
    "trials": _optional_number(1), "timeout": seconds_or_none,
    "budget": lambda value: value if value is FROM_PRESET else seconds_or_none(value),
    "pruner": one_of(PRUNERS), "preset": one_of(sorted(PRESETS)), "seeds": lambda value: whole_number(value, 1),
    "seed": lambda value: whole_number(value, 0, MAX_SEED), "jobs": _optional_number(1),
    "devices": _optional_number(1), "precision": one_of(PRECISIONS), "alpha": level,
    "image_size": _optional_number(1), "color": one_of(COLORS), "augment": augmentation_text, "output": Path,
    "publish": lambda value: None if value is None else Path(value),
    "data_dir": lambda value: None if value is None else Path(value), "plugins_dir": _paths,
    "train_sizes": lambda value: [check_train_size(size) for size in ([value] if isinstance(value, (str, int, float))
                                                                      else value)],
}


def checked_options(**options: Any) -> RunOptions:
    """:class:`RunOptions` of ``options`` (each checked and converted: paths to Path, one name to a list); a bad
    value or an unknown name is a DlbenchError naming the option, what was wrong and what is valid."""
    known = {item.name for item in fields(RunOptions)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise DlbenchError(f"unknown option {unknown[0]!r}; valid options: {', '.join(sorted(known))}")
    converted = {}
    for name, value in options.items():
        try:
            converted[name] = CHECKS.get(name, lambda given: given)(value)
        except (TypeError, ValueError) as error:
            raise DlbenchError(f"{name}={value!r}: {error}") from None
    return RunOptions(**converted)


def check_new_run(options: RunOptions) -> None:
    """What a new run needs beyond each value's own check: a task, a study name with a shared storage, a
    writable ``publish`` folder, and a last refit seed (``seed + seeds - 1``) every seeded library accepts."""
    if options.publish is not None:
        check_writable_folder(options.publish, "--publish")
    if not options.task and not options.data:
        raise DlbenchError("the following arguments are required: --task (or --resume RUN_DIR)")
    if options.storage is not None and options.study_name is None:
        raise DlbenchError("--storage needs --study-name: the name under which the workers share their studies")
    if options.study_name is not None and not options.study_name.strip():
        raise DlbenchError("--study-name is empty; give the name under which the workers share their studies")
    last_seed = options.seed + options.seeds - 1
    if last_seed > MAX_SEED:
        raise DlbenchError(f"--seeds {options.seeds} with --seed {options.seed} refits with seeds up to {last_seed}; "
                           f"the last seed may be at most {MAX_SEED}: valid --seeds here: 1 to "
                           f"{MAX_SEED - options.seed + 1}")


def check_writable_folder(path: Path, option: str) -> None:
    """A DlbenchError unless ``path`` is a writable folder or can be created as one (checked before any work)."""
    existing = next(folder for folder in (path, *path.absolute().parents) if folder.exists())
    if not existing.is_dir():
        raise DlbenchError(f"{option} {str(path)!r}: {str(existing)!r} is a file, not a folder; give a folder")
    if not os.access(existing, os.W_OK):
        raise DlbenchError(f"{option} {str(path)!r}: folder {str(existing)!r} is not writable; give a writable folder")


def command_line(options: RunOptions) -> List[str]:
    """The ``dlbench run`` command line (without ``dlbench``) of ``options``: every option not at its default.
    Tasks handed over in memory have no command-line form; ``run.json`` names them in its settings."""
    defaults = RunOptions()
    words = ["run"]
    for item in fields(RunOptions):
        value = getattr(options, item.name)
        if item.name == "data" or value == getattr(defaults, item.name) or (item.name in LIST_OPTIONS and not value):
            continue
        flag = "-p" if item.name == "plugin_args" else "--" + item.name.replace("_", "-")
        if isinstance(value, bool):
            words.append(flag)
        elif item.name == "train_sizes":
            words += [flag, *map(str, value)]
        elif item.name in LIST_OPTIONS:
            for entry in value:
                words += [flag, str(entry)]
        else:
            words += [flag, "none" if value is None else str(value)]
    return words


LIST_OPTIONS = ("task", "model", "plugins_dir", "plugin_args", "train_sizes")


def bounded(name: str, value: Any, low: float, high: Optional[float], expected: str, exclusive: bool = False) -> float:
    """``value`` as a float within ``low`` .. ``high`` (None: no upper bound; ``exclusive``: neither end);
    a DlbenchError naming ``name``, the value and what is ``expected``."""
    number = float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else math.nan
    inside = (low < number if exclusive else low <= number) and (
        number < math.inf if high is None else (number < high if exclusive else number <= high))
    if not inside:
        raise DlbenchError(f"{name}={value!r} is not valid; expected {expected}")
    return number
