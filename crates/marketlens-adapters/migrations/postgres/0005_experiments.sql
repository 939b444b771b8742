-- A/B experiments: the same table and rules as migrations/sqlite/0005_experiments.sql,
-- in native types. Numbered 0005 to follow 0002 to 0004 (feedback, config history, LLM cache).
--
-- `variants` is the JSON list of {name, weight, agent_config_version?, prompt_version?}
-- checked by the application (marketlens_core::experiment::Variants). At most one
-- experiment runs at a time, whatever the code does: the partial unique index refuses
-- a second `running` row, so two processes starting two experiments cannot both win.

CREATE TABLE experiments (
    id         UUID        PRIMARY KEY,
    name       TEXT        NOT NULL UNIQUE,
    salt       TEXT        NOT NULL,
    variants   JSONB       NOT NULL,
    status     TEXT        NOT NULL CHECK (status IN ('draft', 'running', 'stopped')),
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    stopped_at TIMESTAMPTZ
);

CREATE UNIQUE INDEX experiments_one_running ON experiments (status) WHERE status = 'running';

-- The experiment a query was assigned in (its variant is queries.experiment_variant).
ALTER TABLE queries ADD COLUMN experiment_id UUID REFERENCES experiments (id);
CREATE INDEX queries_experiment ON queries (experiment_id) WHERE experiment_id IS NOT NULL;
