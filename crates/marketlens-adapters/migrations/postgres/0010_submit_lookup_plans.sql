-- record_submissions (0009) with look-ups no plan can serve by walking a tenant's
-- whole history.
--
-- 0009 looked up "the latest matching query" as ORDER BY created_at DESC LIMIT 1,
-- which a planner may serve from the (tenant, created_at) index, reading the
-- tenant's queries newest first in the hope of stopping early: for a new question,
-- every query of the window. Without LIMIT no plan gains by reading in date order, so
-- the look-ups take the (tenant, fingerprint, status, created_at) index, and the
-- latest of the question's own queries is picked by an aggregate. Answers are
-- unchanged (0009's comment says what they are).
--
-- A plan made while `queries` is empty may still take any index (they all cost the
-- same for the one row assumed), and a session keeps its plan until the table is
-- analyzed: the store analyzes a new database's `queries` itself once it holds a few
-- hundred rows (src/postgres/statistics.rs).
CREATE OR REPLACE FUNCTION record_submissions(
    lock_class           INTEGER,
    fresh_since          TIMESTAMPTZ[],
    inflight_since       TIMESTAMPTZ[],
    new_id               UUID[],
    new_text             TEXT[],
    new_normalized_text  TEXT[],
    new_params           JSONB[],
    new_fingerprint      TEXT[],
    new_created_at       TIMESTAMPTZ[],
    new_trace_id         TEXT[],
    new_config_version   BIGINT[],
    new_user_id          TEXT[],
    new_experiment_id    UUID[],
    new_variant          TEXT[],
    new_tenant           TEXT[]
) RETURNS TABLE (ord BIGINT, outcome TEXT, query_id UUID)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_class, keys.k)
       FROM (SELECT DISTINCT hashtext(u.f) AS k
               FROM unnest(new_fingerprint, inflight_since) AS u(f, s)
              WHERE u.s IS NOT NULL
              ORDER BY 1) AS keys;
    RETURN QUERY
    WITH input AS (
        SELECT * FROM unnest(fresh_since, inflight_since, new_id, new_text,
                             new_normalized_text, new_params, new_fingerprint,
                             new_created_at, new_trace_id, new_config_version,
                             new_user_id, new_experiment_id, new_variant, new_tenant)
          WITH ORDINALITY AS i(fresh_since, inflight_since, id, text, normalized_text,
                               params, fingerprint, created_at, trace_id,
                               config_version, user_id, experiment_id, variant, tenant,
                               ord)
    ),
    looked_up AS (
        SELECT i.*, fresh.id AS fresh, existing.id AS existing
          FROM input i
          LEFT JOIN LATERAL (
              SELECT (array_agg(q.id ORDER BY r.created_at DESC, q.id DESC))[1] AS id
                FROM queries q
                JOIN analysis_results r ON r.query_id = q.id
               WHERE i.fresh_since IS NOT NULL
                 AND q.tenant = i.tenant AND q.fingerprint = i.fingerprint
                 AND q.status = 'completed' AND NOT q.cache_hit
                 AND r.created_at >= i.fresh_since) fresh ON TRUE
          LEFT JOIN LATERAL (
              SELECT (array_agg(q.id ORDER BY q.created_at DESC, q.id DESC))[1] AS id
                FROM queries q
               WHERE i.inflight_since IS NOT NULL
                 AND q.tenant = i.tenant AND q.fingerprint = i.fingerprint
                 AND q.status IN ('queued', 'running') AND NOT q.cache_hit
                 AND q.created_at >= i.inflight_since) existing ON TRUE
    ),
    -- New work: neither answered nor joining a query from before the batch. The
    -- first of each question is inserted; a later one joins it when it may.
    new_work AS (
        SELECT l.ord,
               first_value(l.id) OVER question AS first_id,
               first_value(l.created_at) OVER question AS first_created_at
          FROM looked_up l
         WHERE l.fresh IS NULL AND l.existing IS NULL
        WINDOW question AS (PARTITION BY l.tenant, l.fingerprint ORDER BY l.ord)
    ),
    decided AS (
        SELECT l.*,
               CASE
                   WHEN l.fresh IS NOT NULL THEN 'answered'
                   WHEN l.existing IS NOT NULL THEN 'joined'
                   WHEN n.first_id <> l.id AND l.inflight_since IS NOT NULL
                        AND n.first_created_at >= l.inflight_since THEN 'joined'
                   ELSE 'inserted'
               END AS outcome,
               COALESCE(l.fresh, l.existing, n.first_id) AS named
          FROM looked_up l
          LEFT JOIN new_work n ON n.ord = l.ord
    ),
    written AS (
        INSERT INTO queries (id, text, normalized_text, params, fingerprint, status,
            created_at, started_at, finished_at, attempts, trace_id,
            agent_config_version, cache_hit, result_query_id, progress, user_id,
            experiment_id, experiment_variant, tenant)
        SELECT d.id, d.text, d.normalized_text, d.params, d.fingerprint,
               CASE WHEN d.outcome = 'answered' THEN 'completed' ELSE 'queued' END,
               d.created_at,
               CASE WHEN d.outcome = 'answered' THEN d.created_at END,
               CASE WHEN d.outcome = 'answered' THEN d.created_at END,
               0, d.trace_id, d.config_version, d.outcome = 'answered',
               CASE WHEN d.outcome = 'answered' THEN d.fresh END,
               '[]', d.user_id, d.experiment_id, d.variant, d.tenant
          FROM decided d
         WHERE d.outcome IN ('answered', 'inserted')
         ORDER BY d.ord
    )
    SELECT d.ord, d.outcome, CASE WHEN d.outcome = 'inserted' THEN NULL ELSE d.named END
      FROM decided d
     ORDER BY d.ord;
END
$$;
