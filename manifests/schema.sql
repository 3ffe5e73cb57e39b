-- migration 0 -> 1
-- Sieve manifest, schema version 1.
-- One database per run (per task on a cluster; `sieve manifest merge` joins them).
-- Paths are relative to the directory that holds the manifest.

-- Every invocation that wrote to this manifest.
CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY,
    command       TEXT    NOT NULL,
    config        TEXT    NOT NULL,  -- the pipeline configuration, as JSON
    fingerprint   TEXT    NOT NULL,  -- inputs' plan and output-changing settings
    code_version  TEXT    NOT NULL,
    task_index    INTEGER NOT NULL,
    task_count    INTEGER NOT NULL,
    threads       INTEGER NOT NULL,
    started_at    TEXT    NOT NULL,  -- ISO 8601, UTC
    ended_at      TEXT,
    status        TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    error         TEXT
);

-- Input files. A rerun skips the work of inputs that are done and unchanged.
CREATE TABLE inputs (
    path              TEXT    NOT NULL,
    task_index        INTEGER NOT NULL,
    size              INTEGER NOT NULL,
    content_xxh64     TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('pending', 'done')),
    documents_read    INTEGER NOT NULL DEFAULT 0,
    documents_failed  INTEGER NOT NULL DEFAULT 0,
    error             TEXT,
    PRIMARY KEY (path, task_index)
);

-- Work units: a group of small inputs or a slice of a large one; the resume step.
CREATE TABLE units (
    task_index  INTEGER NOT NULL,
    unit        INTEGER NOT NULL,
    segments    TEXT    NOT NULL,  -- the unit's plan, as JSON
    status      TEXT    NOT NULL CHECK (status IN ('done')),
    output      TEXT    NOT NULL,  -- its documents file or token part
    stats       TEXT    NOT NULL,  -- its statistics, as JSON
    inputs      TEXT    NOT NULL,  -- documents read and failed per input file, as JSON
    PRIMARY KEY (task_index, unit)
);

-- Shards: Megatron .bin/.idx pairs with a .docs sidecar (docs/shards.md).
CREATE TABLE shards (
    shard_id    INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL UNIQUE,  -- prefix: PATH.bin, PATH.idx, PATH.docs
    kind        TEXT    NOT NULL CHECK (kind IN ('documents', 'packed')),
    language    TEXT    NOT NULL,
    domain      TEXT    NOT NULL,
    task_index  INTEGER NOT NULL,
    documents   INTEGER NOT NULL,
    tokens      INTEGER NOT NULL,  -- end-of-text ids included
    sequences   INTEGER NOT NULL,
    seq_len     INTEGER,           -- packed shards only
    bytes       INTEGER NOT NULL   -- all files of the shard together
);
CREATE INDEX shards_language_domain ON shards (language, domain);

-- Every file of every shard, with its size and checksum (XXH64, seed 0, hex).
CREATE TABLE shard_files (
    shard_id  INTEGER NOT NULL REFERENCES shards (shard_id),
    path      TEXT    NOT NULL UNIQUE,
    bytes     INTEGER NOT NULL,
    xxh64     TEXT    NOT NULL
);
CREATE INDEX shard_files_shard ON shard_files (shard_id);

CREATE TABLE shard_stats (
    shard_id             INTEGER PRIMARY KEY REFERENCES shards (shard_id),
    text_bytes           INTEGER NOT NULL,
    min_document_tokens  INTEGER NOT NULL,
    max_document_tokens  INTEGER NOT NULL,
    mean_language_score  REAL,
    mean_quality         REAL
);

-- Documents in and out of every stage, per task.
CREATE TABLE stages (
    task_index     INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    stage          TEXT    NOT NULL,
    documents_in   INTEGER NOT NULL,
    bytes_in       INTEGER NOT NULL,
    documents_out  INTEGER NOT NULL,
    bytes_out      INTEGER NOT NULL,
    seconds        REAL    NOT NULL,
    PRIMARY KEY (task_index, stage)
);

-- Dropped documents by stage, rule and language (`und` when not known yet).
CREATE TABLE rejections (
    task_index  INTEGER NOT NULL,
    stage       TEXT    NOT NULL,
    rule        TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    documents   INTEGER NOT NULL,
    PRIMARY KEY (task_index, stage, rule, language)
);

-- The language registry the run used (languages/registry.tsv).
CREATE TABLE languages (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    family        TEXT NOT NULL,
    script        TEXT NOT NULL,
    segmentation  TEXT NOT NULL
);

-- migration 1 -> 2
-- Schema version 2: when each work unit finished (ISO 8601, UTC; NULL for units of
-- version 1), for the run report's timeline.
ALTER TABLE units ADD COLUMN finished_at TEXT;

-- migration 2 -> 3
-- Schema version 3: histograms a stage keeps by language, per task (dedup's
-- `cluster_size`: clusters of two or more documents by the language of the document
-- each keeps; bin i counts clusters of 2^i + 1 ... 2^(i+1) documents).
CREATE TABLE histograms (
    task_index  INTEGER NOT NULL,
    stage       TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    bin         INTEGER NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (task_index, stage, name, language, bin)
);

-- migration 3 -> 4
-- Schema version 4: what `sieve mix materialize` delivered per training stage,
-- language and domain, against the plan: tokens planned and delivered, distinct
-- documents and copies of them (epochs above 1 repeat documents).
CREATE TABLE deliveries (
    stage       TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    domain      TEXT    NOT NULL,
    planned     INTEGER NOT NULL,
    delivered   INTEGER NOT NULL,
    documents   INTEGER NOT NULL,
    copies      INTEGER NOT NULL,
    PRIMARY KEY (stage, language, domain)
);

-- migration 4 -> 5
-- Schema version 5: each language's group of close varieties (`arabic`; empty for
-- a language in none), as the registry names it, for queries and plans per group.
ALTER TABLE languages ADD COLUMN language_group TEXT NOT NULL DEFAULT '';
PRAGMA user_version = 5;
