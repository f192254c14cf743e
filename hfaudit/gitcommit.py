"""The Hub's commit objects in git: how a commit's facts (title, message, authors, date) are written
as a git commit and read back. The fake Hub's git view writes them (``hfaudit.fakehub.registry``), the
git history backend reads them (``hfaudit.collect.history_git``); the canonical form is in
docs/registry-format.md. The first author is the commit's author; co-authors are
``Co-authored-by`` trailers with no-reply addresses."""

from __future__ import annotations

import re
from typing import Any

EMAIL_DOMAIN = "users.noreply.huggingface.co"
_TRAILER = re.compile(r"Co-authored-by: ([^<>\n]*) <([^<>\n]*)>")


def email(name: str) -> str:
    """The no-reply address of an author name."""
    return f"{name}@{EMAIL_DOMAIN}" if name else ""


def commit_message(title: str, message: str, authors: list[str]) -> str:
    """A commit's message: title, blank line, message, then a trailer per co-author."""
    text = title or ""
    if message:
        text += "\n\n" + message
    extra = [a for a in authors[1:]]
    if extra:
        text += "\n\n" + "\n".join(f"Co-authored-by: {a} <{email(a)}>" for a in extra)
    return text + "\n"


def parse_commit(raw: bytes) -> dict[str, Any]:
    """Tree, parents, date (``seconds``: the committer's, else the author's), title, message and
    authors of a commit object; the inverse of ``commit_message`` for the canonical form."""
    head, _, body = raw.partition(b"\n\n")
    fields: dict[str, Any] = {"parents": [], "author": "", "seconds": 0}
    for line in head.decode("utf-8", "replace").split("\n"):
        key, _, value = line.partition(" ")
        if key == "tree":
            fields["tree"] = value
        elif key == "parent":
            fields["parents"].append(value)
        elif key == "committer" or (key == "author" and not fields["seconds"]):
            name_email, _, when = value.rpartition(">")
            if key == "author":
                name = name_email.rsplit("<", 1)[0]
                fields["author"] = name[:-1] if name.endswith(" ") else name
            fields["seconds"] = int(when.split()[0]) if when.split() else 0
    text = body.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    authors = [fields["author"]] if fields["author"] else []
    start = text.rfind("\n\n")
    if start >= 0:
        lines = text[start + 2 :].split("\n")
        found = [_TRAILER.fullmatch(line) for line in lines]
        if all(m is not None and m.group(2) == email(m.group(1)) for m in found):
            authors += [m.group(1) for m in found if m is not None]
            text = text[:start]
    title, sep, message = text.partition("\n\n")
    fields.update(title=title, message=message if sep else "", authors=authors)
    return fields
