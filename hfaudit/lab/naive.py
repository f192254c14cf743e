"""The benchmark's baseline: the crawler a user would write with ``HfApi`` in a few lines.

List the models, then for each model ``model_info``, ``list_repo_commits`` and ``list_repo_tree`` at
every commit, one call after another. Failures (gated repos, say) skip the model, as such scripts do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hfaudit.lab.naive")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--models-file", type=Path, help="Only crawl these ids (after listing them all).")
    args = parser.parse_args(argv)
    api = HfApi(endpoint=args.endpoint, token=False)
    wanted = set(args.models_file.read_text().split()) if args.models_file else None
    listed = [m.id for m in api.list_models()]
    trees = commits = skipped = 0
    for model_id in listed:
        if wanted is not None and model_id not in wanted:
            continue
        try:
            api.model_info(model_id)
            history = api.list_repo_commits(model_id)
            commits += len(history)
            for commit in history:
                list(api.list_repo_tree(model_id, revision=commit.commit_id, recursive=True))
                trees += 1
        except HfHubHTTPError:
            skipped += 1
    print(f"naive: listed {len(listed)} models; {commits} commits, {trees} trees, {skipped} skipped")


if __name__ == "__main__":
    main()
