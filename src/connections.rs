//! `sarafan serve`'s accept loop: HTTP/1 connections with bounded time and number, so slow or
//! idle clients cannot hold the server (slowloris) or use up its file descriptors.
//!
//! A connection is in one of three phases:
//! - *idle*: waiting for a request's first byte (a new connection, or a kept-alive one between
//!   requests); closed after the idle timeout;
//! - *head*: a request's head (request line and headers) is arriving; closed unless it is
//!   complete within the header timeout of its first byte;
//! - *busy*: a request is being served; its body must arrive within the body timeout of its head
//!   (else 408 and the connection closes), and the handler then runs to the end.
//!
//! At most `max_connections` are open. At the cap, the connection that has waited longest
//! without a request in flight is closed to make room, so idle clients never lock out a real
//! one; if every connection is busy, new ones wait in the kernel's queue.

use axum::extract::ConnectInfo;
use axum::http::header::CONNECTION;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

/// How long a client may take, and how many may be connected at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a request's first byte to the end of its head.
    pub header: Duration,
    /// From the end of a request's head to the end of its body.
    pub body: Duration,
    /// Waiting for a request's first byte.
    pub idle: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// File descriptors kept for everything but client connections: the store's files, the runtime,
/// outbound HTTP to the chat platforms and AWS, the log.
const RESERVED_FDS: u64 = 64;
/// The cap when the file-descriptor limit allows more (or is unlimited).
const MOST_CONNECTIONS: u64 = 10_000;
/// The cap never goes below this, whatever the limit says.
const FEWEST_CONNECTIONS: u64 = 16;

/// The default cap: the soft file-descriptor limit (`ulimit -n`) less what the rest of the
/// process needs, at most 10,000. A cap above the limit would let connections take the
/// descriptors the store and outbound requests need.
pub fn default_max_connections() -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    let cap = soft.map_or(MOST_CONNECTIONS, |n| n.saturating_sub(RESERVED_FDS));
    cap.clamp(FEWEST_CONNECTIONS, MOST_CONNECTIONS) as usize
}

/// Connections the kernel may queue before `serve` accepts them (capped by `net.core.somaxconn`):
/// a burst of a few thousand waits there instead of having its SYNs dropped, which would cost
/// every client caught in it (a health check too) a one-second retransmission.
const BACKLOG: u32 = 4096;

/// A listening socket on `addr` with room for a burst of connections.
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    // As std's and tokio's own bind do: a restart may reuse the port while old connections linger.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// What a connection is doing, and since when.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Idle(Instant),
    Head(Instant),
    Busy { requests: usize },
}

/// One open connection, shared by its task, its socket wrapper, its requests and the registry.
struct Conn {
    phase: Mutex<Phase>,
    /// True while idle: the next byte read starts a request's head (checked on every read,
    /// so kept apart from the lock).
    waiting: AtomicBool,
    /// Closed by the accept loop to make room.
    evicted: AtomicBool,
    /// Wakes the connection's task when its phase changes or it is evicted.
    changed: Notify,
}

