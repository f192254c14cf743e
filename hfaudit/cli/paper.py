"""``hfaudit paper …``: the study's own measures, computed as the study did, beside hfaudit's.

Examples::

    hfaudit paper naming --input all_NLP_with_quantization.csv --column model_name --format json
    hfaudit paper jiang --input all_NLP_with_quantization.csv --column model_name
    hfaudit paper releases --db hfaudit.duckdb --format table
    hfaudit paper lineage --db hub.duckdb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from hfaudit.cli.names import _check_format, _print_table
from hfaudit.cli.options import ColumnOption, DbOption, InputOption, paper_group, read_ids
from hfaudit.errors import HfauditError

FORMATS = ("json", "table")


def paper_naming_command(
    input_: InputOption,
    column: ColumnOption = None,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
    ours: Annotated[bool, typer.Option("--hfaudit/--paper-only", help="Also print hfaudit's own measures.")] = True,
) -> None:
    """The study's naming measures (version regex, major/minor, variant keywords) over an id list.

    Example: hfaudit paper naming --input all_NLP_with_quantization.csv --column model_name --format json
    """
    from hfaudit.analyse.naming.paper import hfaudit_measures, paper_naming_measures

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


def releases_measures(db: Path | None, extensions: Path | None, weight_files: Path | None) -> dict[str, Any]:
    """The measures as one JSON-ready mapping (the library call behind the command)."""
    from hfaudit.analyse.releases.measures import study_measures
    from hfaudit.analyse.releases.paper import STUDY, study_csv_measures
    from hfaudit.store import Store

    if db is None and extensions is None and weight_files is None:
        raise HfauditError("give --db, or the study's tables with --extensions and/or --weight-files", code=2)
    out: dict[str, Any] = {"study": dict(STUDY)}
    if extensions is not None or weight_files is not None:
        out["study_tables"] = study_csv_measures(extensions, weight_files)
    if db is not None:
        with Store(db, read_only=True) as store:
            row = store.con.execute(
                "select count(*) from information_schema.tables where table_name = 'weight_changes'"
            ).fetchall()[0]
            if not row or not row[0]:
                raise HfauditError(f"{db} has no weight_changes table: run 'hfaudit analyse --db {db}' first", code=2)
            out["store"] = study_measures(store.con)
            out["store"].pop("study", None)
    return out


def _rows(out: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(measure, study, this) lines for the table format."""
    study = out["study"]
    rows: list[tuple[str, str, str]] = []
    tables = out.get("study_tables", {})
    for cat in tables.get("categories", []):
        rows.append((f"study tables: {cat['category']} share of file changes", "", f"{cat['share_pct']}% ({cat['changes']:,})"))
    if "repeat_weight_files" in tables:
        r = tables["repeat_weight_files"]
        rows.append(("study tables: weight files changed >= 2 times", f"{study['repeat_weight_files']:,} in {study['repeat_weight_models']:,} models", f"{r['files']:,} in {r['models']:,} models"))
    store = out.get("store")
    if store:
        w, r = store["weight_share"], store["repeat_weight_files"]
        rows += [
            ("weight share of file changes (paper extensions)", f"{study['weight_share_pct']}%", f"{w['paper_share_pct']}% of {w['file_changes']:,}"),
            ("weight share of file changes (hfaudit is_weight)", "", f"{w['hfaudit_share_pct']}%"),
            ("silent weight changes after the first release", "", f"{w['silent_share_pct']}% of {w['after_first_release']:,}"),
            ("silent in-place replacements", "", f"{w['silent_replacement_share_pct']}% of {w['replacements']:,}"),
            ("weight files changed >= 2 times (paper)", f"{study['repeat_weight_files']:,} / {study['repeat_weight_models']:,} models", f"{r['paper_files']:,} / {r['paper_models']:,} models"),
            ("weight files replaced in place (hfaudit)", "", f"{r['hfaudit_replaced_files']:,} / {r['hfaudit_replaced_models']:,} models"),
        ]
        if not w["all_commits_diffed"]:
            rows.append(("note", "", "crawled with --changes matter: shares are upper bounds"))
        c = store.get("cards")
        if c:
            rows += [
                ("card present (paper)", f"{study['card_present_pct']}%", f"{c['paper_card_present_pct']}%"),
                ("card filled, not empty or template (hfaudit)", "", f"{c['hfaudit_card_filled_pct']}%"),
                ("datasets declared in metadata (paper)", f"{study['datasets_declared_pct']}% ({study['datasets_declared_notebook_pct']}%)", f"{c['paper_datasets_declared_pct']}%"),
                ("datasets declared or mentioned (hfaudit)", "", f"{c['hfaudit_datasets_declared_or_mentioned_pct']}%"),
            ]
        for t in store["version_pairs"]["paper_groups"]:
            rows.append((
                f"major vs minor: {t['flag']}",
                "",
                f"major {t['major_changed']}/{t['major_changed'] + t['major_same']}, minor {t['minor_changed']}/{t['minor_changed'] + t['minor_same']}, p={t['p_value']:.3g}",
            ))
    return rows


