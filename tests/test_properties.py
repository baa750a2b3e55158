"""Property-based tests of the results and report layer: random results (NaNs, failures, missing models and
columns, a single model, conflicting duplicates, names full of unicode and of HTML, LaTeX and Markdown specials)
never crash a report or ``compare``, and every format escapes every name."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Set, Tuple

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlbench.cli import main
from dlbench.reports import Summary, merge_sources
from dlbench.reports.builtin_formats import register_reporters
from dlbench.reports.compare import Bounds, compare, comparison_table, regressions
from dlbench.reports.latex import escape as latex_escape
from dlbench.reports.markdown import escape as markdown_escape
from dlbench.reports.summary import FAMILIES, SCORES
from dlbench.results.checks import REQUIRED
from dlbench.results.schema import RESULT_COLUMNS
from dlbench.types import Reporter

# No example database in the work tree: a failure prints its example, and fixed ones stay as @example.
PROPERTY = settings(deadline=None, database=None)
NAN = math.nan
# Pieces of names: markup of every format, line breaks, other scripts, text that CSV readers take for gaps or numbers
SPECIALS = ["<script>alert(1)</script>", "<b>", "&", "&amp;", '"', "'", "\\", "%", "$", "#", "_", "{", "}", "~",
            "^", "|", "*", "`", "[x](y)", "\n", "\r\n", "\t", " ", "ü", "中文", "😀", "NA", "null", "007", "1e3",
            "true", "$^$"]
OPTIONAL_COLUMNS = [column for column in RESULT_COLUMNS if column not in REQUIRED]
LINE_ENDINGS = re.compile(r"\r\n|\r|\n")  # where CommonMark and TeX both end a line
HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "thead", "tbody", "tr",
             "th", "td", "strong", "figure", "img", "figcaption", "ul", "li"}  # every tag reports/html.py writes
DELIBERATE_PERCENT = r"\resizebox{\linewidth}{!}{%"  # the only line whose % comments out the line end
LATEX_COMMANDS = {"documentclass", "usepackage", "begin", "end", "section", "subsection", "paragraph", "par", "item",
                  "centering", "resizebox", "linewidth", "toprule", "midrule", "bottomrule", "textbf", "textbackslash",
                  "textasciitilde", "textasciicircum", "textless", "textgreater", "textbar", "pm", "times",
                  "Delta", "chi", "alpha", "textsuperscript"}  # every command reports/latex.py writes

# any other character but surrogates (no UTF-8) and control characters (a lone "\r" is written unquoted by to_csv)
fragments = st.one_of(st.sampled_from(SPECIALS),
                      st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=6))
names = st.lists(fragments, min_size=1, max_size=3).map("".join)
scores = st.one_of(st.just(NAN), st.floats(0, 1))
seconds = st.one_of(st.just(0.0), st.just(NAN), st.floats(1e-4, 1e7))
counts = st.one_of(st.just(NAN), st.integers(0, 10**8))


def _row(task: str, model: str, family: str, seed: int = 0, status: str = "ok", error: str = "",
         **numbers: float) -> Dict[str, object]:
    """One result row; the numbers not given are missing (NaN), as in a failed row."""
    row: Dict[str, object] = {column: NAN for column in RESULT_COLUMNS}
    row.update(task=task, model=model, family=family, seed=seed, status=status, best_params="{}", error=error,
               **numbers)
    return row


def _frame(*rows: Dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=RESULT_COLUMNS)


@st.composite
def result_rows(draw: st.DrawFn, task: str, model: str, family: str, seed: int) -> Dict[str, object]:
    """A failed row with its reason, or a successful one whose scores (but its test accuracy), times and counts
    may be missing."""
    if draw(st.sampled_from(["ok", "ok", "ok", "failed"])) == "failed":
        return _row(task, model, family, seed, status="failed", error=draw(names))
    return _row(task, model, family, seed,
                test_accuracy=draw(st.floats(0, 1)),
                **{column: draw(scores) for column in (*SCORES, "val_accuracy") if column != "test_accuracy"},
                **{column: draw(seconds) for column in ("fit_seconds", "predict_seconds_per_1k", "tuning_seconds")},
                **{column: draw(counts) for column in ("n_params", "n_trials")})


@st.composite
def name_pools(draw: st.DrawFn) -> Tuple[List[str], Dict[str, str]]:
    """Task names, and model names with each model's family (both families, or only one)."""
    tasks = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    models = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    return tasks, {model: draw(st.sampled_from(FAMILIES)) for model in models}


