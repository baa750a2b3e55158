"""Public contracts between the host and its plugins."""

from __future__ import annotations

import inspect
import json
import os
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, Literal, Mapping, Optional, Protocol, Sequence, Tuple

import numpy as np

from dlbench.errors import DlbenchError
from dlbench.in_memory import DEFAULT_LAYOUT, TEST_FRACTION, labelled_images

if TYPE_CHECKING:
    import optuna

    from dlbench.data.downloads import RemoteData

Family = Literal["deep", "classical"]
FAMILIES: Tuple[str, ...] = ("deep", "classical")


class Estimator(Protocol):
    """What a model's ``build`` returns: a scikit-learn style classifier.

    ``fit`` stores what it learned and returns ``self``; it may use the validation
    data (deep models monitor it every epoch). ``predict`` returns integer labels. An estimator may also
    have ``predict_proba`` (one row of class probabilities per image), kept with the test predictions.
    """

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: Optional[np.ndarray] = None,
            y_val: Optional[np.ndarray] = None) -> "Estimator": ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class TaskData:
    """What a task's loader returns: the task's fixed train and test split.

    Images are ``N x C x H x W``, either float32 in [0, 1] or uint8 in [0, 255] (kept compact in
    memory and converted to float one batch at a time); labels are integers in ``[0, len(class_names))``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class TrainingSettings:
    """How a run trains the estimators it builds: ``--precision``, ``--compile`` and the worker's cores.

    The host hands them to every estimator it builds whose ``training`` is None (the adapters',
    :class:`dlbench.TorchClassifier` and :class:`dlbench.SklearnClassifier`), so two runs in one process
    never share settings. An adapter given its own ``precision`` or ``compile`` keeps them.
    """

    precision: Optional[str] = None  # "32", "bf16-mixed", "16-mixed"; None: bf16-mixed where native (GPU or CPU), else 32
    compile: bool = False  # torch.compile the networks
    threads: Optional[int] = None  # the cores this worker may use (``n_jobs``, trials side by side); None: every core


@dataclass(frozen=True)
class Augmentation:
    """Transforms that keep a task's labels, which a trainer may apply to its training images (never to
    validation or test images): shifts of up to ``shift`` pixels in each direction (the image is padded with
    zeros), horizontal and vertical flips, and rotations by up to ``rotate`` degrees either way.

    A task declares what holds for its images (a mirrored digit is no longer the same digit, a mirrored shape
    is); how much of it a model uses is its own choice (:meth:`scaled`). ``--augment`` declares it for tasks
    that declare none (folders, arrays). Written and read as text: ``shift=2,hflip,vflip,rotate=30`` or ``none``.
    """

    shift: int = 0
    hflip: bool = False
    vflip: bool = False
    rotate: float = 0.0

    def __post_init__(self) -> None:
        if not (isinstance(self.shift, int) and 0 <= self.shift <= 64):
            raise DlbenchError(f"augmentation shift={self.shift!r}: expected whole pixels from 0 to 64")
        if not 0.0 <= float(self.rotate) <= 180.0:
            raise DlbenchError(f"augmentation rotate={self.rotate!r}: expected degrees from 0 to 180")

    @property
    def active(self) -> bool:
        """Whether any transform is declared."""
        return bool(self.shift or self.hflip or self.vflip or self.rotate)

    def scaled(self, strength: float) -> "Augmentation":
        """The transforms at ``strength`` (0 to 1) of what is declared: shifts and angles scaled (shifts rounded),
        flips kept from any strength above 0; strength 0 is none."""
        if not 0.0 <= strength <= 1.0:
            raise DlbenchError(f"augmentation strength {strength!r}: expected a number from 0 to 1")
        if strength == 0:
            return Augmentation()
        return Augmentation(int(round(self.shift * strength)), self.hflip, self.vflip, self.rotate * strength)

    def __str__(self) -> str:
        parts = ([f"shift={self.shift}"] if self.shift else []) + ["hflip"] * self.hflip + ["vflip"] * self.vflip
        parts += [f"rotate={self.rotate:g}"] if self.rotate else []
        return ",".join(parts) or "none"

    @classmethod
    def parse(cls, text: str) -> "Augmentation":
        """The augmentation ``text`` spells (see the class); a DlbenchError naming the bad part."""
        text = text.strip()
        if text.lower() == "none":
            return cls()
        values: Dict[str, Any] = {}
        for part in (item.strip() for item in text.split(",")):
            key, _, value = part.partition("=")
            if key in ("hflip", "vflip") and not value and key not in values:
                values[key] = True
            elif key in ("shift", "rotate") and value and key not in values:
                try:
                    values[key] = int(value) if key == "shift" else float(value)
                except ValueError:
                    raise DlbenchError(f"--augment {text!r}: {key} takes a number, not {value!r}") from None
            else:
                raise DlbenchError(f"--augment {text!r}: cannot read {part!r}; expected none, or a comma-separated "
                                   "list of shift=PIXELS, hflip, vflip, rotate=DEGREES (each once)")
        try:
            return cls(**values)
        except DlbenchError as error:
            raise DlbenchError(f"--augment {text!r}: {error}") from None


@dataclass(frozen=True)
class DataSettings:
    """What a task's ``load`` may need from the run: the data directory and whether downloads draw progress
    bars (``--quiet`` turns them off).

    ``chosen`` is ``--data-dir`` (None: not given). :attr:`data_dir` is looked up only when a loader asks
    for it, so a run of tasks that read no files never needs one.
    """

    chosen: Optional[Path] = None
    progress: bool = True

    @property
    def data_dir(self) -> Path:
        """``chosen`` (which must exist), else ``$DLBENCH_DATA``, else ``~/.cache/dlbench`` (created)."""
        if self.chosen is not None:
            if not Path(self.chosen).is_dir():
                raise DlbenchError(f"data directory {str(self.chosen)!r} does not exist; create it or pass an "
                                   "existing folder")
            return Path(self.chosen)
        from_env = os.environ.get("DLBENCH_DATA")
        if from_env:
            if not Path(from_env).is_dir():
                raise DlbenchError(f"DLBENCH_DATA={from_env!r} is not a folder; create it or unset DLBENCH_DATA")
            return Path(from_env)
        default = Path.home() / ".cache" / "dlbench"
        try:
            default.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DlbenchError(f"cannot create the data directory {str(default)!r} ({error.strerror}); pass "
                               "--data-dir or set DLBENCH_DATA") from None
        return default


@dataclass(frozen=True)
class TaskInfo:
    """What a model's ``build`` learns about the task it will be trained on, and how the run trains."""

    name: str
    input_shape: Tuple[int, ...]  # C, H, W
    n_classes: int
    class_names: Tuple[str, ...]
    seed: int  # use it for the estimator's random_state
    training: TrainingSettings = TrainingSettings()
    augmentation: Augmentation = Augmentation()  # what the task says keeps its labels (the trainer applies it)


