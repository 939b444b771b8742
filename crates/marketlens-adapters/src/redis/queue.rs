//! [`JobQueue`] on Redis Streams.
//!
//! Why Redis Streams: the Redis client is already there for the shared cache, a
//! stream with a consumer group gives at-least-once delivery with a pending-entries
//! list per consumer and `XCLAIM` to hand a dead consumer's entries to another, and it
//! adds no broker to operate.
//!
//! Layout, under `<prefix>:queue:` (all keys fixed, passed to the scripts as KEYS):
//! - `stream` — one entry per deliverable job (`job = <job id>`), read by the consumer
//!   group `workers` with `XREADGROUP`; a claimed entry sits in the group's pending
//!   list, owned by the worker holding it, until completion acks and deletes it.
//! - `jobs` — hash job id → JSON record: query id, attempts, max attempts, state
//!   (`queued`, `running`, `dead`), holder, payload, created time, current stream
//!   entry, last error. Completed jobs are removed; dead ones stay for the record.
//! - `pending` — hash query id → job id while its job is queued or running: enqueueing
//!   the same query again is a no-op.
//! - `leases` — sorted set job id → lease deadline (ms). The lease is per job (each
//!   claim names its own), so expiry is kept here rather than read from the entry's
//!   idle time, which `XAUTOCLAIM` could only compare against one global minimum. A
//!   claim takes an expired job first and moves its pending entry to the new worker
//!   with `XCLAIM … JUSTID`; renewing re-claims it in place, which resets its idle
//!   time, so `XPENDING` shows live jobs as recently active.
//! - `delayed` — sorted set job id → time a retried job becomes deliverable; claims
//!   move due jobs back into the stream.
//! - `queued`, `dead` — sorted sets for the stats (queued includes delayed retries).
//!
//! Every operation is one Lua script, so it is atomic against every other worker, and
//! times come from the Redis server's clock (`TIME`), so workers on machines with
//! skewed clocks agree on lease expiry. Each call has a deadline: an outage makes
//! calls fail with [`QueueError::Unavailable`] quickly; a call that timed out after
//! Redis executed it is covered by at-least-once delivery (a claim nobody received is
//! redelivered when its lease expires).
//!
//! Durability is Redis's: run it with AOF (`appendonly yes`) for the queue, or jobs
//! queued when it restarts are gone. The keys live on one Redis (not Redis Cluster).

use std::time::Duration;

use ::redis::Script;
use ::redis::aio::ConnectionManager;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketlens_core::ports::{ClaimedJob, JobFate, JobPayload, JobQueue, QueueError, QueueStats};
use uuid::Uuid;

use super::{bounded, lazy_manager};
use crate::queue_rows::{claimed_job, unavailable};
use crate::secrets::{redact_secrets, redact_url};

/// How long one queue command may take before the call reports the queue
/// unavailable. Scripts touch a handful of keys; seconds mean Redis is in trouble.
const QUEUE_DEADLINE: Duration = Duration::from_secs(3);

/// Shared by every script: key names, the server clock, the job record.
const PRELUDE: &str = r#"
local stream, jobs, pending, leases, delayed, queued, dead =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local GROUP = 'workers'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The group is created on demand (id 0: a group recreated over an existing stream
-- still sees every entry), so a Redis that lost it recovers without a restart.
local function ensure_group()
  redis.pcall('XGROUP', 'CREATE', stream, GROUP, '0', 'MKSTREAM')
end
local function load(id)
  local raw = redis.call('HGET', jobs, id)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function save(job)
  redis.call('HSET', jobs, job.id, cjson.encode(job))
end
local function push(job)
  job.entry = redis.call('XADD', stream, '*', 'job', job.id)
end
local function drop_entry(job)
  if job.entry ~= '' then
    redis.call('XACK', stream, GROUP, job.entry)
    redis.call('XDEL', stream, job.entry)
  end
  job.entry = ''
end
-- The end of a delivery (completed, failed or released): its stream entry and its
-- lease go.
local function end_delivery(job)
  drop_entry(job)
  redis.call('ZREM', leases, job.id)
