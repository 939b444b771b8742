-- The `llm_output` cache level in the database, for deployments without Redis: every
-- process on this database shares the LLM answers (key: fingerprint, prompt version,
-- model and a hash of the stage's input). Expired rows are ignored when read and
-- replaced when written again.
CREATE TABLE llm_cache (
    cache_key  TEXT        PRIMARY KEY,
    answer     JSONB       NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
