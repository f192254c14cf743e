"""Command line: a thin layer over the library. No SQL and no HTTP here.

Each command parses options, calls one library function and turns ``HfauditError`` (and the other
expected failures) into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import sys

import typer

from hfaudit.errors import HfauditError
from hfaudit.fakehub.cli import app as fakehub_app

app = typer.Typer(
    name="hfaudit",
    help="Audit how models are released on the Hugging Face Hub.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(fakehub_app, name="fakehub")

# Feature command groups register themselves here (one line each).
from hfaudit import cli_crawl  # noqa: E402

cli_crawl.register(app)
from hfaudit.naming import cli as naming_cli  # noqa: E402

naming_cli.register(app)
from hfaudit.releases import cli as releases_cli  # noqa: E402

releases_cli.register(app)
from hfaudit.lineage import cli as lineage_cli  # noqa: E402

lineage_cli.register(app)
from hfaudit.audit import cli as audit_cli  # noqa: E402

audit_cli.register(app)


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
