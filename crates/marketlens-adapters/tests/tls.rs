//! TLS to the managed services: PostgreSQL with `sslmode=require|verify-full` and Redis
//! over `rediss://`, both through rustls. Each test makes its own certificate authority
//! and server certificate (with `openssl`), starts a private server that uses them (a
//! throwaway PostgreSQL cluster, a TLS-only `redis-server`), and checks that the
//! adapters connect, verify the server, and refuse one signed by another authority.
//!
//! Needs `openssl`, `redis-server` and PostgreSQL's server binaries (Debian:
//! `/usr/lib/postgresql/<version>/bin`); skipped when one is missing, unless
//! `MARKETLENS_REQUIRE_SERVICES=1`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use marketlens_adapters::contract::{self, free_port, service_available};
use marketlens_adapters::{PgStore, RedisCache, RedisStreamsQueue};
use marketlens_core::ports::{Cache, CacheLevel, JobPayload, JobQueue, Store};
use uuid::Uuid;

/// A certificate authority and a server certificate it signed, for `localhost` and
/// `127.0.0.1`, in a temporary directory.
struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
    fn cert(&self) -> PathBuf {
        self.dir.path().join("server.pem")
    }
    fn key(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Makes a CA named `name` and a server certificate signed by it.
fn certificates(name: &str) -> Result<Certificates, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let d = dir.path();
    let subject = format!("/CN={name} test CA");
    openssl(
        d,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", &subject,
            "-keyout", "ca.key", "-out", "ca.pem",
        ],
    )?;
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    )?;
    std::fs::write(
        d.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| e.to_string())?;
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    )?;
    Ok(Certificates { dir })
}

/// A child process killed when the test ends, whatever happens.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server` (its output discarded) and waits until it listens on `port`.
fn serve(server: &mut Command, name: &str, port: u16) -> Result<Server, String> {
    let child = server
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{name}: {e}"))?;
    let server = Server(child);
    wait_for_port(port)?;
    Ok(server)
}

fn wait_for_port(port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("nothing listens on port {port} after 30 s"))
}

// ---------------------------------------------------------------- Redis

fn start_tls_redis(certs: &Certificates) -> Result<(Server, u16), String> {
    let port = free_port();
    let mut redis = Command::new("redis-server");
    redis
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--tls-cert-file")
        .arg(certs.cert())
        .arg("--tls-key-file")
        .arg(certs.key())
        .arg("--tls-ca-cert-file")
        .arg(certs.ca())
        .args([
            "--tls-auth-clients",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
        ]);
    Ok((serve(&mut redis, "redis-server", port)?, port))
}

fn redis_setup() -> Option<(Certificates, Certificates, Server, u16)> {
    let ready = certificates("redis").and_then(|certs| {
        let other = certificates("other")?;
        let (server, port) = start_tls_redis(&certs)?;
        Ok((certs, other, server, port))
    });
    match ready {
        Ok(ready) => Some(ready),
        Err(why) => {
            service_available::<String>("a TLS redis-server made by the test", Err(why));
            None
        }
    }
}

fn rediss_url(port: u16, ca: &Path) -> String {
    format!("rediss://localhost:{port}/?sslrootcert={}", ca.display())
}

