"""Renderers for the dependents' commands: ``verify`` (text, json, sarif) and ``diff`` (table, json, md).

Both take the plain documents their library functions return (``VerifyResult.as_json()``,
``snapshot_diff``) and give text.

In SARIF, every change is a result whose location is the lock file's line for that model (the
``id = …`` key), so code scanning shows the drift on the lock file of the pull request that ran
the check.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hfaudit.present.findings import sarif_log

RULES = {
    "head_moved": "The model's revision points at a newer commit than the one locked.",
    "weights_replaced": "A weight file was replaced in place: same path, new content.",
    "file_added": "A weight, config, tokenizer, adapter or card file was added.",
    "file_deleted": "A locked weight, config, tokenizer, adapter or card file was deleted.",
    "history_rewritten": "The locked commit is no longer reachable: history was rewritten or squashed.",
    "renamed": "The model was renamed; its old id redirects (307).",
    "gated": "The model is now gated: downloads need an accepted access request.",
    "disabled": "The model was disabled on the Hub.",
    "private": "The model is now private (or deleted: the Hub does not tell anonymous callers which).",
    "deleted": "The model no longer exists on the Hub.",
}
SARIF_LEVEL = {"major": "error", "minor": "warning", "patch": "note", "none": "note"}


def _describe(change: dict[str, Any]) -> str:
    kind = change["kind"]
    bump = change.get("required_bump")
    parts = [kind]
    if change.get("path"):
        parts.append(change["path"])
    if kind == "renamed":
        parts.append(f"→ {change.get('to')}")
    if kind == "head_moved" and "commits" in change:
        parts.append(f"{len(change['commits'])} new commit(s)")
    if change.get("detail"):
        parts.append(f"({change['detail']})")
    if bump == "none":
        parts.append("no locked file differs")
    elif bump:
        parts.append(f"requires {bump}")
    parts.append(f"declared by {', '.join(change['declared_by'])}" if change.get("declared_by") else "undeclared")
    return " ".join(parts)


def verify_text(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    out = [
        f"{doc['lock']} against {doc['endpoint']}: {s['models']} models, {s['unchanged']} unchanged, "
        f"{s['changed']} changed, {s['errors']} could not be checked ({doc['requests']['total']} requests).\n"
    ]
    for m in doc["models"]:
        if m["error"]:
            out.append(f"{m['model_id']}: could not check: {m['error']}\n")
        elif not m["changes"]:
            out.append(f"{m['model_id']}: unchanged at {m['locked_commit'][:12]}\n")
        else:
            head = f"{m['model_id']}: {m['locked_commit'][:12]} → {(m['current_commit'] or '-')[:12]}"
            out.append(head + "\n")
            for c in m["changes"]:
                out.append(f"  {_describe(c)}\n")
                for commit in c.get("commits") or []:
                    changed = ", ".join(f"{x['change']} {x['path']}" for x in commit["changed"]) or "no locked file"
                    declared = ", ".join(commit["declared_by"]) or "undeclared"
                    out.append(f"    {commit['id'][:12]} {commit['title']!r}: {changed}; requires {commit['required_bump']}, {declared}\n")
    return "".join(out)


def verify_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def _weight(change: dict[str, Any], status_weight: dict[str, str]) -> str:
    return change.get("required_bump") or status_weight.get(change["kind"], "patch")


def verify_sarif(doc: dict[str, Any], status_weight: dict[str, str]) -> str:
    kinds = list(RULES)
    rules = [
        {
            "id": kind,
            "name": "".join(p.capitalize() for p in kind.split("_")),
            "shortDescription": {"text": text},
            "fullDescription": {"text": text},
            "help": {"text": text + " Re-lock (hfaudit lock) once the change is reviewed, or pin the locked commit."},
            "properties": {"tags": ["model-supply-chain", "hfaudit-verify"]},
        }
        for kind, text in RULES.items()
    ]
    lock = Path(doc["lock"])
    uri = lock.as_uri() if lock.is_absolute() else lock.as_posix()  # relative: to the checkout's root
    results = []
    for m in doc["models"]:
        for c in m["changes"]:
            fp = hashlib.sha256(
                f"{m['model_id']}\0{c['kind']}\0{c.get('path') or ''}\0{m['current_commit'] or ''}".encode()
            ).hexdigest()[:32]
            results.append(
                {
                    "ruleId": c["kind"],
                    "ruleIndex": kinds.index(c["kind"]),
                    "level": SARIF_LEVEL.get(_weight(c, status_weight), "warning"),
                    "message": {"text": f"{m['model_id']}: {_describe(c)}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri},
                                "region": {"startLine": m.get("line") or 1},
                            },
                            "logicalLocations": [{"fullyQualifiedName": f"{m['model_id']}@{m['locked_commit']}", "kind": "module"}],
                        }
                    ],
                    "partialFingerprints": {"hfauditVerify/v1": fp},
                    "properties": {
                        "model_id": m["model_id"],
                        "path": c.get("path"),
                        "required_bump": c.get("required_bump"),
                        "declared_by": c.get("declared_by"),
                    },
                }
            )
    # models that could not be checked are no result, but the run says so (exit 2)
    invocations = [
        {
            "executionSuccessful": not any(m["error"] for m in doc["models"]),
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": f"could not check {m['model_id']}: {m['error']}"}}
                for m in doc["models"] if m["error"]
            ],
        }
    ]
    sarif = sarif_log(rules, results, invocations=invocations)
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------ diff


def diff_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def _lines(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(what, model, detail) rows of a snapshot diff."""
    rows: list[tuple[str, str, str]] = []
    rows += [("added", m, "") for m in doc["added"]]
    rows += [("gone", m, "") for m in doc["gone"]]
    rows += [("renamed", old, f"→ {new}") for old, new in doc["renamed"].items()]
    heads = doc.get("heads") or {}
    for m in doc["head_moved"]:
        h = heads.get(m) or {}
        rows.append(("head_moved", m, f"{(h.get('from') or '-')[:12]} → {(h.get('to') or '-')[:12]}"))
    rows += [("weights_replaced", w["model_id"], w["path"]) for w in doc["weights_replaced"]]
    rows += [("history_rewritten", m, "") for m in doc["history_rewritten"]]
    rows += [("card_changed", m, "") for m in doc.get("cards_changed", [])]
    for c in doc.get("licenses_changed", []):
        rows.append(("license_changed", c["model_id"], f"{c['from']} → {c['to']}"))
    for c in doc.get("base_models_changed", []):
        rows.append(("base_models_changed", c["model_id"], f"{', '.join(c['from']) or '-'} → {', '.join(c['to']) or '-'}"))
    return rows


