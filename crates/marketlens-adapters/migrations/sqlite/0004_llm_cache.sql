-- The `llm_output` cache level in the database, for deployments without Redis: every
-- process on this database shares the LLM answers (key: fingerprint, prompt version,
-- model and a hash of the stage's input). Expired rows are ignored when read and
-- replaced when written again.
CREATE TABLE llm_cache (
    cache_key  TEXT PRIMARY KEY,
    answer     TEXT NOT NULL CHECK (json_valid(answer)),
    expires_at TEXT NOT NULL
);
