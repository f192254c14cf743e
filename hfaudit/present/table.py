"""Rendering of tabular results as a terminal table, CSV or JSON (one place for every command)."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def render_frame(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "csv":
        return str(frame.to_csv(index=False))
    if fmt == "json":
        records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        return json.dumps(records, indent=2, default=str) + "\n"
    table = Table(show_lines=False)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*["" if _plain(v) is None else str(_plain(v)) for v in row])
    buffer = io.StringIO()
    Console(file=buffer, width=160, no_color=True).print(table)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    """A value as text in full: integers stay integers, nothing is cut."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return repr(value)  # a float column stays visibly a float (1.0), an integer column is never one
    return value if isinstance(value, str) else json.dumps(value, default=str) if isinstance(value, (list, dict)) else str(value)


def render_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    """Rows from a DuckDB cursor (Python values, so an integer is never turned into a float) as an
    aligned text table with every value in full, CSV, or JSON."""
    if fmt == "json":
        records = [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        return json.dumps(records, indent=2, default=str) + "\n"
    if fmt == "csv":
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v) for v in row] for row in rows])
        return buffer.getvalue()
    cells = [[" ".join(_cell(v).splitlines()) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(_plain(row[i]), (int, float)) or row[i] is None for row in rows) and bool(rows) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    out = [line(list(columns)), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    return "\n".join(out) + "\n"
