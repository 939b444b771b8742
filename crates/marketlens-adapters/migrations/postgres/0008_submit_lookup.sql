-- The submit path's two look-ups, a fresh result to reuse and an identical analysis in
-- flight to join, ask for one tenant's queries of one fingerprint. With no index
-- leading with both, the planner took (tenant, created_at) or (tenant, status) and
-- read every recent (or every completed) query of the tenant on each submission: a
-- cost that grew with the tenant's history. This index answers both look-ups by
-- their equalities; it supersedes (fingerprint, status).
CREATE INDEX queries_tenant_fingerprint ON queries (tenant, fingerprint, status, created_at);
DROP INDEX queries_fingerprint_status;

-- Store::record_submission in one round trip instead of up to six (fresh-result
-- look-up, BEGIN, lock, in-flight look-up, insert, COMMIT): the submit path's one
-- write. A fresh result since fresh_since (when given) answers the query, recorded as
-- a cache hit ('answered'); else, when inflight_since is given, an identical query in
-- flight is joined and nothing written ('joined'); else the query is inserted, queued
-- ('inserted'). Submitters of the same fingerprint queue up on the advisory lock,
-- held until the calling statement's transaction ends; in a VOLATILE function under
-- READ COMMITTED each statement takes a new snapshot, so the look-up after the lock
-- sees what the previous holder committed, and two concurrent identical submissions
-- cannot both insert.
CREATE FUNCTION record_submission(
    lock_class           INTEGER,
    fresh_since          TIMESTAMPTZ,
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
    new_tenant           TEXT,
    OUT outcome          TEXT,
    OUT query_id         UUID
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    cache_hit_of UUID;
BEGIN
    IF fresh_since IS NOT NULL THEN
        SELECT q.id INTO cache_hit_of FROM queries q
          JOIN analysis_results r ON r.query_id = q.id
         WHERE q.fingerprint = new_fingerprint AND q.status = 'completed'
           AND NOT q.cache_hit AND r.created_at >= fresh_since AND q.tenant = new_tenant
         ORDER BY r.created_at DESC, q.id DESC LIMIT 1;
    END IF;
    IF cache_hit_of IS NULL AND inflight_since IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(lock_class, hashtext(new_fingerprint));
        SELECT id INTO query_id FROM queries
         WHERE fingerprint = new_fingerprint AND status IN ('queued', 'running')
           AND NOT cache_hit AND created_at >= inflight_since AND tenant = new_tenant
         ORDER BY created_at DESC, id DESC LIMIT 1;
        IF FOUND THEN
            outcome := 'joined';
            RETURN;
        END IF;
    END IF;
    INSERT INTO queries (id, text, normalized_text, params, fingerprint, status,
        created_at, started_at, finished_at, attempts, trace_id, agent_config_version,
        cache_hit, result_query_id, progress, user_id, experiment_id,
        experiment_variant, tenant)
    VALUES (new_id, new_text, new_normalized_text, new_params, new_fingerprint,
        CASE WHEN cache_hit_of IS NULL THEN 'queued' ELSE 'completed' END,
        new_created_at,
        CASE WHEN cache_hit_of IS NULL THEN NULL ELSE new_created_at END,
        CASE WHEN cache_hit_of IS NULL THEN NULL ELSE new_created_at END,
        0, new_trace_id, new_config_version, cache_hit_of IS NOT NULL, cache_hit_of,
        '[]', new_user_id, new_experiment_id, new_variant, new_tenant);
    IF cache_hit_of IS NULL THEN
        outcome := 'inserted';
    ELSE
        outcome := 'answered';
        query_id := cache_hit_of;
    END IF;
END
$$;
