"""The training path: data moved to the device once, precision and compile options, cores for classical models."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import numpy as np
import pytest

from commands import dlbench
from dlbench import Model, SklearnClassifier, TaskInfo, TorchClassifier, TrainingSettings
from dlbench.plugins.mlp import make_mlp
from dlbench.results.metrics import accuracy
from dlbench.runs.workers import WorkerPlan, bind_worker, cpu_cores
from dlbench.training.options import build_estimator
from dlbench.training.recipe import Recipe
from dlbench.training.tensors import on_device
from dlbench.training.torch_adapter import resolved_precision
from plain_loop import plain_loop

CHANCE = 0.1


def _mlp(data, **options) -> TorchClassifier:
    shape = tuple(data.x_train.shape[1:])
    return TorchClassifier(lambda: make_mlp(shape, 10), lr=3e-3, batch_size=32, epochs=4, **options)


def test_data_is_moved_to_a_device_once_and_let_go_with_its_array():
    import torch

    from dlbench.training import tensors

    images = np.random.default_rng(0).random((64, 1, 8, 8), dtype=np.float32)
    first, second = on_device(images, "meta"), on_device(images, torch.device("meta"))
    assert first is second and first.device.type == "meta" and first.shape == (64, 1, 8, 8)
    assert on_device(images.copy(), "meta") is not first  # another array is another transfer
    cached = len(tensors._on_device)
    del images, first, second
    gc.collect()
    assert len(tensors._on_device) < cached  # nothing kept for a freed array


def test_on_the_cpu_batches_share_the_arrays_memory(tiny_digits):
    import torch

    from dlbench.training.lightning_module import TensorBatches

    batches = TensorBatches.on(torch.device("cpu"), tiny_digits.x_train, tiny_digits.y_train, 32, shuffle=True)
    assert batches.x.data_ptr() == tiny_digits.x_train.ctypes.data and not batches.pinned
    assert sum(len(y) for _, y in batches) == len(tiny_digits.y_train)


def test_training_does_exactly_what_a_hand_written_loop_does(tiny_digits):
    """One Lightning step per epoch loops over the mini-batches itself: same batches, same updates."""
    import torch

    from dlbench.tuning.studies import Split

    split = Split(tiny_digits.x_train, tiny_digits.y_train, tiny_digits.x_test, tiny_digits.y_test)
    factory = _mlp(tiny_digits).module_factory
    estimator = TorchClassifier(factory, lr=3e-3, batch_size=32, epochs=3, seed=7, precision="32")
    estimator.fit(split.x_fit, split.y_fit, split.x_val, split.y_val)
    by_hand = plain_loop(factory, split, lr=3e-3, batch_size=32, epochs=3, seed=7)
    np.testing.assert_array_equal(estimator.predict(split.x_val), by_hand.predictions)
    for ours, theirs in zip(estimator.module_.net.state_dict().values(), by_hand.net.state_dict().values()):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    assert accuracy(split.y_val, by_hand.predictions) > CHANCE + 0.5


def test_a_loss_scaling_precision_scales_every_step(tiny_digits):
    """16-mixed's gradient scaler (tried here on the CPU) sees every mini-batch through Lightning."""
    import pytorch_lightning as pl
    import torch
    from pytorch_lightning.plugins.precision import MixedPrecision

    from dlbench.training.lightning_module import ClassifierModule, OneStepPerEpoch, TensorBatches

    scaler = torch.amp.GradScaler("cpu")
    scaled = []
    scale = scaler.scale
    scaler.scale = lambda loss: scaled.append(loss) or scale(loss)
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", plugins=[MixedPrecision("16-mixed", "cpu", scaler)],
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0)
    module = ClassifierModule(_mlp(tiny_digits).module_factory(), Recipe(lr=3e-3, grad_clip=1.0))
    cpu = torch.device("cpu")
    batches = TensorBatches.on(cpu, tiny_digits.x_train, tiny_digits.y_train, 32, shuffle=True)
    trainer.fit(module, OneStepPerEpoch(batches), TensorBatches.on(cpu, tiny_digits.x_test, tiny_digits.y_test, 1024, False))
    assert len(scaled) == trainer.global_step == 2 * len(batches) and len(module.val_accuracy_history) == 2
    with torch.inference_mode():
        predictions = module(torch.as_tensor(tiny_digits.x_test)).argmax(1).numpy()
    assert accuracy(tiny_digits.y_test, predictions) > CHANCE + 0.5


def test_16_mixed_without_a_gpu_is_refused_before_any_work(tmp_path):
    result = dlbench("run", "--task", "digits", "--model", "mlp", "--precision", "16-mixed", "--output", str(tmp_path),
                     env={"CUDA_VISIBLE_DEVICES": ""})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "dlbench: error: --precision 16-mixed needs a GPU and none is visible (the CPU has no 16-bit mixed "
        "precision); valid here: 32, bf16-mixed"]
    assert list(tmp_path.iterdir()) == []