end
local function unpend(job)
  if redis.call('HGET', pending, job.query) == job.id then
    redis.call('HDEL', pending, job.query)
  end
end
-- Still running, held by this worker, on the same delivery: a worker that lost its
-- lease must not act through a stale handle.
local function held(id, worker, attempt)
  local job = load(id)
  if not job or job.state ~= 'running' or job.holder ~= worker
     or job.attempts ~= tonumber(attempt) then
    return nil
  end
  return job
end
"#;

// No ensure_group() here: adding to the stream needs no group, and a claim creates
// it (at id 0, so it sees every entry added before). Creating it on every enqueue
// cost an error reply (BUSYGROUP) per job.
const ENQUEUE: &str = r#"
local id, query, payload, max, created = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
if redis.call('HSETNX', pending, query, id) == 0 then return 0 end
local job = { id = id, query = query, attempts = 0, max = max, state = 'queued',
  holder = '', payload = payload, created = created, entry = '', error = '' }
push(job)
save(job)
redis.call('ZADD', queued, created, id)
return 1
"#;

const CLAIM: &str = r#"
local worker, lease = ARGV[1], tonumber(ARGV[2])
ensure_group()
local now = now_ms()
for _, id in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 100)) do
  redis.call('ZREM', delayed, id)
  local job = load(id)
  if job and job.state == 'queued' then
    push(job)
    save(job)
  end
end
local job = nil
-- A job whose worker died (lease ran out) goes first: it is older than new ones.
while not job do
  local expired = redis.call('ZRANGEBYSCORE', leases, '-inf', '(' .. now, 'LIMIT', 0, 1)
  if not expired[1] then break end
  job = load(expired[1])
  if job and job.state == 'running' then
    redis.call('XCLAIM', stream, GROUP, worker, 0, job.entry, 'JUSTID')
    -- Worker ids are per process: forget a dead worker's consumer once it holds
    -- nothing, or the group would collect one per crashed process.
    local previous = job.holder
    if previous ~= worker and #redis.call('XPENDING', stream, GROUP, '-', '+', 1, previous) == 0 then
      redis.call('XGROUP', 'DELCONSUMER', stream, GROUP, previous)
    end
  else
    redis.call('ZREM', leases, expired[1])
    job = nil
  end
end
while not job do
  local got = redis.call('XREADGROUP', 'GROUP', GROUP, worker, 'COUNT', 1, 'STREAMS', stream, '>')
  if not got then return false end
  local entry = got[1][2][1]
  local id = entry[2][2]
  job = load(id)
  if job and job.state == 'queued' and job.entry == entry[1] then
    redis.call('ZREM', queued, id)
  else
    -- An entry no job record points at (left by an interrupted transition): drop it.
    redis.call('XACK', stream, GROUP, entry[1])
    redis.call('XDEL', stream, entry[1])
    job = nil
  end
end
job.attempts = job.attempts + 1
job.state = 'running'
job.holder = worker
redis.call('ZADD', leases, now + lease, job.id)
save(job)
return { job.id, job.query, job.attempts, job.max, job.payload }
"#;

const RENEW: &str = r#"
local job = held(ARGV[1], ARGV[2], ARGV[3])
if not job then return 0 end
redis.call('ZADD', leases, now_ms() + tonumber(ARGV[4]), job.id)
redis.call('XCLAIM', stream, GROUP, ARGV[2], 0, job.entry, 'JUSTID')
return 1
"#;

const COMPLETE: &str = r#"
local job = held(ARGV[1], ARGV[2], ARGV[3])
if not job then return 0 end
end_delivery(job)
unpend(job)
redis.call('HDEL', jobs, job.id)
return 1
"#;

const FAIL: &str = r#"
local job = held(ARGV[1], ARGV[2], ARGV[3])
if not job then return false end
local now = now_ms()
end_delivery(job)
job.error = ARGV[4]
job.holder = ''
if ARGV[5] ~= '' and job.attempts < job.max then
  job.state = 'queued'
  redis.call('ZADD', delayed, now + tonumber(ARGV[5]), job.id)
  redis.call('ZADD', queued, job.created, job.id)
