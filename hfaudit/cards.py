"""Model cards as the Hub reads them: README front matter split from the body, and the small value
helpers that card metadata needs. Used by the crawler, the analysers and the fake Hub alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import yaml
from huggingface_hub.repocard import REGEX_YAML_BLOCK

LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n"

# Limits on card metadata (docs/crawler.md): front matter larger than YAML_MAX_BYTES, or whose YAML
# nodes would number more than YAML_MAX_NODES once aliases are expanded (a 249-byte alias bomb
# expands to megabytes of JSON), is refused: no metadata, and ``error`` says why.
YAML_MAX_BYTES = 256 * 1024
YAML_MAX_NODES = 100_000
# The README text stored per version: longer cards are cut here (at a character boundary) and the
# cut is recorded; the metadata is parsed from the front matter, which comes first.
CARD_MAX_BYTES = 1_000_000
# Card metadata as JSON (parsed here, or as the Hub's listing sends ``cardData``) larger than this is
# not stored either: the Hub expands aliases itself, so its ``cardData`` is bounded here too.
METADATA_JSON_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class ParsedCard:
    """A README split as the Hub splits it: front matter (parsed YAML), body, and any YAML error."""

    data: dict[str, Any] | None
    text: str
    error: str | None = None
    has_front_matter: bool = False
    refused: bool = False
    """Whether the metadata was refused by a limit (``YAML_MAX_BYTES``, ``YAML_MAX_NODES``)."""


class _Refused(Exception):
    pass


def _expanded_nodes(root: yaml.Node) -> int:
    """How many nodes ``root`` holds with every alias expanded (shared nodes counted each time);
    stops counting past ``YAML_MAX_NODES``. A node that contains itself is refused."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in memo:
            return memo[key]
        if key in active:
            raise _Refused("card metadata refused: a YAML alias refers to itself")
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
                if total > YAML_MAX_NODES:
                    break
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                total += size(v)
                if total > YAML_MAX_NODES:
                    break
        active.discard(key)
        memo[key] = total
        return total

    return size(root)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` within the limits; ``_Refused`` when over one."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > YAML_MAX_BYTES:
        raise _Refused(f"card metadata refused: {size:,} bytes, over the {YAML_MAX_BYTES:,}-byte limit")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        nodes = _expanded_nodes(node)
        if nodes > YAML_MAX_NODES:
            raise _Refused(f"card metadata refused: over {YAML_MAX_NODES:,} YAML nodes once aliases are expanded")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _jsonable(value: Any) -> Any:
    """YAML scalars the API renders as JSON strings (dates, datetimes)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def card_body(content: str) -> str:
    """The card's text after its front matter (``parse_card(content).text``) without parsing the YAML."""
    match = REGEX_YAML_BLOCK.search(content)
    return content[match.end() :] if match else content


def parse_card(content: str | None) -> ParsedCard:
    """Parse README front matter with the regex huggingface_hub and the Hub both use."""
    if content is None:
        return ParsedCard(data=None, text="")
    match = REGEX_YAML_BLOCK.search(content)
    if not match:
        return ParsedCard(data={}, text=content)
    body = content[match.end() :]
    try:
        loaded = load_yaml(match.group(2))
    except _Refused as exc:
        return ParsedCard(data=None, text=body, error=str(exc), has_front_matter=True, refused=True)
    except RecursionError:
        return ParsedCard(data=None, text=body, error="card metadata refused: nested too deeply", has_front_matter=True, refused=True)
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


def cut_card(text: str) -> tuple[str, int | None]:
    """``text`` cut to ``CARD_MAX_BYTES`` of UTF-8 (at a character boundary), and its full size in
    bytes when it was cut (None when it fits)."""
    data = text.encode("utf-8")
    if len(data) <= CARD_MAX_BYTES:
        return text, None
    return data[:CARD_MAX_BYTES].decode("utf-8", errors="ignore"), len(data)


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]