impl Conn {
    fn new() -> Conn {
        Conn {
            phase: Mutex::new(Phase::Idle(Instant::now())),
            waiting: AtomicBool::new(true),
            evicted: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bytes_arrived(&self) {
        if self.waiting.swap(false, Ordering::AcqRel) {
            let mut phase = self.phase();
            if let Phase::Idle(_) = *phase {
                *phase = Phase::Head(Instant::now());
            }
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// Marks a request in flight until the returned guard is dropped.
    fn request(self: &Arc<Self>) -> InFlight {
        self.waiting.store(false, Ordering::Release);
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Busy { requests } => Phase::Busy { requests: requests + 1 },
            _ => Phase::Busy { requests: 1 },
        };
        drop(phase);
        self.changed.notify_one();
        InFlight(self.clone())
    }

    /// When the connection is to be closed if nothing changes, and why.
    fn deadline(&self, limits: &Limits) -> Option<(Instant, &'static str)> {
        match *self.phase() {
            Phase::Idle(since) => Some((since + limits.idle, "idle")),
            Phase::Head(since) => Some((since + limits.header, "request head too slow")),
            Phase::Busy { .. } => None,
        }
    }

    /// Since when it has had no request in flight; `None` while busy.
    fn waiting_since(&self) -> Option<Instant> {
        match *self.phase() {
            Phase::Idle(since) | Phase::Head(since) => Some(since),
            Phase::Busy { .. } => None,
        }
    }
}

struct InFlight(Arc<Conn>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let conn = &self.0;
        let mut phase = conn.phase();
        *phase = match *phase {
            Phase::Busy { requests } if requests > 1 => Phase::Busy { requests: requests - 1 },
            _ => {
                conn.waiting.store(true, Ordering::Release);
                Phase::Idle(Instant::now())
            }
        };
        drop(phase);
        conn.changed.notify_one();
    }
}

/// The open connections, for choosing one to close at the cap.
#[derive(Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next: AtomicU64,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.conns.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn add(&self, conn: Arc<Conn>) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, conn);
        id
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the connection that has waited longest without a request in flight, unless one
    /// closed for room is still going.
    fn make_room(&self) -> Room {
        let conns = self.lock();
        if conns.values().any(|c| c.evicted.load(Ordering::Acquire)) {
            return Room::Coming;
        }
        let oldest = conns
            .values()
            .filter_map(|c| c.waiting_since().map(|since| (since, c)))
            .min_by_key(|(since, _)| *since);
        match oldest {
            Some((_, conn)) => {
                conn.evicted.store(true, Ordering::Release);
                conn.changed.notify_one();
                Room::Made
            }
            None => Room::AllBusy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Room {
    /// A connection was just told to close.
    Made,
    /// One told earlier has not closed yet.
    Coming,
    /// Every connection has a request in flight: none is closed.
    AllBusy,
}

/// Says at most once a minute that connections are being closed for room, with how many.
#[derive(Default)]
struct RoomLog {
    since: Option<Instant>,
    closed: u64,
}

impl RoomLog {
    fn closed_one(&mut self, cap: usize) {
        self.closed += 1;
        if self.since.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
            tracing::warn!(
                cap,
                closed = self.closed,
                "connection cap reached: closing the longest-idle connections to make room"
            );
            (self.since, self.closed) = (Some(Instant::now()), 0);
        }
    }
}

/// Serves `router` on `listener` within `limits` until `stop` turns true, then stops accepting,
/// closes connections that have no request in flight and waits for the others to finish.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let registry = Arc::new(Registry::default());
    let mut room_log = RoomLog::default();
    'accepting: loop {
        // A free slot before accepting: at the cap, an idle connection makes room.
        let permit = loop {
            if let Ok(permit) = slots.clone().try_acquire_owned() {
                break permit;
            }
            if registry.make_room() == Room::Made {
                room_log.closed_one(limits.max_connections);
            }
            tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => break permit,
                    Err(_) => break 'accepting,
                },
                () = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = stop.wait_for(|s| *s) => break 'accepting,
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors (EMFILE, ENFILE): free one, as at the cap.
                    let out_of_fds = matches!(e.raw_os_error(), Some(23 | 24));
                    match out_of_fds.then(|| registry.make_room()) {
                        Some(Room::Made) => room_log.closed_one(limits.max_connections),
                        Some(Room::Coming) => {}
                        Some(Room::AllBusy) | None => tracing::warn!(error = %e, "accepting a connection failed"),
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = stop.wait_for(|s| *s) => break,
        };
        // Answers are one small write each: no waiting for more to fill a packet.
        let _ = stream.set_nodelay(true);
        tokio::spawn(run_connection(
            stream,
            peer,
            router.clone(),
            limits,
            registry.clone(),
            permit,
            stop.clone(),
        ));
    }
    drop(listener);
    // Every connection gives its slot back as it closes.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

/// Drives one connection until it ends, is too slow or idle, is closed for room, or (after
/// `stop`) has no request in flight. Dropping hyper's connection closes the socket.
async fn run_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    registry: Arc<Registry>,
    _slot: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
) {
    let conn = Arc::new(Conn::new());
    let id = registry.add(conn.clone());
    let io = TokioIo::new(Watched {
        stream,
        conn: conn.clone(),
    });
    let service = {
        let conn = conn.clone();
        hyper::service::service_fn(move |req| handle(req, router.clone(), conn.request(), peer, limits.body))
    };
    let http = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    let mut http = std::pin::pin!(http);
    let mut stopping = false;
    loop {
        let deadline = conn.deadline(&limits);
        let expiry = async {
            match deadline {
                Some((at, _)) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            served = http.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                break;
            }
            () = expiry => {
                if let Some((at, why)) = conn.deadline(&limits) {
                    if at <= Instant::now() {
                        tracing::debug!(%peer, why, "closing a slow or idle connection");
                        break;
                    }
                }
            }
            () = conn.changed.notified() => {}
            _ = stop.wait_for(|s| *s), if !stopping => {
                stopping = true;
                http.as_mut().graceful_shutdown();
            }
        }
        if conn.evicted.load(Ordering::Acquire) {
            tracing::debug!(%peer, "closing an idle connection to make room");
            break;
        }
        if stopping && conn.waiting_since().is_some() {
            break;
        }
    }
    registry.remove(id);
}

/// Serves one request: the router, with the peer address (for referral clicks) and a body that
/// must arrive in time. `in_flight` marks the connection busy until the answer is ready.
async fn handle(
    req: Request<Incoming>,
    router: Router,
    in_flight: InFlight,
    peer: SocketAddr,
    body_timeout: Duration,
) -> Result<Response, Infallible> {
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    let timed_out = Arc::new(AtomicBool::new(false));
    let body = if body.is_end_stream() {
        axum::body::Body::new(body)
    } else {
        axum::body::Body::new(TimedBody {
            inner: body,
            deadline: Box::pin(tokio::time::sleep(body_timeout)),
            timed_out: timed_out.clone(),
        })
    };
    let answer = router.oneshot(Request::from_parts(parts, body)).await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(never) => match never {},
    };
    drop(in_flight);
    if timed_out.load(Ordering::Acquire) {
        tracing::debug!(%peer, "request body too slow: 408");
        return Ok(too_slow(body_timeout));
    }
    Ok(answer)
}

