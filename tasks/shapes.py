"""Generated 64x64 RGB images of ten shapes: the tutorial CNN's input size, made on the spot.

Every image draws its shape's colour, size, position and rotation at random, on a
random dark background colour, with pixel noise; the same seed always gives the same
images. Position and colour vary so much that a linear model on raw pixels does
poorly, while a small CNN learns the shapes.
"""

from __future__ import annotations

from typing import Callable, Dict

import numpy as np

from dlbench import Augmentation, DlbenchError, Task, TaskData, TaskOptions, TaskSource, hookimpl

SIZE = 64
TRAIN_PER_CLASS = 240
TEST_PER_CLASS = 60
TRAIN_SEED = 0
TEST_SEED = 1
NOISE_STD = 0.08
# Every shape is drawn at a uniformly random angle and position, and each is its own mirror image (a crescent
# and a semicircle too, at some angle): flips, rotations and shifts that keep the shape inside keep the label.
# A shape reaches at most 30 pixels from the centre (radius 20 and offset 10), so shifts of 4 and rotations of
# 30 degrees rarely cut one.
AUGMENTATION = Augmentation(shift=4, hflip=True, vflip=True, rotate=30.0)

_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5


def _inside_polygon(x: np.ndarray, y: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Even-odd rule: which points (x, y) lie inside the closed polygon ``vertices`` (K x 2)."""
    inside = np.zeros(x.shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(vertices, np.roll(vertices, -1, axis=0)):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < x_at)
    return inside


def _regular(n: int, radii: tuple = (1.0,)) -> np.ndarray:
    """Vertices of a regular polygon (or a star, with alternating radii) of unit size."""
    count = n * len(radii)
    angles = np.arange(count) * 2 * np.pi / count - np.pi / 2
    r = np.array([radii[i % len(radii)] for i in range(count)])
    return np.stack([r * np.cos(angles), r * np.sin(angles)], axis=1)


_CROSS = np.array([[-0.3, -1], [0.3, -1], [0.3, -0.3], [1, -0.3], [1, 0.3], [0.3, 0.3], [0.3, 1],
                   [-0.3, 1], [-0.3, 0.3], [-1, 0.3], [-1, -0.3], [-0.3, -0.3]])
_DIAMOND = np.array([[1.0, 0.0], [0.0, 0.5], [-1.0, 0.0], [0.0, -0.5]])
_POLYGONS: Dict[str, np.ndarray] = {
    "triangle": _regular(3), "square": _regular(4) * 0.85, "hexagon": _regular(6),
    "star": _regular(5, (1.0, 0.42)), "cross": _CROSS, "diamond": _DIAMOND,
}


def _mask(shape: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Mask of ``shape`` in the shape's own rotated, unit-radius coordinates (u, v)."""
    r2 = u * u + v * v
    if shape == "circle":
        return r2 <= 0.8
    if shape == "ring":
        return (r2 <= 1.0) & (r2 >= 0.36)
    if shape == "semicircle":
        return (r2 <= 1.0) & (v >= 0.0)
    if shape == "crescent":
        return (r2 <= 1.0) & ((u - 0.55) ** 2 + v * v > 0.7)
    return _inside_polygon(u, v, _POLYGONS[shape])


CLASS_NAMES = ("circle", "ring", "semicircle", "crescent", "triangle", "square",
               "hexagon", "star", "cross", "diamond")


def _draw(shape: str, rng: np.random.Generator) -> np.ndarray:
    radius = rng.uniform(11.0, 20.0)
    cx, cy = SIZE / 2 + rng.uniform(-10.0, 10.0, size=2)
    angle = rng.uniform(0, 2 * np.pi)
    cos, sin = np.cos(angle), np.sin(angle)
    dx, dy = (_XX - cx) / radius, (_YY - cy) / radius
    mask = _mask(shape, cos * dx + sin * dy, -sin * dx + cos * dy)
    background = rng.uniform(0.0, 0.35, size=3)  # a dark colour
    foreground = rng.uniform(0.45, 1.0, size=3)  # a light colour
    image = np.where(mask[None], foreground[:, None, None], background[:, None, None])
    image += rng.normal(0.0, NOISE_STD, size=image.shape)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def make_shapes(per_class: int, seed: int) -> tuple:
    """``per_class`` images of every shape, shuffled: ``(images N x 3 x 64 x 64 float32, labels)``."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.repeat(np.arange(len(CLASS_NAMES)), per_class))
    images = np.stack([_draw(CLASS_NAMES[label], rng) for label in labels])
    return images, labels.astype(np.int64)


def load() -> TaskData:
    """2,400 train images (seed 0) and 600 test images (seed 1), balanced over the ten shapes."""
    x_train, y_train = make_shapes(TRAIN_PER_CLASS, TRAIN_SEED)
    x_test, y_test = make_shapes(TEST_PER_CLASS, TEST_SEED)
    return TaskData(x_train, y_train, x_test, y_test)


def bigger(train_images: int) -> Callable[[], TaskData]:
    """The loader of ``shapes:N``: ``N`` train images (seed 0; N a multiple of 10, balanced over the shapes) and
    the same 600 test images as ``shapes``."""

    def load_bigger() -> TaskData:
        x_train, y_train = make_shapes(train_images // len(CLASS_NAMES), TRAIN_SEED)
        x_test, y_test = make_shapes(TEST_PER_CLASS, TEST_SEED)
        return TaskData(x_train, y_train, x_test, y_test)

    return load_bigger


def make_task(argument: str, options: TaskOptions) -> Task:
    """``--task shapes:N``: the shapes task with N training images (learning curves beyond 2,400)."""
    try:
        count = int(argument.replace(",", "").replace("_", ""))
    except ValueError:
        count = 0
    if count < 2 * len(CLASS_NAMES) or count % len(CLASS_NAMES):
        raise DlbenchError(f"--task shapes:{argument}: expected a number of training images, a multiple of "
                           f"{len(CLASS_NAMES)} and at least {2 * len(CLASS_NAMES)}, e.g. shapes:9600")
    return Task(name=f"shapes:{count}", tags=("images", "rgb", "synthetic"), class_names=CLASS_NAMES,
                load=bigger(count), augmentation=AUGMENTATION, description=f"generated RGB 64x64 shapes: {count:,} train / 600 test")


@hookimpl
def register_tasks(register: Callable[[Task], None]) -> None:
    register(Task(name="shapes", tags=("images", "rgb", "synthetic"), class_names=CLASS_NAMES, load=load,
                  augmentation=AUGMENTATION,
                  description="generated RGB 64x64 shapes: 10 classes, random colour/size/position/rotation/noise, 2,400 train / 600 test"))


@hookimpl
def register_task_sources(register: Callable[[TaskSource], None]) -> None:
    register(TaskSource(prefix="shapes", make=make_task,
                        description="shapes:N: the shapes task with N training images (same 600 test images)"))
