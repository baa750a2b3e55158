"""Where a run's time goes: fit and predict blocks, counted as wall time."""

from __future__ import annotations

import threading
import time

import pytest

from dlbench.timing import TimeSplit


def test_a_block_counts_its_seconds_in_its_part():
    clock = TimeSplit()
    with clock.fitting():
        time.sleep(0.05)
    with clock.predicting():
        time.sleep(0.02)
    assert clock.fit == pytest.approx(0.05, abs=0.03) and clock.predict == pytest.approx(0.02, abs=0.02)
    report = clock.report(0.1)
    assert report["fit_share"] + report["predict_share"] + report["other_share"] == pytest.approx(1.0, abs=1e-3)


def test_overlapping_blocks_on_two_threads_count_once():
    clock = TimeSplit()
    started = time.perf_counter()

    def fit():
        with clock.fitting():
            time.sleep(0.2)

    threads = [threading.Thread(target=fit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    assert 0.19 <= clock.fit <= wall  # not 0.4: side by side fits share the wall time


def test_a_predict_beside_a_fit_is_not_counted_twice():
    clock = TimeSplit()
    started = time.perf_counter()

    def predict():
        with clock.predicting():
            time.sleep(0.2)

    with clock.fitting():
        thread = threading.Thread(target=predict)
        thread.start()
        time.sleep(0.1)
    thread.join()
    wall = time.perf_counter() - started
    assert clock.fit + clock.predict <= wall + 1e-6
    assert clock.fit == pytest.approx(0.1, abs=0.05) and clock.predict == pytest.approx(0.1, abs=0.05)
