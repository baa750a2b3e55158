"""``--task folder:PATH``: the user's own images, one sub-folder per class.

Layouts: ``PATH/<class>/*.png`` (split 80/20, stratified, seed 0) or ``PATH/train/<class>/...`` with
``PATH/test/<class>/...``. Images are decoded once with Pillow into a uint8 cache in the data
directory, memory-mapped on use and rebuilt only when the folder changes.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from dlbench import DataSettings, DlbenchError, Task, TaskData, TaskOptions, TaskSource, hookimpl, stratified_split
from dlbench.data import write_text_atomic

SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
COLORS = ("rgb", "gray")
DEFAULT_SIZE = 64
TEST_FRACTION = 0.2
SPLIT_SEED = 0


def _class_dirs(root: Path) -> List[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def _images_in(folder: Path) -> List[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())


def scan(root: Path) -> Tuple[Tuple[str, ...], Dict[str, List[Tuple[Path, int]]]]:
    """Class names, and the (file, label) pairs of each part: ``{"train", "test"}`` or ``{"all"}``."""
    if not root.is_dir():
        raise DlbenchError(f"folder task: {str(root)!r} is not a folder")
    split_layout = (root / "train").is_dir() and (root / "test").is_dir()
    class_root = root / "train" if split_layout else root
    classes = tuple(p.name for p in _class_dirs(class_root))
    if len(classes) < 2:
        raise DlbenchError(f"folder task: {class_root} has {len(classes)} class folder(s); a task needs at least 2 "
                           "(one sub-folder of images per class)")
    parts: Dict[str, List[Tuple[Path, int]]] = {}
    for part, base in ((("train", root / "train"), ("test", root / "test")) if split_layout else (("all", root),)):
        pairs = []
        for label, name in enumerate(classes):
            files = _images_in(base / name) if (base / name).is_dir() else []
            if not files:
                raise DlbenchError(f"folder task: class {name!r} has no images in {base / name} "
                                   f"(looked for {', '.join(sorted(SUFFIXES))})")
            pairs += [(f, label) for f in files]
        extra = sorted(set(p.name for p in _class_dirs(base)) - set(classes))
        if extra:
            raise DlbenchError(f"folder task: {base} has class folder(s) {', '.join(extra)} that train does not have")
        parts[part] = pairs
    return classes, parts


def _open(path: Path):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.load()
        return image
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DlbenchError(f"folder task: {path} is not a readable image ({type(error).__name__})") from None


def decode(path: Path, size: Tuple[int, int], color: str, resize: bool = True) -> np.ndarray:
    """One image as C x H x W uint8: grey, RGB, RGBA (alpha dropped) and palette images all convert.

    With ``resize=False`` an image of another size raises :class:`_MixedSizes` instead.
    """
    from PIL import Image

    image = _open(path)
    if not resize and image.size != (size[1], size[0]):
        raise _MixedSizes(path)
    if image.mode in ("P", "PA", "LA"):  # palette (maybe with transparency): through RGBA
        image = image.convert("RGBA")
    image = image.convert("RGB" if color == "rgb" else "L")
    if image.size != (size[1], size[0]):
        image = image.resize((size[1], size[0]), Image.BILINEAR)
    pixels = np.asarray(image, dtype=np.uint8)
    return pixels.transpose(2, 0, 1) if pixels.ndim == 3 else pixels[None]


class _MixedSizes(Exception):
    """Raised while decoding at the images' own size when one image has another size."""


def _first_size(path: Path) -> Tuple[int, int]:
    """H, W of one image, from its header."""
    width, height = _open(path).size
    return height, width


def _fingerprint(root: Path, files: List[Path], size: object, color: str) -> str:
    digest = hashlib.sha256(f"{root.resolve()}|{size}|{color}".encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def _build_cache(cache: Path, pairs: List[Tuple[Path, int]], image_size: Optional[int], color: str) -> None:
    """Decode every image straight into a memory-mapped .npy (never all in RAM), then rename into place.

    Without ``image_size`` the images keep their own size, taken from the first; if another image
    differs, the cache is built again at DEFAULT_SIZE.
    """
    if image_size:
        _write_cache(cache, pairs, (image_size, image_size), color, resize=True)
        return
    try:
        _write_cache(cache, pairs, _first_size(pairs[0][0]), color, resize=False)
    except _MixedSizes:
        _write_cache(cache, pairs, (DEFAULT_SIZE, DEFAULT_SIZE), color, resize=True)


def _write_cache(cache: Path, pairs: List[Tuple[Path, int]], size: Tuple[int, int], color: str, resize: bool) -> None:
    channels = 3 if color == "rgb" else 1
    tmp = cache.with_name(cache.name + ".partial")
    tmp.mkdir(parents=True, exist_ok=True)
    images = np.lib.format.open_memmap(tmp / "images.npy", mode="w+", dtype=np.uint8,
                                       shape=(len(pairs), channels, *size))
    with ThreadPoolExecutor(max_workers=2) as pool:  # Pillow decodes outside the GIL
        for index, pixels in enumerate(pool.map(lambda p: decode(p[0], size, color, resize), pairs)):
            images[index] = pixels
    images.flush()
    del images
    np.save(tmp / "labels.npy", np.array([label for _, label in pairs], dtype=np.int64))
    write_text_atomic(tmp / "files.json", json.dumps([str(p) for p, _ in pairs]))
    tmp.rename(cache)


def load_folder(root: Path, options: TaskOptions, settings: DataSettings) -> TaskData:
    """Decode (or reuse the cached decoding of) the folder's images, kept in the run's data directory, and
    return its split."""
    classes, parts = scan(root)
    color = options.color or "rgb"
    cache_root = settings.data_dir / "folder-cache"
    arrays = {}
    for part, pairs in parts.items():
        cache = cache_root / f"{_fingerprint(root, [p for p, _ in pairs], options.image_size, color)}-{part}"
        if not (cache / "labels.npy").is_file():
            _build_cache(cache, pairs, options.image_size, color)
        arrays[part] = (np.load(cache / "images.npy", mmap_mode="r"), np.load(cache / "labels.npy"))
    if "all" in arrays:
        return stratified_split(*arrays["all"], TEST_FRACTION, SPLIT_SEED)
    return TaskData(*arrays["train"], *arrays["test"])


def make_folder_task(argument: str, options: TaskOptions) -> Task:
    """The task for ``--task folder:PATH``."""
    if options.color not in (None, *COLORS):
        raise DlbenchError(f"--color {options.color!r} is not valid; valid colors: {', '.join(COLORS)}")
    root = Path(argument).expanduser()
    classes, parts = scan(root)
    counts = ", ".join(f"{len(pairs)} {part}" for part, pairs in parts.items())
    return Task(name=f"folder:{argument}", tags=("images", "folder"), class_names=classes,
                load=lambda settings: load_folder(root, options, settings),
                description=f"images in {root}: {len(classes)} classes, {counts}")


@hookimpl
def register_task_sources(register: Callable[[TaskSource], None]) -> None:
    register(TaskSource(prefix="folder", make=make_folder_task,
                        description="your images: folder:PATH with PATH/<class>/*.png or PATH/train|test/<class>/"))
