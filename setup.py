"""Build step beside pyproject.toml: an optional compiled copy of the name parser.

``hfaudit/analyse/naming/parser.py`` is plain Python. Cython compiles a copy of it, as the extension module
``hfaudit.analyse.naming._cparser``, with the source's SHA-256 appended so that ``hfaudit.analyse.naming`` can tell
whether the copy was built from the ``parser.py`` beside it. The extension is *optional*: without a C
compiler (or without Cython) the install goes on and the package uses the pure-Python parser, which
gives the same results. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from setuptools import Extension, find_packages, setup

ROOT = Path(__file__).resolve().parent
PARSER = ROOT / "hfaudit" / "analyse" / "naming" / "parser.py"
BUILD = ROOT / "build" / "cython"


def extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("hfaudit: Cython is not installed; the name parser stays pure Python", file=sys.stderr)
        return []
    source = PARSER.read_bytes()
    copy = BUILD / "hfaudit" / "analyse" / "naming" / "_cparser.py"
    copy.parent.mkdir(parents=True, exist_ok=True)
    text = source + f'\nSOURCE_SHA256 = "{hashlib.sha256(source).hexdigest()}"\n'.encode()
    if not copy.is_file() or copy.read_bytes() != text:
        copy.write_bytes(text)  # unchanged bytes keep Cython's own up-to-date check working
    ext = Extension("hfaudit.analyse.naming._cparser", [str(copy.relative_to(ROOT))], optional=True)
    # Untyped compile: annotations are left to mypy, so the compiled module behaves as the source.
    directives = {"language_level": 3, "annotation_typing": False}
    return cythonize([ext], compiler_directives=directives, build_dir=str(BUILD.relative_to(ROOT)), quiet=True)


# The audits live in the top-level queries/ folder (the project's layout) and ship inside the wheel as
# the package data ``hfaudit.queries``, read with importlib.resources.
PACKAGES = [*find_packages(include=["hfaudit", "hfaudit.*"]), "hfaudit.queries"]

setup(
    ext_modules=extensions(),
    packages=PACKAGES,
    package_dir={"hfaudit.queries": "queries"},
    package_data={"hfaudit.queries": ["*.sql", "*.yaml", "*.md"]},
)
