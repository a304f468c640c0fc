//! System tests of `sarafan serve` against clients and disks that hold it up: slow request
//! heads and bodies, idle connections past the cap and the file-descriptor limit, a full disk
//! and a store it cannot write. Each starts the real binary (through `sh`, for `ulimit`).

#[path = "support/serve.rs"]
mod serve_support;

use serve_support::{health, Launch, Serve};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const API_TOKEN: &str = "api-token";

/// Latency checks need the machine to themselves: these tests run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `sarafan serve` (tests/support/serve.rs) run by `sh -c "{shell} exec sarafan serve --addr ...
/// {args}"`: `shell` sets resource limits (`ulimit`) first.
fn launch(dir: &Path, shell: &str, args: &[&str]) -> Launch {
    Launch::new(dir)
        .shell(shell)
        .args(args)
        .var("RUST_LOG", "info")
        .var("NO_COLOR", "1")
        .var("SARAFAN_DB", dir.join("sarafan.db"))
        .var("SARAFAN_API_TOKEN", API_TOKEN)
}

/// `launch`, up.
fn start(dir: &Path, shell: &str, args: &[&str]) -> Serve {
    launch(dir, shell, args).start_blocking()
}

/// One probe of `/health`: when it started (since the probing began), its status line, how long.
type Probe = (Duration, String, Duration);

/// Probes `/health` every 50 ms, on a thread of its own, until `until`.
fn probe_health(addr: SocketAddr, until: Instant) -> std::thread::JoinHandle<Vec<Probe>> {
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut probes = Vec::new();
        while Instant::now() < until {
            let at = start.elapsed();
            let (status, took) = health(addr);
            probes.push((at, status, took));
            std::thread::sleep(Duration::from_millis(50));
        }
        probes
    })
}

/// Every probe answered 200 within 100 ms.
fn assert_health_answered_fast(probes: &[Probe], log: impl Fn() -> String) {
    let mut latencies: Vec<Duration> = probes.iter().map(|(_, _, took)| *took).collect();
    latencies.sort();
    let p50 = latencies[latencies.len() / 2];
    let p99 = latencies[latencies.len() * 99 / 100];
    let max = *latencies.last().unwrap();
    eprintln!(
        "/health: {} probes, p50 {p50:?}, p99 {p99:?}, max {max:?}",
        probes.len()
    );
    let slow: Vec<_> = probes.iter().filter(|p| p.2 > Duration::from_millis(20)).collect();
    eprintln!("slower than 20 ms: {slow:?}");
    for (at, status, took) in probes {
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "/health at {at:?} answered {status:?}: {}",
            log()
        );
        assert!(
            *took < Duration::from_millis(100),
            "/health at {at:?} took {took:?} (p50 {p50:?}, p99 {p99:?})"
        );
    }
}

/// As many file descriptors as the hard limit allows, for holding a thousand connections.
fn raise_fd_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if let Some(hard) = limit.maximum {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            },
        );
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slow {
    /// Sends a request head a byte a second.
    Head,
    /// Sends a whole head, then its body a byte a second.
    Body,
    /// Connects and sends nothing.
    Idle,
}

/// One connection a slow client held: how long it lasted, whether the server ended it (rather
/// than the test, at the end), and what the server said.
#[derive(Debug)]
struct Held {
    kind: Slow,
    lasted: Duration,
    cut: bool,
    answer: String,
}

/// Keeps one slow connection of `kind` open from `from` until `until`, connecting again each
/// time the server cuts it.
async fn hold(addr: SocketAddr, kind: Slow, from: tokio::time::Instant, until: tokio::time::Instant) -> Vec<Held> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tokio::time::sleep_until(from).await;
    let mut held = Vec::new();
    while tokio::time::Instant::now() < until {
        let started = Instant::now();
        let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let (mut read, mut write) = stream.into_split();
        let opening: &[u8] = match kind {
            Slow::Head => b"GET /health HTTP/1.1\r\nHost: sarafan\r\nX-Slow: ",
            Slow::Body => b"POST /api/mentions HTTP/1.1\r\nHost: sarafan\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
            Slow::Idle => b"",
        };
        let _ = write.write_all(opening).await;
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(1),
            Duration::from_secs(1),
        );
        let mut answer = Vec::new();
        let cut = loop {
            tokio::select! {
                _ = tick.tick() => {
                    if kind != Slow::Idle && write.write_all(b"a").await.is_err() {
                        break true;
                    }
                }
                read = read.read_buf(&mut answer) => match read {
                    Ok(0) | Err(_) => break true,
                    Ok(_) => {}
                },
                () = tokio::time::sleep_until(until) => break false,
            }
        };
        held.push(Held {
            kind,
            lasted: started.elapsed(),
            cut,
            answer: String::from_utf8_lossy(&answer).into_owned(),
        });
        if !cut {
            break;
        }
    }
    held
}

