"""Command line: a thin layer over the library. No SQL and no HTTP here.

Each command parses options, calls one library function and turns ``HfauditError`` (and the other
expected failures) into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import sys

import typer

from hfaudit.cli.fakehub import app as fakehub_app
from hfaudit.errors import HfauditError

app = typer.Typer(
    name="hfaudit",
    help="Audit how models are released on the Hugging Face Hub.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(fakehub_app, name="fakehub")

# One module per command; each adds itself to the app (the paper commands share one group).
from hfaudit.cli import analyse, audit, check, crawl, demo, lineage, names, paper, report, sql  # noqa: E402

for _command in (crawl, analyse, names, paper, lineage, audit, check, report, sql, demo):
    _command.register(app)


def main() -> None:
    try:
        app()
    except HfauditError as exc:
        print(f"hfaudit: error: {exc}", file=sys.stderr)
        sys.exit(exc.code)
    except KeyboardInterrupt:
        print("hfaudit: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
