"""Fitting and predicting: the estimator adapters plugins build on, and how deep models train.

``sklearn_adapter`` (:class:`dlbench.SklearnClassifier`: pixels, scaling, pooling, ``n_jobs``),
``torch_adapter`` (:class:`dlbench.TorchClassifier`, trained by Lightning), ``recipe`` (its optimiser, learning-rate
schedule, label smoothing and clipping), ``augment`` (a task's transforms applied to training batches on the
device), ``lightning_module`` (its Lightning side, imported only when a network trains: Lightning is slow to
import), ``tensors`` (arrays on
a device), ``options`` (``--precision``, ``--compile``), ``pooling`` (block averages of large images),
``param_counts`` (learned values of fitted scikit-learn models) and ``outputs`` (the check of what
``predict`` returns). The adapters and ``MAX_INPUTS``/``pooled_inputs`` are public, through :mod:`dlbench`.

May import: the leaf helpers (:mod:`dlbench.errors`, :mod:`dlbench.types`); torch, Lightning, scikit-learn.
"""
