-- The submit path's two look-ups, a fresh result to reuse and an identical analysis in
-- flight to join, ask for one tenant's queries of one fingerprint. With no index
-- leading with both, the planner took (tenant, created_at) or (tenant, status) and
-- read every recent (or every completed) query of the tenant on each submission: a
-- cost that grew with the tenant's history. This index answers both look-ups by
-- their equalities; it supersedes (fingerprint, status).
CREATE INDEX queries_tenant_fingerprint ON queries (tenant, fingerprint, status, created_at);
DROP INDEX queries_fingerprint_status;
