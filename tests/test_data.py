"""Standard data sets: formats, downloads (served from 127.0.0.1), mirrors, checksums, safety."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from datafiles import closed_port_url, md5, serve, write_cifar_tarball, write_idx, write_mnist_files
from dlbench import DataSettings, RemoteData, RemoteFile
from dlbench.data.idx import read_idx
from dlbench.data.safe_loading import extract_tar, load_restricted_pickle
from dlbench.errors import DlbenchError
from dlbench.tasks import standard
from test_progress import FakeTerminal


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.delenv("DLBENCH_DATA_MIRROR", raising=False)
    return root


@pytest.fixture
def settings(data_root):
    """What a run hands the tasks' loaders: the data directory above, no progress bars."""
    return DataSettings(data_root, progress=False)


def _served_mnist(tmp_path):
    served = tmp_path / "served"
    write_mnist_files(served)
    return served


def test_idx_files_load_as_uint8_with_the_official_split(tmp_path, data_root, settings):
    write_mnist_files(data_root / "mnist", n_train=30, n_test=10)
    data = standard.LOADERS["mnist"](settings)
    assert data.x_train.shape == (30, 1, 28, 28) and data.x_test.shape == (10, 1, 28, 28)
    assert data.x_train.dtype == np.uint8 and data.y_train.dtype == np.int64
    assert list(data.y_test) == list(range(10))


@pytest.mark.parametrize("hundred", [False, True])
def test_cifar_tarballs_extract_and_load(data_root, settings, hundred):
    remote = standard.CIFAR100 if hundred else standard.CIFAR10
    folder = data_root / remote.folder
    folder.mkdir()
    write_cifar_tarball(folder / remote.files[0].name, hundred=hundred, per_batch=20)
    data = standard.LOADERS[remote.name](settings)
    n_train = 20 if hundred else 100
    assert data.x_train.shape == (n_train, 3, 32, 32) and data.x_test.shape == (20, 3, 32, 32)
    assert data.x_train.dtype == np.uint8 and int(data.y_train.max()) == 19 if hundred else 9


def test_download_verifies_checksums_and_uses_the_canonical_url(tmp_path, data_root):
    served = _served_mnist(tmp_path)
    with serve(served) as url:
        remote = RemoteData("tiny", "tiny", tuple(RemoteFile(p.name, md5(p), f"{url}/{p.name}") for p in sorted(served.iterdir())))
        assert len(remote.missing(data_root)) == 4
        folder = remote.fetch(data_root, progress=False)
    assert remote.missing(data_root) == []
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in served.iterdir())  # no temp files left
    assert read_idx(folder / "t10k-labels-idx1-ubyte.gz").tolist() == list(range(10))


def test_download_bars_are_drawn_only_on_a_terminal(tmp_path, data_root, monkeypatch):
    served = _served_mnist(tmp_path)
    streams = {"plain": (io.StringIO(), True), "terminal": (FakeTerminal(), True), "quiet": (FakeTerminal(), False)}
    with serve(served) as url:
        files = tuple(RemoteFile(p.name, md5(p), f"{url}/{p.name}") for p in sorted(served.iterdir()))
        for name, (stream, progress) in streams.items():
            monkeypatch.setattr(sys, "stderr", stream)
            RemoteData(name, name, files).fetch(data_root, progress=progress)
            assert RemoteData(name, name, files).missing(data_root) == []
    drawn = streams["terminal"][0].getvalue()
    assert "\r" in drawn and "100%" in drawn and drawn.count("B/s") >= 4  # a bar per file
    assert streams["plain"][0].getvalue() == "" and streams["quiet"][0].getvalue() == ""


def test_mirror_replaces_the_canonical_host(tmp_path, data_root, monkeypatch):
    served = _served_mnist(tmp_path)
    dead = closed_port_url()
    with serve(served) as url:
        monkeypatch.setenv("DLBENCH_DATA_MIRROR", url + "/")
        remote = RemoteData("tiny", "tiny", tuple(RemoteFile(p.name, md5(p), f"{dead}/{p.name}") for p in sorted(served.iterdir())))
        remote.fetch(data_root, progress=False)
    assert remote.missing(data_root) == []


def test_checksum_mismatch_deletes_the_file_and_says_so(tmp_path, data_root, monkeypatch):
    served = _served_mnist(tmp_path)  # tiny files: not the real MNIST checksums
    with serve(served) as url:
        monkeypatch.setenv("DLBENCH_DATA_MIRROR", url)
        with pytest.raises(DlbenchError, match="mnist: checksum mismatch for train-images-idx3-ubyte.gz .* the file was deleted"):
            standard.MNIST.fetch(data_root, progress=False)
    assert list((data_root / "mnist").iterdir()) == []