def _draw_frame(draw: st.DrawFn, tasks: List[str], families: Dict[str, str]) -> pd.DataFrame:
    """Some task x model pairs (models missing on some tasks), each with one to three seeds."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(tasks), st.sampled_from(list(families))),
                          min_size=1, max_size=6, unique=True))
    rows = [draw(result_rows(task, model, families[model], seed))
            for task, model in pairs for seed in range(draw(st.integers(1, 3)))]
    return _frame(*rows)


@st.composite
def results_frames(draw: st.DrawFn) -> pd.DataFrame:
    return _draw_frame(draw, *draw(name_pools()))


@st.composite
def result_pairs(draw: st.DrawFn) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """A baseline and a new run over the same names, so that they share some task x model pairs."""
    pool = draw(name_pools())
    return _draw_frame(draw, *pool), _draw_frame(draw, *pool)


@dataclass
class ReportCase:
    """What ``dlbench report`` reads: a results.csv that may lack optional columns, and with ``conflicting`` a
    second copy whose seed-0 rows have another test accuracy (conflicting duplicates, left out of the tables)."""

    results: pd.DataFrame
    dropped: Tuple[str, ...] = ()
    conflicting: bool = False

    def kept(self) -> pd.DataFrame:
        """The rows the report's tables hold."""
        return self.results[self.results["seed"] != 0] if self.conflicting else self.results

    def names(self) -> Set[str]:
        """Every task and model name: each is in a table, a failure line or a conflict line."""
        return set(self.results["task"]) | set(self.results["model"])


def _scored(task: str, model: str, family: str, accuracy: float) -> Dict[str, object]:
    return _row(task, model, family, test_accuracy=accuracy, fit_seconds=1.0, n_params=10, n_trials=2)


# Cases that once failed, kept so that every run tries them (fixed in benchmark/reports/ and compare.py)
PAST_FAILURES = [
    ReportCase(_frame(_row("digits", "cnn", "deep", status="failed", error="out of memory")),
               dropped=tuple(OPTIONAL_COLUMNS)),  # no counts, no accuracy (an ok row without one is refused)
    ReportCase(_frame(_row("digits", "cnn", "deep", status="failed", error="diverged",
                           fit_seconds=1.0))),  # a fit time but no point to plot
    ReportCase(_frame(_scored("$x$ task", "$^$", "deep", 0.9), _scored("t", "$\\frac$", "classical", 0.8))),
    ReportCase(_frame(_scored("a\r\nb", "c\r\n\r\nd", "deep", 0.9), _scored("a\r\nb", "e\r\nf", "classical", 0.8))),
    ReportCase(_frame(_scored("007", "NA", "deep", 0.9), _scored("007", "null", "classical", 0.8))),
]


def _with_past_failures(test: Callable[..., None]) -> Callable[..., None]:
    """The property also tries every case of PAST_FAILURES."""
    for case in PAST_FAILURES:
        test = example(case=case)(test)
    return test


@st.composite
def report_cases(draw: st.DrawFn) -> ReportCase:
    return ReportCase(draw(results_frames()), tuple(draw(st.lists(st.sampled_from(OPTIONAL_COLUMNS), unique=True))),
                      draw(st.booleans()))


def _built_in_reporters() -> Dict[str, Reporter]:
    """The built-in formats as ``dlbench report --format`` gets them: through the plugin hook."""
    found: List[Reporter] = []
    register_reporters(found.append)
    return {reporter.name: reporter for reporter in found}


REPORTERS = _built_in_reporters()


