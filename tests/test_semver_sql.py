"""The SQL form of the semver rules (``hfaudit.analyse.semver.tables``) against their one-history form
(``history.commit_reasons``, which ``hfaudit verify`` runs), on random histories written straight
into a store: what each commit changed, as reasons and paths, must agree commit for commit; and the
texts the SQL treats specially (JSON that is not an object, a changelog heading after a no-break
space, versions too long for an integer) give the rules' answer."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hfaudit.analyse.semver import CommitFacts, build_semver_tables, commit_reasons
from hfaudit.store import Store

WEIGHTS = ["model.safetensors", "model-00001-of-00002.safetensors", "pytorch_model.bin", "sub/model.gguf"]
TOKENIZER = ["tokenizer.json", "special_tokens_map.json", "tokenizer_config.json", "added_tokens.json"]
CONFIGS = [
    '{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}',
    '{"model_type": "llama",  "architectures": ["LlamaForCausalLM"], "hidden": 2}',
    '{"model_type": "mistral", "architectures": ["MistralForCausalLM"]}',
    '{"architectures": ["X", "Y"]}',
    '{"model_type": null, "architectures": []}',
    '{"model_type": 3}',
    "[1, 2]",
    "not json",
    "{}",
]
FRONT_MATTERS: list[Any] = [
    {"license": "mit", "pipeline_tag": "text-generation"},
    {"license": "apache-2.0", "pipeline_tag": "text-generation", "base_model": "org/base"},
    {"license": "mit", "base_model": ["org/b", "org/a"], "version": "1.2"},
    {"license": "", "base_model": [], "version": 2.0},
    {"license": "mit", "pipeline_tag": "fill-mask", "version": "v1.3"},
    {"license": 0, "base_model": "", "pipeline_tag": None},
    ["not", "an", "object"],
    None,
]
READMES = [
    "# model\n\nA model.\n",
    "# model\n\n## Changelog\n\n- v1.1: better\n- 1.0 first\n\n## Usage\nv9.9 is not here\n",
    "# model\n\n#\u00a0Changes\n\n* 1.2.0 and 2.0\n",
    "# model\n\n## History\n\n- 123456789012345678901234567890123456789012345.1 (a long one)\n",
    "# Updates\n1.5\n",
]


def _history(rng: random.Random, model: str) -> list[dict[str, Any]]:
    commits = []
    for i in range(rng.randint(1, 9)):
        c: dict[str, Any] = {"id": f"{model}-{i:02d}", "changes": {}, "config": None, "card": None}
        for _ in range(rng.randint(0, 3)):
            pick = rng.random()
            if pick < 0.45:
                c["changes"][rng.choice(WEIGHTS)] = (rng.choice(["added", "added", "modified", "deleted"]), "weights")
            elif pick < 0.65:
                c["changes"][rng.choice(TOKENIZER)] = (rng.choice(["added", "modified"]), "tokenizer")
            elif pick < 0.75:
                c["changes"]["generation_config.json"] = ("added", "config")
            elif pick < 0.9:
                c["config"] = rng.choice(CONFIGS)
            else:
                c["changes"]["docs/notes.md"] = ("added", "docs")
        if rng.random() < 0.4:
            c["card"] = (rng.choice(READMES), rng.choice(FRONT_MATTERS))
        commits.append(c)
    return commits


def _write(db: Path, histories: dict[str, list[dict[str, Any]]]) -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with Store(db) as store:
        con = store.con
        for model, commits in histories.items():
            con.execute("insert into models (model_id, status) values (?, 'present')", [model])
            for pos, c in enumerate(commits):
                at = start + timedelta(days=pos // 2)  # two commits a day: position breaks the tie
                con.execute(
                    "insert into commits (model_id, commit_id, committed_at, position) values (?, ?, ?, ?)",
                    [model, c["id"], at, pos],
                )
                for path, (kind, cat) in c["changes"].items():
                    con.execute(
                        "insert into file_changes (model_id, commit_id, path, change_kind, category, new_size) values (?, ?, ?, ?, ?, ?)",
                        [model, c["id"], path, kind, cat, 10 + pos],
                    )
                if c["config"] is not None:
                    con.execute(
                        "insert into file_contents values (?, ?, 'config.json', ?)", [model, c["id"], c["config"]]
                    )
                if c["card"] is not None:
                    text, fm = c["card"]
                    con.execute(
                        "insert into card_versions (model_id, commit_id, committed_at, content, front_matter) values (?, ?, ?, ?, ?)",
                        [model, c["id"], at, text, None if fm is None else json.dumps(fm)],
                    )


def _facts(commits: list[dict[str, Any]]) -> list[CommitFacts]:
    out = []
    for pos, c in enumerate(commits):
        f = CommitFacts(c["id"], None, pos, changes=[(p, k, cat, 10 + pos) for p, (k, cat) in sorted(c["changes"].items())])
        if c["config"] is not None:
            f.contents["config.json"] = c["config"]
        if c["card"] is not None:
            text, fm = c["card"]
            f.readme, f.front_matter, f.readme_changed = text, None if fm is None else json.dumps(fm), True
        out.append(f)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_reasons_equal_the_one_history_walk(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    histories = {f"o/m{i:03d}": _history(rng, f"o/m{i:03d}") for i in range(120)}
    db = tmp_path / "h.duckdb"
    _write(db, histories)
    with Store(db, create=False) as store:
        build_semver_tables(store.con)
        got = {
            (m, c): (list(r), list(p))
            for m, c, r, p in store.con.execute("select model_id, commit_id, reasons, paths from semver_changes").fetchall()
        }
    want = {
        (model, row["commit_id"]): (row["reasons"], row["paths"])
        for model, commits in histories.items()
        for row in commit_reasons(_facts(commits))
        if not row.get("upload") and row["reasons"]
    }
    assert len(want) > 100
    assert got == want


def test_changelog_after_a_no_break_space_and_long_versions(tmp_path: Path) -> None:
    fm = {"license": "mit"}
    histories = {
        "o/a": [
            {"id": "a0", "changes": {"model.safetensors": ("added", "weights")}, "config": None, "card": (READMES[0], fm)},
            {"id": "a1", "changes": {}, "config": None, "card": (READMES[2], fm)},
            {"id": "a2", "changes": {}, "config": None, "card": (READMES[3], fm)},
        ]
    }
    db = tmp_path / "h.duckdb"
    _write(db, histories)
    with Store(db, create=False) as store:
        build_semver_tables(store.con)
        rows = store.con.execute(
            "select commit_id, version, declared_by, declared_bump from semver_releases order by committed_at, version"
        ).fetchall()
    # "#\u00a0Changes" is a heading to Python's \s; 1.2.0 is a minor step from 1.0.0 (it follows the
    # upload), 2.0 a major one from 1.2.0; the 45-digit version, beyond any integer type of DuckDB,
    # is filed under its digits.
    assert rows == [
        ("a1", "1.2.0", ["readme_changelog"], "minor"),
        ("a1", "2.0", ["readme_changelog"], "major"),
        ("a2", "123456789012345678901234567890123456789012345.1", ["readme_changelog"], "major"),
    ]