#[test]
fn a_thousand_slow_clients_are_cut_off_in_time_while_health_answers_within_100_ms() {
    let _alone = one_at_a_time();
    let fds = raise_fd_limit();
    // A thousand slow connections at once, as in the issue, if this process may hold them.
    let clients = 1_000.min(fds.saturating_sub(200) as usize);
    assert!(clients >= 500, "only {fds} file descriptors: raise `ulimit -n`");
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_secs(3);
    let serve = start(
        dir.path(),
        "",
        &["--header-timeout", "3", "--body-timeout", "3", "--idle-timeout", "3"],
    );
    // GIVEN slow clients holding `clients` connections for 10 s (they arrive over the first
    // second, and reconnect when cut): most send their head a byte a second, some their body,
    // some nothing at all
    let attack = Duration::from_secs(10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let probes = probe_health(serve.addr, Instant::now() + attack);
    let held: Vec<Held> = runtime.block_on(async {
        let start = tokio::time::Instant::now();
        let until = start + attack;
        let tasks: Vec<_> = (0..clients)
            .map(|i| {
                let kind = match i % 10 {
                    0 => Slow::Body,
                    1 => Slow::Idle,
                    _ => Slow::Head,
                };
                let from = start + Duration::from_secs(1) * i as u32 / clients as u32;
                tokio::spawn(hold(serve.addr, kind, from, until))
            })
            .collect();
        let mut held = Vec::new();
        for task in tasks {
            held.extend(task.await.unwrap());
        }
        held
    });
    // THEN /health answered every probe within 100 ms
    assert_health_answered_fast(&probes.join().unwrap(), || serve.log());
    // AND the server cut every slow connection after its timeout, not before and not much after
    let cut: Vec<&Held> = held.iter().filter(|h| h.cut).collect();
    eprintln!(
        "{} connections held by {clients} slow clients, {} cut by the server",
        held.len(),
        cut.len()
    );
    assert!(cut.len() >= 2 * clients, "only {} of {} cut", cut.len(), held.len());
    for h in &cut {
        assert!(
            h.lasted >= timeout - Duration::from_millis(300) && h.lasted <= timeout + Duration::from_millis(1500),
            "{h:?}"
        );
    }
    for h in held.iter().filter(|h| !h.cut) {
        assert!(h.lasted <= timeout + Duration::from_millis(1500), "{h:?}");
    }
    // AND a slow body is told so (408, the JSON error body) before its connection closes
    let bodies: Vec<&&Held> = cut.iter().filter(|h| h.kind == Slow::Body).collect();
    assert!(!bodies.is_empty());
    for h in bodies {
        assert!(h.answer.starts_with("HTTP/1.1 408"), "{h:?}");
        assert!(h.answer.contains("\"error\":\"request_timeout\""), "{h:?}");
    }
    for h in cut.iter().filter(|h| h.kind != Slow::Body) {
        assert!(h.answer.is_empty(), "{h:?}");
    }
}

#[test]
fn idle_connections_past_the_descriptor_limit_give_way_and_health_still_answers() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    // GIVEN serve with 256 file descriptors: its default cap is 256 less 64 kept for the rest
    let serve = start(dir.path(), "ulimit -n 256 &&", &[]);
    // WHEN 300 connections are opened and left idle (the idle timeout is a minute)
    let started = Instant::now();
    let probes = probe_health(serve.addr, started + Duration::from_secs(3));
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect_timeout(&serve.addr, Duration::from_secs(2)).unwrap());
        std::thread::sleep(Duration::from_millis(5));
    }
    // THEN /health answered every probe within 100 ms throughout
    assert_health_answered_fast(&probes.join().unwrap(), || serve.log());
    // AND the longest-idle connections were closed to make room, the newest kept
    std::thread::sleep(Duration::from_millis(200));
    let open: Vec<bool> = idle
        .iter_mut()
        .map(|s| {
            s.set_nonblocking(true).unwrap();
            matches!(s.read(&mut [0u8; 16]), Err(e) if e.kind() == ErrorKind::WouldBlock)
        })
        .collect();
    let still = open.iter().filter(|o| **o).count();
    eprintln!("{still} of 300 idle connections still open");
    assert!((100..=192).contains(&still), "{still} open: {}", serve.log());
    assert!(open[..100].iter().all(|o| !o), "the oldest are closed first: {open:?}");
    assert!(open[200..].iter().all(|o| *o), "the newest stay: {open:?}");
    // Standard error is a file here, so serve logs JSON.
    assert!(serve.log().contains("\"max_connections\":192"), "{}", serve.log());
    assert!(serve.log().contains("connection cap reached"), "{}", serve.log());
}

