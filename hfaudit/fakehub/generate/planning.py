"""Planning: who publishes what, under which name, as which derivative of which base, in which version
series, with which history features (``Spec``, one per repository, from ``Planner.plan``)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hfaudit.analyse.semver.history import declared_bump
from hfaudit.fakehub.generate.common import DAY, EPOCH, _quota, _weighted
from hfaudit.fakehub.generate.vocabulary import (
    ADAPTER_MECHANISMS,
    AMBIGUOUS,
    CARD_STYLES,
    CONVENTIONS,
    DATASETS,
    DESCRIPTIONS,
    FAMILIES,
    FIRST,
    FORMAT_FILES,
    FORMAT_LIBRARY,
    HISTORY_SCENARIOS,
    LANGUAGES,
    MECHANISMS,
    MERGE_MECHANISMS,
    QUANTIZERS,
    RELATION_SHARES,
    TASKS,
    VARIANTS,
    VERSION_SCHEMES,
    WORDS_A,
    WORDS_B,
    Family,
)


@dataclass
class Spec:
    """The plan of one repository, before its history is written."""

    id: str
    owner: str
    owner_kind: str
    owner_role: str
    kind: str
    family: Family
    size: str | None
    params: float
    segments: list[tuple[str, str]]
    separator: str
    created: int  # seconds after EPOCH
    relation: str | None = None
    bases: list[str] = field(default_factory=list)
    quant_method: str | None = None
    base_declaration: str = "none"
    declare_relation: bool = False
    weight_format: str = ".safetensors"
    extra_formats: list[str] = field(default_factory=list)
    card_style: str = "yaml"
    n_commits: int = 3
    scenarios: list[str] = field(default_factory=list)
    version_raw: str | None = None
    version_scheme: str | None = None
    version_form: str | None = None
    series_id: str | None = None
    series_position: int | None = None
    series_predecessor: str | None = None
    series_successor: str | None = None
    version_gap: bool = False
    series_reasons: list[str] = field(default_factory=list)
    series_declared: str | None = None
    new_version: str | None = None
    pipeline: str = "text-generation"
    library: str = "transformers"
    license: str = "apache-2.0"
    dataset: str | None = None
    language: str | None = None
    gated: Any = False
    private: bool = False
    disabled: bool = False
    aliases: list[str] = field(default_factory=list)
    tokenizer_variant: int = 0

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]


def commit_budget(rng: random.Random, n: int) -> list[int]:
    """Commits per repo (the initial commit included): most 2-5, a tail to hundreds, a few thousands."""
    heavy = max(1, n // 2500)
    low, high = (1000, 2400) if n >= 1000 else (1000, 1100)
    counts = []
    for _ in range(n):
        u = rng.random()
        if u < 0.02:
            counts.append(1)
        elif u < 0.74:
            counts.append(rng.choices((2, 3, 4, 5), weights=(30, 30, 22, 18))[0])
        elif u < 0.993:
            counts.append(min(90, 6 + int(rng.lognormvariate(1.6, 0.9))))
        else:
            counts.append(rng.randint(100, 450))
    for i in rng.sample(range(n), min(heavy, n)):
        counts[i] = rng.randint(low, high)
    return counts


class Planner:
    """Decides who publishes what, under which name, with which history features."""

    def __init__(self, models: int, seed: int, *, start: int = 0, taken: Iterable[str] = ()):
        self.n = models
        self.seed = seed
        self.rng = random.Random(seed)
        self.start = start
        self.taken = {t.lower() for t in taken}
        self.specs: list[Spec] = []
        self.by_id: dict[str, Spec] = {}
        self.owner_kinds: dict[str, str] = {}
        self.owners = self._owners()
        # base pools with cumulative weights, so picking a base stays O(log n)
        self._pool: dict[bool, tuple[list[Spec], list[float]]] = {False: ([], []), True: ([], [])}

    # -- owners
    def _owners(self) -> list[str]:
        rng = self.rng
        count = max(8, int(self.n / 3.9))  # 52,227 models / 13,491 owners in the paper
        owners: list[str] = []
        seen: set[str] = set()
        while len(owners) < count:
            if rng.random() < 0.3:
                name = f"{rng.choice(WORDS_A)}-{rng.choice(WORDS_B)}"
                kind = "org"
            else:
                name = (
                    rng.choice(FIRST)
                    + rng.choice(("", "-", "_"))
                    + rng.choice((rng.choice(WORDS_A), str(rng.randint(1, 999)), rng.choice(FIRST)))
                )
                kind = "user"
            if name.lower() in seen or name in {f.owner for f in FAMILIES}:
                continue
            seen.add(name.lower())
            owners.append(name)
            self.owner_kinds[name] = kind
        return owners

    def zipf_owner(self) -> str:
        # Zipf-like: the owner of rank r has weight 1/(r+3): a few publish hundreds, most one or two.
        if not hasattr(self, "_cum"):
            weights = [1 / (r + 3) for r in range(len(self.owners))]
            total = 0.0
            self._cum = []
            for w in weights:
                total += w
                self._cum.append(total)
        return self.rng.choices(self.owners, cum_weights=self._cum)[0]

    # -- names
    def _fill(self, kind: str, spec_family: Family, size: str | None, ctx: dict[str, str]) -> str:
        rng = self.rng
        if kind == "identifier":
            word = rng.choice(WORDS_A)
            return rng.choice(
                (
                    word.capitalize(),
                    word,
                    word.upper() if len(word) <= 4 else word.capitalize(),
                    f"{word.capitalize()}{rng.choice(WORDS_A).capitalize()}",
                )
            )
        if kind == "base-model":
            return spec_family.name if rng.random() < 0.7 else spec_family.name.lower()
        if kind == "size":
            return size or rng.choice(("small", "base", "large", "tiny"))
        if kind == "training-mechanism":
            return ctx.get("mechanism") or rng.choice(MECHANISMS)
        if kind == "variant-type":
            return ctx.get("variant") or rng.choice(VARIANTS)
        if kind == "task":
            return ctx.get("task") or rng.choice(TASKS)[0]
        if kind == "language":
            return ctx.get("language") or rng.choice(LANGUAGES)
        if kind == "dataset":
            return ctx.get("dataset") or rng.choice(DATASETS)
        if kind == "creation-date":
            day = EPOCH + dt.timedelta(seconds=int(ctx.get("created", "0")))
            return rng.choice(
                (
                    day.strftime("%Y%m%d"),
                    day.strftime("%d%m%Y"),
                    day.strftime("%Y-%m-%d"),
                    day.strftime("%Y%m%dT%H%M%S"),
                )
            )
        if kind == "description":
            return rng.choice(DESCRIPTIONS)
        if kind == "ambiguous":
            return rng.choice(AMBIGUOUS)
        if kind == "version":
            return ctx["version"]
        raise ValueError(kind)

    def _unique(
        self, owner: str, segments: list[tuple[str, str]], sep: str
    ) -> tuple[str, list[tuple[str, str]]]:
        while True:
            model_id = f"{owner}/{sep.join(t for t, _ in segments)}"
            if model_id.lower() not in self.taken and len(model_id) <= 96:
                self.taken.add(model_id.lower())
                return model_id, segments
            if len(model_id) > 96:
                segments = segments[:2]
            segments = [*segments, (self.rng.choice(AMBIGUOUS), "ambiguous")]

    # -- the plan
    def plan(self) -> list[Spec]:
        rng = self.rng
        n = self.n
        combos = [(f, i) for f in FAMILIES for i in range(len(f.sizes))]
        n_roots = max(len(FAMILIES), min(len(combos) + len(FAMILIES), round(n * 0.04)))
        n_standalone = max(3, round(n * 0.08))
        n_deriv = max(0, n - n_roots - n_standalone)
        budgets = commit_budget(rng, n)
        self._budgets = budgets
        self._budget_i = 0
        # roots: every family once, then extra sizes / instruct roots by family weight
        fam_weights = [f.weight for f in FAMILIES]
        root_plan: list[tuple[Family, int]] = [(f, 0) for f in FAMILIES]
        root_plan += [c for c in combos if c[1] > 0]
        while len(root_plan) < n_roots:  # instruct checkpoints of the biggest families
            fam = rng.choices(FAMILIES, weights=fam_weights)[0]
            root_plan.append((fam, rng.randrange(len(fam.sizes))))
        for fam, size_i in root_plan[:n_roots] if n >= n_roots else root_plan[:n]:
            self._root(fam, size_i)
        relations = _quota(
            rng,
            n_deriv,
            ["finetune"] * 6 + ["quantized"] * 6 + ["adapter"] * 4 + ["merge"] * 4,
            lambda: _weighted(rng, RELATION_SHARES),
        )
        # quantized repos come last: they copy names of what exists
        order = sorted(range(len(relations)), key=lambda i: relations[i] == "quantized")
        n_finetune = sum(1 for r in relations if r == "finetune")
        formats = _quota(
            rng,
            n_finetune,
            [e for e in FORMAT_FILES if e not in (".safetensors", ".bin")],
            lambda: _weighted(
                rng,
                (
                    (".safetensors", 70),
                    (".bin", 24),
                    (".pt", 1.2),
                    (".pth", 0.6),
                    (".h5", 1.5),
                    (".onnx", 0.8),
                    (".msgpack", 0.6),
                    (".ckpt", 0.3),
                    (".tflite", 0.3),
                    (".mlmodel", 0.2),
                ),
            ),
        )
        undeclared = {"finetune": 0, "adapter": 0, "quantized": 0, "merge": 0}
        finetunes = iter(formats)
        for i in order:
            relation = relations[i]
            force_undeclared = undeclared[relation] < 1
            undeclared[relation] += force_undeclared
            fmt = next(finetunes) if relation == "finetune" else ".safetensors"
            self._derivative(relation, fmt, force_undeclared)
        for _ in range(n_standalone):
            self._standalone()
        self._series()
        self._trim()
        self._history_features()
        self._repo_flags()
        return self.specs

    def _next_budget(self) -> int:
        value = self._budgets[self._budget_i % len(self._budgets)]
        self._budget_i += 1
        return value

    def _add(self, spec: Spec) -> Spec:
        self.specs.append(spec)
        self.by_id[spec.id] = spec
        if spec.kind in ("root", "derivative") and spec.relation in (None, "finetune", "merge"):
            # preferential attachment: roots (and popular families) get most children
            weight = (8.0 if spec.kind == "root" else 1.0) * spec.family.weight
            for causal_only in (False, True):
                if causal_only and not spec.family.causal:
                    continue
                pool, cum = self._pool[causal_only]
                pool.append(spec)
                cum.append((cum[-1] if cum else 0.0) + weight)
        return spec

    def _root(self, fam: Family, size_i: int) -> None:
        size, params = fam.sizes[size_i]
        segments = [(fam.name, "base-model"), (size, "size")]
        if fam.root_suffix:
            kind = "version" if fam.root_suffix.startswith("v") else "description"
            segments.append((fam.root_suffix, kind))
        model_id = f"{fam.owner}/{'-'.join(t for t, _ in segments)}"
        if model_id.lower() in self.taken:  # an extra root of an existing size: an instruct root
            segments.append(("Instruct", "training-mechanism"))
            model_id, segments = self._unique(fam.owner, segments, "-")
        else:
            self.taken.add(model_id.lower())
        created = self.start + self.rng.randint(0, 200) * DAY + self.rng.randint(0, DAY)
        is_instruct = any(t == "training-mechanism" for _, t in segments)
        spec = Spec(
            model_id,
            fam.owner,
            "org",
            "family",
            "derivative" if is_instruct else "root",
            fam,
            size,
            params,
            segments,
            "-",
            created,
            pipeline=fam.pipeline,
            license=fam.license,
            n_commits=max(4, self._next_budget()),
            weight_format=".safetensors",
        )
        if is_instruct:
            base = f"{fam.owner}/{'-'.join(t for t, k in segments if k != 'training-mechanism')}"
            base = next((s.id for s in self.specs if s.id.lower() == base.lower()), base)
            spec.relation, spec.bases, spec.base_declaration = "finetune", [base], "string"
        if fam.causal:
            spec.extra_formats = [".bin"] if self.rng.random() < 0.4 else []
        else:
            spec.weight_format = ".bin"
            spec.extra_formats = [".safetensors", ".h5", ".msgpack"][: self.rng.randint(1, 3)]
        self._add(spec)

    def _pick_base(self, causal_only: bool = False) -> Spec:
        pool, cum = self._pool[causal_only]
        return self.rng.choices(pool, cum_weights=cum)[0]

    def _derivative(self, relation: str, weight_format: str, undeclared: bool) -> None:
        rng = self.rng
        if relation in ("quantized", "merge", "adapter"):
            base = self._pick_base(causal_only=True)
        else:
            base = self._pick_base()
        fam = base.family
        owner = self.zipf_owner()
        owner_role = "publisher"
        quant: str | None = None
        sep = "-" if rng.random() < 0.85 else "_"
        ctx = {"created": str(base.created)}
        bases = [base.id]
        if relation == "quantized":
            if rng.random() < 0.8:
                owner, quant = rng.choice(QUANTIZERS)
                owner_role = "quantizer"
            else:
                quant = rng.choice(("gguf", "bnb", "gptq", "awq"))
            variant = {
                "gguf": "GGUF",
                "gptq": "GPTQ",
                "awq": "AWQ",
                "mlx": rng.choice(("4bit", "8bit")),
                "bnb": rng.choice(("4bit", "8bit", "bnb-4bit")),
            }[quant]
            segments = [*base.segments, (variant, "variant-type")]
            sep = "-"
            if owner_role == "quantizer" and quant == "gguf" and rng.random() < 0.3:
                # RichardErkhov style: keep the upstream owner in the name
                segments = [(base.owner + "_-_" + base.name, "identifier"), (variant, "variant-type")]
            weight_format = ".gguf" if quant == "gguf" else ".safetensors"
        elif relation == "merge":
            others = [self._pick_base(causal_only=True) for _ in range(rng.choice((1, 1, 2)))]
            others = [o for o in others if o.family.model_type == fam.model_type and o.id != base.id]
            if not others:
                others = [s for s in self.specs if s.family is fam and s.id != base.id][:1]
            bases += [o.id for o in others[:2]]
            ctx["mechanism"] = rng.choice(MERGE_MECHANISMS)
            template: tuple[str, ...] = rng.choice(
                (
                    ("identifier", "size", "training-mechanism"),
                    ("identifier", "base-model", "size"),
                    ("identifier", "training-mechanism"),
                    ("identifier", "size"),
                )
            )
            segments = [(self._fill(k, fam, base.size, ctx), k) for k in template]
            weight_format = ".safetensors"
        else:
            if relation == "adapter":
                ctx["mechanism"] = rng.choice(ADAPTER_MECHANISMS)
                template = rng.choice(
                    (
                        ("base-model", "size", "training-mechanism", "dataset"),
                        ("identifier", "training-mechanism"),
                        ("identifier", "base-model", "task"),
                        ("base-model", "training-mechanism", "language"),
                    )
                )
                weight_format = ".safetensors"
            else:
                template = _weighted(rng, CONVENTIONS)
                if "version" in template:  # versions are planned with series, below
                    template = tuple(k for k in template if k != "version") or ("identifier",)
            if "task" in template or not fam.causal:
                word, pipeline = rng.choice(TASKS)
                ctx["task"] = word
            segments = [(self._fill(k, fam, base.size, ctx), k) for k in template]
        segments = [(t, k) for t, k in segments if t]
        model_id, segments = self._unique(owner, segments, sep)
        created = base.created + int(rng.expovariate(1 / (60 * DAY))) + rng.randint(3600, 5 * DAY)
        spec = Spec(
            model_id,
            owner,
            self.owner_kinds.get(owner, "org"),
            owner_role,
            "derivative",
            fam,
            base.size,
            base.params,
            segments,
            sep,
            created,
            relation=relation,
            bases=bases,
            quant_method=quant,
            weight_format=weight_format,
            n_commits=self._next_budget(),
            pipeline=base.pipeline,
            license=base.license,
        )
        if not fam.causal and relation == "finetune":
            spec.pipeline = dict(TASKS).get(ctx.get("task", ""), "text-classification")
        if relation == "adapter":
            spec.library = "peft"
        elif quant == "gguf":
            spec.library = "gguf"
        elif quant == "mlx":
            spec.library = "mlx"
        else:
            spec.library = FORMAT_LIBRARY.get(weight_format, "transformers")
        if relation == "finetune" and weight_format == ".safetensors" and rng.random() < 0.1:
            spec.extra_formats = [rng.choice((".bin", ".onnx", ".h5"))]
        if relation == "finetune" and weight_format == ".bin" and rng.random() < 0.15:
            spec.extra_formats = [".safetensors"]
        spec.dataset = ctx.get("dataset") or (rng.choice(DATASETS) if rng.random() < 0.24 else None)
        spec.language = ctx.get("language")
        if undeclared or rng.random() < 0.15:
            spec.base_declaration = "none"
        else:
            spec.base_declaration = "list" if len(bases) > 1 or rng.random() < 0.1 else "string"
            spec.declare_relation = rng.random() < (0.5 if relation != "finetune" else 0.3)
        self._add(spec)

    def _standalone(self) -> None:
        rng = self.rng
        fam = rng.choices(FAMILIES, weights=[f.weight for f in FAMILIES])[0]
        owner = self.zipf_owner()
        template = _weighted(rng, CONVENTIONS)
        template = tuple(k for k in template if k != "version") or ("identifier",)
        size, params = rng.choice(fam.sizes)
        ctx = {"created": str(self.start + 300 * DAY)}
        segments = [(self._fill(k, fam, size, ctx), k) for k in template]
        sep = "-" if rng.random() < 0.85 else "_"
        model_id, segments = self._unique(owner, segments, sep)
        fmt = _weighted(
            rng,
            (
                (".safetensors", 40),
                (".bin", 20),
                (".pt", 12),
                (".pth", 8),
                (".ckpt", 5),
                (".h5", 6),
                (".onnx", 4),
                (".tflite", 2),
                (".mlmodel", 2),
                (".msgpack", 1),
            ),
        )
        spec = Spec(
            model_id,
            owner,
            self.owner_kinds.get(owner, "user"),
            "publisher",
            "standalone",
            fam,
            size,
            params,
            segments,
            sep,
            self.start + rng.randint(10, 900) * DAY,
            weight_format=fmt,
            n_commits=self._next_budget(),
            pipeline=fam.pipeline,
            library=FORMAT_LIBRARY[fmt],
            license=rng.choice(("mit", "apache-2.0", "cc-by-4.0", "openrail")),
        )
        self._add(spec)

    # -- version series
    def _series(self) -> None:
        """Turn some derivatives into version series (with gaps) and some into lone versioned repos."""
        rng = self.rng
        parents = {b for s in self.specs for b in s.bases}
        candidates = [
            s
            for s in self.specs
            if s.kind != "root"
            and s.relation in ("finetune", "merge", None)
            and s.owner_role == "publisher"
            and s.id not in parents
            and s.n_commits < 1000
        ]
        rng.shuffle(candidates)
        n_series = max(len(VERSION_SCHEMES) + 1, round(len(self.specs) * 0.035))
        n_lone = max(2, round(len(self.specs) * 0.03))
        schemes = _quota(
            rng,
            n_series,
            [(s, f) for s, f, _ in VERSION_SCHEMES],
            lambda: _weighted(rng, [((s, f), w) for s, f, w in VERSION_SCHEMES]),
        )
        under_done = False
        for i, spec in enumerate(candidates[:n_series]):
            scheme, form = schemes[i]
            length = 2 + min(3, int(rng.expovariate(1.0)))
            force_under = scheme == "minor" and not under_done
            under_done = under_done or force_under
            self._make_series(spec, scheme, form, length, force_gap=(i == 0), force_under=force_under)
        for spec in candidates[n_series : n_series + n_lone]:
            scheme, form = _weighted(rng, [((s, f), w) for s, f, w in VERSION_SCHEMES])
            versions = _versions(rng, scheme, form, 3, spec.created)
            self._set_version(spec, versions[rng.randint(1, 2)], scheme, form)
            spec.series_id = f"{spec.owner}/{self._stem(spec)}"
            spec.series_position = 1
            spec.version_gap = True

    def _trim(self) -> None:
        """Series add repos; drop as many plain leaf repos so the registry has exactly ``n`` models."""
        extra = len(self.specs) - self.n
        if extra <= 0:
            return
        parents = {b for s in self.specs for b in s.bases}
        drop: set[int] = set()
        for i in range(len(self.specs) - 1, -1, -1):
            spec = self.specs[i]
            if len(drop) == extra:
                break
            if (
                spec.kind != "root"
                and not spec.series_id
                and spec.id not in parents
                and spec.n_commits < 1000
            ):
                drop.add(i)
        for i in drop:
            self.by_id.pop(self.specs[i].id, None)
        self.specs = [s for i, s in enumerate(self.specs) if i not in drop]

    @staticmethod
    def _stem(spec: Spec) -> str:
        return spec.separator.join(t for t, k in spec.segments if k != "version")

    def _set_version(self, spec: Spec, version: str, scheme: str, form: str) -> None:
        """Rename ``spec`` to carry ``version`` as its last segment (it has no children yet)."""
        segments = [(t, k) for t, k in spec.segments if k != "version"] + [(version, "version")]
        self.taken.discard(spec.id.lower())
        self.by_id.pop(spec.id, None)
        spec.id, spec.segments = self._unique(spec.owner, segments, spec.separator)
        self.by_id[spec.id] = spec
        spec.version_raw, spec.version_scheme, spec.version_form = version, scheme, form

    def _make_series(
        self, first: Spec, scheme: str, form: str, length: int, force_gap: bool, force_under: bool
    ) -> None:
        rng = self.rng
        versions = _versions(rng, scheme, form, length + 2, first.created)
        picks = list(range(length))
        if force_gap or rng.random() < 0.25:
            gap_at = rng.randint(1, length - 1)
            picks = [p + (1 if p >= gap_at else 0) for p in picks]
        self._set_version(first, versions[picks[0]], scheme, form)
        series_id = f"{first.owner}/{self._stem(first)}"
        first.series_id, first.series_position = series_id, 1
        prev = first
        for pos in range(1, length):
            created = prev.created + rng.randint(5, 120) * DAY
            nxt = Spec(
                f"{prev.id}#{pos}",
                prev.owner,
                prev.owner_kind,
                prev.owner_role,
                prev.kind,
                prev.family,
                prev.size,
                prev.params,
                list(prev.segments),
                prev.separator,
                created,
                relation=prev.relation,
                bases=list(prev.bases),
                quant_method=prev.quant_method,
                base_declaration=prev.base_declaration,
                declare_relation=prev.declare_relation,
                weight_format=prev.weight_format,
                n_commits=min(self._next_budget(), 400),
                pipeline=prev.pipeline,
                library=prev.library,
                license=prev.license,
                dataset=prev.dataset,
                language=prev.language,
                tokenizer_variant=prev.tokenizer_variant,
            )
            reasons = ["weights"]
            if prev.relation in ("finetune", "merge") and (rng.random() < 0.25 or (force_under and pos == 1)):
                new_base = self._pick_base(causal_only=prev.family.causal)
                if new_base.id not in prev.bases:
                    nxt.bases = [new_base.id] + (prev.bases[1:] if prev.relation == "merge" else [])
                    nxt.family, nxt.size, nxt.params = new_base.family, new_base.size, new_base.params
                    reasons.append("base")
            if rng.random() < 0.1:
                nxt.tokenizer_variant = prev.tokenizer_variant + 1
                reasons.append("tokenizer")
            self.specs.append(nxt)
            self._set_version(nxt, versions[picks[pos]], scheme, form)
            nxt.series_id, nxt.series_position = series_id, pos + 1
            nxt.series_predecessor, prev.series_successor = prev.id, nxt.id
            nxt.version_gap = picks[pos] - picks[pos - 1] > 1
            nxt.series_reasons = reasons
            nxt.series_declared = declared_bump(versions[picks[pos - 1]], versions[picks[pos]])
            if rng.random() < 0.5 or pos == 1:
                prev.new_version = nxt.id
            prev = nxt

    # -- history features and flags
    def _history_features(self) -> None:
        rng = self.rng
        eligible = [
            s for s in self.specs if s.n_commits >= 2 and s.relation != "quantized" and s.n_commits < 1000
        ]
        rng.shuffle(eligible)
        convertible = [s for s in eligible if s.relation in (None, "finetune")]
        for i, scenario in enumerate(HISTORY_SCENARIOS):
            pool = convertible[:2] if scenario == "conversion" else eligible[i :: len(HISTORY_SCENARIOS)][:2]
            for spec in pool:
                spec.scenarios.append(scenario)
                spec.n_commits = max(spec.n_commits, 6)
                if scenario == "conversion":
                    spec.weight_format, spec.extra_formats = ".bin", []
                    spec.library = "transformers"
        for spec in self.specs:
            if spec.n_commits >= 1000:
                spec.scenarios.append("trainer")
        free = [s for s in self.specs if s.kind != "root" and not s.series_id and not s.scenarios]
        styles = _quota(
            rng,
            len(free),
            ["malformed", "malformed", "nondict", "empty", "template", "plain", "none"],
            lambda: _weighted(rng, CARD_STYLES),
        )
        for spec, style in zip(free, styles, strict=True):
            spec.card_style = style
            if style != "yaml":
                spec.base_declaration, spec.declare_relation = "none", False

    def _repo_flags(self) -> None:
        rng = self.rng
        specs = self.specs
        roots = [s for s in specs if s.kind == "root"]
        for spec in rng.sample(roots, min(len(roots), max(1, len(roots) // 5))):
            spec.gated = rng.choice(("auto", "manual"))
        plain = [
            s
            for s in specs
            if s.kind != "root"
            and not s.series_id
            and not s.scenarios
            and s.owner_role == "publisher"
            and not s.gated
        ]
        rng.shuffle(plain)
        k = max(1, len(specs) // 150)
        for spec in plain[:k]:
            spec.gated = "auto"
        for spec in plain[k : 2 * k]:
            spec.private = True
        for spec in plain[2 * k : 2 * k + max(1, k // 2)]:
            spec.disabled = True
        for spec in plain[3 * k : 4 * k]:
            old_name = spec.separator.join([rng.choice(AMBIGUOUS), *(t for t, _ in spec.segments)])
            alias = f"{spec.owner}/{old_name}"
            if alias.lower() not in self.taken:
                self.taken.add(alias.lower())
                spec.aliases.append(alias)


def _versions(rng: random.Random, scheme: str, form: str, count: int, created: int) -> list[str]:
    out: list[str] = []
    if scheme == "date":
        day = EPOCH + dt.timedelta(seconds=created)
        for _ in range(count):
            out.append(day.strftime("%Y-%m-%d" if form == "YYYY-MM-DD" else "%Y%m%d"))
            day += dt.timedelta(days=rng.randint(14, 90))
        return out
    major, minor, patch = (rng.choice((0, 1)), 0, 0) if scheme != "major" else (1, 0, 0)
    if scheme == "minor" and major == 0:
        minor = 1
    for _ in range(count):
        if form == "vN":
            out.append(f"v{major}")
            major += 1
        elif form in ("vN.M", "N.M"):
            out.append(f"{'v' if form == 'vN.M' else ''}{major}.{minor}")
            if rng.random() < 0.2:
                major, minor = major + 1, 0
            else:
                minor += 1
        else:
            out.append(f"{'v' if form == 'vN.M.P' else ''}{max(major, 1)}.{minor}.{patch}")
            if rng.random() < 0.5:
                patch += 1
            else:
                minor, patch = minor + 1, 0
    return out
