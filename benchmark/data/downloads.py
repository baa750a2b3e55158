"""Downloading data files with pooch: mirrors, checksums, progress, atomic placement, one retry."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

from dlbench.errors import DlbenchError

MIRROR_VARIABLE = "DLBENCH_DATA_MIRROR"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a data set: its name, checksum (``md5:...`` or ``sha256:...``) and canonical URL."""

    name: str
    checksum: str
    url: str

    def source(self) -> str:
        """The canonical URL, or the file under ``$DLBENCH_DATA_MIRROR`` when that is set."""
        mirror = os.environ.get(MIRROR_VARIABLE)
        return f"{mirror.rstrip('/')}/{self.name}" if mirror else self.url


@dataclass(frozen=True)
class RemoteData:
    """The files a data set needs, kept in ``<data dir>/<folder>/``."""

    name: str
    folder: str
    files: Tuple[RemoteFile, ...]

    def location(self, root: Path) -> Path:
        return Path(root) / self.folder

    def missing(self, root: Path) -> List[str]:
        """Names of the files not yet in place."""
        return [f.name for f in self.files if not (self.location(root) / f.name).is_file()]

    def fetch(self, root: Path, progress: bool = True) -> Path:
        """Download the missing files (and re-download any whose checksum is wrong); returns the folder.

        ``progress``: a progress bar on stderr, drawn only when stderr is a terminal.
        """
        import pooch
        import requests

        from dlbench.progress import is_terminal

        bars = progress and is_terminal(sys.stderr)  # pooch's bars write to sys.stderr
        pooch.get_logger().setLevel(logging.ERROR)  # its "Downloading..." and retry notes
        target = self.location(root)
        target.mkdir(parents=True, exist_ok=True)
        registry = pooch.create(path=target, base_url="", retry_if_failed=1,
                                registry={f.name: f.checksum for f in self.files},
                                urls={f.name: f.source() for f in self.files})
        for remote in self.files:
            try:
                registry.fetch(remote.name, downloader=pooch.HTTPDownloader(progressbar=bars, timeout=30))
            except ValueError as error:  # pooch: the checksum does not match
                (target / remote.name).unlink(missing_ok=True)
                raise DlbenchError(f"{self.name}: checksum mismatch for {remote.name} downloaded from "
                                   f"{remote.source()}; the file was deleted ({str(error).splitlines()[0]})") from None
            except (requests.exceptions.RequestException, OSError) as error:
                raise DlbenchError(self.offline_message(root, f"cannot download {remote.source()} "
                                                              f"({type(error).__name__})")) from None
        return target

    def offline_message(self, root: Path, reason: str) -> str:
        """Which files to place where, when they cannot be downloaded."""
        names = ", ".join(self.missing(root) or [f.name for f in self.files])
        return (f"{self.name}: {reason}; place {names} in {self.location(root)} (from {self.files[0].url.rsplit('/', 1)[0]}/ "
                f"or set {MIRROR_VARIABLE} to a mirror)")