else
  job.state = 'dead'
  redis.call('ZADD', dead, now, job.id)
  unpend(job)
end
save(job)
return job.state
"#;

const RELEASE: &str = r#"
local job = held(ARGV[1], ARGV[2], ARGV[3])
if not job then return 0 end
end_delivery(job)
job.attempts = math.max(job.attempts - 1, 0)
job.state = 'queued'
job.holder = ''
push(job)
redis.call('ZADD', queued, job.created, job.id)
save(job)
return 1
"#;

const STATS: &str = r#"
local oldest = ''
local first = redis.call('ZRANGE', queued, 0, 0)
if first[1] then
  local job = load(first[1])
  if job then oldest = job.created end
end
return { redis.call('ZCARD', queued), redis.call('ZCARD', leases), redis.call('ZCARD', dead), oldest }
"#;

struct Scripts {
    enqueue: Script,
    claim: Script,
    renew: Script,
    complete: Script,
    fail: Script,
    release: Script,
    stats: Script,
}

impl Scripts {
    fn new() -> Self {
        let s = |body: &str| Script::new(&format!("{PRELUDE}{body}"));
        Self {
            enqueue: s(ENQUEUE),
            claim: s(CLAIM),
            renew: s(RENEW),
            complete: s(COMPLETE),
            fail: s(FAIL),
            release: s(RELEASE),
            stats: s(STATS),
        }
    }
}

/// The job queue on Redis Streams. Cheap to clone (one multiplexed connection).
#[derive(Clone)]
pub struct RedisStreamsQueue {
    conn: ConnectionManager,
    keys: std::sync::Arc<[String; 7]>,
    scripts: std::sync::Arc<Scripts>,
    max_attempts: u32,
}

impl std::fmt::Debug for RedisStreamsQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreamsQueue")
            .field("stream", &self.keys[0])
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis().min(u128::from(u64::MAX)) as u64
}

impl RedisStreamsQueue {
    /// Connects and checks that Redis answers: a queue that cannot be reached at
    /// start-up is an error the operator should see, not a silent retry loop.
    /// `max_attempts` bounds deliveries per job (at least 1).
    pub async fn connect(url: &str, prefix: &str, max_attempts: u32) -> Result<Self, QueueError> {
        let queue = Self {
            conn: lazy_manager(url, QUEUE_DEADLINE).map_err(unavailable)?,
            keys: std::sync::Arc::new(
                [
                    "stream", "jobs", "pending", "leases", "delayed", "queued", "dead",
                ]
                .map(|k| format!("{prefix}:queue:{k}")),
            ),
            scripts: std::sync::Arc::new(Scripts::new()),
            max_attempts: max_attempts.max(1),
        };
        bounded::<String, _, _>(QUEUE_DEADLINE, &queue.conn, |mut c| async move {
            ::redis::cmd("PING").query_async(&mut c).await
        })
        .await
        .map_err(|e| {
            QueueError::Unavailable(format!(
                "redis queue at {}: {}",
                redact_url(url),
                redact_secrets(&e.to_string())
            ))
        })?;
        Ok(queue)
    }

    async fn run<T: ::redis::FromRedisValue>(
        &self,
        script: &Script,
        args: &[String],
    ) -> Result<T, QueueError> {
        let mut invocation = script.prepare_invoke();
        for key in self.keys.iter() {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(arg);
        }
        let invocation = &invocation;
        bounded(QUEUE_DEADLINE, &self.conn, |mut c| async move {
            invocation.invoke_async(&mut c).await
        })
        .await
        .map_err(unavailable)
    }

    fn held_args(job: &ClaimedJob, worker_id: &str) -> Vec<String> {
        vec![
            job.job_id.to_string(),
            worker_id.to_owned(),
            job.attempt.to_string(),
        ]
    }
}

