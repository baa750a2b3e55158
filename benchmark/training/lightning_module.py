"""The Lightning side of :class:`dlbench.TorchClassifier` (imported lazily: Lightning is slow to import)."""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator, List, Optional, Tuple

import numpy as np
import pytorch_lightning as pl
import torch
from torch import nn

from dlbench.errors import TrainingDiverged
from dlbench.training.augment import augmented, generator_on
from dlbench.training.recipe import Recipe
from dlbench.training.tensors import on_device, shared_tensor
from dlbench.types import Augmentation

# Lightning's start-up notes ("GPU available: ...", tips) are not dlbench's output.
for _name in ("pytorch_lightning", "lightning_fabric", "lightning.pytorch", "lightning.fabric"):
    logging.getLogger(_name).setLevel(logging.WARNING)

EpochCallback = Callable[[int, float], None]


def as_unit_float(x: torch.Tensor) -> torch.Tensor:
    """A batch as float pixels in [0, 1]: uint8 batches (0-255) are converted here, one batch at a time."""
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x


class TensorBatches:
    """Mini-batches sliced straight from in-memory tensors (no per-sample collation, no worker processes).

    Batches come out on ``device``: sliced there when the tensors are kept on it, else copied to pinned
    memory and sent asynchronously, one batch at a time.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool, seed: int = 0,
                 device: Optional[torch.device] = None) -> None:
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle
        self.device = x.device if device is None else device
        self.generator = torch.Generator().manual_seed(seed)  # on the CPU: the same order on every device

    @classmethod
    def on(cls, device: torch.device, x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool,
           seed: int = 0) -> "TensorBatches":
        """Batches on ``device``: sliced from the data kept there (moved once, see :func:`on_device`), or,
        for a data set too large to keep on it, sent batch by batch from pinned memory."""
        images, labels = on_device(x, device), on_device(y, device)
        if images is None or labels is None:
            return cls(shared_tensor(x), shared_tensor(y), batch_size, shuffle, seed, device)
        return cls(images, labels, batch_size, shuffle, seed)

    @classmethod
    def images_on(cls, device: torch.device, x: np.ndarray, batch_size: int) -> Iterator[torch.Tensor]:
        """The images of ``x`` in order, batch by batch, on ``device`` (for prediction)."""
        kept = on_device(x, device)
        images = shared_tensor(x) if kept is None else kept
        for start in range(0, len(images), batch_size):
            yield cls._sent(images[start:start + batch_size], device)

    @staticmethod
    def _sent(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
        """``batch`` on ``device``; from the CPU to a CUDA GPU through pinned memory, asynchronously."""
        if batch.device.type == "cpu" and device.type == "cuda":
            return batch.pin_memory().to(device, non_blocking=True)
        return batch if batch.device == device else batch.to(device)

    @property
    def pinned(self) -> bool:
        """True when batches are sent to a CUDA GPU one by one through pinned memory."""
        return self.x.device.type == "cpu" and self.device.type == "cuda"

    def __len__(self) -> int:
        return (len(self.x) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
        order = torch.randperm(len(self.x), generator=self.generator).to(self.x.device) if self.shuffle else None
        for start in range(0, len(self.x), self.batch_size):
            if order is None:
                x, y = self.x[start:start + self.batch_size], self.y[start:start + self.batch_size]
            else:
                index = order[start:start + self.batch_size]
                x, y = self.x[index], self.y[index]
            yield self._sent(x, self.device), self._sent(y, self.device)


class OneStepPerEpoch:
    """Training data for Lightning with one item per epoch: that epoch's :class:`TensorBatches`.

    Lightning then runs one ``training_step`` per epoch, which loops over the mini-batches itself, so
    Lightning's per-step machinery (hooks, closures, progress tracking: about 0.5 ms a step on a CPU)
    is paid once per epoch instead of once per mini-batch.
    """

    def __init__(self, batches: TensorBatches) -> None:
        self.batches = batches

    def __len__(self) -> int:
        return 1

    def __iter__(self) -> Iterator[TensorBatches]:
        yield self.batches


class ClassifierModule(pl.LightningModule):
    """Training of any ``nn.Module`` that maps images to class logits, by a :class:`Recipe` (the optimiser, its
    learning-rate schedule, label smoothing and gradient clipping).

    One ``training_step`` trains a whole epoch (see :class:`OneStepPerEpoch`), with the optimiser (and the
    schedule) stepped after every mini-batch, exactly as a hand-written loop does. Lightning's step counting is
    bypassed with its optimiser wrapper, so ``trainer.global_step`` stays 0 (it counts mini-batches only
    under 16-mixed): step-based Trainer options (``max_steps``, an integer ``val_check_interval``) do not
    apply. ``augmentation`` transforms the training batches (never validation or prediction ones), with random
    draws seeded by ``seed`` on the batches' device. The epoch's losses are summed on the device and checked
    once, at the end of the epoch (no per-batch synchronisation): a NaN or infinite loss raises
    :class:`TrainingDiverged`. With ``channels_last`` the images are handed to the network in channels-last memory
    format. ``total_steps`` is the number of mini-batches the schedule spans (all epochs').
    """

    def __init__(self, net: nn.Module, recipe: Recipe = Recipe(), on_epoch_end: Optional[EpochCallback] = None,
                 channels_last: bool = False, augmentation: Augmentation = Augmentation(), seed: int = 0,
                 total_steps: int = 1) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.net, self.recipe, self.channels_last = net, recipe, channels_last
        self.augmentation, self.seed, self.total_steps = augmentation, seed, total_steps
        self.on_epoch_end = on_epoch_end
        self.loss = recipe.loss()
        self.val_accuracy_history: List[float] = []
        self._correct = 0
        self._seen = 0
        self._scheduler: Any = None
        self._augmenting: Any = None  # the augmentation's random generator, made on the device at the first batch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = as_unit_float(x)
        return self.net(x.contiguous(memory_format=torch.channels_last) if self.channels_last else x)

    def _step_functions(self) -> Tuple[Callable[[torch.Tensor], None], Any]:
        """``(backward, optimiser)`` for this epoch's mini-batches.

        Lightning's own (:meth:`manual_backward`, its wrapped optimiser) when its precision scales the
        loss (``16-mixed``); otherwise torch's, which do the same arithmetic without Lightning's per-step
        hooks (about 0.15 ms a step on a CPU, 20% of a small MLP's training time).
        """
        optimiser = self.optimizers()
        if self._scales_loss:
            return self.manual_backward, optimiser
        return torch.Tensor.backward, optimiser.optimizer

    @property
    def _scales_loss(self) -> bool:
        """Whether the precision scales the loss (16-mixed's gradient scaler)."""
        return getattr(self.trainer.precision_plugin, "scaler", None) is not None

    def _augmented(self, x: torch.Tensor) -> torch.Tensor:
        """A training batch as float pixels, transformed by the task's augmentation (when any)."""
        if not self.augmentation.active:
            return x
        if self._augmenting is None:
            self._augmenting = generator_on(x.device, self.seed)
        return augmented(as_unit_float(x), self.augmentation, self._augmenting)

    def training_step(self, batches: TensorBatches, batch_idx: int) -> None:
        backward, optimiser = self._step_functions()
        clip_here = self.recipe.grad_clip is not None and not self._scales_loss  # else on_before_optimizer_step
        total: Optional[torch.Tensor] = None
        for x, y in batches:
            loss = self.loss(self(self._augmented(x)), y)
            optimiser.zero_grad()
            backward(loss)
            if clip_here:
                nn.utils.clip_grad_norm_(self.parameters(), self.recipe.grad_clip)
            optimiser.step()
            if self._scheduler is not None:
                self._scheduler.step()
            total = loss.detach() if total is None else total + loss.detach()
        if total is not None and not bool(torch.isfinite(total)):
            raise TrainingDiverged(f"training loss became {float(total)} in epoch {self.current_epoch + 1}")

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self._correct += int((self(x).argmax(dim=1) == y).sum())
        self._seen += len(y)

    def on_validation_epoch_end(self) -> None:
        accuracy = self._correct / max(self._seen, 1)
        self._correct = self._seen = 0
        self.val_accuracy_history.append(accuracy)
        if self.on_epoch_end is not None:
            self.on_epoch_end(self.current_epoch, accuracy)

    def on_before_optimizer_step(self, optimizer: Any) -> None:
        """Under a loss-scaling precision (16-mixed), clip the gradients Lightning has just unscaled."""
        if self.recipe.grad_clip is not None:
            nn.utils.clip_grad_norm_(self.parameters(), self.recipe.grad_clip)

    def configure_optimizers(self):
        optimiser = self.recipe.optimiser(self.parameters())
        self._scheduler = self.recipe.scheduler(optimiser, self.total_steps)
        return optimiser
