"""dlbench: does deep learning beat a well-tuned classical model on this data, by how much, at what cost?

What plugin authors import: ``hookimpl``, the contracts ``Model``, ``Task``,
``TaskData``, ``TaskInfo``, ``TaskSource``, ``Reporter`` and ``TrialResult``, the estimator adapters ``TorchClassifier`` and
``SklearnClassifier``, and ``stratified_split`` for tasks with one pool of data.
"""

from importlib.metadata import PackageNotFoundError, version

from .adapters_sklearn import SklearnClassifier
from .adapters_torch import TorchClassifier
from .downloads import RemoteData, RemoteFile
from .hookspecs import hookimpl
from .splits import stratified_split
from .types import Estimator, Model, Reporter, Task, TaskData, TaskInfo, TaskOptions, TaskSource, TrialResult

try:
    __version__ = version("dlbench")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = ["Estimator", "Model", "RemoteData", "RemoteFile", "Reporter", "SklearnClassifier", "Task", "TaskData",
           "TaskInfo", "TaskOptions", "TaskSource", "TorchClassifier", "TrialResult", "__version__", "hookimpl",
           "stratified_split"]
