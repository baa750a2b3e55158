"""Checks of the result rows that ``dlbench report`` and ``dlbench compare`` read (a run's ``results.csv``, a
report JSON's ``results``): damaged input stops with one line naming the file and its first bad row, never a
table of shifted rows or a gate that passes on nothing.

Rows are counted from 1, the header not counted: row 3 is the third result row.
"""

from __future__ import annotations

import csv
import math
import numbers
from pathlib import Path
from typing import Dict, Optional, Tuple

import pandas as pd

from dlbench.errors import DlbenchError
from dlbench.results.schema import ACCURACY_COLUMNS, COUNT_COLUMNS, RESULT_NUMBER_COLUMNS

REQUIRED = ["task", "model", "family", "seed", "status", "test_accuracy"]
STATUSES = ("ok", "failed")


def read_results_csv(path: Path) -> pd.DataFrame:
    """A results.csv with every cell as the text written ("" where empty): a model named "NA" or "007" is that
    name, not a gap or a number. A DlbenchError names the row when a row has more or fewer fields than the
    header (a truncated or damaged file), the header names a column twice, or a quoted field never ends."""
    where = repr(str(path))
    records = []
    with open(path, newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file, strict=True)
        try:
            for record in reader:
                if record:  # a blank line
                    records.append(record)
        except csv.Error as error:
            place = f"row {len(records)}" if records else "header"
            raise DlbenchError(f"{where} {place}: {error} (the file is truncated or damaged)") from None
    if not records:
        raise DlbenchError(f"{where} is empty: it has no header and no result rows")
    header, rows = records[0], records[1:]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DlbenchError(f"{where} header names the column {', '.join(repeated)} more than once")
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise DlbenchError(f"{where} row {number}: {len(row)} fields where the header has {len(header)} "
                               "(the row is truncated or damaged)")
    return pd.DataFrame(rows, columns=header, dtype=object)


def _number(value: object) -> Optional[float]:
    """The number in a cell, None for an empty one (also NaN or null); ValueError when it is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
        raise ValueError(value)
    number = float(value)
    return None if math.isnan(number) else number


def _problem(column: str, value: object, number: Optional[float]) -> Optional[str]:
    """What is wrong with ``number`` (read from ``value``) in ``column``, or None."""
    if number is None:
        return None
    if not math.isfinite(number):
        return f"{column} {value!r} is not a finite number"
    if column in ACCURACY_COLUMNS and not 0 <= number <= 1:
        return f"{column} {value!r} is outside [0, 1]"
    if column in COUNT_COLUMNS and not (number >= 0 and number.is_integer()):
        return f"{column} {value!r} is not a whole number >= 0"
    if number < 0:  # seconds, and any other number of a result row
        return f"{column} {value!r} is negative"
    return None


def _row_problem(row: Dict[str, object], values: Dict[str, Optional[float]], number: int,
                 seen: Dict[Tuple[str, str, float], int]) -> Optional[str]:
    """What is wrong with result row ``number`` (its number ``values`` already read), or None; records its key
    in ``seen``."""
    for column in ("task", "model"):
        if row[column] is None or str(row[column]) == "":
            return f"{column} is empty"
    if row["status"] not in STATUSES:
        return f"status {row['status']!r} is not one of {', '.join(STATUSES)}"
    if values["seed"] is None:
        return "seed is empty"
    for column, value in values.items():
        problem = _problem(column, row[column], value)
        if problem:
            return problem
    if row["status"] == "ok" and values["test_accuracy"] is None:
        return "status ok but test_accuracy is missing (an ok row has a test accuracy; a failed one may not)"
    key = (str(row["task"]), str(row["model"]), values["seed"])
    if key in seen:
        return (f"a second row for task {key[0]!r}, model {key[1]!r}, seed {key[2]:g} (the first is row "
                f"{seen[key]}; a run has one row per task, model and seed)")
    seen[key] = number
    return None


def checked_results(rows: pd.DataFrame, where: str) -> pd.DataFrame:
    """``rows`` as read from ``where`` (a quoted file name), their number columns as floats; a one-line
    DlbenchError naming ``where`` and the first bad row instead when they are not a run's result rows:
    a required column missing, no rows, text where a number belongs, an accuracy outside [0, 1], negative
    seconds, a seed or count that is not a whole number, a status other than ok or failed, an ok row without
    a test accuracy, or a second row for the same task, model and seed."""
    if rows.empty:
        raise DlbenchError(f"{where} has no result rows (only a header, or an empty list)")
    missing = [column for column in REQUIRED if column not in rows.columns]
    if missing:
        raise DlbenchError(f"{where} lacks the result columns {', '.join(missing)}")
    present = [column for column in RESULT_NUMBER_COLUMNS if column in rows.columns]
    converted: Dict[str, list] = {column: [] for column in present}
    seen: Dict[Tuple[str, str, float], int] = {}
    for number, row in enumerate(rows.astype(object).where(rows.notna(), None).to_dict(orient="records"), start=1):
        values: Dict[str, Optional[float]] = {}
        for column in present:
            try:
                values[column] = _number(row[column])
            except (TypeError, ValueError):
                raise DlbenchError(f"{where} row {number}: {column} {row[column]!r} is not a number") from None
        problem = _row_problem(row, values, number, seen)
        if problem:
            raise DlbenchError(f"{where} row {number}: {problem}")
        for column in present:
            converted[column].append(math.nan if values[column] is None else values[column])
    return rows.assign(**{column: pd.Series(cells, index=rows.index, dtype=float)
                          for column, cells in converted.items()})