#[tokio::test]
async fn redis_over_tls_verifies_the_server_against_the_given_authority() {
    let Some((certs, other, _server, port)) = redis_setup() else {
        return;
    };
    let prefix = format!("tls-{}", Uuid::new_v4().simple());

    // The cache and the queue both go through the same TLS client.
    let cache = RedisCache::new(&rediss_url(port, &certs.ca()), &prefix).unwrap();
    cache
        .check()
        .await
        .expect("TLS connection with the right CA");
    contract::cache::a_put_is_read_back(&cache).await;
    let queue = RedisStreamsQueue::connect(&rediss_url(port, &certs.ca()), &prefix, 2)
        .await
        .unwrap();
    let query_id = Uuid::new_v4();
    queue
        .enqueue(query_id, &JobPayload::default())
        .await
        .unwrap();
    assert!(queue.has_job(query_id).await.unwrap());
    let claimed = queue
        .claim("tls-worker", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the job just enqueued");
    assert_eq!(claimed.query_id, query_id);
    queue.complete(&claimed, "tls-worker").await.unwrap();

    // A server certificate from another authority is refused: the handshake fails on
    // every attempt, so the check ends in an error (the manager retries until the
    // cache's deadline, so the error may read as that deadline).
    let wrong = RedisCache::new(&rediss_url(port, &other.ca()), &prefix).unwrap();
    assert!(wrong.check().await.is_err(), "unknown issuer must fail");
    assert_eq!(wrong.get(CacheLevel::CollectedProducts, "k").await, None);
    // Plain TCP to the TLS port gets no answer it can use.
    let plain = RedisCache::new(&format!("redis://127.0.0.1:{port}/"), &prefix).unwrap();
    assert!(plain.check().await.is_err());
}

#[tokio::test]
async fn an_unreadable_redis_root_certificate_is_a_configuration_error() {
    let err = RedisCache::new(
        "rediss://localhost:6380/?sslrootcert=/nonexistent/ca.pem",
        "p",
    )
    .unwrap_err();
    assert_eq!(
        err.error_type(),
        marketlens_core::ErrorType::InvalidConfig,
        "{err}"
    );
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

// ---------------------------------------------------------------- PostgreSQL

/// PostgreSQL's server binaries (`initdb`, `postgres`), newest version first.
fn pg_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    // SAFETY-free: `id -u` rather than libc, to keep the dependency list as it is.
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `program args…`, as the `postgres` user when running as root (PostgreSQL refuses
/// to run as root).
fn as_pg_user(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn give_to_pg_user(path: &Path) -> Result<(), String> {
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .map_err(|e| e.to_string())?
            .success();
        if !ok {
            return Err(format!("chown postgres {}", path.display()));
        }
    }
    Ok(())
}

/// A throwaway PostgreSQL cluster on a free port with `ssl=on` and the test's
/// certificate; removed with its directory when dropped.
struct TlsPostgres {
    _server: Server,
    _dir: tempfile::TempDir,
    port: u16,
}

fn start_tls_postgres(certs: &Certificates) -> Result<TlsPostgres, String> {
    let bin = pg_bin_dir().ok_or("no PostgreSQL server binaries under /usr/lib/postgresql")?;
    let dir = tempfile::Builder::new()
        .prefix("marketlens-pg-tls")
        .tempdir()
        .map_err(|e| e.to_string())?;
    // The temporary directory itself must be reachable by the server's user.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .map_err(|e| e.to_string())?;
    let data = dir.path().join("data");
    std::fs::create_dir(&data).map_err(|e| e.to_string())?;
    for (from, to) in [(certs.cert(), "server.pem"), (certs.key(), "server.key")] {
        std::fs::copy(from, dir.path().join(to)).map_err(|e| e.to_string())?;
    }
    std::fs::set_permissions(
        dir.path().join("server.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .map_err(|e| e.to_string())?;
    give_to_pg_user(dir.path())?;
    let init = as_pg_user(&bin.join("initdb"))
        .args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"])
        .arg(&data)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!("initdb: {}", String::from_utf8_lossy(&init.stderr)));
    }
    let port = free_port();
    let mut postgres = as_pg_user(&bin.join("postgres"));
    postgres
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
        .arg("-c")
        .arg(format!("unix_socket_directories={}", dir.path().display()))
        .args(["-c", "ssl=on", "-c", "fsync=off"])
        .arg("-c")
        .arg(format!(
            "ssl_cert_file={}",
            dir.path().join("server.pem").display()
        ))
        .arg("-c")
        .arg(format!(
            "ssl_key_file={}",
            dir.path().join("server.key").display()
        ));
    Ok(TlsPostgres {
        _server: serve(&mut postgres, "postgres", port)?,
        _dir: dir,
        port,
    })
}

fn postgres_setup() -> Option<(Certificates, Certificates, TlsPostgres)> {
    let ready = certificates("postgres").and_then(|certs| {
        let other = certificates("other")?;
        let server = start_tls_postgres(&certs)?;
        Ok((certs, other, server))
    });
    match ready {
        Ok(ready) => Some(ready),
        Err(why) => {
            service_available::<String>("a TLS PostgreSQL cluster made by the test", Err(why));
            None
        }
    }
}

/// Opens the store, retrying while the new cluster finishes starting (its port opens
/// before it accepts sessions).
async fn open_store(url: &str) -> Result<PgStore, marketlens_core::ports::StoreError> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match PgStore::open(url).await {
            Err(e) if Instant::now() < deadline && e.to_string().contains("starting up") => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

async fn session_uses_tls(store: &PgStore) -> bool {
    sqlx::query_scalar::<_, bool>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn postgres_with_sslmode_require_and_verify_full_is_encrypted_and_verified() {
    let Some((certs, other, pg)) = postgres_setup() else {
        return;
    };
    let base = format!("postgres://postgres@localhost:{}/postgres", pg.port);
    let verify_full =
        |ca: PathBuf| format!("{base}?sslmode=verify-full&sslrootcert={}", ca.display());

    // verify-full: the chain and the host name are checked; the store works over it.
    let store = open_store(&verify_full(certs.ca()))
        .await
        .expect("verify-full with the right CA");
    assert!(session_uses_tls(&store).await);
    assert!(store.ping().await.is_ok());
    store.close().await;

    // require: encrypted without checking the certificate (as libpq's `require`).
    let required = format!(
        "postgres://postgres@127.0.0.1:{}/postgres?sslmode=require",
        pg.port
    );
    let store = open_store(&required).await.expect("sslmode=require");
    assert!(session_uses_tls(&store).await);
    store.close().await;

    // A server whose certificate another authority signed is refused by verify-full.
    let err = open_store(&verify_full(other.ca()))
        .await
        .expect_err("unknown issuer must fail");
    assert!(
        err.to_string().to_lowercase().contains("certificate")
            || err.to_string().to_lowercase().contains("issuer"),
        "{err}"
    );
}