def paper_releases_command(
    db: Annotated[Path | None, typer.Option("--db", help="A crawled and analysed store.")] = None,
    extensions: Annotated[
        Path | None, typer.Option("--extensions", help="The study's RQ1_results/file_extension_and_frequencies.csv.")
    ] = None,
    weight_files: Annotated[
        Path | None, typer.Option("--weight-files", help="The study's dataset_folder/model_weight_file_changed.csv.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
) -> None:
    """The study's release measures (weight-file share, repeat weight files, cards, datasets,
    major vs minor) computed as the study did, beside hfaudit's.

    Example: hfaudit paper releases --db hfaudit.duckdb --format json
    """
    if fmt not in FORMATS:
        raise HfauditError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", code=2)
    out = releases_measures(db, extensions, weight_files)
    if fmt == "json":
        typer.echo(json.dumps(out, indent=2, sort_keys=True))
        return
    rows = [("measure", "study", "this run"), *_rows(out)]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        typer.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())


def paper_jiang_command(
    input_: InputOption,
    column: ColumnOption = None,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
) -> None:
    """Jiang et al.'s naming classes (I, T, IT, A, IA, O) over an id list: count and share of each.

    Example: hfaudit paper jiang --input all_NLP_with_quantization.csv --column model_name --format json
    """
    from hfaudit.analyse.naming.paper import jiang_shares

    _check_format(fmt, ("json", "table"))
    doc = jiang_shares(read_ids(input_, column))
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return
    classes = cast(dict[str, dict[str, float]], doc["classes"])
    rows = [[c, f"{int(v['count']):,}", f"{100 * v['share']:.1f}%"] for c, v in classes.items()]
    _print_table(["jiang class", "names", "share"], rows)


def paper_lineage_command(
    db: DbOption = Path("hfaudit.duckdb"),
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    top: Annotated[int, typer.Option("--top", help="Bases to list.")] = 15,
) -> None:
    """The study's base models (config.model_type) and variant labels, beside hfaudit's relations.

    Example: hfaudit paper lineage --db hub.duckdb
    """
    from hfaudit.analyse.lineage.paper import paper_lineage_measures
    from hfaudit.present.table import render_frame
    from hfaudit.store import Store

    if fmt not in ("table", "json"):
        raise HfauditError(f"--format must be table or json, not {fmt!r}", code=2)
    with Store(db, read_only=True) as store:
        frames = paper_lineage_measures(store.con)
    frames["bases"] = frames["bases"].head(top)
    if fmt == "json":
        data = {name: json.loads(render_frame(frame, "json")) for name, frame in frames.items()}
        typer.echo(json.dumps(data, indent=2))
        return
    for name, frame in frames.items():
        typer.echo(f"## {name}")
        typer.echo(render_frame(frame, "table"), nl=False)


def register(app: typer.Typer) -> None:
    paper_app = paper_group(app)
    paper_app.command("naming")(paper_naming_command)
    paper_app.command("jiang")(paper_jiang_command)
    paper_app.command("releases")(paper_releases_command)
    paper_app.command("lineage")(paper_lineage_command)
