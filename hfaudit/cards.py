"""Model cards as the Hub reads them: README front matter split from the body, and the small value
helpers that card metadata needs. Used by the crawler, the analysers and the fake Hub alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml
from huggingface_hub.repocard import REGEX_YAML_BLOCK

LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n"


@dataclass(frozen=True)
class ParsedCard:
    """A README split as the Hub splits it: front matter (parsed YAML), body, and any YAML error."""

    data: dict[str, Any] | None
    text: str
    error: str | None = None
    has_front_matter: bool = False


def _jsonable(value: Any) -> Any:
    """YAML scalars the API renders as JSON strings (dates, datetimes)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def parse_card(content: str | None) -> ParsedCard:
    """Parse README front matter with the regex huggingface_hub and the Hub both use."""
    if content is None:
        return ParsedCard(data=None, text="")
    match = REGEX_YAML_BLOCK.search(content)
    if not match:
        return ParsedCard(data={}, text=content)
    body = content[match.end() :]
    try:
        loaded = yaml.safe_load(match.group(2))
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ParsedCard(data=None, text=body, error=f"invalid YAML in card metadata: {first}", has_front_matter=True)
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        return ParsedCard(
            data=None, text=body, error="repo card metadata block should be a dict", has_front_matter=True
        )
    return ParsedCard(data=_jsonable(loaded), text=body, has_front_matter=True)


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]
