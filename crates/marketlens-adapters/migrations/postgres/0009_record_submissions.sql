-- Store::record_submission for a batch of submissions in one call, set-based: the
-- submit path's group commit (src/postgres/group_commit.rs) records all the
-- submissions waiting in this process with one round trip, one commit and one plan,
-- instead of one call of record_submission (migration 0008) per submission, whose
-- per-row cost (two look-ups, a lock and an insert, planned and run one at a time)
-- bounded a whole API's throughput.
--
-- Each argument is an array with one element per submission, in arrival order. The
-- answer is one row per submission: its position (1-based), its outcome and the
-- query it names, as record_submission answers: 'answered' (a fresh result since
-- fresh_since, when given, answers it: recorded as a cache hit), 'joined' (when
-- inflight_since is given, an identical query in flight is joined: nothing written),
-- else 'inserted' (queued). Within the batch, a submission that may join joins the
-- first submission of its question the batch inserts as new work, as if the two had
-- come one after the other.
--
-- The advisory locks of the batch's questions are taken first, all in one order (so
-- batches of several processes cannot wait on each other in a cycle), in their own
-- statement: the look-ups after them take a new snapshot (READ COMMITTED, VOLATILE),
-- which sees what every earlier holder of the same locks committed, so two
-- processes' identical submissions cannot both insert. The locks are held until the
-- calling transaction ends.
CREATE FUNCTION record_submissions(
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
              SELECT q.id FROM queries q
                JOIN analysis_results r ON r.query_id = q.id
               WHERE i.fresh_since IS NOT NULL
                 AND q.tenant = i.tenant AND q.fingerprint = i.fingerprint
                 AND q.status = 'completed' AND NOT q.cache_hit
                 AND r.created_at >= i.fresh_since
               ORDER BY r.created_at DESC, q.id DESC LIMIT 1) fresh ON TRUE
          LEFT JOIN LATERAL (
              SELECT q.id FROM queries q
               WHERE i.inflight_since IS NOT NULL
                 AND q.tenant = i.tenant AND q.fingerprint = i.fingerprint
                 AND q.status IN ('queued', 'running') AND NOT q.cache_hit
                 AND q.created_at >= i.inflight_since
               ORDER BY q.created_at DESC, q.id DESC LIMIT 1) existing ON TRUE
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

-- record_submission (0008) stays: processes of the previous release call it until
-- they are replaced.