@dataclass(frozen=True)
class Task:
    """A task plugin: a named, tagged data set with a fixed train/test split.

    :param name: unique name, used on the command line (``--task digits``).
    :param tags: groups the task joins (``--task images`` runs every task tagged ``images``).
    :param class_names: one name per label; label ``i`` is ``class_names[i]``.
    :param load: returns the :class:`TaskData`; called once per run, with the run's :class:`DataSettings`
        when it requires an argument (a task that reads or downloads files in the data directory), else
        without.
    :param description: one line for ``dlbench list``.
    :param remote: the files the task downloads, for ``dlbench data list`` and ``dlbench data fetch``.
    :param augmentation: the transforms that keep the task's labels (:class:`Augmentation`); models may train
        on transformed copies of its training images. None declared by default.
    """

    name: str
    tags: Tuple[str, ...]
    class_names: Tuple[str, ...]
    load: Callable[..., TaskData]
    description: str = ""
    remote: Optional["RemoteData"] = None
    augmentation: Augmentation = Augmentation()

    def load_data(self, settings: DataSettings) -> TaskData:
        """Call ``load``, handing it ``settings`` when it takes them."""
        return self.load(settings) if _takes_an_argument(self.load) else self.load()

    @classmethod
    def from_arrays(cls, name: str, x: Any, y: Any, x_test: Any = None, y_test: Any = None, *,
                    layout: str = DEFAULT_LAYOUT, seed: int = 0, test_fraction: float = TEST_FRACTION,
                    tags: Sequence[str] = ("in-memory",), description: str = "",
                    augmentation: Augmentation = Augmentation()) -> "Task":
        """A task of images and labels in memory.

        :param x: images as ``N x H x W x C`` (``layout="NHWC"``, the default: numpy, PIL, Keras),
            ``N x C x H x W`` (``layout="NCHW"``, PyTorch) or ``N x H x W`` (grey); uint8 0-255, or floats in [0, 1].
        :param y: one label per image, of any hashable type (strings, ints not starting at 0, ...): they are
            encoded as ``0 .. classes - 1`` in sorted order, and the class names are the labels as text.
        :param x_test: the fixed test split's images and ``y_test`` its labels; without them a stratified
            ``test_fraction`` of ``x`` (seeded by ``seed``) is held out for test.
        :param augmentation: the transforms that keep the labels (none unless given).
        :raises DlbenchError: (a ValueError) naming what is wrong with the arrays, before any training.
        """
        images = labelled_images(name, x, y, x_test, y_test, layout, seed, test_fraction)
        data = TaskData(images.x_train, images.y_train, images.x_test, images.y_test)
        shape = "x".join(map(str, images.x_train.shape[1:]))
        return cls(name, tuple(tags), images.class_names, lambda: data, description or
                   f"{len(images.y_train)} train and {len(images.y_test)} test images ({shape}) in memory",
                   augmentation=augmentation)


