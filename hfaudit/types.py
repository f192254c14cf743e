"""Types every stage shares.

``ModelId`` is a Hub model id, ``owner/name``, as the Hub spells it (case kept). It is a ``NewType`` of
``str``: free at run time, and mypy tells a model id from any other string (a commit id, a path, an
author) in the signatures that take one: ``collect.crawl.Scope``, the ``Store`` methods keyed by
model and ``audit.check``. Text from outside (a command line, a file) becomes one through
``parse_model_id``, which refuses what is not ``owner/name``.
"""

from __future__ import annotations

from typing import NewType

from hfaudit.errors import HfauditError

ModelId = NewType("ModelId", str)


def parse_model_id(text: str, code: int = 2) -> ModelId:
    """``text`` as a ``ModelId``, or an ``HfauditError`` (exit ``code``) when it is not ``owner/name``
    by the Hub's own rules (huggingface_hub's ``validate_repo_id``: characters, length, ``..``)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    owner, _, name = text.partition("/")
    if not owner or not name or "/" in name:
        raise HfauditError(f"not a model id (owner/name): {text!r}", code=code)
    try:
        validate_repo_id(text)
    except HFValidationError as exc:
        raise HfauditError(f"not a model id (owner/name): {text!r}: {str(exc).splitlines()[0]}", code=code) from exc
    return ModelId(text)
