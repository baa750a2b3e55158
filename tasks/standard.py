"""The standard benchmark files: MNIST and Fashion-MNIST (IDX gzip), CIFAR-10 and CIFAR-100 (python pickles).

They are looked up in the data directory (``--data-dir``, ``$DLBENCH_DATA`` or ``~/.cache/dlbench``) and
downloaded when missing. Images stay uint8 (0-255) until a batch is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Tuple

import numpy as np

from dlbench import DataSettings, DlbenchError, RemoteData, RemoteFile, Task, TaskData, hookimpl
from dlbench.data import extract_tar, load_restricted_pickle, read_idx

TAGS = ("images-standard",)
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz")


def _idx_data(name: str, base_url: str, checksums: Tuple[str, ...]) -> RemoteData:
    return RemoteData(name, name, tuple(RemoteFile(f, "md5:" + md5, base_url + f) for f, md5 in zip(IDX_FILES, checksums)))


MNIST = _idx_data("mnist", "https://ossci-datasets.s3.amazonaws.com/mnist/",
                  ("f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
                   "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"))
FASHION_MNIST = _idx_data("fashion-mnist", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                          ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
                           "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"))
CIFAR10 = RemoteData("cifar10", "cifar10", (RemoteFile(
    "cifar-10-python.tar.gz", "md5:c58f30108f718f92721af3b95e74349a",
    "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),))
CIFAR100 = RemoteData("cifar100", "cifar100", (RemoteFile(
    "cifar-100-python.tar.gz", "md5:eb9058c3a382ffc7106e4002c42a8d85",
    "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"),))

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

CIFAR100_CLASSES = ("apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
                    "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle",
                    "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch",
                    "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest",
                    "fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower",
                    "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
                    "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear",
                    "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit",
                    "raccoon", "ray", "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk",
                    "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar", "sunflower",
                    "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor", "train",
                    "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm")


def ensure(remote: RemoteData, settings: DataSettings) -> Path:
    """The data set's folder in the run's data directory, downloading what is missing first."""
    root = settings.data_dir
    if remote.missing(root):
        remote.fetch(root, progress=settings.progress)
    return remote.location(root)


def load_idx(folder: Path) -> TaskData:
    """The official IDX train/test split, images N x 1 x 28 x 28 uint8."""
    images = {split: read_idx(folder / f"{prefix}-images-idx3-ubyte.gz") for split, prefix in (("train", "train"), ("test", "t10k"))}
    labels = {split: read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz") for split, prefix in (("train", "train"), ("test", "t10k"))}
    for split in ("train", "test"):
        if images[split].ndim != 3 or labels[split].ndim != 1 or len(images[split]) != len(labels[split]):
            raise DlbenchError(f"{folder}: {split} images {images[split].shape} do not match labels {labels[split].shape}")
    return TaskData(images["train"][:, None], labels["train"].astype(np.int64),
                    images["test"][:, None], labels["test"].astype(np.int64))


def _cifar_batch(path: Path, label_key: bytes) -> Tuple[np.ndarray, np.ndarray]:
    batch = load_restricted_pickle(path)
    try:
        data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch[label_key], dtype=np.int64)
    except (KeyError, TypeError, ValueError) as error:
        raise DlbenchError(f"{path}: not a CIFAR batch ({type(error).__name__}: {error})") from None
    return data, labels


@dataclass(frozen=True)
class CifarLayout:
    """Where a CIFAR tarball keeps its batches, and which label key they use."""

    remote: RemoteData
    inner: str
    train: Tuple[str, ...]
    test: str
    label_key: bytes


CIFAR10_LAYOUT = CifarLayout(CIFAR10, "cifar-10-batches-py", tuple(f"data_batch_{i}" for i in range(1, 6)),
                             "test_batch", b"labels")
CIFAR100_LAYOUT = CifarLayout(CIFAR100, "cifar-100-python", ("train",), "test", b"fine_labels")


def load_cifar(layout: CifarLayout, settings: DataSettings) -> TaskData:
    """Extract the tarball once (safely), then read its batches with the restricted unpickler."""
    folder = ensure(layout.remote, settings)
    extracted = folder / layout.inner
    if not (extracted / layout.test).is_file():
        extract_tar(folder / layout.remote.files[0].name, folder)
    parts = [_cifar_batch(extracted / name, layout.label_key) for name in layout.train]
    x_test, y_test = _cifar_batch(extracted / layout.test, layout.label_key)
    return TaskData(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), x_test, y_test)


LOADERS: Dict[str, Callable[[DataSettings], TaskData]] = {  # each handed the run's data directory
    "mnist": lambda settings: load_idx(ensure(MNIST, settings)),
    "fashion-mnist": lambda settings: load_idx(ensure(FASHION_MNIST, settings)),
    "cifar10": lambda settings: load_cifar(CIFAR10_LAYOUT, settings),
    "cifar100": lambda settings: load_cifar(CIFAR100_LAYOUT, settings),
}


@hookimpl
def register_tasks(register: Callable[[Task], None]) -> None:
    digits = tuple(str(d) for d in range(10))
    register(Task("mnist", TAGS, digits, LOADERS["mnist"], "MNIST: 70,000 grey 28x28 digits, 60,000 train / 10,000 test",
                  remote=MNIST))
    register(Task("fashion-mnist", TAGS, FASHION_CLASSES, LOADERS["fashion-mnist"],
                  "Fashion-MNIST: 70,000 grey 28x28 clothing images, 60,000 train / 10,000 test", remote=FASHION_MNIST))
    register(Task("cifar10", TAGS, CIFAR10_CLASSES, LOADERS["cifar10"],
                  "CIFAR-10: 60,000 RGB 32x32 images, 10 classes, 50,000 train / 10,000 test", remote=CIFAR10))
    register(Task("cifar100", TAGS, CIFAR100_CLASSES, LOADERS["cifar100"],
                  "CIFAR-100: 60,000 RGB 32x32 images, 100 fine classes, 50,000 train / 10,000 test", remote=CIFAR100))
