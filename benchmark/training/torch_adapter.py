"""TorchClassifier: turns an ``nn.Module`` factory into a scikit-learn style estimator trained by Lightning."""

from __future__ import annotations

import signal
import warnings
from typing import Any, Callable, Optional

import numpy as np

from dlbench.training.recipe import Recipe
from dlbench.training.tensors import cpu_native_bf16, native_bf16
from dlbench.types import Augmentation, TrainingSettings


def _devices_for(accelerator: str, devices: Any) -> Any:
    """Lightning's ``devices``; one GPU per trial when several are visible.

    ``devices="auto"`` on a multi-GPU machine would make Lightning launch DDP
    subprocesses that re-run the whole command; one trial per device is the
    scheduler's job, not the trainer's.
    """
    import torch

    if devices == "auto" and accelerator in ("auto", "gpu", "cuda") and torch.cuda.device_count() > 1:
        return 1
    return devices


def _accelerator_device(accelerator: str) -> str:
    """The kind of device ``accelerator`` will train on: ``cuda`` on a CUDA GPU, ``mps`` on Apple's, ``cpu``
    when ``auto`` finds neither, else the accelerator's name."""
    import torch

    if accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available():
        return "cuda"
    if accelerator == "auto":
        return "mps" if torch.backends.mps.is_available() else "cpu"
    return accelerator


def resolved_precision(precision: Optional[str], device_type: str) -> str:
    """Lightning's precision flag: ``bf16-mixed`` by default on a GPU or CPU that computes bfloat16 natively,
    else ``32-true``."""
    if precision is None:
        native = native_bf16() if device_type == "cuda" else cpu_native_bf16() if device_type == "cpu" else False
        precision = "bf16-mixed" if native else "32"
    return "32-true" if precision == "32" else precision


