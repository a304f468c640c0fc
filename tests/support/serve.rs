//! One harness for the system tests that run the real `sarafan serve`: started on a free port
//! with a cleared environment (PATH, then exactly the variables the test sets) and extra CLI
//! flags, its stderr in a log file, waited for until `/health` answers 200 (the log in the panic
//! message when it does not come up, or exits), and killed when dropped.
//!
//! Variables particular to one test file stay in that file: this sets none but PATH.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long serve has to answer `/health` 200 after it is started.
const UP_WITHIN: Duration = Duration::from_secs(30);

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `(name, value)` of each of `names` set in this process's environment, to hand on to a
/// serve started with a cleared one.
pub fn forwarded(names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|value| (name.to_string(), value)))
        .collect()
}

/// How to start one `sarafan serve`: its port is chosen when this is made, so the variables can
/// name the server's own address (`base()`) before it runs.
pub struct Launch {
    dir: PathBuf,
    bind: String,
    port: u16,
    vars: Vec<(OsString, OsString)>,
    args: Vec<OsString>,
    shell: Option<String>,
    current_dir: bool,
}

impl Launch {
    /// `sarafan serve --addr 127.0.0.1:{free port}`, logging to `dir/serve.log`.
    pub fn new(dir: &Path) -> Launch {
        Launch {
            dir: dir.to_path_buf(),
            bind: "127.0.0.1".into(),
            port: free_port(),
            vars: Vec::new(),
            args: Vec::new(),
            shell: None,
            current_dir: false,
        }
    }

    /// Binds `host` (e.g. `0.0.0.0`) instead of 127.0.0.1; the tests still reach it on 127.0.0.1.
    pub fn bind(mut self, host: &str) -> Launch {
        self.bind = host.into();
        self
    }

    /// Runs serve with `dir` as its working directory.
    pub fn in_dir(mut self) -> Launch {
        self.current_dir = true;
        self
    }

    /// Runs serve through `sh -c "{shell} exec sarafan serve ..."`: `shell` sets resource limits
    /// (`ulimit`) first.
    pub fn shell(mut self, shell: &str) -> Launch {
        self.shell = Some(shell.into());
        self
    }

    pub fn var(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> Launch {
        self.vars.push((name.into(), value.into()));
        self
    }

    pub fn vars<K: Into<OsString>, V: Into<OsString>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Launch {
        self.vars.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Extra flags after `serve --addr ...`.
    pub fn args<A: Into<OsString>>(mut self, args: impl IntoIterator<Item = A>) -> Launch {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:{port}`, the address serve will answer on.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts serve and returns at once, before it answers.
    pub fn spawn(self) -> Serve {
        let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().unwrap();
        let log = self.dir.join(format!("serve-{}.log", self.port));
        let bind = format!("{}:{}", self.bind, self.port);
        // SARAFAN_BIN runs the tests against another build (to measure one from before a fix).
        let bin = std::env::var_os("SARAFAN_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_sarafan").into());
        let mut cmd = match &self.shell {
            Some(shell) => {
                let mut cmd = Command::new("sh");
                cmd.arg("-c").arg(format!("{shell} exec \"$0\" \"$@\"")).arg(&bin);
                cmd
            }
            None => Command::new(&bin),
        };
        cmd.args(["serve", "--addr", &bind])
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        if self.current_dir {
            cmd.current_dir(&self.dir);
        }
        Serve {
            child: cmd.spawn().expect("start sarafan serve"),
            base: self.base(),
            addr,
            log,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Starts serve and waits until `/health` answers 200.
    pub async fn start(self) -> Serve {
        let mut serve = self.spawn();
        serve.wait_up().await;
        serve
    }

    /// `start` for tests without an async runtime.
    pub fn start_blocking(self) -> Serve {
        let mut serve = self.spawn();
        let deadline = Instant::now() + UP_WITHIN;
        while !health(serve.addr).0.starts_with("HTTP/1.1 200") {
            serve.assert_running(deadline);
            std::thread::sleep(Duration::from_millis(50));
        }
        serve
    }
}

/// One `GET /health` on a new connection: the status line (or why there was none), and the time
/// from connecting to the end of the answer.
pub fn health(addr: SocketAddr) -> (String, Duration) {
    let start = Instant::now();
    let answer = (|| -> std::io::Result<String> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"GET /health HTTP/1.1\r\nHost: sarafan\r\nConnection: close\r\n\r\n")?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(String::from_utf8_lossy(&answer)
            .lines()
            .next()
            .unwrap_or("")
            .to_string())
    })();
    (answer.unwrap_or_else(|e| format!("failed: {e}")), start.elapsed())
}

/// A running `sarafan serve`, killed when dropped.
pub struct Serve {
    child: Child,
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    pub addr: SocketAddr,
    log: PathBuf,
    /// A client that does not follow redirects, so a test sees each one.
    pub http: reqwest::Client,
}

impl Serve {
    /// Waits until `/health` answers 200; panics with the log if serve exits or takes too long.
    pub async fn wait_up(&mut self) {
        let deadline = Instant::now() + UP_WITHIN;
        loop {
            if let Ok(r) = self.http.get(self.url("/health")).send().await {
                if r.status() == 200 {
                    return;
                }
            }
            self.assert_running(deadline);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn assert_running(&mut self, deadline: Instant) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("serve exited ({status}): {}", self.log());
        }
        assert!(Instant::now() < deadline, "serve did not come up: {}", self.log());
    }

    /// `base` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Everything serve wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM (as a platform stopping the container would) and waits for serve to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {} failed", self.child.id());
        self.child.wait().unwrap()
    }

    /// Kills serve at once (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether serve has exited, without waiting.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}
