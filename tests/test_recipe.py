"""The modern recipe (optimiser, schedule, label smoothing, clipping) and the task's augmentation, as dlbench's
trainer applies them: the same weights as a hand-written loop, transforms on training batches only."""

from __future__ import annotations

import numpy as np
import pytest

from dlbench import Augmentation, DlbenchError, TaskInfo, TorchClassifier
from dlbench.plugins.resnet import make_resnet
from dlbench.training.augment import augmented, generator_on
from dlbench.training.recipe import Recipe
from dlbench.tuning.studies import Split
from plain_loop import ModernRecipe, plain_loop

RECIPE = ModernRecipe()


def _split(data) -> Split:
    return Split(data.x_train[:256], data.y_train[:256], data.x_test[:128], data.y_test[:128])


def test_the_full_recipe_trains_exactly_what_a_hand_written_loop_does(tiny_digits):
    """AdamW, one-cycle, label smoothing, clipping, shifts and flips, batch norm: the same weights, bit for bit."""
    import torch

    split = _split(tiny_digits)
    factory = lambda: make_resnet((1, 8, 8), 10, width=8)  # noqa: E731 - batch norm in train and eval mode
    estimator = TorchClassifier(factory, lr=3e-3, batch_size=32, epochs=3, seed=5, precision="32", optimizer="adamw",
                                weight_decay=RECIPE.weight_decay, schedule="onecycle", warmup=RECIPE.warmup,
                                label_smoothing=RECIPE.label_smoothing, grad_clip=RECIPE.grad_clip, augment=1.0,
                                augmentation=Augmentation(shift=RECIPE.shift, hflip=RECIPE.hflip))
    estimator.fit(split.x_fit, split.y_fit, split.x_val, split.y_val)
    by_hand = plain_loop(factory, split, lr=3e-3, batch_size=32, epochs=3, seed=5, recipe=RECIPE)
    np.testing.assert_array_equal(estimator.predict(split.x_val), by_hand.predictions)
    for name, ours in estimator.module_.net.state_dict().items():
        torch.testing.assert_close(ours, by_hand.net.state_dict()[name], rtol=0, atol=0, msg=name)


def test_without_its_augmentation_the_hand_written_loop_differs(tiny_digits):
    """The test above can fail: dlbench without the transforms trains other weights than the loop with them."""
    split = _split(tiny_digits)
    factory = lambda: make_resnet((1, 8, 8), 10, width=8)  # noqa: E731
    estimator = TorchClassifier(factory, lr=3e-3, batch_size=32, epochs=2, seed=5, precision="32", optimizer="adamw",
                                weight_decay=RECIPE.weight_decay, schedule="onecycle", warmup=RECIPE.warmup,
                                label_smoothing=RECIPE.label_smoothing, grad_clip=RECIPE.grad_clip)
    estimator.fit(split.x_fit, split.y_fit)
    by_hand = plain_loop(factory, split, lr=3e-3, batch_size=32, epochs=2, seed=5, recipe=RECIPE)
    first = next(iter(estimator.module_.net.state_dict()))
    assert not np.array_equal(estimator.module_.net.state_dict()[first].numpy(), by_hand.net.state_dict()[first].numpy())


class _Recorder:
    """A network factory whose network records the batches it sees in training and in eval mode."""

    def __init__(self) -> None:
        self.training, self.evaluating = [], []

    def __call__(self):
        from torch import nn

        recorder = self

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.linear = nn.Linear(64, 10)
                self.norm = nn.BatchNorm1d(10)

            def forward(self, x):
                (recorder.training if self.training else recorder.evaluating).append(x.detach().clone())
                return self.norm(self.linear(x.flatten(1)))

        return Net()


def test_transforms_reach_training_batches_only_and_are_seeded(tiny_digits):
    split = _split(tiny_digits)

    def fitted(seed: int) -> _Recorder:
        recorder = _Recorder()
        TorchClassifier(recorder, batch_size=256, epochs=1, seed=seed, augment=1.0, precision="32",
                        augmentation=Augmentation(shift=1, hflip=True)).fit(split.x_fit, split.y_fit, split.x_val,
                                                                             split.y_val)
        return recorder

    first, again, other = fitted(1), fitted(1), fitted(2)
    (batch,), (validation,) = first.training, first.evaluating
    originals = {tuple(image.ravel()) for image in split.x_fit}
    changed = [tuple(image.numpy().ravel()) not in originals for image in batch]
    assert 0.5 < np.mean(changed) < 1.0  # most images moved or flipped (a few drew no shift and no flip)
    np.testing.assert_array_equal(validation.numpy(), split.x_val)  # validation images untouched, in eval mode
    assert np.array_equal(batch.numpy(), again.training[0].numpy())  # the same seed, the same draws
    assert not np.array_equal(batch.numpy(), other.training[0].numpy())


