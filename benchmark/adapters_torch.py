"""TorchClassifier: turns an ``nn.Module`` factory into a scikit-learn style estimator trained by Lightning."""

from __future__ import annotations

import signal
import warnings
from typing import Any, Callable, Optional

import numpy as np


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


def _as_tensor(array: np.ndarray):
    """A tensor sharing ``array``'s memory (memory-mapped data sets stay on disk until a batch is used)."""
    import torch

    with warnings.catch_warnings():
        # read-only memory maps: torch warns that writing would fail; nothing here writes to them
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.as_tensor(array)


class TorchClassifier:
    """A classifier from a network factory, trained with ``pytorch_lightning.Trainer``.

    :param module_factory: ``() -> nn.Module`` mapping ``N x C x H x W`` images to class logits.
    :param lr: Adam learning rate.
    :param batch_size: mini-batch size.
    :param epochs: passes over the training data.
    :param weight_decay: Adam's L2 penalty.
    :param seed: seeds the weights and the batch order.
    :param accelerator, devices: passed to the Trainer (``"auto"`` uses a GPU when there is one).
    :param on_epoch_end: called as ``(epoch, val_accuracy)`` after each validation epoch.
    """

    def __init__(self, module_factory: Callable[[], Any], lr: float = 1e-3, batch_size: int = 32, epochs: int = 10,
                 weight_decay: float = 0.0, seed: int = 0, accelerator: str = "auto", devices: Any = "auto",
                 on_epoch_end: Optional[Callable[[int, float], None]] = None) -> None:
        self.module_factory = module_factory
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.seed = seed
        self.accelerator = accelerator
        self.devices = devices
        self.on_epoch_end = on_epoch_end

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: Optional[np.ndarray] = None,
            y_val: Optional[np.ndarray] = None) -> "TorchClassifier":
        """Train for ``epochs``; validate after every epoch when validation data is given."""
        import pytorch_lightning as pl
        import torch

        from .lightning_module import ClassifierModule, TensorBatches

        torch.manual_seed(self.seed)
        self.module_ = ClassifierModule(self.module_factory(), self.lr, self.weight_decay, self.on_epoch_end)
        train = TensorBatches(_as_tensor(X), _as_tensor(y), self.batch_size, shuffle=True, seed=self.seed)
        val = None
        if X_val is not None and y_val is not None:
            val = TensorBatches(_as_tensor(X_val), _as_tensor(y_val), 1024, shuffle=False)
        trainer = pl.Trainer(max_epochs=self.epochs, accelerator=self.accelerator,
                             devices=_devices_for(self.accelerator, self.devices), logger=False,
                             enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                             num_sanity_val_steps=0, limit_val_batches=1.0 if val is not None else 0)
        sigint_handler = signal.getsignal(signal.SIGINT)
        try:
            with warnings.catch_warnings():
                # PL 2.6 on torch 2.13 warns about torch.utils._pytree.LeafSpec on every fit.
                warnings.filterwarnings("ignore", message=r".*LeafSpec.*", category=FutureWarning)
                # A refit on all train data has no validation set, by design.
                warnings.filterwarnings("ignore", message=r"You defined a `validation_step` but have no `val_dataloader`")
                trainer.fit(self.module_, train, val)
        except SystemExit:
            if trainer.interrupted:  # Lightning turns Ctrl-C into sys.exit(1); the run must see the Ctrl-C
                raise KeyboardInterrupt from None
            raise
        finally:
            if sigint_handler is not None:  # Lightning ignores SIGINT after a Ctrl-C; give it back
                signal.signal(signal.SIGINT, sigint_handler)
        self.device_ = trainer.strategy.root_device
        self.val_accuracy_history_ = list(self.module_.val_accuracy_history)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Integer labels for ``X``, computed in batches on the device the model trained on."""
        import torch

        module = self.module_.to(self.device_).eval()
        x = _as_tensor(X)
        labels = []
        with torch.inference_mode():
            for start in range(0, len(x), 1024):
                labels.append(module(x[start:start + 1024].to(self.device_)).argmax(dim=1).cpu())
        return torch.cat(labels).numpy()

    @property
    def n_params(self) -> int:
        """Trainable parameters of the fitted network."""
        return sum(p.numel() for p in self.module_.net.parameters() if p.requires_grad)