def _takes_an_argument(function: Callable[..., Any]) -> bool:
    """Whether ``function`` requires a positional argument (a loader with only defaulted parameters takes none)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: called as documented, without arguments
        return False
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in parameters)


@dataclass(frozen=True)
class Model:
    """A model plugin: how to search its hyperparameters and how to build it.

    :param name: unique name, used on the command line (``--model cnn``).
    :param family: ``"deep"`` or ``"classical"``; the comparison tables set one against the other.
    :param search_space: Optuna define-by-run space: ``trial -> params`` (a dict of plain values).
    :param defaults: params of the first trial of every study (so ``--trials 1`` benchmarks
        them); each must lie inside ``search_space``.
    :param build: ``(params, task_info) -> Estimator``.
    :param description: one line for ``dlbench list``.
    :param portfolio: known-good params tried right after the defaults, before the sampler takes
        over (a warm start, like AutoGluon's preset portfolios); each must lie inside ``search_space``.
    :param single_threaded: its fit and predict use one core (libsvm, a single tree, lbfgs on one
        thread): the host then runs as many of its trials side by side as the worker has cores, with the
        BLAS and OpenMP pools held to one thread meanwhile (see :mod:`dlbench.tuning`). Leave it False
        for a model that parallelises itself (torch, ``n_jobs``, OpenMP).
    """

    name: str
    family: Family
    search_space: Callable[["optuna.Trial"], dict]
    defaults: Mapping[str, Any]
    build: Callable[[Mapping[str, Any], TaskInfo], Estimator]
    description: str = ""
    portfolio: Sequence[Mapping[str, Any]] = ()
    single_threaded: bool = False


@dataclass(frozen=True)
class TaskOptions:
    """How a task source should prepare images: ``--image-size`` (None: the images' own) and ``--color``."""

    image_size: Optional[int] = None
    color: Optional[str] = None  # "rgb", "gray" or None (the source decides)


@dataclass(frozen=True)
class TaskSource:
    """A task plugin that makes tasks on demand: ``--task PREFIX:ARGUMENT``.

    :param prefix: the part before the colon (``folder``).
    :param make: ``(argument, options) -> Task``; raise :class:`dlbench.errors.DlbenchError` for bad arguments.
    :param description: one line for ``dlbench list``.
    """

    prefix: str
    make: Callable[[str, TaskOptions], Task]
    description: str = ""


@dataclass(frozen=True)
class Reporter:
    """A report format: ``dlbench report --format NAME``.

    :param name: the format's name on the command line (``--format NAME``).
    :param render: ``(summary, trials) -> str``: ``summary`` is a :class:`dlbench.reports.Summary`
        (per-task leaderboards, the overall ranking, deep vs classical, the verdict) and ``trials`` the
        merged ``trials.csv`` rows as a pandas DataFrame.
    :param extension: the file extension the format's files usually have (``.md``).
    :param description: one line for ``dlbench plugins`` and ``dlbench report --help``.
    """

    name: str
    render: Callable[[Any, Any], str]
    extension: str = ".txt"
    description: str = ""


def column(kind: str, default: Any = MISSING) -> Any:
    """A dataclass field that is a column of a run's tables, of ``kind``: ``text``, ``count`` (a whole number),
    ``score`` (a test-set score in [0, 1]), ``accuracy`` (another accuracy in [0, 1]) or ``number`` (seconds
    and other numbers >= 0). The kinds say how result files are checked, read and summarised. Without a
    ``default`` the field is required."""
    return field(default=default, metadata={"kind": kind})


@dataclass(frozen=True)
class TrialResult:
    """One finished trial, as ``trial_finished`` observers receive it: a ``trials.csv`` row (its fields are the
    file's columns, in order; see :mod:`dlbench.results.schema`).

    ``state`` is complete, pruned, fail or interrupted; ``val_accuracy`` the validation accuracy
    (for a pruned trial, the last one it reported); ``epochs`` the epochs a deep model trained
    (None for classical models); ``error`` why a failed trial failed.
    """

    task: str = column("text")
    model: str = column("text")
    family: str = column("text")
    trial: int = column("count")
    state: str = column("text")
    val_accuracy: float = column("accuracy")
    fit_seconds: float = column("number")
    epochs: Optional[int] = column("count")
    params: Mapping[str, Any] = column("text")  # JSON in trials.csv
    error: str = column("text", "")
    worker: str = column("text", "")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "TrialResult":
        """The trial of a ``trials.csv`` row (``params`` as JSON there)."""
        epochs = row.get("epochs")
        return cls(task=row["task"], model=row["model"], family=row["family"], trial=int(row["trial"]),
                   state=row["state"], val_accuracy=float(row["val_accuracy"]), fit_seconds=float(row["fit_seconds"]),
                   epochs=int(epochs) if epochs not in ("", None) else None, params=json.loads(row["params"]),
                   error=row["error"], worker=str(row["worker"]))

    def to_row(self) -> Dict[str, Any]:
        """The trial as a ``trials.csv`` row: ``params`` as JSON, no epochs as an empty cell."""
        row = {item.name: getattr(self, item.name) for item in fields(self)}
        return {**row, "params": json.dumps(dict(self.params), sort_keys=True),
                "epochs": "" if self.epochs is None else self.epochs}
