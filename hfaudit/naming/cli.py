"""Commands ``hfaudit names`` (parse model ids), ``hfaudit paper naming`` (the study's measures) and
``hfaudit paper jiang`` (Jiang et al.'s naming classes).

Both read ids from ``--input``: a text file with one id a line, or a CSV whose column ``--column``
holds the ids. Examples::

    hfaudit names --input ids.txt --format table
    hfaudit names --input models.csv --column model_name --format json
    hfaudit paper naming --input all_NLP_with_quantization.csv --column model_name --format json
    hfaudit paper jiang --input all_NLP_with_quantization.csv --column model_name
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, cast

import typer

from hfaudit.cli_common import paper_group
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

InputOption = Annotated[Path, typer.Option("--input", help="Text file (one id a line) or CSV with --column.")]
ColumnOption = Annotated[
    str | None, typer.Option("--column", help="CSV column that holds the model ids (CSV input only).")
]


def read_ids(path: Path, column: str | None) -> list[str]:
    """Model ids from a one-id-a-line file, or from ``column`` of a CSV file."""
    if not path.is_file():
        raise HfauditError(f"input file not found: {path}", code=2)
    text = path.read_text(encoding="utf-8-sig")
    if column is None:
        first = text.splitlines()[0] if text else ""
        if "," in first and "/" not in first.split(",")[0]:
            raise HfauditError(f"{path} looks like a CSV file: name the id column with --column", code=2)
        return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or column not in reader.fieldnames:
        have = ", ".join(reader.fieldnames or [])
        raise HfauditError(f"column {column!r} not in {path} (columns: {have})", code=2)
    return [row[column].strip() for row in reader if row[column] and row[column].strip()]


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
    from hfaudit.naming import parse_names

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


def paper_naming_command(
    input_: InputOption,
    column: ColumnOption = None,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
    ours: Annotated[bool, typer.Option("--hfaudit/--paper-only", help="Also print hfaudit's own measures.")] = True,
) -> None:
    """The study's naming measures (version regex, major/minor, variant keywords) over an id list.

    Example: hfaudit paper naming --input all_NLP_with_quantization.csv --column model_name --format json
    """
    from hfaudit.naming.paper import hfaudit_measures, paper_naming_measures

    _check_format(fmt, ("json", "table"))
    ids = read_ids(input_, column)
    measures = paper_naming_measures(ids).as_dict()
    if fmt == "json":
        doc = dict(measures)
        if ours:
            doc["hfaudit"] = hfaudit_measures(ids)
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    rows = [[k, f"{v:,}"] for k, v in measures.items() if not isinstance(v, dict)]
    rows += [[f"variants.{k}", f"{v:,}"] for k, v in cast(dict[str, int], measures["variants"]).items()]
    _print_table(["paper measure", "value"], rows)
    if ours:
        h = hfaudit_measures(ids)
        extra = [[f"version_schemes.{k}", f"{v:,}"] for k, v in cast(dict[str, int], h["version_schemes"]).items()]
        extra += [["versioned_models", f"{h['versioned_models']:,}"], ["versioned_owners", f"{h['versioned_owners']:,}"]]
        extra += [[f"variants.{k}", f"{v:,}"] for k, v in cast(dict[str, int], h["variants"]).items()]
        _print_table(["hfaudit measure", "value"], extra)


def _size_text(size: int | None, experts: int | None) -> str:
    if size is None:
        return ""
    return f"{experts}x{size:,}" if experts else f"{size:,}"


def jiang_shares(ids: list[str]) -> dict[str, object]:
    """Jiang et al.'s class of each id, counted: ``{"names": n, "classes": {class: {count, share}}}``.

    Shares are of all names, in the study's class order (I, T, IT, A, IA, O), every class listed.
    """
    from collections import Counter

    from hfaudit.naming import JIANG_CLASSES, parse_names

    counts = Counter(p.jiang_class for p in parse_names(ids))
    n = len(ids)
    return {
        "names": n,
        "classes": {
            c: {"count": counts[c], "share": round(counts[c] / n, 4) if n else 0.0} for c in JIANG_CLASSES
        },
    }


def paper_jiang_command(
    input_: InputOption,
    column: ColumnOption = None,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
) -> None:
    """Jiang et al.'s naming classes (I, T, IT, A, IA, O) over an id list: count and share of each.

    Example: hfaudit paper jiang --input all_NLP_with_quantization.csv --column model_name --format json
    """
    _check_format(fmt, ("json", "table"))
    doc = jiang_shares(read_ids(input_, column))
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    classes = cast(dict[str, dict[str, float]], doc["classes"])
    rows = [[c, f"{int(v['count']):,}", f"{100 * v['share']:.1f}%"] for c, v in classes.items()]
    _print_table(["jiang class", "names", "share"], rows)


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*header, show_lines=False)
    for r in rows:
        table.add_row(*r)
    Console(soft_wrap=False).print(table)


def register(app: typer.Typer) -> None:
    """Add ``names``, ``paper naming`` and ``paper jiang`` to ``app`` (reusing a ``paper`` group if one exists)."""
    app.command("names")(names_command)
    paper_app = paper_group(app)
    paper_app.command("naming")(paper_naming_command)
    paper_app.command("jiang")(paper_jiang_command)
