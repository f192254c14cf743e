"""Output formats of an audit run, one renderer each behind one signature: ``render(run, fmt)``.

- ``table``: a terminal table (severity, audit, model, location, message);
- ``json``: a versioned document, ``{"schema": "hfaudit.findings", "version": 1, …}``, described by the
  JSON Schema ``findings.schema.json`` beside this module;
- ``sarif``: SARIF 2.1.0, one run, one rule per audit, one result per finding. Each result points at
  the model's file on the Hub (``uriBaseId`` ``HFHUB``) and carries a stable ``partialFingerprints``
  entry, so code-scanning tools can track findings across runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import hfaudit
from hfaudit.audit import Audit, AuditRun, Finding, FindingsDigest

JSON_SCHEMA_ID = "hfaudit.findings"
JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warn": "warning", "info": "note"}
FORMATS = ("table", "json", "sarif")


def findings_schema() -> dict[str, Any]:
    """The JSON Schema of the ``json`` format."""
    text = resources.files("hfaudit.present").joinpath("findings.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def fingerprint(f: Finding) -> str:
    return hashlib.sha256(f"{f.audit_id}\0{f.model_id}\0{f.location or ''}".encode()).hexdigest()[:32]


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "audit": f.audit_id,
        "severity": f.severity,
        "model_id": f.model_id,
        "location": f.location,
        "message": f.message,
        "title": f.title,
        "bump": f.bump,
        "fingerprint": fingerprint(f),
        "details": dict(f.details),
    }


def _audit_json(a: Audit, run: AuditRun) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "severity": a.severity,
        "bump": a.bump,
        "rationale": a.rationale,
        "reference": a.reference,
        **run.outcome(a),
    }


def to_json(run: AuditRun, **extra: Any) -> dict[str, Any]:
    counts = {s: sum(1 for f in run.findings if f.severity == s) for s in ("error", "warn", "info")}
    doc: dict[str, Any] = {
        "schema": JSON_SCHEMA_ID,
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": "hfaudit", "version": hfaudit.__version__},
        "summary": {"findings": len(run.findings), **counts, "audits": len(run.audits), "skipped": len(run.skipped)},
        "audits": [_audit_json(a, run) for a in run.audits],
        "findings": [_finding_json(f) for f in run.findings],
    }
    doc.update(extra)
    return doc


def _rule_name(audit_id: str) -> str:
    return "".join(part.capitalize() for part in audit_id.split("_"))


def to_sarif(run: AuditRun, endpoint: str = "https://huggingface.co") -> dict[str, Any]:
    rules = []
    index: dict[str, int] = {}
    for i, a in enumerate(run.audits):
        index[a.id] = i
        rule: dict[str, Any] = {
            "id": a.id,
            "name": _rule_name(a.id),
            "shortDescription": {"text": a.title},
            "fullDescription": {"text": a.rationale},
            "help": {"text": a.rationale + (f" See {a.reference}." if a.reference else "")},
            "defaultConfiguration": {"level": SARIF_LEVEL[a.severity]},
            "properties": {"tags": ["model-release", "semver"], "required-bump": a.bump or "none"},
        }
        if a.reference and a.reference.startswith(("http://", "https://")):
            rule["helpUri"] = a.reference
        rules.append(rule)
    results = []
    for f in run.findings:
        path = f.details.get("path") if isinstance(f.details.get("path"), str) else "README.md"
        results.append(
            {
                "ruleId": f.audit_id,
                "ruleIndex": index[f.audit_id],
                "level": SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.model_id}: {f.message}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f"{f.model_id}/{path}", "uriBaseId": "HFHUB"},
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": [{"fullyQualifiedName": f.model_id + (f"@{f.location}" if f.location else ""), "kind": "module"}],
                    }
                ],
                "partialFingerprints": {"hfauditFinding/v1": fingerprint(f)},
                "properties": {"model_id": f.model_id, "location": f.location},
            }
        )
    return sarif_log(rules, results, originalUriBaseIds={"HFHUB": {"uri": endpoint.rstrip("/") + "/"}})


def sarif_log(rules: list[dict[str, Any]], results: list[dict[str, Any]], **run: Any) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one hfaudit run: the tool, its rules, the results, and ``run``'s extra
    members (``originalUriBaseIds``, ``invocations``); every SARIF output of hfaudit is built here."""
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hfaudit",
                        "informationUri": "https://github.com/hfaudit/hfaudit",
                        "semanticVersion": hfaudit.__version__,
                        "rules": rules,
                    }
                },
                **{k: v for k, v in run.items() if k == "originalUriBaseIds"},
                "results": results,
                "columnKind": "unicodeCodePoints",
                **{k: v for k, v in run.items() if k != "originalUriBaseIds"},
            }
        ],
    }


def to_table(run: AuditRun, limit: int | None = None) -> str:
    """A summary (audit, severity, count; most severe first), then the findings sorted by severity,
    audit, model and location, every id in full; at most ``limit`` of them, then "+N more"."""
    from collections import Counter

    rank = {"error": 0, "warn": 1, "info": 2}
    ordered = sorted(run.findings, key=lambda f: (rank.get(f.severity, 3), f.audit_id, f.model_id, f.location or ""))
    counts = Counter((f.audit_id, f.severity) for f in run.findings)
    return _table(counts, ordered[:limit] if limit else ordered, len(ordered), run)


def digest_table(digest: FindingsDigest) -> str:
    """``to_table`` of a run digested in the store (``hfaudit.audit.digest_audits``)."""
    return _table(digest.counts, list(digest.first), digest.total, digest.run)


def _table(counts: Mapping[tuple[str, str], int], shown: Sequence[Finding], total: int, run: AuditRun) -> str:
    from hfaudit.present.table import render_rows

    rank = {"error": 0, "warn": 1, "info": 2}
    if not total:
        text = f"no findings ({len(run.audits) - len(run.skipped)} audits ran)\n"
    else:
        summary = sorted(counts.items(), key=lambda kv: (rank.get(kv[0][1], 3), -kv[1], kv[0][0]))
        text = render_rows(["audit", "severity", "count"], [(a, sev, n) for (a, sev), n in summary], "table")
        text += f"{total} findings in {len(counts)} audits\n\n"
        text += render_rows(
            ["severity", "audit", "model", "location", "message"],
            [(f.severity, f.audit_id, f.model_id, f.location, f.message) for f in shown],
            "table",
        )
        if len(shown) < total:
            text += f"+{total - len(shown)} more (see --limit, or --format json)\n"
    if run.skipped:
        text += "".join(f"skipped {a}: {why}\n" for a, why in sorted(run.skipped.items()))
    return text


def render(run: AuditRun, fmt: str, endpoint: str = "https://huggingface.co", limit: int | None = None) -> str:
    if fmt == "json":
        return json.dumps(to_json(run), indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "sarif":
        return json.dumps(to_sarif(run, endpoint), indent=2, ensure_ascii=False, default=str) + "\n"
    return to_table(run, limit)
