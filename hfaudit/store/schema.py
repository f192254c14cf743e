"""The one declaration of the store's schema: every table, crawl and analysis, with its columns.

Everything else derives from ``TABLES``: the crawl tables' DDL (``crawl_ddl``), the column order and
types the bulk writers use (``columns``, ``types``), the golden schema file and the generated table
section of ``docs/schema.md`` (``markdown``), and the DDL the audit tests build their given rows in.
A column added here is added to existing stores by the migration on open (``hfaudit.store``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CRAWL: Literal["crawl"] = "crawl"
ANALYSIS: Literal["analysis"] = "analysis"

# The version of this schema. A store records the version that wrote it (``meta.schema_version``);
# opening an older one migrates it once, a newer one is refused. History:
#   1: the crawl tables (hfaudit 0.1)
#   2: card_versions.content_bytes and card_truncated (cards of any size, truncation recorded),
#      crawl_errors.field (which field of a response could not be parsed); analysis tables declared here.
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class C:
    """One column: name, DuckDB type, and what it means."""

    name: str
    type: str
    not_null: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """One table: who writes it (the crawler or an analyser), what a row is, its key and columns."""

    name: str
    kind: Literal["crawl", "analysis"]
    doc: str
    columns: tuple[C, ...]
    key: tuple[str, ...] | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self, replace: bool = False) -> str:
        """``create table if not exists`` (or, with ``replace``, ``create or replace table``) for this
        table; key columns are not null."""
        lines = []
        for col in self.columns:
            null = " not null" if col.not_null or (self.key and col.name in self.key) else ""
            lines.append(f"    {col.name} {col.type}{null}")
        if self.key:
            lines.append(f"    primary key ({', '.join(self.key)})")
        verb = "create or replace table" if replace else "create table if not exists"
        return f"{verb} {self.name} (\n" + ",\n".join(lines) + "\n);"


TABLES_LIST: tuple[Table, ...] = (
    Table(
        'meta',
        CRAWL,
        'Store metadata: schema_version.',
        key=('key',),
        columns=(
        C('key', 'varchar'),
        C('value', 'varchar'),
        ),
    ),
    Table(
        'snapshots',
        CRAWL,
        'One row per crawl run.',
        key=('snapshot_id',),
        columns=(
        C('snapshot_id', 'integer'),
        C('started_at', 'timestamptz', not_null=True),
        C('finished_at', 'timestamptz'),
        C('status', 'varchar', not_null=True, doc='running | complete | partial | failed | interrupted'),
        C('endpoint', 'varchar', not_null=True),
        C('scope', 'json', not_null=True),
        C('models_listed', 'integer'),
        C('models_crawled', 'integer'),
        C('models_unchanged', 'integer'),
        C('models_failed', 'integer'),
        C('models_gone', 'integer'),
        C('commits_added', 'integer'),
        C('file_changes_added', 'integer'),
        C('requests', 'json', doc='client-side counts: total, per bucket, per status'),
        C('hfaudit_version', 'varchar'),
        ),
    ),
    Table(
        'models',
        CRAWL,
        'One row per model ever seen: metadata as last listed, life cycle and crawl state.',
        key=('model_id',),
        columns=(
        C('model_id', 'varchar'),
        C('object_id', 'varchar'),
        C('author', 'varchar'),
        C('sha', 'varchar', doc='head commit as last listed'),
        C('created_at', 'timestamptz'),
        C('last_modified', 'timestamptz'),
        C('private', 'boolean'),
        C('gated', 'varchar', doc="'false' | 'auto' | 'manual'"),
        C('disabled', 'boolean'),
        C('downloads', 'bigint'),
        C('likes', 'bigint'),
        C('pipeline_tag', 'varchar'),
        C('library_name', 'varchar'),
        C('tags', 'varchar[]'),
        C('card_data', 'json'),
        C('config', 'json'),
        C('card_base_models', 'varchar[]'),
        C('card_base_model_relation', 'varchar'),
        C('config_model_type', 'varchar'),
        C('status', 'varchar', not_null=True, doc='present | gone | renamed'),
        C('renamed_to', 'varchar'),
        C('first_snapshot', 'integer'),
        C('last_snapshot', 'integer'),
        C('crawled_sha', 'varchar', doc='head whose history is fully stored (crawl state)'),
        C('crawled_snapshot', 'integer'),
        ),
    ),
    Table(
        'model_snapshots',
        CRAWL,
        'What each snapshot saw of each model.',
        key=('snapshot_id', 'model_id'),
        columns=(
        C('snapshot_id', 'integer', not_null=True),
        C('model_id', 'varchar', not_null=True),
        C('sha', 'varchar'),
        C('last_modified', 'timestamptz'),
        C('downloads', 'bigint'),
        C('likes', 'bigint'),
        C('status', 'varchar', not_null=True, doc='crawled | unchanged | failed | gone | renamed'),
        ),
    ),
    Table(
        'commits',
        CRAWL,
        'Every commit of every model, as first stored.',
        key=('model_id', 'commit_id'),
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('commit_id', 'varchar', not_null=True),
        C('committed_at', 'timestamptz'),
        C('title', 'varchar'),
        C('message', 'varchar'),
        C('authors', 'varchar[]'),
        C('position', 'integer', doc='0 = oldest reachable commit when first stored'),
        C('first_snapshot', 'integer'),
        C('unreachable_since', 'integer', doc='snapshot in which history no longer reached it'),
        ),
    ),
    Table(
        'file_changes',
        CRAWL,
        'Every path each commit added, modified or deleted, with blobs and LFS sha256.',
        key=('model_id', 'commit_id', 'path'),
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('commit_id', 'varchar', not_null=True),
        C('path', 'varchar', not_null=True),
        C('change_kind', 'varchar', not_null=True, doc='added | modified | deleted'),
        C('category', 'varchar', not_null=True, doc='see hfaudit.files.category'),
        C('old_blob', 'varchar'),
        C('new_blob', 'varchar'),
        C('old_sha256', 'varchar'),
        C('new_sha256', 'varchar'),
        C('old_size', 'bigint'),
        C('new_size', 'bigint'),
        C('is_lfs', 'boolean'),
        ),
    ),
    Table(
        'model_files',
        CRAWL,
        "The files at each model's stored head.",
        key=('model_id', 'path'),
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('path', 'varchar', not_null=True),
        C('blob', 'varchar'),
        C('sha256', 'varchar'),
        C('size', 'bigint'),
        C('category', 'varchar'),
        ),
    ),
    Table(
        'card_versions',
        CRAWL,
        'The README at each commit that changed it, with its parsed front matter.',
        key=('model_id', 'commit_id'),
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('commit_id', 'varchar', not_null=True),
        C('committed_at', 'timestamptz'),
        C('content', 'varchar'),
        C('front_matter', 'json'),
        C('card_error', 'varchar'),
        C('content_bytes', 'bigint', doc='size of the README in bytes, as served'),
        C('card_truncated', 'boolean', doc='content was cut to the stored limit (the front matter is parsed from the whole text)'),
        ),
    ),
    Table(
        'file_contents',
        CRAWL,
        'Small text files (configs, tokenizer and adapter configs) at each commit that changed them.',
        key=('model_id', 'commit_id', 'path'),
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('commit_id', 'varchar', not_null=True),
        C('path', 'varchar', not_null=True),
        C('content', 'varchar'),
        ),
    ),
    Table(
        'refs',
        CRAWL,
        'Branches and tags each snapshot saw.',
        key=('snapshot_id', 'model_id', 'ref_type', 'name'),
        columns=(
        C('snapshot_id', 'integer', not_null=True),
        C('model_id', 'varchar', not_null=True),
        C('ref_type', 'varchar', not_null=True, doc='branch | tag'),
        C('name', 'varchar', not_null=True),
        C('target_commit', 'varchar'),
        ),
    ),
    Table(
        'model_base_models',
        CRAWL,
        'baseModels from model info, as the Hub resolved them.',
        key=('snapshot_id', 'model_id', 'position'),
        columns=(
        C('snapshot_id', 'integer', not_null=True),
        C('model_id', 'varchar', not_null=True),
        C('position', 'integer', not_null=True, doc='order in baseModels.models'),
        C('parent_id', 'varchar', not_null=True, doc='canonical id, as the Hub resolved it'),
        C('parent_object_id', 'varchar', doc="the parent's _id"),
        C('relation', 'varchar', doc='baseModels.relation (null when the Hub knows none)'),
        ),
    ),
    Table(
        'crawl_errors',
        CRAWL,
        'Every per-model failure of a crawl, with its reason; resolved by a later success.',
        key=None,
        columns=(
        C('snapshot_id', 'integer', not_null=True),
        C('model_id', 'varchar', not_null=True),
        C('stage', 'varchar', not_null=True, doc='list | info | commits | tree | refs | content | card'),
        C('error_type', 'varchar', not_null=True, doc='gated | private | disabled | not_found | rate_limited | server_error | timeout | network | card_unparseable | card_refused | card_truncated | bad_response | invalid_id | ...'),
        C('status_code', 'integer'),
        C('message', 'varchar'),
        C('occurred_at', 'timestamptz'),
        C('resolved_snapshot', 'integer', doc='set when a later run succeeds for this model'),
        C('field', 'varchar', doc='for bad_response: the field of the response that could not be parsed'),
        ),
    ),
    Table(
        'audit_findings',
        ANALYSIS,
        'One row per finding of the SQL audits (queries/), in the order the audits ran.',
        columns=(
        C('audit_id', 'varchar'),
        C('severity', 'varchar'),
        C('model_id', 'varchar'),
        C('owner', 'varchar'),
        C('location', 'varchar'),
        C('bump', 'varchar'),
        C('title', 'varchar'),
        C('message', 'varchar'),
        ),
    ),
    Table(
        'audit_runs',
        ANALYSIS,
        'One row per audit: its status, skip reason and finding count.',
        columns=(
        C('audit_id', 'varchar'),
        C('severity', 'varchar'),
        C('title', 'varchar'),
        C('status', 'varchar'),
        C('skipped_reason', 'varchar'),
        C('findings', 'integer'),
        ),
    ),
    Table(
        'compliance_checks',
        ANALYSIS,
        'One row per model and check: the findings summarised as Scorecard-style checks.',
        columns=(
        C('model_id', 'varchar'),
        C('owner', 'varchar'),
        C('check_name', 'varchar'),
        C('weight', 'integer'),
        C('outcome', 'varchar'),
        C('score', 'double'),
        C('findings', 'integer'),
        C('worst', 'varchar'),
        C('demerits', 'double', doc='the weighted findings behind the score (docs/report.md)'),
        ),
    ),
    Table(
        'compliance_scores',
        ANALYSIS,
        'One row per model: the aggregate compliance score.',
        columns=(
        C('model_id', 'varchar'),
        C('owner', 'varchar'),
        C('score', 'double'),
        C('failing_checks', 'bigint'),
        C('findings', 'bigint'),
        C('demerits', 'double', doc='the weighted findings behind the score'),
        C('reason', 'varchar', doc='why a model has no score (not checked: gated, …)'),
        ),
    ),
    Table(
        'lineage_conflicts',
        ANALYSIS,
        'Declared and observed lineage that disagree.',
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('parent_id', 'varchar'),
        C('kind', 'varchar', not_null=True),
        C('declared', 'varchar'),
        C('observed', 'varchar'),
        C('detail', 'varchar'),
        ),
    ),
    Table(
        'lineage_edges',
        ANALYSIS,
        'One row per (child, parent): the relation and where it came from.',
        columns=(
        C('child_id', 'varchar', not_null=True),
        C('parent_id', 'varchar', not_null=True),
        C('relation', 'varchar'),
        C('declared_relation', 'varchar'),
        C('source', 'varchar', not_null=True),
        C('confidence', 'double'),
        C('sources', 'varchar[]'),
        C('in_graph', 'boolean'),
        C('is_primary', 'boolean'),
        C('dangling', 'boolean'),
        C('dangling_reason', 'varchar'),
        C('resolved_via', 'varchar'),
        ),
    ),
    Table(
        'lineage_evidence',
        ANALYSIS,
        'Every claim of a parent, from every source.',
        columns=(
        C('child_id', 'varchar', not_null=True),
        C('parent_ref', 'varchar', not_null=True),
        C('parent_id', 'varchar', not_null=True),
        C('resolved_via', 'varchar'),
        C('source', 'varchar', not_null=True),
        C('declared_relation', 'varchar'),
        C('confidence', 'double'),
        C('position', 'integer'),
        ),
    ),
    Table(
        'lineage_paper',
        ANALYSIS,
        "The study's lineage measures beside hfaudit's, per model.",
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('paper_base', 'varchar', not_null=True),
        C('paper_label', 'varchar', not_null=True),
        C('paper_variant', 'varchar', not_null=True),
        C('relation', 'varchar'),
        C('relation_basis', 'varchar'),
        ),
    ),
    Table(
        'model_lineage',
        ANALYSIS,
        'One row per model: its chosen parent, relation, root and depth.',
        columns=(
        C('model_id', 'varchar', not_null=True),
        C('parent_id', 'varchar'),
        C('relation_to_parent', 'varchar'),
        C('declared_relation', 'varchar'),
        C('observed_relation', 'varchar'),
        C('relation_basis', 'varchar'),
        C('relation_confidence', 'double'),
        C('relation_evidence', 'varchar'),
        C('root_id', 'varchar', not_null=True),
        C('depth', 'integer', not_null=True),
        C('n_parents', 'integer'),
        C('descendants', 'integer'),
        C('root_dangling', 'boolean'),
        C('cycle_cut', 'boolean'),
        ),
    ),
    Table(
        'naming',
        ANALYSIS,
        'One row per model: the parsed name (convention, version, size, quantization, family).',
        columns=(
        C('model_id', 'varchar'),
        C('owner', 'varchar'),
        C('convention', 'varchar'),
        C('segments', 'varchar'),
        C('version_raw', 'varchar'),
        C('version_scheme', 'varchar'),
        C('version_key', 'varchar'),
        C('size_params', 'bigint'),
        C('quant_format', 'varchar'),
        C('family', 'varchar'),
        C('variants', 'varchar[]'),
        C('stem', 'varchar'),
        C('jiang_class', 'varchar', doc='Jiang et al.: I, T, IT, A, IA or O (docs/naming.md)'),
        C('paper_version', 'varchar'),
        C('paper_version_group', 'varchar'),
        C('paper_variant', 'varchar'),
        C('experts', 'integer', doc='N of an NxM size (mixture of experts); size_params is one expert'),
        ),
    ),
    Table(
        'naming_vocabulary',
        ANALYSIS,
        "Terms learned from the crawled metadata that extend the parser's vocabulary.",
        columns=(
        C('kind', 'varchar'),
        C('term', 'varchar'),
        ),
    ),
    Table(
        'owner_scores',
        ANALYSIS,
        "One row per owner: the mean of its models' scores.",
        columns=(
        C('owner', 'varchar'),
        C('models', 'bigint', doc='models with a score'),
        C('not_checked', 'bigint', doc='models left out: not checked'),
        C('score', 'double'),
        C('worst_model_score', 'double'),
        C('findings', 'bigint'),
        ),
    ),
    Table(
        'semver_changes',
        ANALYSIS,
        'One row per commit that changed something a bump depends on.',
        columns=(
        C('model_id', 'varchar'),
        C('commit_id', 'varchar'),
        C('committed_at', 'timestamp with time zone'),
        C('position', 'integer'),
        C('reasons', 'varchar[]'),
        C('paths', 'varchar[]'),
        ),
    ),
    Table(
        'semver_releases',
        ANALYSIS,
        'One row per release: declared against required bump.',
        columns=(
        C('model_id', 'varchar'),
        C('release_kind', 'varchar'),
        C('commit_id', 'varchar'),
        C('committed_at', 'timestamp with time zone'),
        C('version', 'varchar'),
        C('previous_model_id', 'varchar'),
        C('previous_commit_id', 'varchar'),
        C('previous_version', 'varchar'),
        C('declared_by', 'varchar[]'),
        C('declared_bump', 'varchar'),
        C('required_bump', 'varchar'),
        C('reasons', 'varchar[]'),
        C('under_bump', 'boolean'),
        C('over_bump', 'boolean'),
        ),
    ),
    Table(
        'transparency',
        ANALYSIS,
        'The card at each snapshot: present, filled, datasets, license.',
        columns=(
        C('model_id', 'varchar'),
        C('snapshot_id', 'integer'),
        C('head_commit', 'varchar'),
        C('readme_commit', 'varchar'),
        C('card_present', 'boolean'),
        C('card_state', 'varchar'),
        C('card_length', 'integer'),
        C('has_metadata', 'boolean'),
        C('card_error', 'varchar'),
        C('license', 'varchar'),
        C('license_declared', 'boolean'),
        C('datasets', 'varchar[]'),
        C('datasets_declared', 'boolean'),
        C('datasets_mentioned', 'boolean'),
        C('base_models', 'varchar[]'),
        C('base_model_declared', 'boolean'),
        C('eval_results_declared', 'boolean'),
        C('new_version', 'varchar'),
        ),
    ),
    Table(
        'version_pair_changes',
        ANALYSIS,
        "The study's §6.3 flags per version pair.",
        columns=(
        C('model_id', 'varchar'),
        C('predecessor_id', 'varchar'),
        C('series_id', 'varchar'),
        C('version_scheme', 'varchar'),
        C('paper_version_group', 'varchar'),
        C('base_changed', 'boolean'),
        C('weights_changed', 'boolean'),
        C('pointers_changed', 'boolean'),
        C('readme_changed', 'boolean'),
        C('card_changed', 'boolean'),
        C('weights_sha_changed', 'boolean'),
        C('declared_base_changed', 'boolean'),
        C('card_similarity', 'double'),
        ),
    ),
    Table(
        'version_series',
        ANALYSIS,
        'Models that continue one another by version, in order.',
        columns=(
        C('series_id', 'varchar'),
        C('model_id', 'varchar'),
        C('position', 'integer'),
        C('version_raw', 'varchar'),
        C('version_scheme', 'varchar'),
        C('version_key', 'varchar'),
        C('predecessor_id', 'varchar'),
        C('predecessor_owner_match', 'boolean'),
        C('gap', 'boolean'),
        C('regression', 'boolean'),
        ),
    ),
    Table(
        'weight_changes',
        ANALYSIS,
        'Every change to a weight file, with whether a version signal documented it.',
        columns=(
        C('model_id', 'varchar'),
        C('commit_id', 'varchar'),
        C('committed_at', 'timestamp with time zone'),
        C('position', 'integer'),
        C('path', 'varchar'),
        C('change_kind', 'varchar'),
        C('old_sha256', 'varchar'),
        C('new_sha256', 'varchar'),
        C('old_size', 'bigint'),
        C('new_size', 'bigint'),
        C('documented', 'boolean'),
        C('signals', 'varchar[]'),
        C('from_path', 'varchar'),
        C('title', 'varchar'),
        C('extension', 'varchar'),
        C('paper_category', 'varchar'),
        ),
    ),
)
TABLES: dict[str, Table] = {t.name: t for t in TABLES_LIST}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"{name} is not declared in hfaudit/store/schema.py") from None


def columns(name: str) -> list[str]:
    """The column order of table ``name``."""
    return table(name).column_names


def types(name: str) -> dict[str, str]:
    """Column name -> DuckDB type of table ``name``, in order."""
    return {c.name: c.type for c in table(name).columns}


def crawl_ddl() -> str:
    """The DDL of every crawl table (the crawler writes into them; analysers read them)."""
    return "\n".join(t.ddl() for t in TABLES_LIST if t.kind == CRAWL)


def empty_table_ddl(name: str) -> str:
    """``create or replace table`` for ``name`` with no key (tests build given rows in it)."""
    t = table(name)
    cols = ", ".join(f"{c.name} {c.type}" for c in t.columns)
    return f"create or replace table {name} ({cols})"


def markdown() -> str:
    """The generated table section of ``docs/schema.md``: every table, its key and columns."""
    out: list[str] = []
    for kind, title in ((CRAWL, "Crawl tables"), (ANALYSIS, "Analysis tables")):
        out.append(f"### {title} (generated)\n")
        for t in sorted((t for t in TABLES_LIST if t.kind == kind), key=lambda t: t.name):
            key = f" (key `{', '.join(t.key)}`)" if t.key else ""
            out.append(f"#### `{t.name}`{key}\n\n{t.doc}\n")
            out.append("| column | type | meaning |\n|---|---|---|")
            out += [f"| `{c.name}` | {c.type}{' not null' if c.not_null else ''} | {c.doc} |" for c in t.columns]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
