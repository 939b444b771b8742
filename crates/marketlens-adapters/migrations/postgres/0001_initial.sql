-- Production (PostgreSQL) schema of marketlens: the same tables, columns and rules as
-- migrations/sqlite/0001_initial.sql, in native types.
--
-- Timestamps are timestamptz (microsecond precision, like the SQLite text format).
-- JSON documents are jsonb, which is validated on the way in, so a half-written
-- document cannot be stored. Money amounts are numeric, which keeps every decimal
-- digit (never a binary float). Ids are uuid.

CREATE TABLE agent_configs (
    version      BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash TEXT        NOT NULL,
    config_toml  TEXT        NOT NULL,
    active       BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL
);

-- At most one active config, whatever the code does.
CREATE UNIQUE INDEX agent_configs_one_active ON agent_configs (active) WHERE active;

CREATE TABLE queries (
    id                   UUID        PRIMARY KEY,
    text                 TEXT        NOT NULL,
    normalized_text      TEXT        NOT NULL,
    params               JSONB       NOT NULL,
    fingerprint          TEXT        NOT NULL,
    status               TEXT        NOT NULL
        CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    error_type           TEXT,
    error_message        TEXT,
    created_at           TIMESTAMPTZ NOT NULL,
    started_at           TIMESTAMPTZ,
    finished_at          TIMESTAMPTZ,
    attempts             INTEGER     NOT NULL DEFAULT 0,
    tenant               TEXT,
    user_id              TEXT,
    trace_id             TEXT,
    agent_config_version BIGINT      NOT NULL REFERENCES agent_configs (version),
    experiment_variant   TEXT,
    cache_hit            BOOLEAN     NOT NULL DEFAULT FALSE,
    result_query_id      UUID,
    progress             JSONB       NOT NULL DEFAULT '[]'
);

-- find_fresh_result, find_inflight and de-duplication of identical questions.
CREATE INDEX queries_fingerprint_status ON queries (fingerprint, status);
-- History, newest first.
CREATE INDEX queries_created_at ON queries (created_at);

CREATE TABLE analysis_results (
    query_id             UUID        PRIMARY KEY REFERENCES queries (id),
    result               JSONB       NOT NULL,
    market_summary       JSONB       NOT NULL,
    sentiment_summary    JSONB       NOT NULL,
    products             JSONB       NOT NULL,
    recommendations      JSONB       NOT NULL,
    quality_checks       JSONB       NOT NULL,
    quality_passed       BOOLEAN     NOT NULL,
    report_key           TEXT        NOT NULL,
    report_uri           TEXT        NOT NULL,
    report_size          BIGINT      NOT NULL,
    crate_version        TEXT        NOT NULL,
    git_sha              TEXT        NOT NULL,
    prompt_version       TEXT,
    model                TEXT,
    agent_config_version BIGINT      NOT NULL REFERENCES agent_configs (version),
    tokens_in            BIGINT,
    tokens_out           BIGINT,
    cost_usd             NUMERIC,
    created_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE collected_products_cache (
    source      TEXT        NOT NULL,
    fingerprint TEXT        NOT NULL,
    batch       JSONB       NOT NULL,
    stored_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, fingerprint)
);

CREATE TABLE price_observations (
    id          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    query_id    UUID        NOT NULL,
    product_id  TEXT        NOT NULL,
    offer_id    TEXT        NOT NULL,
    source      TEXT        NOT NULL,
    seller      TEXT        NOT NULL,
    amount      NUMERIC     NOT NULL,
    currency    TEXT        NOT NULL,
    observed_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX price_observations_product_time ON price_observations (product_id, observed_at);

-- The job table of the embedded queue, kept so both schemas stay the same and a
-- queue on PostgreSQL needs no second migration. The production queue itself is
-- chosen separately (`queue_url`).
CREATE TABLE jobs (
    id               UUID        PRIMARY KEY,
    query_id         UUID        NOT NULL,
    status           TEXT        NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts         INTEGER     NOT NULL DEFAULT 0,
    max_attempts     INTEGER     NOT NULL,
    available_at     TIMESTAMPTZ NOT NULL,
    lease_expires_at TIMESTAMPTZ,
    worker_id        TEXT,
    last_error       TEXT,
    payload          JSONB       NOT NULL DEFAULT '{}',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

-- Enqueueing a query that already has a pending job is a no-op (ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX jobs_one_pending_per_query ON jobs (query_id)
    WHERE status IN ('queued', 'running');
-- Claiming looks only at pending jobs; done and dead jobs pile up outside this index.
CREATE INDEX jobs_claim ON jobs (status, created_at) WHERE status IN ('queued', 'running');
-- Counting by status for stats.
CREATE INDEX jobs_status ON jobs (status);
