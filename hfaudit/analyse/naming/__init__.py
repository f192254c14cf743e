"""Deterministic parser of Hugging Face model names (the code and how it works: ``parser.py``).

This package exports the parser from one of two builds of the same source, ``parser.py``:

- ``_cparser``, the same file compiled with Cython by ``pip install`` (``setup.py``, with the types of
  ``parser.pxd``; about 1.45x faster, see docs/naming.md), used when it is present and was built from the ``parser.py`` beside
  it and the ``parser.pxd`` beside it (its ``SOURCE_SHA256`` matches ``current_digest()``);
- ``parser`` itself, pure Python, otherwise: with no compiler or no Cython at install time, or when
  ``parser.py`` or ``parser.pxd`` changed since the compiled copy was built (a warning then says to reinstall).

``IMPLEMENTATION`` says which one is in use; results are the same (tests compare the two).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from hfaudit.analyse.naming.digest import source_digest

_SOURCE = Path(__file__).with_name("parser.py")
_TYPES = _SOURCE.with_suffix(".pxd")


def current_digest() -> str:
    """``source_digest`` of the ``parser.py`` and ``parser.pxd`` beside this package."""
    return source_digest(_SOURCE.read_bytes(), _TYPES.read_bytes() if _TYPES.is_file() else None)


def _load() -> tuple[ModuleType, str]:
    try:
        from hfaudit.analyse.naming import _cparser as compiled  # type: ignore[attr-defined]
    except ImportError:
        from hfaudit.analyse.naming import parser as pure

        return pure, "pure Python"
    if compiled.SOURCE_SHA256 != current_digest():
        warnings.warn(
            "hfaudit: the compiled name parser was built from an older parser.py or parser.pxd; using the pure-Python "
            "one (reinstall: make install)",
            stacklevel=2,
        )
        from hfaudit.analyse.naming import parser as pure

        return pure, "pure Python (compiled copy out of date)"
    return compiled, "compiled (Cython)"


if TYPE_CHECKING:
    from hfaudit.analyse.naming.parser import (
        DATA_DIR as DATA_DIR,
    )
    from hfaudit.analyse.naming.parser import (
        FILLER as FILLER,
    )
    from hfaudit.analyse.naming.parser import (
        JIANG_CLASSES,
        SEGMENT_TYPES,
        VERSION_SCHEMES,
        ParsedName,
        Segment,
        Vocabulary,
        default_vocabulary,
        jiang_class,
        parse_name,
        parse_names,
        split_version,
    )
    from hfaudit.analyse.naming.parser import (
        _clear_caches as _clear_caches,
    )

    IMPLEMENTATION: str
else:
    _impl, IMPLEMENTATION = _load()
    for _name in (*_impl.__all__, "DATA_DIR", "FILLER", "_clear_caches"):
        globals()[_name] = getattr(_impl, _name)
    del _name

__all__ = [
    "IMPLEMENTATION",
    "JIANG_CLASSES",
    "SEGMENT_TYPES",
    "VERSION_SCHEMES",
    "ParsedName",
    "Segment",
    "Vocabulary",
    "default_vocabulary",
    "jiang_class",
    "parse_name",
    "parse_names",
    "split_version",
]
