"""Model cards: README state (metadata, body, changelog) rendered in a repository's card style."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TEMPLATE_BODY = (
    "# Model Card for Model ID\n\n<!-- Provide a quick summary of what the model is/does. -->\n\n\n\n"
    "## Model Details\n\n### Model Description\n\n<!-- Provide a longer summary of what this model is. -->\n\n"
    "This is the model card of a 🤗 transformers model that has been pushed on the Hub. This model card "
    "has been automatically generated.\n\n- **Developed by:** [More Information Needed]\n"
    "- **Funded by [optional]:** [More Information Needed]\n- **Model type:** [More Information Needed]\n"
    "- **License:** [More Information Needed]\n- **Finetuned from model [optional]:** [More Information Needed]\n\n"
    "## Uses\n\n### Direct Use\n\n[More Information Needed]\n"
)


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if (
        text
        and all(c.isalnum() or c in "-_./ " for c in text)
        and not text[0].isdigit()
        and text.lower() not in ("yes", "no", "true", "false", "null", "on", "off")
    ):
        return text
    return json.dumps(text)


def render_yaml(meta: dict[str, Any]) -> str:
    """A small YAML emitter for flat card metadata (strings, numbers and lists of strings)."""
    lines = []
    for key, value in meta.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines.extend(f"- {_yaml_scalar(v)}" for v in value)
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


@dataclass
class Card:
    """README state of one repo: metadata, body, changelog; rendered in the repo's card style."""

    style: str
    meta: dict[str, Any]
    title: str
    body: str
    changelog: list[str] = field(default_factory=list)
    edits: int = 0

    def render(self) -> str | None:
        if self.style == "none":
            return None
        if self.style == "empty":
            return ""
        if self.style == "template":
            return (
                "---\nlibrary_name: transformers\ntags: []\n---\n\n" + TEMPLATE_BODY + "\n" * (self.edits % 3)
            )
        text = f"# {self.title}\n\n{self.body}\n"
        if self.edits:
            text += f"\n## Citation\n\nPlease cite this work ({self.edits}).\n"
        if self.changelog:
            text += "\n## Changelog\n\n" + "".join(f"- {line}\n" for line in reversed(self.changelog))
        if self.style == "plain":
            return text
        front = render_yaml(self.meta)
        if self.style == "malformed":
            front += 'tags: [chat, "unterminated\nlicense: mit: apache\n'
        elif self.style == "nondict":
            front = "- " + "\n- ".join(f"{k}" for k in self.meta) + "\n"
        return f"---\n{front}---\n\n{text}"
