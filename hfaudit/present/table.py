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
        return frame.to_csv(index=False)
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