def test_offline_download_says_which_files_to_place_where(data_root, settings, monkeypatch):
    monkeypatch.setenv("DLBENCH_DATA_MIRROR", closed_port_url())
    with pytest.raises(DlbenchError) as error:
        standard.LOADERS["fashion-mnist"](settings)
    message = str(error.value)
    assert "cannot download" in message and str(data_root / "fashion-mnist") in message
    assert "train-images-idx3-ubyte.gz" in message and "t10k-labels-idx1-ubyte.gz" in message


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "dlbench.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)


def test_cli_data_fetch_offline_and_data_list(tmp_path):
    env = {"DLBENCH_DATA": str(tmp_path), "DLBENCH_DATA_MIRROR": closed_port_url()}
    result = _cli("data", "fetch", "cifar10", "--quiet", env=env)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "place cifar-10-python.tar.gz in" in result.stderr and "Traceback" not in result.stderr
    listing = _cli("data", "list", env=env)
    assert listing.returncode == 0
    assert f"missing 1 of 1 file(s)       {tmp_path / 'cifar10'}" in listing.stdout
    write_mnist_files(tmp_path / "mnist")
    assert "mnist            present" in _cli("data", "list", env=env).stdout
    unknown = _cli("data", "fetch", "imagenet", env=env)
    assert unknown.returncode == 2 and "valid data sets: cifar10, cifar100, fashion-mnist, mnist" in unknown.stderr
    missing_dir = _cli("data", "list", "--data-dir", str(tmp_path / "nope"), env=env)
    assert missing_dir.returncode == 2 and "does not exist" in missing_dir.stderr


def test_cli_data_fetch_downloads_from_the_mirror(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    write_cifar_tarball(served / "cifar-10-python.tar.gz")
    data = tmp_path / "data"
    data.mkdir()
    with serve(served) as url:
        result = _cli("data", "fetch", "cifar10", "--quiet", env={"DLBENCH_DATA": str(data), "DLBENCH_DATA_MIRROR": url})
    # the tiny tarball is not the real CIFAR-10: the download happens, the checksum refuses it
    assert result.returncode == 2 and "checksum mismatch for cifar-10-python.tar.gz" in result.stderr
    assert not (data / "cifar10" / "cifar-10-python.tar.gz").exists()


def test_wrong_idx_magic_and_size_name_the_file(tmp_path):
    bad = tmp_path / "bad.gz"
    import gzip

    with gzip.open(bad, "wb") as handle:
        handle.write(b"\x00\x00\x0d\x03" + b"\x00" * 20)
    with pytest.raises(DlbenchError, match=f"{bad}: wrong magic number 00000d03"):
        read_idx(bad)
    short = write_idx(tmp_path / "short.gz", np.zeros((3, 4, 4)))
    raw = gzip.open(short).read()[:-5]
    with gzip.open(short, "wb") as handle:
        handle.write(raw)
    with pytest.raises(DlbenchError, match="short.gz: IDX header says 3x4x4 = 48 bytes of data, the file holds 43"):
        read_idx(short)
    plain = tmp_path / "plain.gz"
    plain.write_bytes(b"not gzip at all")
    with pytest.raises(DlbenchError, match="plain.gz: not a readable gzip file"):
        read_idx(plain)


def test_restricted_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    evil = tmp_path / "data_batch_1"
    evil.write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    with pytest.raises(DlbenchError, match="data_batch_1: not a valid data batch .*refusing to load posix.system"):
        load_restricted_pickle(evil)
    fine = tmp_path / "fine"
    fine.write_bytes(pickle.dumps({b"data": np.arange(3, dtype=np.uint8), b"labels": [1, 2]}, protocol=2))
    assert load_restricted_pickle(fine)[b"labels"] == [1, 2]


@pytest.mark.parametrize("member", ["../escape.txt", "/abs/escape.txt"])
def test_tar_extraction_refuses_escaping_paths(tmp_path, member):
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(DlbenchError, match="bad.tar.gz: refusing unsafe member"):
        extract_tar(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_tar_extraction_refuses_links_and_bad_archives(tmp_path):
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(DlbenchError, match="link.tar: refusing link 'cifar-10-batches-py/data_batch_1'"):
        extract_tar(archive, tmp_path / "out")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(DlbenchError, match="broken.tar.gz: not a readable tar archive"):
        extract_tar(broken, tmp_path / "out")


def test_cli_runs_a_standard_task_from_the_data_dir(tmp_path):
    data = tmp_path / "data"
    write_mnist_files(data / "mnist", n_train=100, n_test=20)
    out = tmp_path / "out"
    result = _cli("run", "--task", "mnist", "--model", "logistic", "mlp", "--trials", "1", "--data-dir", str(data),
                  "--output", str(out), "--quiet", env={})
    assert result.returncode == 0, result.stderr
    (run_dir,) = out.iterdir()
    import pandas as pd

    results = pd.read_csv(run_dir / "results.csv")
    assert list(results.model) == ["logistic", "mlp"] and set(results.status) == {"ok"}
