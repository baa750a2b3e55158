"""How a deep model is optimised: the optimiser, its weight decay, the learning-rate schedule, label smoothing
and gradient clipping (:class:`Recipe`), each an argument of :class:`dlbench.TorchClassifier` that a search space
can tune.

The default recipe is the tutorial's: Adam at a constant learning rate, plain cross-entropy, no clipping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Optional

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "onecycle")


@dataclass(frozen=True)
class Recipe:
    """The optimisation of a network.

    :param lr: the learning rate (the peak one under a schedule with warm-up).
    :param optimizer: ``adam``, ``adamw`` (decoupled weight decay, Loshchilov and Hutter 2019) or ``sgd``
        (with Nesterov momentum ``momentum``).
    :param weight_decay: L2 penalty (``adam``, ``sgd``) or decoupled decay (``adamw``).
    :param momentum: SGD's Nesterov momentum.
    :param schedule: ``constant``; ``cosine`` (to zero by the last step, Loshchilov and Hutter 2017); or ``onecycle``
        (Smith and Topin 2019: up from ``lr / 25`` during the warm-up, then annealed to ``lr / 25e4``).
    :param warmup: the share of all steps spent warming up linearly (``onecycle`` needs some; with ``constant``
        and ``cosine`` it is optional).
    :param label_smoothing: cross-entropy against labels smoothed by this much (Szegedy et al. 2016).
    :param grad_clip: the largest norm of the gradient (all parameters together); None: no clipping.
    """

    lr: float = 1e-3
    optimizer: str = "adam"
    weight_decay: float = 0.0
    momentum: float = 0.9
    schedule: str = "constant"
    warmup: float = 0.0
    label_smoothing: float = 0.0
    grad_clip: Optional[float] = None

    def __post_init__(self) -> None:
        problems = [f"optimizer {self.optimizer!r} (valid: {', '.join(OPTIMIZERS)})" * (self.optimizer not in OPTIMIZERS),
                    f"schedule {self.schedule!r} (valid: {', '.join(SCHEDULES)})" * (self.schedule not in SCHEDULES),
                    f"lr {self.lr!r} (valid: above 0)" * (not self.lr > 0),
                    f"weight_decay {self.weight_decay!r} (valid: 0 or more)" * (not self.weight_decay >= 0),
                    f"momentum {self.momentum!r} (valid: 0 to below 1)" * (not 0 <= self.momentum < 1),
                    f"warmup {self.warmup!r} (valid: 0 to below 1)" * (not 0 <= self.warmup < 1),
                    f"label_smoothing {self.label_smoothing!r} (valid: 0 to below 1)"
                    * (not 0 <= self.label_smoothing < 1),
                    f"grad_clip {self.grad_clip!r} (valid: None or above 0)"
                    * (self.grad_clip is not None and not self.grad_clip > 0),
                    "warmup 0 with schedule 'onecycle' (valid: a warm-up share above 0)"
                    * (self.schedule == "onecycle" and self.warmup == 0)]
        problems = [problem for problem in problems if problem]
        if problems:
            raise ValueError(f"training recipe: bad {problems[0]}")

    def optimiser(self, parameters: Iterable[Any]) -> Any:
        """The torch optimiser of ``parameters``."""
        import torch

        if self.optimizer == "adamw":
            return torch.optim.AdamW(parameters, lr=self.lr, weight_decay=self.weight_decay)
        if self.optimizer == "sgd":
            return torch.optim.SGD(parameters, lr=self.lr, momentum=self.momentum, nesterov=self.momentum > 0,
                                   weight_decay=self.weight_decay)
        return torch.optim.Adam(parameters, lr=self.lr, weight_decay=self.weight_decay)

    def scheduler(self, optimiser: Any, total_steps: int) -> Optional[Any]:
        """The learning-rate scheduler of ``optimiser`` over ``total_steps`` mini-batches (stepped after each),
        or None for a constant rate without warm-up."""
        import torch

        total_steps = max(total_steps, 1)
        if self.schedule == "onecycle":
            return torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=self.lr, total_steps=total_steps,
                                                       pct_start=self.warmup, cycle_momentum=False)
        if self.schedule == "constant" and self.warmup == 0:
            return None
        warmup_steps = self.warmup * total_steps
        cosine = self.schedule == "cosine"

        def factor(step: int) -> float:
            if step < warmup_steps:
                return (step + 1) / warmup_steps
            if not cosine:
                return 1.0
            progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
            return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))

        return torch.optim.lr_scheduler.LambdaLR(optimiser, factor)

    def loss(self) -> Any:
        """The training loss: cross-entropy, with the recipe's label smoothing."""
        from torch import nn

        return nn.CrossEntropyLoss(label_smoothing=self.label_smoothing)