def diff_table(doc: dict[str, Any]) -> str:
    rows = _lines(doc)
    head = f"snapshot {doc['from']} → {doc['to']}: " + ", ".join(
        f"{len(doc[k])} {k.replace('_', ' ')}" for k in ("added", "gone", "renamed", "head_moved", "weights_replaced", "history_rewritten")
    )
    if not rows:
        return head + "\nno changes\n"
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    return head + "\n" + "".join(f"{a:<{w1}}  {b:<{w2}}  {c}".rstrip() + "\n" for a, b, c in rows)


def diff_markdown(doc: dict[str, Any], heading: str = "##", limit: int | None = None) -> str:
    """The diff as a Markdown table; with ``limit``, its first rows and a line saying how many more."""
    out = [f"{heading} Snapshot {doc['from']} → {doc['to']}\n\n"]
    rows = _lines(doc)
    if not rows:
        return out[0] + "No changes.\n"
    out.append("| change | model | detail |\n|---|---|---|\n")
    shown = rows if limit is None else rows[:limit]
    for a, b, c in shown:
        detail = c.replace("|", "\\|")
        out.append(f"| {a} | `{b}` | {detail} |\n")
    if len(shown) < len(rows):
        out.append(f"\n… and {len(rows) - len(shown)} more rows: `hfaudit diff --from {doc['from']} --to {doc['to']}` lists them all.\n")
    return "".join(out)