def test_shifts_and_flips_move_pixels_exactly():
    import torch

    images = torch.arange(2 * 3 * 5 * 7, dtype=torch.float32).reshape(2, 3, 5, 7) + 1
    moved = augmented(images, Augmentation(shift=2, hflip=True, vflip=True), generator_on("cpu", 0))
    for original, result in zip(images, moved):
        kept = result[result != 0]
        assert set(kept.tolist()) <= set(original.flatten().tolist())  # pixels moved, never blended
        assert len(kept) >= 3 * 3 * 3  # at most 2 of 5 rows and 2 of 7 columns shifted out
    rotated = augmented(images, Augmentation(rotate=90.0), generator_on("cpu", 0))
    assert not torch.equal(rotated, images) and rotated.shape == images.shape
    assert augmented(images, Augmentation(), generator_on("cpu", 0)) is images


@pytest.mark.parametrize("text, expected", [
    ("shift=2,hflip", Augmentation(shift=2, hflip=True)), ("none", Augmentation()),
    ("rotate=15,vflip", Augmentation(vflip=True, rotate=15.0)), ("hflip,vflip,shift=4,rotate=30", Augmentation(4, True, True, 30.0)),
])
def test_augmentation_text_reads_back(text, expected):
    assert Augmentation.parse(text) == expected and Augmentation.parse(str(expected)) == expected


@pytest.mark.parametrize("text, message", [
    ("shift=two", "shift takes a number, not 'two'"), ("hflip,hflip", "cannot read 'hflip'"),
    ("shift=100", "expected whole pixels from 0 to 64"), ("rotate=-5", "expected degrees from 0 to 180"),
    ("flip", "cannot read 'flip'"),
])
def test_bad_augmentation_text_names_the_problem(text, message):
    with pytest.raises(DlbenchError, match=message):
        Augmentation.parse(text)


def test_strength_scales_what_a_task_declares():
    declared = Augmentation(shift=4, hflip=True, rotate=30.0)
    assert declared.scaled(0.5) == Augmentation(2, True, False, 15.0)
    assert declared.scaled(0) == Augmentation() and not declared.scaled(0).active
    with pytest.raises(DlbenchError, match="strength 1.5"):
        TorchClassifier(lambda: None, augment=1.5)


def _learning_rates(recipe: Recipe, steps: int) -> list:
    import torch

    optimiser = recipe.optimiser([torch.nn.Parameter(torch.zeros(1))])
    schedule = recipe.scheduler(optimiser, steps)
    rates = []
    for _ in range(steps):
        rates.append(optimiser.param_groups[0]["lr"])
        optimiser.step()
        if schedule is not None:
            schedule.step()
    return rates


def test_schedules_shape_the_learning_rate():
    constant = _learning_rates(Recipe(lr=0.1), 20)
    assert constant == [0.1] * 20
    onecycle = _learning_rates(Recipe(lr=0.1, schedule="onecycle", warmup=0.25), 100)
    assert onecycle[0] == pytest.approx(0.1 / 25) and max(onecycle) == pytest.approx(0.1, rel=1e-3)
    assert int(np.argmax(onecycle)) in (24, 25) and onecycle[-1] < 1e-4
    cosine = _learning_rates(Recipe(lr=0.1, schedule="cosine", warmup=0.1), 100)
    assert cosine[0] == pytest.approx(0.01) and cosine[9] == pytest.approx(0.1) and cosine[-1] < 1e-3
    assert all(later <= earlier for earlier, later in zip(cosine[10:], cosine[11:]))


@pytest.mark.parametrize("arguments, message", [
    ({"optimizer": "rmsprop"}, "optimizer 'rmsprop' \\(valid: adam, adamw, sgd\\)"),
    ({"schedule": "step"}, "schedule 'step' \\(valid: constant, cosine, onecycle\\)"),
    ({"schedule": "onecycle"}, "warmup 0 with schedule 'onecycle'"),
    ({"label_smoothing": 1.0}, "label_smoothing 1.0"), ({"grad_clip": 0.0}, "grad_clip 0.0"),
    ({"weight_decay": -1.0}, "weight_decay -1.0"),
])
def test_a_bad_recipe_is_refused_when_the_estimator_is_built(arguments, message):
    with pytest.raises(ValueError, match=f"^training recipe: bad {message}"):
        TorchClassifier(lambda: None, **arguments)


def test_sgd_uses_nesterov_momentum_and_the_host_hands_over_the_tasks_transforms():
    import torch

    from dlbench import Model
    from dlbench.training.options import build_estimator

    optimiser = Recipe(optimizer="sgd", weight_decay=1e-4).optimiser([torch.nn.Parameter(torch.zeros(1))])
    assert isinstance(optimiser, torch.optim.SGD) and optimiser.defaults["nesterov"]
    model = Model("probe", "deep", lambda trial: {}, {}, lambda params, info: TorchClassifier(lambda: None, augment=0.5))
    info = TaskInfo("t", (1, 8, 8), 10, tuple("0123456789"), 0, augmentation=Augmentation(shift=4, vflip=True))
    estimator = build_estimator(model, {}, info)
    assert estimator.augmentation_used == Augmentation(shift=2, vflip=True)
