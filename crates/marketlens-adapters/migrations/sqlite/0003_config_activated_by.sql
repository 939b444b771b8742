-- Who activated each agent config version (`marketlens config activate --by`, the admin
-- API), when known. Every activation is a row of its own (going back to an earlier
-- config records a new version), so created_at is when the version was activated and
-- the rows, by version, are the history of activations.

ALTER TABLE agent_configs ADD COLUMN activated_by TEXT;
