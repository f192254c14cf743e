"""A seeded generator of synthetic Hub registries that carry their own ground truth.

``generate(models, seed)`` plans a population of model repositories (owners, base families and their
derivatives, names, version series, commit histories, cards) and returns the registry lines (see
``docs/registry-format.md``) and one ground-truth line per model. ``evolve(old_lines, seed)`` makes the
next snapshot of a registry. Both are deterministic for a seed: ``random.Random(seed)`` only, no wall
clock, and every commit id and sha256 is a hash of the seed, the model and an index. The distributions
and what they are calibrated to are described in ``docs/generator.md``.

Ground-truth keys (one JSON object per model, in registry order):

- ``id``, ``owner``, ``owner_kind`` (``user`` | ``org``), ``owner_role`` (``family`` publishes roots,
  ``quantizer`` publishes GGUF/GPTQ/AWQ/MLX repos, ``bot`` never owns repos, else ``publisher``)
- ``kind``: ``root`` (a family's base checkpoint), ``derivative`` or ``standalone`` (no base)
- ``family``, ``model_type``, ``size`` (the size label, or null), ``params`` (parameter count)
- ``segments``: ``[[text, type], …]`` in name order; types are ``identifier``, ``base-model``, ``size``,
  ``training-mechanism``, ``variant-type``, ``version``, ``task``, ``language``, ``dataset``,
  ``creation-date``, ``description``, ``ambiguous``; ``convention``: e.g. ``{identifier}{base-model}{size}``;
  ``separator``: the character between segments in the name
- ``version_raw`` (e.g. ``v1.1``, ``2024-05-01``, or null), ``version_scheme`` (``major`` | ``minor`` |
  ``semver`` | ``date`` | null), ``version_form`` (``vN``, ``vN.M``, ``N.M``, ``N.M.P``, ``vN.M.P``,
  ``YYYY-MM-DD``, ``YYYYMMDD`` | null)
- ``series_id`` (``owner/stem``, or null), ``series_position`` (1-based rank among the series' repos that
  exist), ``series_predecessor``, ``series_successor`` (ids or null), ``version_gap`` (bool: a version
  number was skipped before this repo)
- ``base_models`` (true direct parents, list), ``relation`` (``finetune`` | ``adapter`` | ``quantized`` |
  ``merge`` | null for roots and standalone models), ``quant_method`` (``gguf`` | ``gptq`` | ``awq`` |
  ``mlx`` | ``bnb`` | null), ``base_declaration`` (``string`` | ``list`` | ``none``: how the HEAD card
  declares ``base_model``), ``declared_relation`` (bool: ``base_model_relation`` in the HEAD card)
- ``card_style``: ``yaml`` | ``plain`` (no front matter) | ``empty`` | ``template`` | ``malformed``
  (YAML error) | ``nondict`` (front matter that is not a mapping) | ``none`` (no README)
- ``new_version``: the id the card's ``new_version`` names, or null
- ``gated``, ``private``, ``disabled`` (as in the registry), ``aliases`` (old ids answering 307)
- ``formats``: weight-file extensions present at any commit, sorted
- ``commits``: number of commits
- ``weight_changes``: every change to a weight file, oldest first: ``commit``, ``path``, ``kind``
  (``initial`` | ``replaced`` | ``added`` | ``deleted`` | ``converted``), ``old_sha256``, ``new_sha256``,
  ``documented`` (bool) and ``how`` (list of ``tag``, ``name_version``, ``readme_changelog``,
  ``commit_message``, ``card_version``; empty when silent)
- ``releases``: declared versions and what they should have been: ``kind`` (``tag`` | ``card`` for
  in-repo versions, ``series`` for a repo continuing a series), ``commit``, ``version``,
  ``previous_version``, ``declared_by`` (``tag``, ``card_version``, ``readme_changelog``,
  ``name_version``), ``declared_bump`` and ``required_bump`` (``major`` | ``minor`` | ``patch``, or
  ``initial`` for a first release), ``reasons`` (what changed since the previous release:
  ``architecture``, ``tokenizer``, ``base``, ``license``, ``weights``, ``format``, ``generation``,
  ``card``), ``under_bump`` and ``over_bump`` (bool)
- ``evolution`` (evolved snapshots only): ``status`` (``unchanged`` | ``updated`` | ``added`` |
  ``renamed`` | ``squashed``), ``old_id``, ``new_commits`` (ids added in this snapshot)
"""

from __future__ import annotations

# The package, by job: common (shared constants and seeded helpers), vocabulary (what names and
# families are made of), planning (who publishes what: Spec, Planner), cards (README rendering),
# histories (RepoBuilder: commits and their truth), evolve (the next snapshot), writing (entry points).
from hfaudit.fakehub.generate.cards import Card, render_yaml
from hfaudit.fakehub.generate.common import DAY, EPOCH, SEGMENT_TYPES, SNAPSHOT_END, WEIGHT_EXTENSIONS
from hfaudit.fakehub.generate.evolve import evolve, evolve_with_changes
from hfaudit.fakehub.generate.histories import CONVERT_TITLE, GITATTRIBUTES, RepoBuilder
from hfaudit.fakehub.generate.planning import Planner, Spec, commit_budget
from hfaudit.fakehub.generate.vocabulary import FAMILIES, Family
from hfaudit.fakehub.generate.writing import (
    Summary,
    changes_path,
    generate,
    read_jsonl,
    summarize,
    truth_path,
    write_evolved,
    write_registry,
)

__all__ = [
    "CONVERT_TITLE",
    "DAY",
    "EPOCH",
    "FAMILIES",
    "GITATTRIBUTES",
    "SEGMENT_TYPES",
    "SNAPSHOT_END",
    "WEIGHT_EXTENSIONS",
    "Card",
    "Family",
    "Planner",
    "RepoBuilder",
    "Spec",
    "Summary",
    "changes_path",
    "commit_budget",
    "evolve",
    "evolve_with_changes",
    "generate",
    "read_jsonl",
    "render_yaml",
    "summarize",
    "truth_path",
    "write_evolved",
    "write_registry",
]
