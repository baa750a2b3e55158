"""Loading untrusted archives and pickles safely: no path escapes, no arbitrary code."""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path, PurePosixPath
from typing import Any, FrozenSet, Tuple

from dlbench.errors import DlbenchError

# What the CIFAR python batches contain: dicts, lists, bytes and numpy arrays (plus the pure
# _codecs.encode that protocol-2 pickles written by Python 3 use for bytes).
NUMPY_ARRAY_GLOBALS: FrozenSet[Tuple[str, str]] = frozenset({
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
})


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only rebuilds the globals it is given; anything else is refused."""

    def __init__(self, file, allowed: FrozenSet[Tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(file, **kwargs)
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def load_restricted_pickle(path: Path, allowed: FrozenSet[Tuple[str, str]] = NUMPY_ARRAY_GLOBALS) -> Any:
    """Unpickle ``path`` (Python 2 pickles too) admitting only ``allowed`` globals; errors name the file."""
    try:
        with open(path, "rb") as handle:
            return RestrictedUnpickler(handle, allowed, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise DlbenchError(f"{path}: not a valid data batch ({error})") from None


def extract_tar(archive: Path, destination: Path) -> None:
    """Extract ``archive`` into ``destination``, refusing absolute paths, ``..`` and links (filter="data")."""
    try:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.issym() or member.islnk():
                    raise DlbenchError(f"{archive}: refusing link {member.name!r} inside the archive")
                if member.name.startswith(("/", "\\")) or ".." in PurePosixPath(member.name).parts:
                    raise DlbenchError(f"{archive}: refusing unsafe member {member.name!r} (absolute path or '..')")
            tar.extractall(destination, filter="data")
    except tarfile.FilterError as error:
        raise DlbenchError(f"{archive}: refusing unsafe member ({error})") from None
    except (tarfile.TarError, EOFError, OSError) as error:
        raise DlbenchError(f"{archive}: not a readable tar archive ({error})") from None
