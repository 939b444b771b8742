-- The submit path's two look-ups, a fresh result to reuse and an identical analysis in
-- flight to join, ask for one tenant's queries of one fingerprint. With no index
-- leading with both, the planner took (tenant, created_at) or (tenant, status) and
-- read every recent (or every completed) query of the tenant on each submission: a
-- cost that grew with the tenant's history. This index answers both look-ups by
-- their equalities; it supersedes (fingerprint, status).
CREATE INDEX queries_tenant_fingerprint ON queries (tenant, fingerprint, status, created_at);
DROP INDEX queries_fingerprint_status;

-- Store::insert_query_unless_inflight in one round trip instead of five (BEGIN, lock,
-- look-up, insert, COMMIT): the submit path's one write. Submitters of the same
-- fingerprint queue up on the advisory lock, held until the calling statement's
-- transaction ends; in a VOLATILE function under READ COMMITTED each statement takes
-- a new snapshot, so the look-up after the lock sees what the previous holder
-- committed, and two concurrent identical submissions cannot both insert. Returns the
-- in-flight query joined, or NULL when the new query was inserted (queued, not a
-- cache hit: new work only).
CREATE FUNCTION insert_query_unless_inflight(
    lock_class           INTEGER,
    inflight_since       TIMESTAMPTZ,
    new_id               UUID,
    new_text             TEXT,
    new_normalized_text  TEXT,
    new_params           JSONB,
    new_fingerprint      TEXT,
    new_created_at       TIMESTAMPTZ,
    new_trace_id         TEXT,
    new_config_version   BIGINT,
    new_user_id          TEXT,
    new_experiment_id    UUID,
    new_variant          TEXT,
    new_tenant           TEXT
) RETURNS UUID LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    existing UUID;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_class, hashtext(new_fingerprint));
    SELECT id INTO existing FROM queries
     WHERE fingerprint = new_fingerprint AND status IN ('queued', 'running')
       AND NOT cache_hit AND created_at >= inflight_since AND tenant = new_tenant
     ORDER BY created_at DESC, id DESC LIMIT 1;
    IF FOUND THEN
        RETURN existing;
    END IF;
    INSERT INTO queries (id, text, normalized_text, params, fingerprint, status,
        created_at, attempts, trace_id, agent_config_version, cache_hit, progress,
        user_id, experiment_id, experiment_variant, tenant)
    VALUES (new_id, new_text, new_normalized_text, new_params, new_fingerprint, 'queued',
        new_created_at, 0, new_trace_id, new_config_version, FALSE, '[]',
        new_user_id, new_experiment_id, new_variant, new_tenant);
    RETURN NULL;
END
$$;
