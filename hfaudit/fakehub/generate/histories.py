"""Histories: one repository's commits written from its spec (``RepoBuilder``), with the truth of every
weight change and release it makes; ``_build`` writes a whole plan."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# The bump table is semver's (DESIGN.md §5): the truth and the analyser rank reasons the same way.
from hfaudit.analyse.semver.history import is_over, is_under, required_bump
from hfaudit.fakehub.generate.cards import Card
from hfaudit.fakehub.generate.common import DAY, EPOCH, SNAPSHOT_END, _hash, _weighted
from hfaudit.fakehub.generate.planning import Spec
from hfaudit.fakehub.generate.vocabulary import CONVERT_BOT, FIRST, FORMAT_FILES, RESTRICTIVE
from hfaudit.fakehub.registry import hub_date

GITATTRIBUTES = (
    "".join(
        f"*.{ext} filter=lfs diff=lfs merge=lfs -text\n"
        for ext in (
            "7z",
            "arrow",
            "bin",
            "bz2",
            "ckpt",
            "ftz",
            "gz",
            "h5",
            "joblib",
            "mlmodel",
            "model",
            "msgpack",
            "npy",
            "npz",
            "onnx",
            "ot",
            "parquet",
            "pb",
            "pickle",
            "pkl",
            "pt",
            "pth",
            "rar",
            "safetensors",
            "tar",
            "tflite",
            "tgz",
            "wasm",
            "xz",
            "zip",
            "zst",
        )
    )
    + "*tfevents* filter=lfs diff=lfs merge=lfs -text\n"
)
CONVERT_TITLE = "Adding `safetensors` variant of this model"


@dataclass
class WeightFile:
    path: str
    sha256: str
    size: int


class RepoBuilder:
    """Writes one repository's commits from its spec, and records the truth of every weight change."""

    def __init__(self, spec: Spec, seed: int, rng: random.Random, specs: dict[str, Spec]):
        self.spec = spec
        self.seed = seed
        self.rng = rng
        self.specs = specs
        self.commits: list[dict[str, Any]] = []
        self.tree: dict[str, Any] = {}
        self.weights: dict[str, WeightFile] = {}
        self.t = spec.created
        self.tags: dict[str, str] = {}
        self.weight_changes: list[dict[str, Any]] = []
        self.releases: list[dict[str, Any]] = []
        self.pending: set[str] = set()
        self.version: tuple[int, int, int] | None = None
        self.version_style = rng.choice(("vN.M", "vN.M.P", "N.M.P"))
        self.formats: set[str] = set()
        self.counter = 0
        self.user = spec.owner if spec.owner_kind == "user" else self._member()
        self.config: dict[str, Any] = {}
        self.card = self._initial_card()

    # -- helpers
    def _member(self) -> str:
        return self.rng.choice(FIRST) + self.rng.choice(("", "-", "_")) + str(self.rng.randint(1, 99))

    def _sha(self, path: str) -> str:
        self.counter += 1
        return _hash(self.seed, self.spec.id, path, self.counter, "sha256")

    def _advance(self, heavy: bool = False) -> None:
        if heavy:
            step = self.rng.randint(300, 4 * 3600)
        else:
            step = int(self.rng.lognormvariate(math.log(2 * DAY), 1.6)) + 60
        # Never past the snapshot date: each gap is capped at a twentieth of the time left, so long
        # histories crowd towards the end of the window instead of running into the future.
        room = max(60, (SNAPSHOT_END - self.t) // 20)
        self.t += min(step, room)

    def commit(
        self,
        title: str,
        changes: list[dict[str, Any]],
        message: str = "",
        authors: list[str] | None = None,
        heavy: bool = False,
    ) -> str:
        if self.commits:
            self._advance(heavy)
        index = len(self.commits)
        cid = _hash(self.seed, self.spec.id, index, "commit")[:40]
        for change in changes:
            path = change["path"]
            if change["op"] == "delete":
                self.tree.pop(path, None)
            else:
                change["op"] = "modify" if path in self.tree else "add"
                self.tree[path] = change
        self.commits.append(
            {
                "id": cid,
                "date": hub_date(EPOCH + dt.timedelta(seconds=self.t)),
                "title": title,
                "message": message,
                "authors": authors or [self.user],
                "changes": changes,
            }
        )
        return cid

    def text(self, path: str, content: str) -> dict[str, Any]:
        return {"path": path, "op": "add", "content": content}

    def weight(
        self, path: str, size: int, kind: str, pending: list[dict[str, Any]], how: list[str] | None = None
    ) -> dict[str, Any]:
        old = self.weights.get(path)
        sha = self._sha(path)
        size = max(1024, int(size * (1 + self.rng.uniform(-0.002, 0.002))))
        self.weights[path] = WeightFile(path, sha, size)
        ext = "." + path.rsplit(".", 1)[-1]
        self.formats.add(ext)
        if old is not None and kind in ("added", "converted"):
            kind = "replaced"
        pending.append(
            {
                "path": path,
                "kind": kind,
                "old_sha256": old.sha256 if old else None,
                "new_sha256": sha,
                "how": list(how or []),
            }
        )
        return {"path": path, "op": "add", "size": size, "lfs": {"sha256": sha, "size": size}}

    def delete_weight(self, path: str, pending: list[dict[str, Any]]) -> dict[str, Any]:
        old = self.weights.pop(path)
        pending.append(
            {"path": path, "kind": "deleted", "old_sha256": old.sha256, "new_sha256": None, "how": []}
        )
        return {"path": path, "op": "delete"}

    def record(self, cid: str, pending: list[dict[str, Any]], extra_how: Iterable[str] = ()) -> None:
        extra = list(extra_how)
        for change in pending:
            how = sorted(set(change.pop("how")) | set(extra))
            self.weight_changes.append({"commit": cid, **change, "documented": bool(how), "how": how})

    def readme_change(self) -> dict[str, Any] | None:
        content = self.card.render()
        if content is None:
            return None
        return self.text("README.md", content)

    # -- content
    def _initial_card(self) -> Card:
        spec = self.spec
        meta: dict[str, Any] = {"license": spec.license}
        if spec.language:
            meta["language"] = [spec.language]
        if spec.library:
            meta["library_name"] = spec.library
        meta["pipeline_tag"] = spec.pipeline
        tags = [spec.family.model_type]
        if spec.relation == "merge":
            tags += ["mergekit", "merge"]
        if spec.quant_method:
            tags.append(spec.quant_method)
        meta["tags"] = tags
        if spec.dataset:
            meta["datasets"] = [spec.dataset]
        if spec.base_declaration == "string":
            meta["base_model"] = spec.bases[0]
        elif spec.base_declaration == "list":
            meta["base_model"] = list(spec.bases)
        if spec.declare_relation and spec.relation:
            meta["base_model_relation"] = spec.relation
        body = f"This model is {self._describe()}."
        if spec.base_declaration == "none" and spec.bases and self.rng.random() < 0.5:
            body += f" It was trained starting from {spec.bases[0]}."
        return Card(spec.card_style, meta, spec.name, body)

    def _describe(self) -> str:
        spec = self.spec
        what = {
            "finetune": "a fine-tuned version",
            "adapter": "a LoRA adapter",
            "quantized": f"a {spec.quant_method or 'quantized'} quantization",
            "merge": "a merge",
        }.get(spec.relation or "", "")
        if spec.kind == "root":
            return f"the {spec.size} base model of the {spec.family.name} family"
        if not what:
            return f"a {spec.family.model_type} model trained from scratch"
        return f"{what} of the {spec.family.name} {spec.size or ''} family".replace("  ", " ")

    def _config(self) -> dict[str, Any]:
        spec = self.spec
        fam = spec.family
        params = max(spec.params, 1e6)
        hidden = int(2 ** round(math.log2(max(256, (params / 1e6) ** 0.5 * 48))))
        config: dict[str, Any] = {
            "_name_or_path": spec.bases[0] if spec.bases else spec.id,
            "architectures": [fam.architecture],
            "model_type": fam.model_type,
            "hidden_size": hidden,
            "num_hidden_layers": max(2, int(params / (12 * hidden * hidden)) or 2),
            "vocab_size": fam.vocab,
            "torch_dtype": "bfloat16" if fam.causal else "float32",
            "transformers_version": self.rng.choice(("4.36.2", "4.38.1", "4.40.0", "4.44.2")),
        }
        if spec.quant_method in ("gptq", "awq", "bnb"):
            config["quantization_config"] = {
                "quant_method": "bitsandbytes" if spec.quant_method == "bnb" else spec.quant_method,
                "bits": 4,
                "group_size": 128,
            }
        if spec.quant_method == "mlx":
            config["quantization"] = {"group_size": 64, "bits": 4}
            config["quantization_config"] = {"group_size": 64, "bits": 4}
        return config

    def _tokenizer_config(self) -> str:
        fam = self.spec.family
        extra = self.spec.tokenizer_variant
        data = {
            "tokenizer_class": fam.tokenizer,
            "model_max_length": 2048 * (1 + extra % 2),
            "added_tokens": extra,
            "clean_up_tokenization_spaces": False,
        }
        return json.dumps(data, indent=2) + "\n"

    def _weight_plan(self) -> list[tuple[str, int]]:
        """Paths and sizes of the repo's main weights."""
        spec = self.spec
        params = max(spec.params, 2e6)
        fmt = spec.weight_format
        if spec.relation == "adapter":
            return [("adapter_model.safetensors", int(params * 0.004) + 4096)]
        if fmt == ".gguf":
            base = spec.name.removesuffix("-GGUF")
            quants = ("Q4_K_M", "Q5_K_M", "Q8_0", "Q2_K", "Q6_K", "IQ4_XS")
            k = self.rng.randint(1, 4)
            return [
                (f"{base}.{q}.gguf", int(params * b))
                for q, b in zip(quants[:k], (0.6, 0.71, 1.06, 0.4, 0.82, 0.55)[:k], strict=True)
            ]
        if spec.quant_method in ("gptq", "awq", "mlx", "bnb"):
            return [("model.safetensors", int(params * 0.55))]
        nbytes = params * (2 if spec.family.causal else 4)
        if fmt == ".safetensors" and nbytes > 5e9:
            shards = min(8, math.ceil(nbytes / 5e9))
            return [
                (f"model-{i:05d}-of-{shards:05d}.safetensors", int(nbytes / shards))
                for i in range(1, shards + 1)
            ]
        if fmt == ".bin" and nbytes > 10e9:
            shards = min(8, math.ceil(nbytes / 10e9))
            return [
                (f"pytorch_model-{i:05d}-of-{shards:05d}.bin", int(nbytes / shards))
                for i in range(1, shards + 1)
            ]
        return [(FORMAT_FILES[fmt], int(nbytes))]

    # -- the history
    def build(self) -> None:
        spec = self.spec
        self.commit("initial commit", [self.text(".gitattributes", GITATTRIBUTES)], authors=["system"])
        if spec.n_commits <= 1:
            return
        self._upload()
        budget = spec.n_commits - len(self.commits)
        scenarios = list(spec.scenarios)
        if "trainer" in scenarios:
            scenarios.remove("trainer")
            trainer_pushes = max(0, budget - len(scenarios) * 3 - 2)
            self._trainer(trainer_pushes)
        for scenario in scenarios:
            getattr(self, f"_s_{scenario}")()
        bin_only = (
            any(w.path.endswith(".bin") for w in self.weights.values()) and ".safetensors" not in self.formats
        )
        if bin_only and len(self.commits) < spec.n_commits and self.rng.random() < 0.3:
            self._s_conversion()
        while len(self.commits) < spec.n_commits - (1 if spec.new_version else 0):
            self._random_event()
        if spec.new_version:
            self.card.meta["new_version"] = spec.new_version
            successor = self.specs.get(spec.new_version)
            if successor is not None:
                self.t = max(self.t, successor.created + DAY)
            change = self.readme_change()
            if change is not None:
                self.commit("Update README.md", [change])

    def _upload(self) -> None:
        spec = self.spec
        rng = self.rng
        files: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []
        weights = self._weight_plan()
        readme = self.readme_change()
        if readme is not None:
            files.append(readme)
        if spec.relation == "adapter":
            files.append(
                self.text(
                    "adapter_config.json",
                    json.dumps(
                        {
                            "base_model_name_or_path": spec.bases[0],
                            "peft_type": rng.choice(("LORA", "LORA", "ADALORA")),
                            "r": rng.choice((8, 16, 32, 64)),
                            "lora_alpha": rng.choice((16, 32)),
                            "lora_dropout": 0.05,
                            "target_modules": ["q_proj", "v_proj"],
                            "task_type": "CAUSAL_LM",
                        },
                        indent=2,
                    )
                    + "\n",
                )
            )
        elif _ships_tokenizer(spec):
            self.config = self._config()
            files.append(self.text("config.json", json.dumps(self.config, indent=2) + "\n"))
            files.append(self.text("tokenizer_config.json", self._tokenizer_config()))
            files.append(
                {
                    "path": "tokenizer.json",
                    "op": "add",
                    "size": 1_800_000 + spec.tokenizer_variant * 997,
                    "oid": _hash(self.seed, spec.id, "tokenizer", spec.tokenizer_variant)[:40],
                }
            )
            if spec.family.causal:
                files.append(
                    self.text(
                        "generation_config.json",
                        json.dumps(
                            {
                                "bos_token_id": 1,
                                "eos_token_id": 2,
                                "transformers_version": self.config["transformers_version"],
                            },
                            indent=2,
                        )
                        + "\n",
                    )
                )
        if spec.relation == "merge":
            files.append(
                self.text(
                    "mergekit_config.yml",
                    "models:\n"
                    + "".join(
                        f"  - model: {b}\n    parameters:\n      weight: {round(1 / len(spec.bases), 2)}\n"
                        for b in spec.bases
                    )
                    + f"merge_method: {rng.choice(('slerp', 'ties', 'dare_ties', 'linear'))}\n"
                    f"base_model: {spec.bases[0]}\ndtype: bfloat16\n",
                )
            )
        if spec.weight_format == ".gguf":
            files.append(
                self.text(".gitattributes", GITATTRIBUTES + "*.gguf filter=lfs diff=lfs merge=lfs -text\n")
            )
        for path, size in weights:
            files.append(self.weight(path, size, "initial", pending))
        for ext in spec.extra_formats:
            if ext != spec.weight_format:
                nbytes = max(spec.params, 2e6) * 4
                files.append(self.weight(FORMAT_FILES[ext], int(nbytes), "initial", pending))
        if len(weights) > 1 and weights[0][0].endswith(".safetensors"):
            total = sum(s for _, s in weights)
            files.append(
                self.text(
                    "model.safetensors.index.json",
                    json.dumps(
                        {
                            "metadata": {"total_size": total},
                            "weight_map": {
                                "lm_head.weight": weights[-1][0],
                                "model.embed_tokens.weight": weights[0][0],
                            },
                        },
                        indent=2,
                    )
                    + "\n",
                )
            )
        if "trainer" in spec.scenarios:
            files.append(
                {
                    "path": "training_args.bin",
                    "op": "add",
                    "size": 5176,
                    "lfs": {"sha256": _hash(self.seed, spec.id, "training_args"), "size": 5176},
                }
            )
        # Sometimes the upload is split across commits, as the web UI does it.
        how: list[str] = []
        if spec.version_raw:
            how.append("name_version")
        if spec.n_commits >= 4 and rng.random() < 0.3:
            split = [f for f in files if "lfs" not in f]
            heavy = [f for f in files if "lfs" in f]
            if split:
                self.commit(
                    rng.choice(
                        (
                            "Upload config",
                            "Upload tokenizer",
                            "Create README.md",
                            "Upload folder using huggingface_hub",
                        )
                    ),
                    split,
                )
            files = heavy
        title = self._upload_title(weights)
        if title.startswith("Add ") or title.startswith("Release"):
            how.append("commit_message")
        cid = self.commit(title, files)
        self.record(cid, pending, how)
        if spec.version_raw and spec.series_position and spec.series_position > 1:
            predecessor = self.specs.get(spec.series_predecessor or "")
            reasons = list(spec.series_reasons)
            # A new tokenizer is a change only when both repositories ship one (an ONNX or GGUF
            # repository, or an adapter, has no tokenizer files to differ).
            if "tokenizer" in reasons and not (
                _ships_tokenizer(spec) and predecessor is not None and _ships_tokenizer(predecessor)
            ):
                reasons.remove("tokenizer")
            self.releases.append(
                {
                    "kind": "series",
                    "commit": cid,
                    "version": spec.version_raw,
                    "previous_version": predecessor.version_raw if predecessor is not None else None,
                    "declared_by": ["name_version"],
                    "declared_bump": spec.series_declared or "none",
                    "required_bump": required_bump(reasons),
                    "reasons": sorted(reasons),
                }
            )
        tagged = (
            any(
                s in spec.scenarios
                for s in ("doc_tag", "tokenizer_underbump", "arch_underbump", "license_underbump")
            )
            or rng.random() < 0.06
        )
        if tagged and self.weights:
            self.version = (1, 0, 0)
            self._declare(cid, ["tag"], "initial", [])

    def _upload_title(self, weights: list[tuple[str, int]]) -> str:
        rng = self.rng
        spec = self.spec
        return str(_weighted(
            rng,
            (
                ("Upload folder using huggingface_hub", 40),
                (f"Upload {weights[0][0]} with huggingface_hub", 12),
                (f"Upload {weights[0][0]}", 10),
                (f"Upload {spec.family.architecture}", 12),
                ("Upload model", 6),
                ("initial upload", 4),
                (
                    f"Add {spec.relation or 'model'} weights"
                    + (f" trained on {spec.dataset}" if spec.dataset else ""),
                    10,
                ),
                ("Release " + (spec.version_raw or "v1"), 3 if spec.version_raw else 0.1),
            ),
        ))

    def _version_text(self) -> str:
        assert self.version is not None
        major, minor, patch = self.version
        if self.version_style == "vN.M":
            return f"v{major}.{minor}" if not patch else f"v{major}.{minor}.{patch}"
        prefix = "v" if self.version_style.startswith("v") else ""
        return f"{prefix}{major}.{minor}.{patch}"

    def _declare(self, cid: str, by: list[str], declared: str, reasons: list[str]) -> None:
        """Record a release at ``cid``: bump the repo version, tag it, and compare with what changed."""
        previous = self._version_text() if self.version and declared != "initial" else None
        if declared != "initial":
            assert self.version is not None
            major, minor, patch = self.version
            self.version = {
                "major": (major + 1, 0, 0),
                "minor": (major, minor + 1, 0),
                "patch": (major, minor, patch + 1),
            }[declared]
        version = self._version_text()
        if "tag" in by:
            self.tags[version] = cid
        required = "initial" if declared == "initial" else required_bump(sorted(self.pending | set(reasons)))
        self.releases.append(
            {
                "kind": "tag" if "tag" in by else "card",
                "commit": cid,
                "version": version,
                "previous_version": previous,
                "declared_by": sorted(by),
                "declared_bump": declared,
                "required_bump": required,
                "reasons": sorted(self.pending | set(reasons)),
            }
        )
        self.pending.clear()

    # -- events
    def _replace_weights(
        self,
        how: list[str],
        title: str | None = None,
        readme: str | None = None,
        declared: str = "minor",
        extra_reasons: Sequence[str] = (),
        extra_changes: Sequence[dict[str, Any]] = (),
        heavy: bool = False,
    ) -> str:
        """Replace the main weights in place; ``how`` says which signals document it."""
        rng = self.rng
        style = self.card.style
        # a signal only counts when the card can show it
        how = [
            h
            for h in how
            if not (h == "card_version" and style != "yaml")
            and not (h == "readme_changelog" and style not in ("yaml", "plain", "malformed", "nondict"))
        ]
        pending: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = list(extra_changes)
        targets = [w for w in self.weights.values() if not w.path.endswith(".gguf")] or list(
            self.weights.values()
        )
        if not targets:
            targets = []
            for path, size in self._weight_plan():
                changes.append(self.weight(path, size, "added", pending))
        else:
            main = [
                w for w in targets if w.path.startswith(("model", "pytorch_model", "adapter_model"))
            ] or targets[:1]
            for w in main:
                changes.append(self.weight(w.path, w.size, "replaced", pending))
        self.pending.add("weights")
        self.pending.update(extra_reasons)
        version_how = [h for h in how if h in ("tag", "card_version", "readme_changelog")]
        if version_how and self.version is None:
            self.version = (1, 0, 0)
        next_version = None
        if version_how:
            major, minor, patch = self.version or (1, 0, 0)
            bumped = {
                "major": (major + 1, 0, 0),
                "minor": (major, minor + 1, 0),
                "patch": (major, minor, patch + 1),
            }
            saved = self.version
            self.version = bumped[declared]
            next_version = self._version_text()
            self.version = saved
        if "readme_changelog" in how:
            self.card.changelog.append(f"**{next_version}**: {rng.choice(CHANGELOG)}")
        if "card_version" in how:
            self.card.meta["version"] = (next_version or "1.1").lstrip("v")
        readme_later = "readme_changelog" in how and rng.random() < 0.4
        if readme == "unrelated":
            self.card.edits += 1
        if ("readme_changelog" in how and not readme_later) or "card_version" in how or readme == "unrelated":
            change = self.readme_change()
            if change is not None:
                changes.append(change)
        if title is None:
            if "commit_message" in how:
                title = rng.choice(DESCRIPTIVE).format(
                    v=next_version or "v1.1", d=self.spec.dataset or "more data"
                )
            else:
                title = rng.choice(DEFAULT_TITLES).format(
                    f=changes[0]["path"] if changes else "model.safetensors", a=self.spec.family.architecture
                )
        cid = self.commit(title, changes, heavy=heavy)
        self.record(cid, pending, how)
        release_cid = cid
        if readme_later:
            change = self.readme_change()
            if change is not None:
                release_cid = self.commit("Update README.md", [change])
        if version_how:
            self._declare(release_cid, version_how, declared, list(extra_reasons))
        return cid

    def _trainer(self, pushes: int) -> None:
        step = 500
        for i in range(pushes):
            title = (
                f"Training in progress, step {step}" if i % 7 else f"Training in progress, epoch {i // 7 + 1}"
            )
            self._replace_weights([], title=title, heavy=True)
            step += 500

    def _s_silent_replace(self) -> None:
        self._replace_weights([])

    def _s_silent_replace_readme(self) -> None:
        self._replace_weights([], readme="unrelated")

    def _s_doc_tag(self) -> None:
        self._replace_weights(["tag"])

    def _s_doc_changelog(self) -> None:
        self._replace_weights(["readme_changelog"])

    def _s_doc_message(self) -> None:
        self._replace_weights(["commit_message"])

    def _s_doc_card_version(self) -> None:
        self._replace_weights(["card_version"])

    def _s_conversion(self) -> None:
        source = next((w for w in self.weights.values() if w.path.endswith(".bin")), None)
        if source is None or any(w.path.endswith(".safetensors") for w in self.weights.values()):
            return self._s_added_format()
        pending: list[dict[str, Any]] = []
        path = source.path.replace("pytorch_model", "model").replace(".bin", ".safetensors")
        change = self.weight(path, source.size, "converted", pending)
        pending[0]["from_path"] = source.path
        number = self.rng.randint(1, 12)
        parent = _hash(self.seed, self.spec.id, "pr", number)[:40]
        style = self.rng.random()
        if style < 0.5:  # merged PR, as the Hub writes it
            title = f"{CONVERT_TITLE} (#{number})"
            message = (
                f"\n\n- {CONVERT_TITLE} ({parent})\n\n\nCo-authored-by: Safetensors convertbot "
                f"<{CONVERT_BOT}@users.noreply.huggingface.co>"
            )
            authors = [self.user, CONVERT_BOT]
        else:
            title, message, authors = CONVERT_TITLE, "", [CONVERT_BOT]
        changes = [change]
        if self.rng.random() < 0.5:
            changes.append(self.text(".gitattributes", GITATTRIBUTES + "model.safetensors filter=lfs\n"))
        cid = self.commit(title, changes, message, authors)
        self.pending.add("format")
        self.record(cid, pending, ["commit_message"])

    def _s_added_format(self) -> None:
        pending: list[dict[str, Any]] = []
        choices = [
            e for e in (".onnx", ".safetensors", ".h5", ".msgpack", ".tflite") if e not in self.formats
        ]
        ext = self.rng.choice(choices or [".onnx"])
        path = FORMAT_FILES[ext] if ext != ".onnx" else "onnx/model.onnx"
        change = self.weight(path, int(max(self.spec.params, 2e6) * 4), "added", pending)
        title = self.rng.choice(
            (
                f"Upload {path}",
                f"Add {ext.lstrip('.').upper()} weights",
                "add TF model",
                "Upload folder using huggingface_hub",
            )
        )
        cid = self.commit(title, [change])
        self.pending.add("format")
        self.record(
            cid, pending, ["commit_message"] if title.startswith("Add") or title.startswith("add") else []
        )

    def _s_deleted_file(self) -> None:
        if len(self.weights) < 2:
            self._s_added_format()
        victim = sorted(self.weights)[-1]
        pending: list[dict[str, Any]] = []
        change = self.delete_weight(victim, pending)
        cid = self.commit(f"Delete {victim}", [change])
        self.pending.add("format")
        self.record(cid, pending, [])

    def _underbump(self, reason: str) -> None:
        spec = self.spec
        changes: list[dict[str, Any]] = []
        if reason == "tokenizer":
            spec.tokenizer_variant += 1
            changes.append(self.text("tokenizer_config.json", self._tokenizer_config()))
            changes.append(
                {
                    "path": "tokenizer.json",
                    "op": "add",
                    "size": 1_800_000 + spec.tokenizer_variant * 997,
                    "oid": _hash(self.seed, spec.id, "tokenizer", spec.tokenizer_variant)[:40],
                }
            )
        elif reason == "architecture":
            self.config = dict(self.config or self._config())
            self.config["architectures"] = [
                self.config["architectures"][0]
                .replace("ForCausalLM", "ForSequenceClassification")
                .replace("ForMaskedLM", "ForTokenClassification")
            ]
            self.config["model_type"] = self.config["model_type"] + "_v2"
            changes.append(self.text("config.json", json.dumps(self.config, indent=2) + "\n"))
        elif reason == "license":
            self.card.meta["license"] = RESTRICTIVE.get(str(self.card.meta.get("license")), "cc-by-nc-4.0")
            if self.card.style != "yaml":
                self.card.style = "yaml"
            # The new license ships in the release commit: the card that declares it is part of it.
            readme = self.readme_change()
            assert readme is not None
            changes.append(readme)
        # The breaking change ships with new weights, declared only as a minor version (a tag v1.1).
        self._replace_weights(
            ["tag"],
            declared="minor",
            extra_reasons=[reason],
            extra_changes=changes,
            title=self.rng.choice(
                ("Update model", "Release {v}", "Upload folder using huggingface_hub")
            ).format(v="new version"),
        )

    def _s_tokenizer_underbump(self) -> None:
        self._underbump("tokenizer")

    def _s_arch_underbump(self) -> None:
        self._underbump("architecture")

    def _s_license_underbump(self) -> None:
        self._underbump("license")

    def _random_event(self) -> None:
        rng = self.rng
        spec = self.spec
        u = rng.random()
        if u < 0.42 or not self.weights:
            self.card.edits += 1
            if self.card.style in ("none", "empty"):
                self.card.style = "plain"
            change = self.readme_change()
            assert change is not None
            self.commit(
                rng.choice(
                    (
                        "Update README.md",
                        "Update README.md",
                        "Update README.md",
                        "Fix typo",
                        "Create README.md",
                        "Add citation",
                        "Update model card",
                    )
                ),
                [change],
            )
            self.pending.add("card")
        elif u < 0.70:
            r = rng.random()
            if r < 0.55:
                how: list[str] = []
            else:
                how = [
                    h
                    for h, p in (
                        ("commit_message", 0.45),
                        ("readme_changelog", 0.35),
                        ("tag", 0.2),
                        ("card_version", 0.1),
                    )
                    if rng.random() < p
                ] or ["commit_message"]
            readme = "unrelated" if not how and rng.random() < 0.25 else None
            declared = "minor" if rng.random() < 0.8 else rng.choice(("patch", "major"))
            self._replace_weights(how, readme=readme, declared=declared)
        elif u < 0.78 and "config.json" in self.tree:
            self.config = dict(self.config or self._config())
            self.config["use_cache"] = not self.config.get("use_cache", True)
            self.commit(
                rng.choice(("Update config.json", "fix config")),
                [self.text("config.json", json.dumps(self.config, indent=2) + "\n")],
            )
        elif u < 0.84 and "generation_config.json" in self.tree:
            gen = {
                "bos_token_id": 1,
                "eos_token_id": 2,
                "temperature": round(rng.uniform(0.2, 1.0), 2),
                "top_p": 0.9,
                "do_sample": True,
            }
            self.commit(
                "Update generation_config.json",
                [self.text("generation_config.json", json.dumps(gen, indent=2) + "\n")],
            )
            self.pending.add("generation")
        elif u < 0.88 and "tokenizer_config.json" in self.tree:
            spec.tokenizer_variant += 1
            self.commit(
                "Update tokenizer_config.json", [self.text("tokenizer_config.json", self._tokenizer_config())]
            )
            self.pending.add("tokenizer")
        elif u < 0.92:
            self._s_added_format()
        elif u < 0.94 and len(self.weights) > 1:
            self._s_deleted_file()
        elif u < 0.96 and any(w.path.endswith(".bin") for w in self.weights.values()):
            self._s_conversion()
        else:
            self.commit(
                rng.choice(("Upload folder using huggingface_hub", "Add .gitignore", "Upload train.py")),
                [
                    self.text(
                        rng.choice((".gitignore", "train.py", "special_tokens_map.json")),
                        f"# {rng.randint(0, 10**6)}\n",
                    )
                ],
            )

    def line(self) -> dict[str, Any]:
        spec = self.spec
        formats = sorted({"." + w.path.rsplit(".", 1)[-1] for w in self.weights.values()})
        tags = [
            spec.library,
            *[f.lstrip(".") for f in formats if f in (".safetensors", ".gguf", ".onnx")],
            spec.family.model_type,
            "region:us",
        ]
        raw: dict[str, Any] = {
            "id": spec.id,
            "author": spec.owner,
            "createdAt": self.commits[0]["date"],
            "private": spec.private,
            "gated": spec.gated,
            "disabled": spec.disabled,
            "downloads": int(self.rng.paretovariate(1.1) * (500 if spec.kind == "root" else 5)) - 1,
            "likes": int(self.rng.paretovariate(1.3) * (50 if spec.kind == "root" else 1)) - 1,
            "tags": list(dict.fromkeys(t for t in tags if t)),
            "pipeline_tag": spec.pipeline,
            "library_name": spec.library,
            "refs": {"branches": {"main": self.commits[-1]["id"]}, "tags": dict(self.tags)},
            "commits": self.commits,
        }
        if ".safetensors" in formats and spec.relation != "adapter":
            raw["safetensors"] = {"parameters": {"BF16": int(spec.params)}, "total": int(spec.params)}
        if ".gguf" in formats:
            raw["gguf"] = {
                "total": int(spec.params),
                "architecture": spec.family.model_type,
                "context_length": 8192,
            }
        if spec.aliases:
            raw["aliases"] = list(spec.aliases)
        return raw

    def truth(self) -> dict[str, Any]:
        spec = self.spec
        card = self.card
        style = card.style if "README.md" in self.tree else "none"
        has_meta = style == "yaml"
        base_decl = spec.base_declaration if has_meta and "base_model" in card.meta else "none"
        return {
            "id": spec.id,
            "owner": spec.owner,
            "owner_kind": spec.owner_kind,
            "owner_role": spec.owner_role,
            "kind": spec.kind,
            "family": spec.family.name,
            "model_type": spec.family.model_type,
            "size": spec.size,
            "params": int(spec.params),
            "segments": [[t, k] for t, k in spec.segments],
            "convention": "".join(f"{{{k}}}" for _, k in spec.segments),
            "separator": spec.separator,
            "version_raw": spec.version_raw,
            "version_scheme": spec.version_scheme,
            "version_form": spec.version_form,
            "series_id": spec.series_id,
            "series_position": spec.series_position,
            "series_predecessor": spec.series_predecessor,
            "series_successor": spec.series_successor,
            "version_gap": spec.version_gap,
            "base_models": list(spec.bases),
            "relation": spec.relation,
            "quant_method": spec.quant_method,
            "base_declaration": base_decl,
            "declared_relation": bool(has_meta and "base_model_relation" in card.meta),
            "card_style": style,
            "new_version": card.meta.get("new_version") if has_meta else None,
            "gated": spec.gated,
            "private": spec.private,
            "disabled": spec.disabled,
            "aliases": list(spec.aliases),
            "formats": sorted(self.formats),
            "commits": len(self.commits),
            "weight_changes": self.weight_changes,
            "releases": [
                {
                    **r,
                    "under_bump": is_under(r["declared_bump"], r["required_bump"]),
                    "over_bump": is_over(r["declared_bump"], r["required_bump"]),
                }
                for r in self.releases
            ],
        }


def _ships_tokenizer(spec: Spec) -> bool:
    """Whether the repository's upload holds ``config.json`` and tokenizer files."""
    return (
        spec.relation != "adapter"
        and spec.weight_format != ".gguf"
        and spec.library in ("transformers", "mlx", "peft")
    )


CHANGELOG = (
    "retrained for 2 more epochs",
    "fixed the tokenizer padding and retrained",
    "trained on a cleaned dataset",
    "improved accuracy on the eval set",
    "merged a new checkpoint",
    "longer context training",
    "new weights after a bug fix in the data pipeline",
)
DESCRIPTIVE = (
    "Update weights to {v}: retrained on {d}",
    "Retrain with cleaned data ({v})",
    "Fix tokenizer bug and retrain",
    "Improve accuracy: new checkpoint ({v})",
    "New weights: 3 more epochs on {d}",
    "Replace weights with the fixed checkpoint",
)
DEFAULT_TITLES = (
    "Upload folder using huggingface_hub",
    "Upload {f}",
    "Upload {f} with huggingface_hub",
    "Upload {a}",
    "Update {f}",
    "Upload model",
)


def _build(
    specs: list[Spec], seed: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_id = {s.id: s for s in specs}
    lines, truths = [], []
    for spec in specs:
        builder = RepoBuilder(spec, seed, rng, by_id)
        builder.build()
        lines.append(builder.line())
        truths.append(builder.truth())
    return lines, truths
