"""dlbench: does deep learning beat a well-tuned classical model on this data, by how much, at what cost?

In a notebook or a script: ``run = dlbench.run(tasks=["digits"], models=["svm", "cnn"])`` returns a
:class:`Run` whose leaderboard, comparison, trials and results are pandas DataFrames (docs/api.md);
:func:`load`, :func:`resume` and :func:`compare` work on run folders. These load the host when first used,
so ``import dlbench`` stays quick.

What plugin authors import: ``hookimpl``, the contracts ``Model``, ``Task`` (with ``Task.from_arrays``), ``Augmentation``,
``TaskData``, ``TaskInfo``, ``TaskSource``, ``Reporter`` and ``TrialResult``, the estimator adapters ``TorchClassifier`` and
``SklearnClassifier`` (with ``MAX_INPUTS`` and ``pooled_inputs``, the block averaging of large images),
``stratified_split`` for tasks with one pool of data, and ``DlbenchError`` for bad input. Task plugins
also use the data helpers of :mod:`dlbench.data`. The rest of the package is the host, laid out by
concern (see docs/architecture.md); plugins do not import it.
"""

from importlib.metadata import PackageNotFoundError, version

from dlbench.data.downloads import RemoteData, RemoteFile
from dlbench.data.splits import stratified_split
from dlbench.errors import DlbenchError
from dlbench.host.contracts import ContractError
from dlbench.host.hookspecs import hookimpl
from dlbench.training.pooling import MAX_INPUTS, pooled_inputs
from dlbench.training.sklearn_adapter import SklearnClassifier
from dlbench.training.torch_adapter import TorchClassifier
from dlbench.types import (Augmentation, DataSettings, Estimator, Model, Reporter, Task, TaskData, TaskInfo, TaskOptions, TaskSource,
                           TrainingSettings, TrialResult)

try:
    __version__ = version("dlbench")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

# the API's calls and types, imported when first used (they load the host: optuna, pandas, the runner)
LAZY = {"run": "dlbench.api.running", "resume": "dlbench.api.running", "load": "dlbench.api.outcome",
        "Run": "dlbench.api.outcome", "compare": "dlbench.api.comparing", "Comparison": "dlbench.api.comparing",
        "registered": "dlbench.api.catalogues", "RunInterrupted": "dlbench.runs.runner"}


def __getattr__(name: str):
    """``dlbench.run`` and the other API names of :data:`LAZY`, imported on first use."""
    if name not in LAZY:
        raise AttributeError(f"module 'dlbench' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *LAZY])


__all__ = ["Augmentation", "Comparison", "ContractError", "DataSettings", "DlbenchError", "Estimator", "MAX_INPUTS", "Model",
           "RemoteData", "RemoteFile", "Reporter", "Run", "RunInterrupted", "SklearnClassifier", "Task", "TaskData",
           "TaskInfo", "TaskOptions", "TaskSource", "TorchClassifier", "TrainingSettings", "TrialResult",
           "__version__", "compare", "hookimpl", "load", "pooled_inputs", "registered", "resume", "run",
           "stratified_split"]
