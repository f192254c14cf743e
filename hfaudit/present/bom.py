"""CycloneDX 1.6 ML-BOM JSON from the values of ``hfaudit.audit.bom.bom_facts``.

One ``machine-learning-model`` component per model (``../shared/docs/ml-bom.md`` maps the fields):
purl ``pkg:huggingface/ORG/NAME@SHA``, the SHA-256 of every weight file (also as ``file``
sub-components, so each hash has its path), licence, references to repo, page and card, a
``modelCard`` (cyclonedx-python-lib does not model it yet, so this module writes the JSON itself),
the base models as ``pedigree.ancestors`` with their relation as the property ``hfaudit:relation``,
and the release commits as ``pedigree.commits``. The serial number is a uuid5 of the content, and
the timestamp is the store's latest snapshot, so the same store gives the same bytes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

# Hub licence ids (lower case) → SPDX ids; anything else goes as a licence name.
SPDX = {
    "apache-2.0": "Apache-2.0", "mit": "MIT", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
    "cc-by-4.0": "CC-BY-4.0", "cc-by-sa-4.0": "CC-BY-SA-4.0", "cc-by-nc-4.0": "CC-BY-NC-4.0",
    "cc-by-nc-sa-4.0": "CC-BY-NC-SA-4.0", "cc-by-nc-nd-4.0": "CC-BY-NC-ND-4.0", "cc0-1.0": "CC0-1.0",
    "gpl-3.0": "GPL-3.0-only", "lgpl-3.0": "LGPL-3.0-only", "agpl-3.0": "AGPL-3.0-only", "mpl-2.0": "MPL-2.0",
    "openrail": "OpenRAIL", "bigscience-openrail-m": "BigScience-OpenRAIL-M", "unlicense": "Unlicense",
    "artistic-2.0": "Artistic-2.0", "ecl-2.0": "ECL-2.0", "afl-3.0": "AFL-3.0", "wtfpl": "WTFPL",
}
NAMESPACE = uuid.UUID("6f1d5f1e-9a53-4c59-8c1a-0d6c3b1f1e11")  # hfaudit's uuid5 namespace for serials


def purl(model_id: str, commit: str | None) -> str:
    org, _, name = model_id.partition("/")
    text = f"pkg:huggingface/{quote(org, safe='')}/{quote(name, safe='')}"
    return text + (f"@{commit.lower()}" if commit else "")


def _licenses(value: Any) -> list[dict[str, Any]]:
    out = []
    for item in value if isinstance(value, list) else [value] if value else []:
        spdx = SPDX.get(str(item).lower())
        out.append({"license": {"id": spdx} if spdx else {"name": str(item)}})
    return out


def _considerations(sections: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sections.get("useCases"):
        out["useCases"] = sections["useCases"]
    if sections.get("technicalLimitations"):
        out["technicalLimitations"] = sections["technicalLimitations"]
    if sections.get("ethicalConsiderations"):
        out["ethicalConsiderations"] = [{"name": text} for text in sections["ethicalConsiderations"]]
    return out


def _property(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "value": str(value)}


def _component(m: dict[str, Any], endpoint: str, data_refs: dict[str, str]) -> dict[str, Any]:
    model_id, commit = m["model_id"], m["commit"]
    ref = purl(model_id, commit)
    org, _, name = model_id.partition("/")
    page = f"{endpoint}/{model_id}"
    comp: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": ref,
        "group": org,
        "name": name,
        "version": commit,
        "purl": ref,
    }
    hashes = [{"alg": "SHA-256", "content": w["sha256"]} for w in m["weights"] if w.get("sha256")]
    if hashes:
        comp["hashes"] = hashes
    licenses = _licenses(m.get("license"))
    if licenses:
        comp["licenses"] = licenses
    refs = [{"type": "vcs", "url": page}, {"type": "website", "url": page}]
    if m.get("has_card"):
        refs.append({"type": "model-card", "url": f"{page}/blob/{commit}/README.md"})
    comp["externalReferences"] = refs
    params: dict[str, Any] = {}
    if m.get("task"):
        params["task"] = m["task"]
    if m.get("architecture_family"):
        params["architectureFamily"] = m["architecture_family"]
    if m.get("architecture"):
        params["modelArchitecture"] = m["architecture"]
    if m.get("datasets"):
        params["datasets"] = [{"ref": data_refs[d]} for d in m["datasets"]]
    card: dict[str, Any] = {}
    if params:
        card["modelParameters"] = params
    if m.get("metrics"):
        card["quantitativeAnalysis"] = {
            "performanceMetrics": [
                {k: v for k, v in (("type", x["type"]), ("value", x["value"]), ("slice", x.get("slice"))) if v is not None}
                for x in m["metrics"]
            ]
        }
    considerations = _considerations(m.get("considerations") or {})
    if considerations:
        card["considerations"] = considerations
    if card:
        comp["modelCard"] = card
    pedigree: dict[str, Any] = {}
    if m.get("ancestors"):
        pedigree["ancestors"] = [
            {
                "type": "machine-learning-model",
                "bom-ref": f"{ref}#ancestor={a['model_id']}",
                "group": a["model_id"].partition("/")[0],
                "name": a["model_id"].partition("/")[2] or a["model_id"],
                # no version: which commit of the base a model was derived from is not recorded anywhere
                "purl": purl(a["model_id"], None) if "/" in a["model_id"] else f"pkg:huggingface/{quote(a['model_id'], safe='')}",
                "properties": [
                    _property("hfaudit:relation", a.get("relation") or "unknown"),
                    _property("hfaudit:lineage_source", a.get("source")),
                ],
            }
            for a in m["ancestors"]
        ]
    if m.get("releases"):
        pedigree["commits"] = [
            {
                "uid": r["commit"],
                "url": f"{page}/commit/{r['commit']}",
                "author": {k: v for k, v in (("timestamp", r.get("at")), ("name", (r.get("authors") or [None])[0])) if v},
                "message": "\n\n".join(x for x in (r.get("title"), r.get("message")) if x) or f"release {r['version']}",
            }
            for r in m["releases"]
        ]
    if pedigree:
        comp["pedigree"] = pedigree
    files = [
        {
            "type": "file",
            "bom-ref": f"{ref}#{w['path']}",
            "name": w["path"],
            **({"hashes": [{"alg": "SHA-256", "content": w["sha256"]}]} if w.get("sha256") else {}),
        }
        for w in m["weights"]
    ]
    if files:
        comp["components"] = files
    props = []
    if m.get("releases"):
        last = m["releases"][-1]
        props += [_property("hfaudit:declared_version", last["version"]), _property("hfaudit:required_bump", last["required_bump"])]
    if m.get("silent_weight_changes") is not None:
        props.append(_property("hfaudit:silent_weight_changes", m["silent_weight_changes"]))
    if props:
        comp["properties"] = props
    return comp


def bom_document(facts: dict[str, Any]) -> dict[str, Any]:
    endpoint = (facts.get("endpoint") or "https://huggingface.co").rstrip("/")
    datasets = sorted({d for m in facts["models"] for d in m.get("datasets") or []})
    data_refs = {d: f"data:huggingface/{d}" for d in datasets}
    components = [_component(m, endpoint, data_refs) for m in facts["models"]]
    components += [
        {
            "type": "data",
            "bom-ref": data_refs[d],
            "name": d,
            "data": [{"type": "dataset", "name": d}],
            "externalReferences": [{"type": "distribution", "url": f"{endpoint}/datasets/{quote(d, safe='/')}"}],
        }
        for d in datasets
    ]
    dependencies = [
        {"ref": c["bom-ref"], "dependsOn": [a["bom-ref"] for a in c.get("pedigree", {}).get("ancestors", [])]}
        for c in components
        if c["type"] == "machine-learning-model"
    ]
    metadata: dict[str, Any] = {
        "tools": {"components": [{"type": "application", "name": "hfaudit", "version": facts.get("tool_version", "0")}]}
    }
    if facts.get("timestamp"):
        metadata = {"timestamp": facts["timestamp"], **metadata}
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    }
    serial = uuid.uuid5(NAMESPACE, json.dumps(doc, sort_keys=True))
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "serialNumber": f"urn:uuid:{serial}", **{k: v for k, v in doc.items() if k not in ("bomFormat", "specVersion")}}


def render_bom(facts: dict[str, Any]) -> str:
    return json.dumps(bom_document(facts), indent=2, ensure_ascii=False) + "\n"