/// POSTs an API response with a comment of `size` bytes; the status code and body.
fn post_response(addr: SocketAddr, id: usize, size: usize) -> (u16, String) {
    let body = serde_json::json!({
        "id": format!("r-{id}"),
        "customer": {"id": format!("c-{id}")},
        "score": 7,
        "comment": "x".repeat(size),
    })
    .to_string();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/responses HTTP/1.1\r\nHost: sarafan\r\nAuthorization: Bearer {API_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    (status, answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string())
}

#[test]
fn a_full_disk_is_503_and_the_log_names_the_cause_once() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    // GIVEN serve whose files may not grow past 512 KiB (RLIMIT_FSIZE, 1024 blocks of 512
    // bytes): the kernel refuses the write as a full disk would, and SQLite reports it
    let serve = start(dir.path(), "trap '' XFSZ; ulimit -f 1024 &&", &[]);
    // WHEN answers with long comments keep coming
    let mut statuses = Vec::new();
    for id in 0..40 {
        let (status, body) = post_response(serve.addr, id, 60_000);
        statuses.push(status);
        // THEN each is stored (200) or refused for now (503, the contract's body), never a 500
        assert!(status == 200 || status == 503, "{status} {body}: {}", serve.log());
        if status == 503 {
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"],
                "unavailable"
            );
        }
    }
    assert!(statuses.contains(&200) && statuses.contains(&503), "{statuses:?}");
    // AND the log names the root cause, once a line, without internals repeated
    let log = serve.log();
    let refusals: Vec<&str> = log.lines().filter(|l| l.contains("store unavailable")).collect();
    assert!(!refusals.is_empty(), "{log}");
    for line in &refusals {
        let cause = ["database or disk is full", "disk I/O error"]
            .into_iter()
            .find(|cause| line.contains(cause))
            .unwrap_or_else(|| panic!("no cause in {line:?}"));
        assert_eq!(line.matches(cause).count(), 1, "{line}");
        assert!(!line.contains("store backend error"), "{line}");
    }
    // AND the server still answers
    assert!(health(serve.addr).0.starts_with("HTTP/1.1 200"));
}

/// Makes `path` read-only for this process, which may be root (whom file modes do not stop):
/// then the immutable attribute too. Returns a guard that undoes it, or `None` if this
/// machine allows neither.
fn make_read_only(path: &Path) -> Option<impl Drop> {
    struct Undo(PathBuf, bool);
    impl Drop for Undo {
        fn drop(&mut self) {
            if self.1 {
                let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
            }
            let _ = std::fs::set_permissions(&self.0, std::os::unix::fs::PermissionsExt::from_mode(0o644));
        }
    }
    let writable = |p: &Path| std::fs::OpenOptions::new().append(true).open(p).is_ok();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o444)).unwrap();
    let mut undo = Undo(path.to_path_buf(), false);
    if writable(path) {
        undo.1 = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    }
    (!writable(path)).then_some(undo)
}

#[test]
fn serve_refuses_a_store_it_cannot_write_at_start_with_one_line() {
    let _alone = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sarafan.db");
    drop(sarafan_core::store::sqlite::SqliteStore::open(&db).unwrap());
    let before = std::fs::read(&db).unwrap();
    let Some(_undo) = make_read_only(&db) else {
        eprintln!("skipped: this machine cannot make a file read-only for this user");
        return;
    };
    // WHEN serve starts on it (logging at its usual level)
    let mut serve = launch(dir.path(), "", &[]).spawn();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = serve.try_wait() {
            break status;
        }
        if Instant::now() > deadline {
            serve.kill();
            panic!("serve started on a store it cannot write: {}", serve.log());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = serve.log();
    // THEN it exits 1 at once with one line naming the file and why
    assert_eq!(status.code(), Some(1), "{log}");
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(
        log.contains("cannot be written (the file is read-only to this process)"),
        "{log}"
    );
    assert!(log.contains(&db.display().to_string()), "{log}");
    drop(_undo);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}
