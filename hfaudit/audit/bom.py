"""``hfaudit bom``: the facts of a CycloneDX ML-BOM, read from an analysed store.

``bom_facts(db, model_ids)`` returns plain values per model (head commit, weight files with their
sha256, card facts and sections, base models from ``lineage_edges`` with their relation, release
commits from ``semver_releases``); ``hfaudit.present.bom.render_bom`` turns them into CycloneDX 1.6
JSON. ``../shared/docs/ml-bom.md`` maps the fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hfaudit import __version__
from hfaudit.cards import as_list
from hfaudit.errors import HfauditError
from hfaudit.store import Store, json_value, table_names

# Card section headings → CycloneDX considerations fields.
SECTIONS = {
    "useCases": re.compile(r"^(intended uses?|uses|direct use|downstream use|use cases?)\b", re.I),
    "technicalLimitations": re.compile(r"^(limitations|technical limitations|out-of-scope use|known limitations)\b", re.I),
    "ethicalConsiderations": re.compile(r"^(bias|biases|risks|ethical considerations|bias, risks,? and limitations)\b", re.I),
}
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_PLACEHOLDER = re.compile(r"^\[more information needed\]$|^<!--.*-->$", re.I | re.S)


def card_sections(text: str | None) -> dict[str, list[str]]:
    """The card's sections on uses, limitations and bias, as paragraphs (placeholders dropped)."""
    if not text:
        return {}
    body = re.sub(r"\A\s*---.*?\n---[ \t]*\n", "", text, flags=re.S)
    body = re.sub(r"^```.*?^```[ \t]*$", "", body, flags=re.S | re.M)  # code samples are not considerations
    out: dict[str, list[str]] = {}
    current: str | None = None
    level = 0
    buffer: list[str] = []

    def flush() -> None:
        if current:
            for para in re.split(r"\n\s*\n", "\n".join(buffer)):
                para = para.strip()
                if para and not _PLACEHOLDER.match(para) and not para.startswith("#"):
                    out.setdefault(current, []).append(para)
        buffer.clear()

    for line in body.splitlines():
        m = _HEADING.match(line)
        if m:
            depth, title = len(m.group(1)), m.group(2).strip()
            field = next((f for f, rx in SECTIONS.items() if rx.match(title)), None)
            if field or current is None or depth <= level:
                flush()
                current, level = (field, depth) if field else (None, 0)
            continue
        if current:
            buffer.append(line)
    flush()
    return out


def _metrics(card: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for entry in card.get("model-index") or []:
        if not isinstance(entry, dict):
            continue
        for result in entry.get("results") or []:
            if not isinstance(result, dict):
                continue
            dataset = (result.get("dataset") or {}).get("name") if isinstance(result.get("dataset"), dict) else None
            for metric in result.get("metrics") or []:
                if isinstance(metric, dict) and metric.get("type") is not None and metric.get("value") is not None:
                    out.append({"type": str(metric["type"]), "value": str(metric["value"]), "slice": dataset})
    return out


def bom_facts(db: str | Path, model_ids: Sequence[str]) -> dict[str, Any]:
    """Everything the BOM says about ``model_ids``, from the store at ``db`` (read-only)."""
    if not model_ids:
        raise HfauditError("name at least one model", code=2)
    with Store(db, read_only=True) as store:
        con = store.con
        tables = set(table_names(con))
        if "lineage_edges" not in tables:
            raise HfauditError(f"{db} has no lineage tables: run 'hfaudit analyse' first", code=2)
        endpoint = store.latest_endpoint() or "https://huggingface.co"
        stamp = con.execute(
            "select strftime(max(coalesce(finished_at, started_at)) at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') from snapshots"
        ).fetchone()
        models = []
        for model_id in dict.fromkeys(model_ids):
            row = con.execute(
                "select model_id, coalesce(crawled_sha, sha), card_data, config, pipeline_tag, status, renamed_to "
                "from models where model_id = ?",
                [model_id],
            ).fetchone()
            if row is None:
                raise HfauditError(f"unknown model {model_id}: not in {db}", code=2)
            if row[5] == "renamed":
                raise HfauditError(f"{model_id} was renamed to {row[6]}: ask for that id", code=2)
            if not row[1]:
                raise HfauditError(f"{model_id}: the store has no commit for it", code=2)
            card = json_value(row[2])
            card = card if isinstance(card, dict) else {}
            config = json_value(row[3])
            config = config if isinstance(config, dict) else {}
            archs = config.get("architectures")
            weights = [
                {"path": p, "sha256": h, "size": s}
                for p, h, s in con.execute(
                    "select path, sha256, size from model_files where model_id = ? and category = 'weights' order by path",
                    [model_id],
                ).fetchall()
            ]
            readme = con.execute(
                "select cv.content from card_versions as cv join commits as c using (model_id, commit_id) "
                "where cv.model_id = ? and c.unreachable_since is null order by c.committed_at desc, c.position desc limit 1",
                [model_id],
            ).fetchone()
            ancestors = [
                {"model_id": p, "relation": rel, "source": src}
                for p, rel, src in con.execute(
                    """
                    select e.parent_id, e.relation, e.source
                    from lineage_edges as e
                    where e.child_id = ? order by e.parent_id
                    """,
                    [model_id],
                ).fetchall()
            ]
            releases: list[dict[str, Any]] = []
            if "semver_releases" in tables:
                releases = [
                    {"commit": c, "version": v, "required_bump": rb, "declared_bump": db_, "at": at, "title": t, "message": msg, "authors": list(a or [])}
                    for c, v, rb, db_, at, t, msg, a in con.execute(
                        """
                        select r.commit_id, r.version, r.required_bump, r.declared_bump,
                               strftime(c.committed_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ'), c.title, c.message, c.authors
                        from semver_releases as r join commits as c on c.model_id = r.model_id and c.commit_id = r.commit_id
                        where r.model_id = ? order by c.committed_at, r.version
                        """,
                        [model_id],
                    ).fetchall()
                ]
            silent = None
            if "weight_changes" in tables:
                one = con.execute(
                    "select count(*) from weight_changes where model_id = ? and change_kind <> 'initial' and not coalesce(documented, false)",
                    [model_id],
                ).fetchone()
                silent = int(one[0]) if one else 0
            models.append(
                {
                    "model_id": model_id,
                    "commit": row[1],
                    "license": card.get("license"),
                    "task": row[4] or card.get("pipeline_tag"),
                    "architecture_family": config.get("model_type"),
                    "architecture": archs[0] if isinstance(archs, list) and archs else None,
                    "datasets": as_list(card.get("datasets")),
                    "metrics": _metrics(card),
                    "considerations": card_sections(readme[0] if readme else None),
                    "has_card": readme is not None,
                    "weights": weights,
                    "ancestors": ancestors,
                    "releases": releases,
                    "silent_weight_changes": silent,
                }
            )
    return {"tool_version": __version__, "endpoint": endpoint, "timestamp": stamp[0] if stamp else None, "models": models}
