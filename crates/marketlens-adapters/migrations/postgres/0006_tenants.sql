-- Tenants, their API keys and the audit log: the same tables and rules as
-- migrations/sqlite/0006_tenants.sql, in native types. Numbered 0006 to follow 0005
-- (experiments).
--
-- A tenant is a slug (`acme`, `local`): every query, and so every result, report and
-- feedback reached through it, belongs to one, and every read the API makes names the
-- caller's tenant. `local` is the tenant of the laptop case (`serve --no-auth`, the
-- CLI's own analyses) and of every query recorded before tenants existed.
--
-- An API key is stored as its hash only (`key_hash`: BLAKE3 of the key, which is 32
-- random bytes, so no slow hash is needed); `prefix` is its first characters, shown in
-- listings so an operator can tell keys apart. `scopes` is a space-separated subset of
-- `read write admin`. A revoked or expired key stays, so the audit log keeps naming it.

CREATE TABLE tenants (
    id         TEXT        PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);

INSERT INTO tenants (id, created_at) VALUES ('local', now());

CREATE TABLE api_keys (
    id           UUID        PRIMARY KEY,
    tenant       TEXT        NOT NULL REFERENCES tenants (id),
    user_id      TEXT        NOT NULL,
    scopes       TEXT        NOT NULL,
    key_hash     TEXT        NOT NULL UNIQUE,
    prefix       TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

CREATE INDEX api_keys_tenant ON api_keys (tenant);

-- Who did what: key creation, revocation and use (at most one `key.used` row per key per
-- minute), tenant creation, config activations.
CREATE TABLE audit_log (
    id      BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    tenant  TEXT,
    actor   TEXT,
    action  TEXT        NOT NULL,
    subject TEXT        NOT NULL,
    detail  TEXT
);

CREATE INDEX audit_log_at ON audit_log (at);

-- Queries recorded before tenants existed belong to the default tenant.
UPDATE queries SET tenant = 'local' WHERE tenant IS NULL;
-- History and the queue cap read one tenant's queries.
CREATE INDEX queries_tenant_created ON queries (tenant, created_at);
CREATE INDEX queries_tenant_status ON queries (tenant, status);

-- Experiments belong to a tenant too; at most one runs per tenant.
ALTER TABLE experiments ADD COLUMN tenant TEXT NOT NULL DEFAULT 'local';
DROP INDEX experiments_one_running;
CREATE UNIQUE INDEX experiments_one_running ON experiments (tenant) WHERE status = 'running';
