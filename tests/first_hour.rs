//! System tests of an operator's first minutes: `sarafan serve` with nothing configured is quiet
//! (no AWS lookup, no warning), says what turns each route on, and makes an API token for the run
//! so the generic API can be tried at once.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `sarafan serve` in `dir` with only PATH and `extra` set, logs to `dir/serve.log`.
fn serve(dir: &Path, port: u16, extra: &[(&str, String)]) -> Serve {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sarafan"));
    cmd.args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("serve.log")).unwrap());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    Serve(cmd.spawn().unwrap())
}

async fn wait_up(port: u16, dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("http://127.0.0.1:{port}/health")).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "{}",
            std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_nothing_configured_is_quiet_and_makes_a_token_to_try_the_api() {
    // GIVEN a laptop with no AWS: the metadata service and any AWS endpoint are a recorder here,
    // so a lookup would show (and never leave this machine)
    let aws = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404))
        .mount(&aws)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _serve = serve(
        dir.path(),
        port,
        &[
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", aws.uri()),
            ("AWS_ENDPOINT_URL", aws.uri()),
            ("SARAFAN_LOG_FORMAT", "text".into()),
        ],
    );
    wait_up(port, dir.path()).await;
    // Background tasks (the report schedule, listening, outreach) have had time to start.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    // THEN nothing asked AWS and nothing warned
    assert_eq!(aws.received_requests().await.unwrap().len(), 0, "{log}");
    assert!(!log.contains("WARN") && !log.contains("ERROR"), "{log}");
    // AND each route that is off says what turns it on
    assert!(
        log.contains("/r/{code}") && log.contains("off (set REFERRAL_LANDING_URL)"),
        "{log}"
    );
    assert!(log.contains("off (set TELEGRAM_WEBHOOK_SECRET)"), "{log}");
    // AND a token was made for this run, with a curl that works as printed
    let line = log
        .lines()
        .find(|l| l.contains("this run made one"))
        .unwrap_or_else(|| panic!("{log}"));
    let token = line.rsplit(' ').next().unwrap();
    assert_eq!(token.len(), 32);
    let answer = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/responses"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"customer": {"id": "test-1"}, "score": 9}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(log.contains(&format!("Authorization: Bearer {token}")), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_json_when_nobody_reads_them_on_a_terminal_and_no_token_is_made_when_one_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _serve = serve(dir.path(), port, &[("SARAFAN_API_TOKEN", "operator-token".into())]);
    wait_up(port, dir.path()).await;
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    // Standard error is a file here: every log line is a JSON object.
    let json_lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        json_lines
            .iter()
            .any(|l| l["fields"]["route"] == "/api/*" && l["fields"]["state"] == "live"),
        "{log}"
    );
    assert!(!log.contains("this run made one"), "{log}");
}
