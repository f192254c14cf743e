"""The compiled name parser's source digest, in one place for ``setup.py`` (which loads this file by
path at build time, before hfaudit's dependencies are installed: standard library only) and for
``hfaudit.analyse.naming`` (which compares it with the compiled copy's ``SOURCE_SHA256``)."""

from __future__ import annotations

import hashlib


def source_digest(source: bytes, types: bytes | None) -> str:
    """SHA-256 of ``parser.py`` and, when there is one, ``parser.pxd``: a changed ``.pxd`` makes the
    compiled copy out of date as a changed ``parser.py`` does."""
    digest = hashlib.sha256(source)
    if types is not None:
        digest.update(b"\0parser.pxd\0" + types)
    return digest.hexdigest()