class TorchClassifier:
    """A classifier from a network factory, trained with ``pytorch_lightning.Trainer``.

    The defaults train as the tutorial does (Adam at a constant learning rate, cross-entropy, no augmentation);
    the rest of a modern recipe is a choice of arguments, each of which a search space can tune (see
    :class:`dlbench.training.recipe.Recipe`).

    :param module_factory: ``() -> nn.Module`` mapping ``N x C x H x W`` images to class logits.
    :param lr: the learning rate (the peak one under a schedule with warm-up).
    :param batch_size: mini-batch size.
    :param epochs: passes over the training data.
    :param weight_decay: the optimiser's weight decay (L2 for adam and sgd, decoupled for adamw).
    :param seed: seeds the weights, the batch order and the augmentation's draws.
    :param optimizer: ``adam``, ``adamw`` or ``sgd`` (Nesterov momentum ``momentum``).
    :param momentum: SGD's momentum.
    :param schedule: the learning rate over the steps: ``constant``, ``cosine`` or ``onecycle``.
    :param warmup: the share of the steps spent warming the learning rate up (``onecycle`` needs some).
    :param label_smoothing: how much the cross-entropy's targets are smoothed.
    :param grad_clip: the largest gradient norm; None: no clipping.
    :param augment: how strongly the task's label-keeping transforms are applied to training batches (0 to 1 of
        what the task declares; 0, the default, is none).
    :param augmentation: the task's declared transforms; None until the host hands them over (see
        :func:`dlbench.training.options.build_estimator`), and none when it never does.
    :param accelerator, devices: passed to the Trainer (``"auto"`` uses a GPU when there is one).
    :param on_epoch_end: called as ``(epoch, val_accuracy)`` after each validation epoch.
    :param precision: ``"32"``, ``"bf16-mixed"`` or ``"16-mixed"``; None: the run's ``--precision``
        (by default bf16-mixed on a GPU or CPU with native bfloat16, else 32).
    :param compile: ``torch.compile`` the network; None: the run's ``--compile``.
    :param channels_last: channels-last memory for 4-d images on a GPU (faster convolutions).
    :param training: the run's settings (precision, compile); None until the host hands them over (see
        :func:`dlbench.training.options.build_estimator`), and defaults when it never does.
    """

    def __init__(self, module_factory: Callable[[], Any], lr: float = 1e-3, batch_size: int = 32, epochs: int = 10,
                 weight_decay: float = 0.0, seed: int = 0, accelerator: str = "auto", devices: Any = "auto",
                 on_epoch_end: Optional[Callable[[int, float], None]] = None, precision: Optional[str] = None,
                 compile: Optional[bool] = None, channels_last: bool = True,
                 training: Optional[TrainingSettings] = None, optimizer: str = "adam", momentum: float = 0.9,
                 schedule: str = "constant", warmup: float = 0.0, label_smoothing: float = 0.0,
                 grad_clip: Optional[float] = None, augment: float = 0.0,
                 augmentation: Optional[Augmentation] = None) -> None:
        self.module_factory = module_factory
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.seed = seed
        self.optimizer = optimizer
        self.momentum = momentum
        self.schedule = schedule
        self.warmup = warmup
        self.label_smoothing = label_smoothing
        self.grad_clip = grad_clip
        self.augment = augment
        self.augmentation = augmentation
        _ = self.recipe, self.augmentation_used  # a bad recipe or augmentation strength fails here, before training
        self.accelerator = accelerator
        self.devices = devices
        self.on_epoch_end = on_epoch_end
        self.precision = precision
        self.compile = compile
        self.channels_last = channels_last
        self.training = training

    @property
    def recipe(self) -> Recipe:
        """How the network is optimised, from the arguments (a ValueError names a bad one)."""
        return Recipe(self.lr, self.optimizer, self.weight_decay, self.momentum, self.schedule, self.warmup,
                      self.label_smoothing, self.grad_clip)

    @property
    def augmentation_used(self) -> Augmentation:
        """The transforms applied to training batches: the task's, at strength ``augment``."""
        return (self.augmentation or Augmentation()).scaled(self.augment)

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: Optional[np.ndarray] = None,
            y_val: Optional[np.ndarray] = None) -> "TorchClassifier":
        """Train for ``epochs``; validate after every epoch when validation data is given."""
        import pytorch_lightning as pl
        import torch

        from dlbench.training.lightning_module import ClassifierModule, OneStepPerEpoch, TensorBatches

        torch.manual_seed(self.seed)
        validating = X_val is not None and y_val is not None
        run = self.training or TrainingSettings()
        precision = run.precision if self.precision is None else self.precision
        trainer = pl.Trainer(max_epochs=self.epochs, accelerator=self.accelerator,
                             devices=_devices_for(self.accelerator, self.devices), logger=False,
                             precision=resolved_precision(precision, _accelerator_device(self.accelerator)),
                             enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                             num_sanity_val_steps=0, limit_val_batches=1.0 if validating else 0)
        self.device_ = trainer.strategy.root_device
        self.precision_plugin_ = trainer.precision_plugin
        net = self.module_factory()
        self.channels_last_ = self.channels_last and self.device_.type == "cuda" and X.ndim == 4
        if self.channels_last_:
            net = net.to(memory_format=torch.channels_last)
        compile = run.compile if self.compile is None else self.compile
        train = TensorBatches.on(self.device_, X, y, self.batch_size, shuffle=True, seed=self.seed)
        self.module_ = ClassifierModule(torch.compile(net) if compile else net, self.recipe, self.on_epoch_end,
                                        channels_last=self.channels_last_,
                                        augmentation=self.augmentation_used,
                                        seed=self.seed, total_steps=self.epochs * len(train))
        val = TensorBatches.on(self.device_, X_val, y_val, 1024, shuffle=False) if validating else None
        sigint_handler = signal.getsignal(signal.SIGINT)
        try:
            with warnings.catch_warnings():
                # PL 2.6 on torch 2.13 warns about torch.utils._pytree.LeafSpec on every fit.
                warnings.filterwarnings("ignore", message=r".*LeafSpec.*", category=FutureWarning)
                # A refit on all train data has no validation set, by design.
                warnings.filterwarnings("ignore", message=r"You defined a `validation_step` but have no `val_dataloader`")
                trainer.fit(self.module_, OneStepPerEpoch(train), val)
        except SystemExit:
            if trainer.interrupted:  # Lightning turns Ctrl-C into sys.exit(1); the run must see the Ctrl-C
                raise KeyboardInterrupt from None
            raise
        finally:
            if sigint_handler is not None:  # Lightning ignores SIGINT after a Ctrl-C; give it back
                signal.signal(signal.SIGINT, sigint_handler)
        self.val_accuracy_history_ = list(self.module_.val_accuracy_history)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Integer labels for ``X``, computed in batches on the device the model trained on."""
        return self._outputs(X, lambda logits: logits.argmax(dim=1))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities for ``X`` (the softmax of the network's outputs), one row per image."""
        return self._outputs(X, lambda logits: logits.float().softmax(dim=1))

    def _outputs(self, X: np.ndarray, transform: Callable[[Any], Any]) -> np.ndarray:
        import torch

        from dlbench.training.lightning_module import TensorBatches

        module = self.module_.to(self.device_).eval()
        outputs = []
        # under the precision the model trained and was validated with (autocast for bf16-/16-mixed)
        with torch.inference_mode(), self.precision_plugin_.forward_context():
            for batch in TensorBatches.images_on(self.device_, X, 1024):
                outputs.append(transform(module(batch)))
        return torch.cat(outputs).cpu().numpy()

    @property
    def n_params(self) -> int:
        """Trainable parameters of the fitted network."""
        return sum(p.numel() for p in self.module_.net.parameters() if p.requires_grad)