def _write(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as a run's results.csv (written as dlbench writes it); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(frame.to_csv(index=False), encoding="utf-8")
    return path


def _render(sources: Sequence[Path], format: str) -> str:
    """What ``dlbench report SOURCES --format FORMAT`` prints: sources merged, then the format's reporter."""
    results, trials, conflicts = merge_sources(sources)
    return REPORTERS[format].render(Summary(results, conflicts), trials)


def _report(case: ReportCase, format: str) -> str:
    """``dlbench report`` on the case's run folder and, with ``conflicting``, on its conflicting copy too."""
    copies = [case.results]
    if case.conflicting:
        seed_zero = case.results["seed"] == 0
        other = (case.results["test_accuracy"].fillna(0.0) + 0.5) % 1  # another valid accuracy, also for a gap
        copies.append(case.results.assign(test_accuracy=case.results["test_accuracy"].mask(seed_zero, other)))
    with tempfile.TemporaryDirectory() as folder:
        runs = [_write(copy.drop(columns=list(case.dropped)), Path(folder) / str(index) / "results.csv").parent
                for index, copy in enumerate(copies)]
        return _render(runs, format)


def _pairs(frame: pd.DataFrame) -> List[Tuple[str, str]]:
    return sorted(zip(frame["task"], frame["model"]))


def _ok_pairs(frame: pd.DataFrame) -> List[Tuple[str, str]]:
    return sorted(set(_pairs(frame[frame["status"] == "ok"])))


def _cli(*argv: str) -> Tuple[int, str]:
    """``dlbench ARGV`` in this process: its exit code and what it printed."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = main(list(argv))
    return code, output.getvalue()


def _unescaped(text: str, character: str) -> int:
    """How often ``character`` occurs not escaped (an odd run of backslashes before it escapes it)."""
    count, backslashes = 0, 0
    for char in text:
        if char == character and backslashes % 2 == 0:
            count += 1
        backslashes = backslashes + 1 if char == "\\" else 0
    return count


def _lines(text: str) -> List[str]:
    return LINE_ENDINGS.split(text)


def _assert_markdown_tables_whole(text: str) -> None:
    """Every row of every table (a run of lines starting with |) has as many unescaped | as its header."""
    tables: List[List[str]] = []
    previous_in_table = False
    for line in _lines(text):
        in_table = line.startswith("|")
        if in_table and not previous_in_table:
            tables.append([])
        if in_table:
            tables[-1].append(line)
        previous_in_table = in_table
    for table in tables:
        assert {_unescaped(line, "|") for line in table} == {_unescaped(table[0], "|")}, table


class _Page(HTMLParser):
    """The tags of a page and its text, character references resolved."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Set[str] = set()
        self.texts: List[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _latex_tables(tex: str) -> List[Tuple[int, List[str]]]:
    """Each tabular's column count and its row lines (header included, rules left out)."""
    tables: List[Tuple[int, List[str]]] = []
    rows: List[str] = []
    columns = 0
    for line in _lines(tex):
        if line.startswith(r"\begin{tabular}{"):
            columns, rows = len(line[len(r"\begin{tabular}{"):-1]), []
        elif line.startswith(r"\end{tabular}"):
            tables.append((columns, rows))
            columns = 0
        elif columns and line not in (r"\toprule", r"\midrule", r"\bottomrule"):
            rows.append(line)
    return tables


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # names in scripts that the plot font lacks
@settings(PROPERTY, max_examples=8)
@given(case=report_cases())
@_with_past_failures
def test_html_has_only_its_own_tags_and_every_name_as_text(case):
    page = _Page(_report(case, "html"))
    assert page.tags <= HTML_TAGS
    for name in case.names():
        assert any(name in text for text in page.texts), name


@settings(PROPERTY, max_examples=30)
@given(case=report_cases())
@_with_past_failures
def test_latex_escapes_every_name_and_keeps_its_tables_whole(case):
    tex = _report(case, "latex")
    for name in case.names():
        assert latex_escape(name) in tex, name
    assert set(re.findall(r"\\([A-Za-z]+)", tex)) <= LATEX_COMMANDS
    for columns, rows in _latex_tables(tex):
        for row in rows:
            assert _unescaped(row, "&") == columns - 1 and row.endswith(r" \\"), row
    for line in _lines(tex):
        assert line == DELIBERATE_PERCENT or _unescaped(line, "%") == 0, line
        assert _unescaped(line, "$") % 2 == 0 and not any(_unescaped(line, special) for special in "#_^~"), line
    assert _unescaped(tex, "{") == _unescaped(tex, "}")


@settings(PROPERTY, max_examples=30)
@given(case=report_cases())
@_with_past_failures
def test_markdown_escapes_every_name_and_keeps_its_tables_whole(case):
    text = _report(case, "markdown")
    for name in case.names():
        assert markdown_escape(name).strip() in text, name
    _assert_markdown_tables_whole(text)


@settings(PROPERTY, max_examples=30)
@given(case=report_cases())
@_with_past_failures
def test_csv_reads_back_with_every_name_exact(case):
    table = pd.read_csv(io.StringIO(_report(case, "csv")), dtype=str, keep_default_na=False)
    assert _pairs(table) == _ok_pairs(case.kept())


@settings(PROPERTY, max_examples=30)
@given(case=report_cases())
@_with_past_failures
def test_json_is_strict_json_with_every_name_exact(case):
    document = json.loads(_report(case, "json"), parse_constant=_not_json)
    kept = case.kept()
    assert sorted((row["task"], row["model"]) for row in document["results"]) == _pairs(kept)
    assert list(document["leaderboards"]) == list(dict.fromkeys(kept["task"]))
    conflicting = case.results[case.results["seed"] == 0] if case.conflicting else case.results.iloc[:0]
    assert sorted((row["task"], row["model"]) for row in document["conflicts"]) == _pairs(conflicting)


# Seed accuracies whose means are often equal, and often only up to float noise: (0.9 + 0.8) / 2 != 0.85
TIE_PRONE = st.sampled_from([0.8, 0.85, 0.9, NAN])


@st.composite
def tie_prone_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Results where models of either family often have equal mean test accuracies on a task."""
    tasks, families = draw(name_pools())
    pairs = draw(st.lists(st.tuples(st.sampled_from(tasks), st.sampled_from(list(families))),
                          min_size=1, max_size=8, unique=True))
    return _frame(*[_row(task, model, families[model], seed, test_accuracy=draw(TIE_PRONE), fit_seconds=draw(seconds),
                         val_accuracy=draw(TIE_PRONE))
                    for task, model in pairs for seed in range(draw(st.integers(1, 3)))])


def _same(first: float, second: float) -> bool:
    return math.isclose(first, second, rel_tol=0, abs_tol=1e-9)


@settings(PROPERTY, max_examples=60)
@given(frame=tie_prone_frames())
def test_equal_accuracies_share_a_rank_and_each_family_has_one_representative(frame):
    summary = Summary(frame, pd.DataFrame(columns=["task", "model", "seed", "sources"]))
    compared = []
    for task in summary.tasks:
        board = summary.leaderboard(task)
        scored = board.dropna(subset=["test_accuracy"])
        assert board["rank"].isna().equals(board["test_accuracy"].isna())  # no accuracy, no rank
        for _, row in scored.iterrows():  # 1 + those better + half of the others tied with it
            better = sum(other > row.test_accuracy and not _same(other, row.test_accuracy)
                         for other in scored.test_accuracy)
            tied = sum(_same(other, row.test_accuracy) for other in scored.test_accuracy) - 1
            assert row["rank"] == 1 + better + tied / 2, (task, row.model)
        for family, members in scored.groupby("family"):  # one representative: the best validation accuracy
            (chosen,) = members[members.best_of_family].itertuples()
            best_val = members.val_accuracy.max()
            assert math.isnan(best_val) or _same(chosen.val_accuracy, best_val), (task, family)
        if set(FAMILIES) <= set(scored.family):
            compared.append(task)
    comparison = summary.comparison
    assert list(comparison["task"]) == compared
    assert set(comparison["winner"]) <= {"untested"}  # no kept predictions: no test, so no winner
    if compared:
        noun = "task" if len(compared) == 1 else "tasks"
        assert summary.verdict.startswith(f"Deep learning wins on 0 of {len(compared)} {noun}")
        assert f"{len(compared)} {noun} untested" in summary.verdict
        assert "(s)" not in summary.verdict and "margin" not in summary.verdict


@settings(PROPERTY, max_examples=20)
@given(frame=results_frames())
@example(frame=PAST_FAILURES[-1].results)
def test_results_compared_with_themselves_or_their_json_report_have_no_regression(frame):
    with tempfile.TemporaryDirectory() as folder:
        results = _write(frame, Path(folder) / "results.csv")
        exported = Path(folder) / "report.json"
        exported.write_text(_render([results], "json"), encoding="utf-8")
        for new in (results, exported):
            table = compare(results, new, Bounds())
            assert regressions(table) == 0 and _pairs(table) == sorted(set(_pairs(frame)))
            _assert_markdown_tables_whole(comparison_table(table))
            code, output = _cli("compare", str(results), str(new))
            assert code == 0 and "\n0 regression(s)" in output


def _worse(before: pd.Series, after: pd.Series, bounds: Bounds) -> bool:
    slower = before["fit_seconds"] > 0 and after["fit_seconds"] / before["fit_seconds"] > bounds.max_slowdown
    return bool(before["test_accuracy"] - after["test_accuracy"] > bounds.max_accuracy_drop or slower)


def _seeds(frame: pd.DataFrame, pair: Tuple[str, str], ok: bool = False) -> Set[int]:
    rows = frame[(frame["task"] == pair[0]) & (frame["model"] == pair[1])]
    return set(rows[rows["status"] == "ok"]["seed"] if ok else rows["seed"])


def _expected_regressions(baseline: pd.DataFrame, new: pd.DataFrame, bounds: Bounds) -> int:
    """Baseline pairs that the new run lacks a seed of, that fail on a seed that worked, or that got less
    accurate or slower beyond the bounds."""
    before, after = (frame[frame["status"] == "ok"].groupby(["task", "model"])[["test_accuracy", "fit_seconds"]].mean()
                     for frame in (baseline, new))
    regressed = 0
    for pair in set(_pairs(baseline)):
        missing = _seeds(baseline, pair) - _seeds(new, pair)
        lost = _seeds(baseline, pair, ok=True) & (_seeds(new, pair) - _seeds(new, pair, ok=True))
        worse = pair in before.index and pair in after.index and _worse(before.loc[pair], after.loc[pair], bounds)
        regressed += bool(missing or lost or worse)
    return regressed


@settings(PROPERTY, max_examples=20)
@given(runs=result_pairs())
@example(runs=(PAST_FAILURES[-1].results, PAST_FAILURES[-1].results.assign(test_accuracy=0.5)))
@example(runs=(_frame(_row("t", "m", "deep", test_accuracy=0.9, fit_seconds=0.0)),  # no ok row on one side
                _frame(_row("t", "m", "deep", status="failed", error="out of memory"))))
def test_compare_lists_both_sides_and_exits_1_exactly_on_regressions(runs):
    baseline, new = runs
    with tempfile.TemporaryDirectory() as folder:
        paths = [_write(frame, Path(folder) / side / "results.csv") for side, frame in zip(("base", "new"), runs)]
        table = compare(*paths, Bounds())
        verdicts = dict(zip(zip(table["task"], table["model"]), table["verdict"]))
        base_pairs, new_pairs = set(_pairs(baseline)), set(_pairs(new))
        assert _pairs(table) == sorted(base_pairs | new_pairs)
        assert {pair for pair, verdict in verdicts.items() if verdict == "only in new"} == new_pairs - base_pairs
        assert {pair for pair, verdict in verdicts.items()
                if verdict == "REGRESSION: only in baseline"} == base_pairs - new_pairs
        assert regressions(table) == _expected_regressions(baseline, new, Bounds())
        _assert_markdown_tables_whole(comparison_table(table))
        code, output = _cli("compare", *map(str, paths))
        assert code == (1 if regressions(table) else 0) and f"\n{regressions(table)} regression(s)" in output
