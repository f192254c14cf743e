"""Command line: a thin layer over the library. No SQL and no HTTP here.

Each command parses options, calls one library function and turns ``HfauditError`` (and the other
expected failures) into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

try:  # typer vendors click (typer._click) since 0.2x; older typers use click itself
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as cx  # type: ignore[no-redef]

from hfaudit import __version__
from hfaudit.cli.fakehub import app as fakehub_app
from hfaudit.errors import EXIT_ERROR, EXIT_INTERRUPTED, HfauditError

app = typer.Typer(
    name="hfaudit",
    help="Audit how models are released on the Hugging Face Hub.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(fakehub_app, name="fakehub")


def _version(value: bool) -> None:
    if value:
        print(f"hfaudit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, callback=_version, help="Print the version and exit.")
    ] = False,
) -> None:
    """Audit how models are released on the Hugging Face Hub."""

# One module per command; each adds itself to the app (the paper commands share one group).
from hfaudit.cli import (  # noqa: E402
    analyse,
    audit,
    bom,
    check,
    crawl,
    demo,
    diff,
    lineage,
    lock,
    names,
    paper,
    report,
    sql,
    verify,
)

for _command in (crawl, analyse, names, paper, lineage, audit, check, report, sql, lock, verify, diff, bom, demo):
    _command.register(app)


def _fail(message: str, code: int) -> None:
    print(f"hfaudit: error: {' '.join(message.split())}", file=sys.stderr)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; every failure is one line on stderr and an exit code (docs/cli.md)."""
    try:
        code = app(args=argv, standalone_mode=False)
    except HfauditError as exc:
        _fail(str(exc), exc.code)
    except cx.NoArgsIsHelpError as exc:  # a bare group: its help, as click would
        exc.show()
        sys.exit(EXIT_ERROR)
    except cx.UsageError as exc:  # a framework usage error: one line instead of a box
        where = exc.ctx.command_path if exc.ctx is not None else "hfaudit"
        command = where.removeprefix("hfaudit").strip()
        _fail(f"{command + ': ' if command else ''}{exc.format_message()} (see '{where} --help')", EXIT_ERROR)
    except cx.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code or EXIT_ERROR)
    except (KeyboardInterrupt, typer.Abort):
        print("hfaudit: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:  # the reader went away (| head): nothing left to say
        sys.stderr.close()
        sys.exit(EXIT_ERROR)
    except UnicodeDecodeError as exc:  # a file that is not UTF-8 text
        _fail(f"input is not UTF-8 text (byte {exc.start}: {exc.reason})", EXIT_ERROR)
    except OSError as exc:  # a file or folder that cannot be read or written
        where = f": {exc.filename}" if exc.filename else ""
        _fail(f"{exc.strerror or exc}{where}", EXIT_ERROR)
    except Exception as exc:  # a bug: still one line (HFAUDIT_DEBUG=1 shows the traceback)
        if os.environ.get("HFAUDIT_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        _fail(f"internal error: {type(exc).__name__}: {first} (rerun with HFAUDIT_DEBUG=1 for the traceback)", EXIT_ERROR)
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into Exit(130)
        print("hfaudit: interrupted", file=sys.stderr)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
