"""Getting images: the data directory, downloads, IDX files, safe archive loading, arrays and splits.

The helpers a task plugin may use are exported here: ``read_idx``, ``extract_tar``,
``load_restricted_pickle``, ``write_text_atomic``, ``RemoteData``/``RemoteFile`` (files a task downloads
with checksums), ``stratified_split`` and ``virtual_examples`` (transformed copies of images, for classical models
that train on them). ``directory`` resolves ``--data-dir``; ``arrays`` slices arrays
that may be memory-mapped.

May import: the leaf helpers (:mod:`dlbench.errors`, :mod:`dlbench.types`, :mod:`dlbench.files`,
:mod:`dlbench.progress`); nothing of the host, tuning, training or results.
"""

from dlbench.data.downloads import RemoteData, RemoteFile
from dlbench.data.idx import read_idx
from dlbench.data.safe_loading import extract_tar, load_restricted_pickle
from dlbench.data.splits import stratified_split
from dlbench.data.transforms import virtual_examples
from dlbench.files import write_text_atomic

__all__ = ["RemoteData", "RemoteFile", "extract_tar", "load_restricted_pickle", "read_idx", "stratified_split",
           "virtual_examples", "write_text_atomic"]
