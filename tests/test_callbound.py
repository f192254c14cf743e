"""The lower bound on crawl calls (hfaudit.lab.callbound) on histories small enough to count by hand.

In every registry below position 0 is the Hub's initial commit (``.gitattributes`` only) and the
user's commits are positions 1..E.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from hfaudit.fakehub.generate import generate
from hfaudit.lab.bench import render_lower_bound
from hfaudit.lab.callbound import api_call_lower_bound, main, min_stabbing, naive_calls
from tests.registry_builder import commit, delete, model, registry, text, weight

M = "acme/m"


def bound(*commits_changes: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """The figures for one model whose user commits make these changes, in order."""
    line = model(M, [commit(M, i, f"c{i}", changes) for i, changes in enumerate(commits_changes, 1)], **fields)
    return api_call_lower_bound([line])


def test_min_stabbing_takes_right_ends_and_respects_given_points() -> None:
    assert min_stabbing([(0, 3), (1, 2), (4, 4), (3, 5)]) == [2, 4]
    assert min_stabbing([]) == []
    assert min_stabbing([(0, 0), (0, 0)]) == [0]
    # A given point removes the intervals it lies in; only the others need points.
    assert min_stabbing([(0, 3), (1, 2), (4, 4), (3, 5)], given=[4]) == [2]
    assert min_stabbing([(0, 1), (2, 3)], given=[1, 2]) == []


def test_a_weight_replaced_at_every_commit_needs_every_revision() -> None:
    b = bound(*([weight("model.safetensors", v, op="add" if v == 1 else "modify")] for v in range(1, 6)))
    assert (b["commits"], b["change_events_matter"], b["commits_touching_matter"]) == (6, 5, 5)
    # Each version lives one commit: intervals [1,1] .. [5,5].
    assert b["stabbing_revisions"] == 5
    assert b["stabbing_revisions_with_parents"] == 5
    assert (b["list_pages"], b["commit_pages"]) == (1, 1)
    assert b["lower_bound_trees"] == 1 + 1 + 5
    assert b["lower_bound_compare"] == 1 + 1 + 3
    # naive: list, model_info, one page of commits, a tree at each of the 6 commits.
    assert b["naive_calls"] == 1 + 1 + 1 + 6
    assert b["ratio_trees_over_naive"] == round(7 / 9, 4)


def test_two_files_in_alternating_commits() -> None:
    a, r = "model.safetensors", "README.md"
    b = bound(
        [weight(a, 1)], [text(r, "v1")], [weight(a, 2, op="modify")], [text(r, "v2", op="modify")],
        [weight(a, 3, op="modify")], [text(r, "v3", op="modify")],
    )
    # weights: [1,2] [3,4] [5,6]; README: [2,3] [4,5] [6,6] -> revisions 2, 4, 6.
    assert b["stabbing_revisions"] == 3
    # Bound 2 adds the parents 1..5 of commits 2..6; [6,6] still needs 6.
    assert b["stabbing_revisions_with_parents"] == 6
    assert b["lower_bound_compare_with_parents"] == 1 + 1 + 3


def test_a_readme_only_history() -> None:
    b = bound([text("README.md", "one")], [text("README.md", "two", op="modify")], [text("README.md", "three", op="modify")])
    assert (b["change_events_matter"], b["stabbing_revisions"], b["stabbing_revisions_with_parents"]) == (3, 3, 3)


def test_files_added_once_are_all_seen_from_the_head_but_their_parents_must_be_looked_at() -> None:
    b = bound([text("README.md", "card")], [text("config.json", "{}")], [weight("model.safetensors", 1)])
    # Intervals [1,3] [2,3] [3,3]: one expanded tree at the head shows all three last commits.
    assert b["stabbing_revisions"] == 1
    # But a README or config that lived only at 2, or a weight only at 2, would show nowhere else.
    assert b["stabbing_revisions_with_parents"] == 3


def test_a_deletion_then_a_re_add() -> None:
    bin_ = "pytorch_model.bin"
    b = bound([weight(bin_, 1)], [text("train.py", "x")], [delete(bin_)], [text("eval.py", "y")], [weight(bin_, 2)])
    # add [1,2], delete [3,4], re-add [5,5] -> 2, 4, 5. As if never deleted it would be [1,4] [5,5].
    assert (b["change_events_matter"], b["commits_touching_matter"]) == (3, 3)
    assert b["stabbing_revisions"] == 3
    assert b["stabbing_revisions_with_parents"] == 3


def test_a_deletion_in_the_head_commit_is_left_to_the_listing() -> None:
    b = bound([weight("pytorch_model.bin", 1)], [delete("pytorch_model.bin")])
    assert b["change_events_matter"] == 2
    assert b["stabbing_revisions"] == 1  # [1,1] only
    assert b["stabbing_revisions_with_parents"] == 1  # the parent 1 of commit 2


def test_records_that_leave_the_blob_as_it_was_are_no_events() -> None:
    b = bound(
        [weight("model.safetensors", 1)],
        [weight("model.safetensors", 1, op="modify")],  # same blob
        [delete("model.safetensors"), weight("model.safetensors", 1)],  # deleted and put back in one commit
    )
    assert (b["change_events_matter"], b["commits_touching_matter"], b["stabbing_revisions"]) == (1, 1, 1)
    assert b["stabbing_revisions_with_parents"] == 1


def test_paths_that_do_not_matter_do_not_count() -> None:
    b = bound(
        [weight("model.safetensors", 1)],
        [text("foo.py", "print(1)")],
        [text(".gitattributes", "*.bin filter=lfs\n", op="modify")],
        [weight("training_args.bin", 1)],
        [text("docs/README.md", "not the card")],
        [text("logs/train.txt", "loss 1.0"), delete("foo.py")],
    )
    assert (b["commits"], b["change_events_matter"], b["commits_touching_matter"]) == (7, 1, 1)
    assert b["stabbing_revisions"] == 1
    assert b["stabbing_revisions_with_parents"] == 1


def test_every_category_that_matters_counts() -> None:
    paths = ["model.gguf", "README.md", "generation_config.json", "tokenizer.json", "adapter_config.json", "mergekit_config.yml"]
    b = bound(*([text(p, "1") if not p.endswith(".gguf") else weight(p, 1)] for p in paths))
    assert b["commits_touching_matter"] == 6
    assert b["stabbing_revisions_with_parents"] == 6  # parents 1..5 of commits 2..6, and the head


def test_private_gated_and_disabled_models_are_excluded() -> None:
    five = [commit("x", i, f"c{i}", [weight("model.safetensors", i, op="add" if i == 1 else "modify")]) for i in range(1, 6)]
    lines = [
        model("acme/open", [commit("acme/open", 1, "up", [weight("model.safetensors", 1)])]),
        model("acme/private", five, private=True),
        model("acme/gated", five, gated="manual"),
        model("acme/disabled", five, disabled=True),
    ]
    b = api_call_lower_bound(lines)
    assert (b["models"], b["models_listed"], b["models_readable"]) == (4, 3, 1)
    assert (b["commits"], b["stabbing_revisions"], b["stabbing_revisions_with_parents"]) == (2, 1, 1)
    assert b["commit_pages"] == 1
    assert b["lower_bound_trees"] == 1 + 1 + 1
    # naive: list; the open model's info, commits, 2 trees; info and a failed commits call for the
    # gated and the disabled ones; nothing for the private one, which it never sees.
    assert b["naive_calls"] == 1 + (1 + 1 + 2) + 2 + 2
    assert naive_calls(registry(lines)) == b["naive_calls"]


def test_commit_pages_are_a_thousand_commits() -> None:
    # 1,001 commits with the initial one, all on one day (the history orders ties by position).
    line = model(M, [commit(M, i, f"c{i}", [text("notes.txt", str(i))], day=28) for i in range(1, 1001)])
    b = api_call_lower_bound([line])
    assert b["commits"] == 1001 and b["commit_pages"] == 2
    assert b["stabbing_revisions"] == 0 and b["lower_bound_trees"] == 1 + 2


@pytest.mark.parametrize("seed", [3, 11])
def test_generated_registry_is_consistent(seed: int) -> None:
    lines, _ = generate(200, seed)
    b = api_call_lower_bound(lines)
    assert b["models_readable"] <= b["models_listed"] <= b["models"] == 200
    assert 0 < b["stabbing_revisions"] <= b["stabbing_revisions_with_parents"]
    assert b["stabbing_revisions"] <= b["commits_touching_matter"] <= b["commits"]
    assert b["stabbing_revisions_with_parents"] <= b["commits"]
    assert b["commits_touching_matter"] <= b["change_events_matter"]
    assert b["lower_bound_compare"] <= b["lower_bound_trees"] <= b["lower_bound_trees_with_parents"]
    assert b["lower_bound_compare"] <= b["lower_bound_compare_with_parents"] <= b["lower_bound_trees_with_parents"]
    assert b["lower_bound_trees_with_parents"] < b["naive_calls"]
    assert b["list_pages"] == math.ceil(b["models_listed"] / 1000)
    assert b["commit_pages"] >= b["models_readable"] - sum(1 for line in lines if not line["commits"])


def test_command_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--models", "30", "--seed", "5"])
    out = json.loads(capsys.readouterr().out)
    assert out["generated_models"] == 30 and out["seed"] == 5
    assert out == {"generated_models": 30, "seed": 5, **api_call_lower_bound(generate(30, 5)[0])}


def test_bench_renders_the_bound_and_skips_results_without_it() -> None:
    b = bound([weight("model.safetensors", 1)], [weight("model.safetensors", 2, op="modify")])
    rendered = "\n".join(render_lower_bound(b))
    assert f"{b['lower_bound_trees_with_parents']} with single-revision calls" in rendered
    assert f"of the naive crawler's {b['naive_calls']}" in rendered
    assert render_lower_bound(None) == []


def test_bench_summarises_the_evolved_registrys_changes() -> None:
    from hfaudit.lab.bench import change_counts

    changes = {
        "added": ["a/x", "a/y"],
        "deleted": ["b/z"],
        "renamed": {"c/old": "c/new", "d/old": "d/new", "e/old": "e/new"},
        "updated": {"f/m": ["sha1", "sha2"]},
        "squashed": {"id": "g/s", "new_commit": "0" * 40, "old_commits": 5},
        "seed": 43,
    }
    assert change_counts(changes) == {"added": 2, "deleted": 1, "renamed": 3, "updated": 1, "squashed": "g/s", "seed": 43}


def test_command_refuses_bad_input_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--models", "0"])
    assert info.value.code == 2 and "--models must be at least 1" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"bad.jsonl:1: not JSON"):
        main(["--registry", str(bad)])
