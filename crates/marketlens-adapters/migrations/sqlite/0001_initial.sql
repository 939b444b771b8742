-- Embedded (SQLite) schema of marketlens.
--
-- Timestamps are RFC 3339 UTC text with exactly six fractional digits
-- (`2026-01-02T03:04:05.123456Z`), so comparing the text compares the instants and
-- indexes on them order by time. JSON columns are TEXT checked with json_valid() so a
-- half-written document cannot be stored. Money amounts are exact decimal strings.

CREATE TABLE agent_configs (
    version      INTEGER PRIMARY KEY AUTOINCREMENT,
    content_hash TEXT    NOT NULL,
    config_toml  TEXT    NOT NULL,
    active       INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    created_at   TEXT    NOT NULL
);

-- At most one active config, whatever the code does.
CREATE UNIQUE INDEX agent_configs_one_active ON agent_configs (active) WHERE active = 1;

CREATE TABLE queries (
    id                   TEXT    PRIMARY KEY,
    text                 TEXT    NOT NULL,
    normalized_text      TEXT    NOT NULL,
    params               TEXT    NOT NULL CHECK (json_valid(params)),
    fingerprint          TEXT    NOT NULL,
    status               TEXT    NOT NULL
        CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    error_type           TEXT,
    error_message        TEXT,
    created_at           TEXT    NOT NULL,
    started_at           TEXT,
    finished_at          TEXT,
    attempts             INTEGER NOT NULL DEFAULT 0,
    tenant               TEXT,
    user_id              TEXT,
    trace_id             TEXT,
    agent_config_version INTEGER NOT NULL REFERENCES agent_configs (version),
    experiment_variant   TEXT,
    cache_hit            INTEGER NOT NULL DEFAULT 0 CHECK (cache_hit IN (0, 1)),
    result_query_id      TEXT,
    progress             TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(progress))
);

-- find_fresh_result and de-duplication of identical questions.
CREATE INDEX queries_fingerprint_status ON queries (fingerprint, status);
-- History, newest first.
CREATE INDEX queries_created_at ON queries (created_at);

CREATE TABLE analysis_results (
    query_id             TEXT    PRIMARY KEY REFERENCES queries (id),
    result               TEXT    NOT NULL CHECK (json_valid(result)),
    market_summary       TEXT    NOT NULL CHECK (json_valid(market_summary)),
    sentiment_summary    TEXT    NOT NULL CHECK (json_valid(sentiment_summary)),
    products             TEXT    NOT NULL CHECK (json_valid(products)),
    recommendations      TEXT    NOT NULL CHECK (json_valid(recommendations)),
    quality_checks       TEXT    NOT NULL CHECK (json_valid(quality_checks)),
    quality_passed       INTEGER NOT NULL CHECK (quality_passed IN (0, 1)),
    report_key           TEXT    NOT NULL,
    report_uri           TEXT    NOT NULL,
    report_size          INTEGER NOT NULL,
    crate_version        TEXT    NOT NULL,
    git_sha              TEXT    NOT NULL,
    prompt_version       TEXT,
    model                TEXT,
    agent_config_version INTEGER NOT NULL REFERENCES agent_configs (version),
    tokens_in            INTEGER,
    tokens_out           INTEGER,
    cost_usd             TEXT,
    created_at           TEXT    NOT NULL
);

CREATE TABLE collected_products_cache (
    source      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    batch       TEXT NOT NULL CHECK (json_valid(batch)),
    stored_at   TEXT NOT NULL,
    PRIMARY KEY (source, fingerprint)
);

CREATE TABLE price_observations (
    id          INTEGER PRIMARY KEY,
    query_id    TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    offer_id    TEXT NOT NULL,
    source      TEXT NOT NULL,
    seller      TEXT NOT NULL,
    amount      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    observed_at TEXT NOT NULL
);

CREATE INDEX price_observations_product_time ON price_observations (product_id, observed_at);

CREATE TABLE jobs (
    id               TEXT    PRIMARY KEY,
    query_id         TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    available_at     TEXT    NOT NULL,
    lease_expires_at TEXT,
    worker_id        TEXT,
    last_error       TEXT,
    payload          TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

-- Enqueueing a query that already has a pending job is a no-op (ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX jobs_one_pending_per_query ON jobs (query_id)
    WHERE status IN ('queued', 'running');
-- Claiming looks only at pending jobs; done and dead jobs pile up outside this index.
CREATE INDEX jobs_claim ON jobs (status, created_at) WHERE status IN ('queued', 'running');
-- Counting by status for stats.
CREATE INDEX jobs_status ON jobs (status);