/// 408 with the contract's error body; the connection closes after it.
fn too_slow(body_timeout: Duration) -> Response {
    let detail = format!("the request body did not arrive within {} s", body_timeout.as_secs());
    let body = Json(serde_json::json!({ "error": "request_timeout", "detail": detail }));
    (StatusCode::REQUEST_TIMEOUT, [(CONNECTION, "close")], body).into_response()
}

/// A request body that fails once its deadline passes, so a client sending it a byte at a time
/// cannot keep a handler (and its connection) waiting.
struct TimedBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    timed_out: Arc<AtomicBool>,
}

impl HttpBody for TimedBody {
    type Data = axum::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.timed_out.store(true, Ordering::Release);
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body did not arrive in time");
            return Poll::Ready(Some(Err(Box::new(late))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, telling its connection when bytes arrive (an idle connection's next request).
struct Watched {
    stream: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conn.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header: Duration::from_secs(10),
            body: Duration::from_secs(30),
            idle: Duration::from_secs(60),
            max_connections: 100,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_goes_idle_head_busy_idle_with_its_deadlines() {
        let conn = Arc::new(Conn::new());
        let start = Instant::now();
        assert_eq!(conn.deadline(&limits()), Some((start + limits().idle, "idle")));
        tokio::time::advance(Duration::from_secs(5)).await;
        conn.bytes_arrived();
        let head = start + Duration::from_secs(5);
        assert_eq!(
            conn.deadline(&limits()),
            Some((head + limits().header, "request head too slow"))
        );
        // More bytes of the same head do not move its deadline.
        tokio::time::advance(Duration::from_secs(3)).await;
        conn.bytes_arrived();
        assert_eq!(conn.deadline(&limits()).unwrap().0, head + limits().header);
        let request = conn.request();
        assert_eq!((conn.deadline(&limits()), conn.waiting_since()), (None, None));
        tokio::time::advance(Duration::from_secs(100)).await;
        drop(request);
        assert_eq!(conn.deadline(&limits()), Some((Instant::now() + limits().idle, "idle")));
    }

    #[tokio::test(start_paused = true)]
    async fn room_is_made_by_closing_the_longest_waiting_connection_never_a_busy_one() {
        let registry = Registry::default();
        let busy = Arc::new(Conn::new());
        registry.add(busy.clone());
        let _request = busy.request();
        tokio::time::advance(Duration::from_secs(1)).await;
        let older = Arc::new(Conn::new());
        let older_id = registry.add(older.clone());
        tokio::time::advance(Duration::from_secs(1)).await;
        let newer = Arc::new(Conn::new());
        registry.add(newer.clone());
        assert_eq!(registry.make_room(), Room::Made);
        assert!(older.evicted.load(Ordering::Acquire));
        assert!(!newer.evicted.load(Ordering::Acquire) && !busy.evicted.load(Ordering::Acquire));
        // One at a time: nothing more is closed until the first has gone.
        assert_eq!(registry.make_room(), Room::Coming);
        assert!(!newer.evicted.load(Ordering::Acquire));
        registry.remove(older_id);
        assert_eq!(registry.make_room(), Room::Made);
        assert!(newer.evicted.load(Ordering::Acquire));
        assert!(!busy.evicted.load(Ordering::Acquire));
        // Only the busy one left: nothing to close.
        let mut all = registry.lock();
        all.retain(|_, c| !c.evicted.load(Ordering::Acquire));
        drop(all);
        assert_eq!(registry.make_room(), Room::AllBusy);
    }
}
