-- The crawl tables as hfaudit 0.1 (schema 1) created them: the migration test builds a store from this.
create table if not exists meta (
    key varchar primary key,
    value varchar
);
create table if not exists snapshots (
    snapshot_id integer primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,            -- running | complete | failed
    endpoint varchar not null,
    scope json not null,
    models_listed integer,
    models_crawled integer,
    models_unchanged integer,
    models_failed integer,
    models_gone integer,
    commits_added integer,
    file_changes_added integer,
    requests json,                      -- client-side counts: total, per bucket, per status
    hfaudit_version varchar
);
create table if not exists models (
    model_id varchar primary key,
    object_id varchar,
    author varchar,
    sha varchar,                        -- head commit as last listed
    created_at timestamptz,
    last_modified timestamptz,
    private boolean,
    gated varchar,                      -- 'false' | 'auto' | 'manual'
    disabled boolean,
    downloads bigint,
    likes bigint,
    pipeline_tag varchar,
    library_name varchar,
    tags varchar[],
    card_data json,
    config json,
    card_base_models varchar[],
    card_base_model_relation varchar,
    config_model_type varchar,
    status varchar not null,            -- present | gone | renamed
    renamed_to varchar,
    first_snapshot integer,
    last_snapshot integer,
    crawled_sha varchar,                -- head whose history is fully stored (crawl state)
    crawled_snapshot integer
);
create table if not exists model_snapshots (
    snapshot_id integer not null,
    model_id varchar not null,
    sha varchar,
    last_modified timestamptz,
    downloads bigint,
    likes bigint,
    status varchar not null,            -- crawled | unchanged | failed | gone | renamed
    primary key (snapshot_id, model_id)
);
create table if not exists commits (
    model_id varchar not null,
    commit_id varchar not null,
    committed_at timestamptz,
    title varchar,
    message varchar,
    authors varchar[],
    position integer,                   -- 0 = oldest reachable commit when first stored
    first_snapshot integer,
    unreachable_since integer,          -- snapshot in which history no longer reached it
    primary key (model_id, commit_id)
);
create table if not exists file_changes (
    model_id varchar not null,
    commit_id varchar not null,
    path varchar not null,
    change_kind varchar not null,       -- added | modified | deleted
    category varchar not null,          -- see hfaudit.files.category
    old_blob varchar,
    new_blob varchar,
    old_sha256 varchar,
    new_sha256 varchar,
    old_size bigint,
    new_size bigint,
    is_lfs boolean,
    primary key (model_id, commit_id, path)
);
create table if not exists model_files (
    model_id varchar not null,
    path varchar not null,
    blob varchar,
    sha256 varchar,
    size bigint,
    category varchar,
    primary key (model_id, path)
);
create table if not exists card_versions (
    model_id varchar not null,
    commit_id varchar not null,
    committed_at timestamptz,
    content varchar,
    front_matter json,
    card_error varchar,
    primary key (model_id, commit_id)
);
create table if not exists file_contents (
    model_id varchar not null,
    commit_id varchar not null,
    path varchar not null,
    content varchar,
    primary key (model_id, commit_id, path)
);
create table if not exists refs (
    snapshot_id integer not null,
    model_id varchar not null,
    ref_type varchar not null,          -- branch | tag
    name varchar not null,
    target_commit varchar,
    primary key (snapshot_id, model_id, ref_type, name)
);
create table if not exists model_base_models (
    snapshot_id integer not null,
    model_id varchar not null,
    position integer not null,          -- order in baseModels.models
    parent_id varchar not null,         -- canonical id, as the Hub resolved it
    parent_object_id varchar,           -- the parent's _id
    relation varchar,                   -- baseModels.relation (null when the Hub knows none)
    primary key (snapshot_id, model_id, position)
);
create table if not exists crawl_errors (
    snapshot_id integer not null,
    model_id varchar not null,
    stage varchar not null,             -- list | info | commits | tree | refs | content | card
    error_type varchar not null,        -- gated | private | disabled | not_found | rate_limited | server_error | timeout | network | card_unparseable | ...
    status_code integer,
    message varchar,
    occurred_at timestamptz,
    resolved_snapshot integer           -- set when a later run succeeds for this model
);
