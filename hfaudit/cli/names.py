"""``hfaudit names``: parse model ids without a crawl.

Examples::

    hfaudit names --input ids.txt --format table
    hfaudit names --input models.csv --column model_name --format json
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated

import typer

from hfaudit.cli.options import ColumnOption, InputOption, read_ids
from hfaudit.errors import HfauditError

NAMES_COLUMNS = [
    "model_id",
    "convention",
    "segments",
    "version_raw",
    "version_scheme",
    "version_key",
    "size_params",
    "quant_format",
    "family",
    "variants",
    "experts",
    "jiang_class",
]


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise HfauditError(f"--format must be one of {', '.join(allowed)}, got {fmt!r}", code=2)


def _segments_text(segments: list[list[str]]) -> str:
    return " ".join(f"{text}:{seg_type}" for text, seg_type in segments)


def names_command(
    input_: InputOption,
    column: ColumnOption = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, json or table.")] = "table",
) -> None:
    """Parse model ids: segments, convention, version, size, quantization, family.

    Example: hfaudit names --input ids.txt --format csv
    """
    from hfaudit.analyse.naming import parse_names

    _check_format(fmt, ("csv", "json", "table"))
    rows = [p.as_row() for p in parse_names(read_ids(input_, column))]
    if fmt == "json":
        out = [{k: r[k] for k in NAMES_COLUMNS} for r in rows]
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(NAMES_COLUMNS)
        for r in rows:
            w.writerow(
                [
                    json.dumps(r[k], ensure_ascii=False) if k == "segments" else
                    ";".join(r[k]) if k == "variants" else  # type: ignore[arg-type]
                    ("" if r[k] is None else r[k])
                    for k in NAMES_COLUMNS
                ]
            )
        return
    _print_table(
        ["model_id", "convention", "segments", "version", "scheme", "size", "quant", "family", "jiang"],
        [
            [
                str(r["model_id"]),
                str(r["convention"]),
                _segments_text(r["segments"]),  # type: ignore[arg-type]
                str(r["version_raw"] or ""),
                str(r["version_scheme"]),
                _size_text(r["size_params"], r["experts"]),  # type: ignore[arg-type]
                str(r["quant_format"] or ""),
                str(r["family"] or ""),
                str(r["jiang_class"]),
            ]
            for r in rows
        ],
    )


def _size_text(size: int | None, experts: int | None) -> str:
    if size is None:
        return ""
    return f"{experts}x{size:,}" if experts else f"{size:,}"


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*header, show_lines=False)
    for r in rows:
        table.add_row(*r)
    Console(soft_wrap=False).print(table)


def register(app: typer.Typer) -> None:
    app.command("names")(names_command)