#[async_trait]
impl JobQueue for RedisStreamsQueue {
    fn backend(&self) -> &'static str {
        "redis-streams"
    }

    async fn enqueue(&self, query_id: Uuid, payload: &JobPayload) -> Result<(), QueueError> {
        let payload = serde_json::to_string(payload).map_err(unavailable)?;
        let created_us = Utc::now().timestamp_micros();
        let _: i64 = self
            .run(
                &self.scripts.enqueue,
                &[
                    // v7 ids sort by creation time, like the SQLite queue's.
                    Uuid::now_v7().to_string(),
                    query_id.to_string(),
                    payload,
                    self.max_attempts.to_string(),
                    created_us.to_string(),
                ],
            )
            .await?;
        Ok(())
    }

    async fn has_job(&self, query_id: Uuid) -> Result<bool, QueueError> {
        // `pending` maps a query to its job from enqueue until completion or
        // dead-lettering, retries waiting in `delayed` included.
        let pending = &self.keys[2];
        let field = query_id.to_string();
        bounded(QUEUE_DEADLINE, &self.conn, |mut c| {
            let field = field.clone();
            async move {
                ::redis::cmd("HEXISTS")
                    .arg(pending)
                    .arg(field)
                    .query_async(&mut c)
                    .await
            }
        })
        .await
        .map_err(unavailable)
    }

    async fn claim(
        &self,
        worker_id: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, QueueError> {
        let got: Option<(String, String, u32, u32, String)> = self
            .run(
                &self.scripts.claim,
                &[worker_id.to_owned(), ms(lease).max(1).to_string()],
            )
            .await?;
        let Some((job_id, query_id, attempt, max_attempts, payload)) = got else {
            return Ok(None);
        };
        claimed_job(&job_id, &query_id, attempt, max_attempts, &payload).map(Some)
    }

    async fn renew(
        &self,
        job: &ClaimedJob,
        worker_id: &str,
        lease: Duration,
    ) -> Result<(), QueueError> {
        let mut args = Self::held_args(job, worker_id);
        args.push(ms(lease).max(1).to_string());
        match self.run::<i64>(&self.scripts.renew, &args).await? {
            1 => Ok(()),
            _ => Err(QueueError::LeaseLost(job.job_id)),
        }
    }

    async fn complete(&self, job: &ClaimedJob, worker_id: &str) -> Result<(), QueueError> {
        let args = Self::held_args(job, worker_id);
        match self.run::<i64>(&self.scripts.complete, &args).await? {
            1 => Ok(()),
            _ => Err(QueueError::LeaseLost(job.job_id)),
        }
    }

    async fn fail(
        &self,
        job: &ClaimedJob,
        worker_id: &str,
        error: &str,
        retry_after: Option<Duration>,
    ) -> Result<JobFate, QueueError> {
        let mut args = Self::held_args(job, worker_id);
        args.push(error.to_owned());
        args.push(retry_after.map(|d| ms(d).to_string()).unwrap_or_default());
        let state: Option<String> = self.run(&self.scripts.fail, &args).await?;
        match (state.as_deref(), retry_after) {
            (None, _) => Err(QueueError::LeaseLost(job.job_id)),
            (Some("queued"), Some(delay)) => Ok(JobFate::Retrying { delay }),
            _ => Ok(JobFate::DeadLettered),
        }
    }

    async fn release(&self, job: &ClaimedJob, worker_id: &str) -> Result<(), QueueError> {
        let args = Self::held_args(job, worker_id);
        match self.run::<i64>(&self.scripts.release, &args).await? {
            1 => Ok(()),
            _ => Err(QueueError::LeaseLost(job.job_id)),
        }
    }

    async fn stats(&self) -> Result<QueueStats, QueueError> {
        let (queued, running, dead, oldest): (u64, u64, u64, String) =
            self.run(&self.scripts.stats, &[]).await?;
        let oldest_queued_at = if oldest.is_empty() {
            None
        } else {
            let us: i64 = oldest.parse().map_err(unavailable)?;
            Some(
                DateTime::<Utc>::from_timestamp_micros(us)
                    .ok_or_else(|| unavailable(format!("bad job time {us}")))?,
            )
        };
        Ok(QueueStats {
            queued,
            running,
            dead,
            oldest_queued_at,
        })
    }
}
