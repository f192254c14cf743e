"""`hfaudit fakehub …`: serve, generate and import registries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Serve, generate and import fake Hub registries.", no_args_is_help=True)

# ---- serve (owned by hfaudit/fakehub/server.py) -------------------------------------------------


@app.command("serve")
def serve_command(
    registry: Annotated[Path, typer.Option("--registry", help="Registry file (JSON Lines) to serve.")],
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port; 0 picks a free one.")] = 0,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    latency_ms: Annotated[
        float, typer.Option("--latency-ms", help="Delay added to every counted request.")
    ] = 0.0,
    quota: Annotated[
        list[str] | None, typer.Option("--quota", help="BUCKET=CALLS/SECONDS (api, resolvers); repeatable.")
    ] = None,
    faults: Annotated[
        str, typer.Option("--faults", help="KIND:RATE,... kinds 429 500 502 503 504 reset timeout truncate.")
    ] = "",
    fault_seed: Annotated[int, typer.Option("--fault-seed", help="Seed of the random faults.")] = 0,
    fault_schedule: Annotated[
        str, typer.Option("--fault-schedule", help="N:KIND,... fault on the N-th counted request.")
    ] = "",
    timeout_stall: Annotated[
        float, typer.Option("--timeout-stall-s", help="How long a 'timeout' fault stalls.")
    ] = 12.0,
    anonymous_404_as_401: Annotated[
        bool,
        typer.Option(
            "--anonymous-404-as-401", help="Missing repos answer anonymous clients 401 without code."
        ),
    ] = False,
    token_access: Annotated[
        list[str] | None,
        typer.Option(
            "--token-access", help="Token that may see gated and private repos ('*' = any); repeatable."
        ),
    ] = None,
) -> None:
    """Serve a registry over HTTP on loopback until SIGTERM or SIGINT.

    The first line on stdout is the URL. Example:

        hfaudit fakehub serve --registry reg.jsonl --port 0 --quota api=1000/300 --faults 500:0.05 --fault-seed 7
    """
    from hfaudit.errors import HfauditError
    from hfaudit.fakehub.limits import OptionError
    from hfaudit.fakehub.registry import Registry, RegistryError
    from hfaudit.fakehub.server import build_options, serve_forever

    try:
        options = build_options(
            latency_ms=latency_ms,
            quotas=quota or [],
            faults=faults,
            fault_seed=fault_seed,
            fault_schedule=fault_schedule,
            anonymous_404_as_401=anonymous_404_as_401,
            token_access=token_access or [],
            timeout_stall_s=timeout_stall,
        )
        if latency_ms < 0 or timeout_stall < 0:
            raise OptionError("--latency-ms and --timeout-stall-s must be >= 0")
        loaded = Registry.load(registry)
    except (OptionError, RegistryError) as exc:
        raise HfauditError(str(exc), code=2) from None
    try:
        serve_forever(loaded, port, host=host, options=options)
    except OSError as exc:
        raise HfauditError(f"cannot serve on {host}:{port}: {exc.strerror or exc}", code=2) from None


# ---- generate (owned by hfaudit/fakehub/generate/) -----------------------------------------------


@app.command("generate")
def generate_command(
    out: Annotated[Path, typer.Option("--out", help="Registry file to write; truth goes beside it.")],
    models: Annotated[
        int | None, typer.Option("--models", help="Number of models to generate (>= 1).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same bytes.")] = 0,
    evolve: Annotated[
        Path | None,
        typer.Option("--evolve", help="Write the next snapshot of this registry instead of a new one."),
    ] = None,
) -> None:
    """Write a synthetic registry and its ground truth (FILE.truth.jsonl).

    With --evolve OLD, write the next snapshot of OLD (new commits and repos, deletions, renames, one
    squashed history), its truth, and FILE.changes.json. Examples:

        hfaudit fakehub generate --models 2000 --seed 1 --out reg.jsonl

        hfaudit fakehub generate --seed 2 --evolve reg.jsonl --out reg2.jsonl
    """
    import json

    from hfaudit.errors import HfauditError
    from hfaudit.fakehub.generate import write_evolved, write_registry

    try:
        if evolve is not None:
            summary = write_evolved(evolve, out, seed)
        else:
            if models is None or models < 1:
                raise HfauditError(f"--models must be at least 1, got {models}", code=2)
            summary = write_registry(out, models, seed)
    except OSError as exc:
        raise HfauditError(f"cannot read or write registry: {exc.strerror or exc}: {exc.filename}", code=2) from None
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise HfauditError(f"{evolve}: not a registry file ({exc})", code=2) from None
    typer.echo(f"wrote {out}: {summary}")


# ---- import-git / import-trees (owned by hfaudit/fakehub/importers.py) --------------------------


@app.command("import-git")
def import_git_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of git histories (hf-repo-git-histories layout).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Registry file to write.")],
    keep_ids: Annotated[
        bool, typer.Option("--keep-ids", help="Keep the real commit ids and blob oids (API only, no git view).")
    ] = False,
) -> None:
    """Turn real git histories (owner__name.gitlog_raw.txt and companions) into a registry.

    Example: hfaudit fakehub import-git ../shared/reference/real-data/hf-repo-git-histories --out git.jsonl
    """
    from hfaudit.errors import HfauditError
    from hfaudit.fakehub.import_git import write_import

    try:
        models, commits = write_import(directory, out, keep_ids=keep_ids)
    except OSError as exc:
        raise HfauditError(f"cannot import {directory}: {exc.strerror or exc}", code=2) from None
    typer.echo(f"wrote {models} models, {commits} commits to {out}")


@app.command("import-trees")
def import_trees_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder of model-tree CSVs (oderinwale-model-trees layout).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Registry file to write.")],
    strip_relations: Annotated[
        bool,
        typer.Option("--strip-relations", help="Drop base_model_relation and base_model:<relation>: tags."),
    ] = False,
    keep_ids: Annotated[
        bool, typer.Option("--keep-ids", help="Keep the recorded head shas (API only, no git view).")
    ] = False,
) -> None:
    """Turn real model trees into a registry.

    Example: hfaudit fakehub import-trees ../shared/reference/real-data/oderinwale-model-trees --out trees.jsonl
    """
    from hfaudit.errors import HfauditError
    from hfaudit.fakehub.import_trees import ImportError_, import_trees

    try:
        count = import_trees(directory, out, strip_relations=strip_relations, keep_ids=keep_ids)
    except ImportError_ as exc:
        raise HfauditError(str(exc), code=2) from None
    typer.echo(f"wrote {count} models to {out}")


_ = Path  # used by the commands below
