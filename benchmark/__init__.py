"""dlbench: does deep learning beat a well-tuned classical model on this data, by how much, at what cost?

What plugin authors import: ``hookimpl``, the contracts ``Model``, ``Task``,
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
from dlbench.host.hookspecs import hookimpl
from dlbench.training.pooling import MAX_INPUTS, pooled_inputs
from dlbench.training.sklearn_adapter import SklearnClassifier
from dlbench.training.torch_adapter import TorchClassifier
from dlbench.types import (DataSettings, Estimator, Model, Reporter, Task, TaskData, TaskInfo, TaskOptions, TaskSource,
                           TrainingSettings, TrialResult)

try:
    __version__ = version("dlbench")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = ["DataSettings", "DlbenchError", "Estimator", "MAX_INPUTS", "Model", "RemoteData", "RemoteFile", "Reporter",
           "SklearnClassifier", "Task", "TaskData", "TaskInfo", "TaskOptions", "TaskSource", "TorchClassifier",
           "TrainingSettings", "TrialResult", "__version__", "hookimpl", "pooled_inputs", "stratified_split"]