def test_bf16_mixed_on_a_gpu_without_bfloat16_is_refused(monkeypatch):
    import torch

    from dlbench.errors import DlbenchError
    from dlbench.training.options import check_precision

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device: SimpleNamespace(major=7))  # a V100
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *args: "Tesla V100")
    with pytest.raises(DlbenchError, match=r"^--precision bf16-mixed: this GPU \(Tesla V100\) has no native "
                                           r"bfloat16 \(it needs compute capability 8.0 or newer\); valid here: "
                                           r"32, 16-mixed$"):
        check_precision("bf16-mixed")
    assert resolved_precision(None, "cuda") == "32-true"  # bf16 would only be emulated: 32 by default
    check_precision("16-mixed")
    check_precision("32")
    check_precision(None)


@pytest.mark.parametrize("avx512_bf16, amx, expected", [(False, False, "32-true"), (True, False, "bf16-mixed"),
                                                        (False, True, "bf16-mixed")])
def test_precision_defaults_to_bf16_mixed_only_on_a_cpu_that_computes_it_natively(monkeypatch, avx512_bf16, amx,
                                                                                   expected):
    import torch

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert resolved_precision(None, "cpu") == expected
    assert resolved_precision("32", "cpu") == "32-true" and resolved_precision("bf16-mixed", "cpu") == "bf16-mixed"
    assert resolved_precision("32", "cuda") == "32-true"
    assert resolved_precision("16-mixed", "cuda") == "16-mixed"


def test_bf16_mixed_training_learns(tiny_digits):
    estimator = _mlp(tiny_digits, precision="bf16-mixed").fit(tiny_digits.x_train, tiny_digits.y_train)
    assert accuracy(tiny_digits.y_test, estimator.predict(tiny_digits.x_test)) > CHANCE + 0.5


def _built(estimator, training: TrainingSettings):
    """``estimator`` as the host builds it for a run with ``training``."""
    model = Model(name="m", family="deep", search_space=lambda trial: {}, defaults={}, build=lambda p, t: estimator)
    return build_estimator(model, {}, TaskInfo("digits", (1, 8, 8), 10, tuple("0123456789"), 0, training))


def test_run_settings_reach_every_torch_classifier_the_host_builds_unless_it_chose(tiny_digits, monkeypatch):
    import torch

    compiled = []
    monkeypatch.setattr(torch, "compile", lambda net: compiled.append(net) or net)
    run = TrainingSettings(precision="bf16-mixed", compile=True)
    estimator = _built(_mlp(tiny_digits), run).fit(tiny_digits.x_train, tiny_digits.y_train)
    assert len(compiled) == 1 and estimator.module_.trainer.precision == "bf16-mixed"
    _built(_mlp(tiny_digits, compile=False, precision="32"), run).fit(tiny_digits.x_train, tiny_digits.y_train)
    assert len(compiled) == 1
    alone = _mlp(tiny_digits).fit(tiny_digits.x_train, tiny_digits.y_train)  # not built by a run: the defaults
    assert len(compiled) == 1 and alone.module_.trainer.precision == resolved_precision(None, "cpu")


@pytest.mark.slow
def test_a_compiled_network_trains(tiny_digits):
    estimator = _mlp(tiny_digits, compile=True).fit(tiny_digits.x_train, tiny_digits.y_train)
    assert accuracy(tiny_digits.y_test, estimator.predict(tiny_digits.x_test)) > CHANCE + 0.5


def test_classical_models_get_the_workers_share_of_the_cores(tiny_digits):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.tree import DecisionTreeClassifier
    from threadpoolctl import threadpool_info

    one_core = TrainingSettings(threads=1)
    try:
        bind_worker(WorkerPlan(jobs=2, threads=1))
        knn = _built(SklearnClassifier(KNeighborsClassifier()), one_core).fit(tiny_digits.x_train, tiny_digits.y_train)
        assert knn.estimator_.n_jobs == 1
        chosen = _built(SklearnClassifier(KNeighborsClassifier(n_jobs=2)), one_core)
        assert chosen.fit(tiny_digits.x_train, tiny_digits.y_train).estimator_.n_jobs == 2  # a plugin's choice is kept
        SklearnClassifier(DecisionTreeClassifier()).fit(tiny_digits.x_train, tiny_digits.y_train)  # no n_jobs
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    finally:
        bind_worker(WorkerPlan(jobs=1, threads=cpu_cores()))
    alone = SklearnClassifier(KNeighborsClassifier()).fit(tiny_digits.x_train, tiny_digits.y_train)
    assert alone.estimator_.n_jobs == cpu_cores()  # not built by a run: every core


def test_the_gpu_throughput_benchmark_runs_on_the_cpu(capsys):
    """The prepared GPU measurement (tests/benchmarks/gpu_throughput.py) works before a GPU is lent."""
    from benchmarks.gpu_throughput import CONFIGURATIONS, main

    figures = main(["--device", "cpu", "--limit", "96", "--epochs", "1", "--rounds", "1", "--no-compile"])
    assert [label for label, _ in figures] == ["plain PyTorch loop, 32"] + [
        label for label, options in CONFIGURATIONS if not options["compile"]]
    assert all(per_second > 0 for _, per_second in figures)
    assert len(capsys.readouterr().out.splitlines()) == len(figures) + 1
