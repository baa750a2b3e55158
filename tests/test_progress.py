"""Progress of a run: bars only on a terminal, one plain line per finished study elsewhere, nothing when quiet."""

from __future__ import annotations

import io
import re

from dlbench.progress import Progress, is_terminal

LINE = re.compile(r"^study (\S+)/(\S+): (\d+) trials?, best val acc (\S+), (\d+\.\d) s$")


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _two_studies(progress: Progress) -> None:
    """What a run tells its progress: two studies of three trials, the second with every trial failed."""
    progress.status("loading digits")
    progress.start_study("digits", "logistic")
    for finished, accuracy in enumerate((0.91, 0.9778, 0.95), start=1):
        progress.trial_done({"state": "complete", "val_accuracy": accuracy}, finished)
    progress.end_study(3, 0.9778)
    progress.start_study("digits", "svm")
    for finished in (1, 2, 3):
        progress.trial_done({"state": "fail", "val_accuracy": float("nan")}, finished)
    progress.end_study(3, float("nan"))
    progress.close()


def test_off_a_terminal_each_study_is_one_plain_line():
    stream = io.StringIO()
    _two_studies(Progress(total_studies=2, trials=3, stream=stream))
    text = stream.getvalue()
    assert "\r" not in text and "█" not in text and "|" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert [LINE.match(line).groups()[:4] for line in lines] == [("digits", "logistic", "3", "0.9778"),
                                                                 ("digits", "svm", "3", "n/a")]
    assert all(float(LINE.match(line).group(5)) < 5 for line in lines)


def test_one_trial_is_singular_and_the_seconds_are_the_study_s():
    stream = io.StringIO()
    progress = Progress(total_studies=1, trials=1, stream=stream)
    progress.start_study("shapes", "cnn")
    progress.started -= 12.34  # as if the study had run for 12.34 s
    progress.end_study(1, 0.5)
    assert stream.getvalue() == "study shapes/cnn: 1 trial, best val acc 0.5000, 12.3 s\n"


def test_on_a_terminal_bars_are_drawn_and_no_plain_lines():
    stream = FakeTerminal()
    _two_studies(Progress(total_studies=2, trials=3, stream=stream))
    text = stream.getvalue()
    assert "\r" in text and "studies" in text and "digits × logistic" in text and "2/2" in text
    assert "best val acc 0.9778" in text and "study digits/" not in text


def test_quiet_shows_nothing_on_a_terminal_or_off_it():
    for stream in (io.StringIO(), FakeTerminal()):
        _two_studies(Progress(total_studies=2, trials=3, disabled=True, stream=stream))
        assert stream.getvalue() == ""


def test_terminal_ness_is_decided_once_from_the_stream():
    stream = FakeTerminal()
    progress = Progress(total_studies=1, trials=1, stream=stream)
    stream.isatty = lambda: False  # type: ignore[method-assign]
    progress.start_study("digits", "svm")
    progress.end_study(1, 0.9)
    assert progress.bars and "study digits/svm" not in stream.getvalue()
    closed = io.StringIO()
    closed.close()
    assert not is_terminal(closed) and not is_terminal(object()) and is_terminal(FakeTerminal())  # type: ignore[arg-type]
