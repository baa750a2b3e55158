"""Seeded, stratified splits of labelled arrays."""

from __future__ import annotations

from typing import Tuple

import numpy as np

from dlbench.data.arrays import take_rows
from dlbench.types import TaskData


def stratified_indices(labels: np.ndarray, fraction: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Indices ``(keep, held_out)``: about ``fraction`` of every class held out, chosen with ``seed``."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(labels))
    keep, held_out = train_test_split(indices, test_size=fraction, stratify=labels, random_state=seed)
    return np.sort(keep), np.sort(held_out)


def stratified_split(images: np.ndarray, labels: np.ndarray, test_fraction: float, seed: int) -> TaskData:
    """A task's fixed train/test split: ``test_fraction`` of every class goes to test."""
    train, test = stratified_indices(labels, test_fraction, seed)
    return TaskData(take_rows(images, train), labels[train], take_rows(images, test), labels[test])


def nested_order(labels: np.ndarray, seed: int) -> np.ndarray:
    """A seeded order of the indices of ``labels`` whose every prefix is stratified: the first ``n`` indices hold
    each class in about its share of ``n`` (within one image), so the subsamples ``order[:n]`` are nested, each
    smaller one inside the larger ones. Each class's images are shuffled, then spread evenly along the order."""
    rng = np.random.default_rng(seed)
    keys = np.empty(len(labels))
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        keys[members] = (np.arange(len(members)) + rng.uniform()) / len(members)
    return np.lexsort((rng.random(len(labels)), keys))
