//! Headless Chromium for the tests that look at a page as a person does: a small W3C WebDriver
//! client speaking to Debian's `chromedriver`, which drives Debian's `chromium` (both installed by
//! `scripts/test`). `SARAFAN_CHROMEDRIVER` and `SARAFAN_CHROMIUM` name other binaries.
//!
//! Every step panics with what the browser answered: this is test support, and a test that cannot
//! reach its browser must fail, never pass quietly.
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The key under which WebDriver names an element (W3C WebDriver, "Elements").
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long `find` waits for an element to appear, and `start` for the driver to answer.
const WAIT: Duration = Duration::from_secs(10);

pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session_url: String,
    _profile: tempfile::TempDir,
}

/// An element of the current page, as WebDriver names it.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free loopback port and opens one headless Chromium session with
    /// a fresh profile and a 1280x900 window.
    pub async fn start() -> Browser {
        let driver_path = std::env::var("SARAFAN_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium_path = std::env::var("SARAFAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {driver_path} ({error}): install Debian's chromium and \
                     chromium-driver (scripts/test does)"
                )
            });
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let ready_by = Instant::now() + WAIT;
        loop {
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(answer) => answer
                    .json::<Value>()
                    .await
                    .map(|body| body["value"]["ready"] == json!(true))
                    .unwrap_or(false),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(
                Instant::now() < ready_by,
                "chromedriver did not answer on {base} within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let profile = tempfile::tempdir().expect("a browser profile folder");
        // The flags this machine needs: no sandbox as root, and no background connections, which
        // its closed network refuses.
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--hide-scrollbars".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium_path, "args": args},
        }}});
        let mut browser = Browser {
            driver,
            http,
            session_url: String::new(),
            _profile: profile,
        };
        let session = browser
            .call("POST", &format!("{base}/session"), Some(capabilities))
            .await;
        let id = session["sessionId"]
            .as_str()
            .expect("a WebDriver session id")
            .to_string();
        browser.session_url = format!("{base}/session/{id}");
        browser
            .command(
                "POST",
                "/timeouts",
                json!({"implicit": WAIT.as_millis() as u64, "pageLoad": 30_000}),
            )
            .await;
        browser
    }

    /// Opens `url` (http://, file:// or data:) and waits until the page has loaded.
    pub async fn goto(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        let url = self.command("GET", "/url", Value::Null).await;
        url.as_str().unwrap_or_default().to_string()
    }

    /// The page as the browser holds it now, after parsing.
    pub async fn page_source(&self) -> String {
        let source = self.command("GET", "/source", Value::Null).await;
        source.as_str().unwrap_or_default().to_string()
    }

    /// The first element matching the CSS selector, waiting up to 10 s for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .command("POST", "/element", json!({"using": "css selector", "value": css}))
            .await;
        element(&found)
    }

    /// Every element matching the CSS selector now (possibly none).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let found = self
            .command("POST", "/elements", json!({"using": "css selector", "value": css}))
            .await;
        found
            .as_array()
            .map(|all| all.iter().map(element).collect())
            .unwrap_or_default()
    }

    /// Clicks the element as a person would (it must be visible and not covered); a click that
    /// submits a form returns once the next page has loaded.
    pub async fn click(&self, element: &Element) {
        self.command("POST", &format!("/element/{}/click", element.0), json!({}))
            .await;
    }

    /// Types `text` into an input or textarea, after what it already holds.
    pub async fn type_text(&self, element: &Element, text: &str) {
        self.command(
            "POST",
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        )
        .await;
    }

    /// The element's rendered text.
    pub async fn text(&self, element: &Element) -> String {
        let text = self
            .command("GET", &format!("/element/{}/text", element.0), Value::Null)
            .await;
        text.as_str().unwrap_or_default().to_string()
    }

    /// A DOM property of the element (`value`, `checked`, `selected`...).
    pub async fn property(&self, element: &Element, name: &str) -> Value {
        self.command("GET", &format!("/element/{}/property/{name}", element.0), Value::Null)
            .await
    }

    /// Runs `script` as a function body in the page and returns what it returns, as JSON.
    pub async fn eval(&self, script: &str) -> Value {
        self.command("POST", "/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    /// Lays the page out as a device `width` x `height` CSS pixels wide would (a phone at 375),
    /// through Chromium's device emulation, so the layout viewport is exactly that wide. To find
    /// horizontal overflow compare `document.documentElement.scrollWidth` with its `clientWidth`
    /// (the layout viewport): on a phone `window.innerWidth` grows as the page zooms out to fit.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.command(
            "POST",
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
            }}),
        )
        .await;
    }

    /// A PNG of the viewport as it is drawn now.
    pub async fn screenshot_png(&self) -> Vec<u8> {
        use base64::Engine as _;
        let encoded = self.command("GET", "/screenshot", Value::Null).await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("a base64 screenshot"))
            .expect("the screenshot is base64")
    }

    /// Closes the session and stops the driver.
    pub async fn quit(mut self) {
        if !self.session_url.is_empty() {
            let _ = self.http.delete(&self.session_url).send().await;
            self.session_url.clear();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.session_url);
        let body = if method == "GET" { None } else { Some(body) };
        self.call(method, &url, body).await
    }

    async fn call(&self, method: &str, url: &str, body: Option<Value>) -> Value {
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or_else(|| json!({}))),
        };
        let answer = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("WebDriver {method} {url}: {error}"));
        let status = answer.status();
        let mut reply: Value = answer
            .json()
            .await
            .unwrap_or_else(|error| panic!("WebDriver {method} {url} answered {status}, not JSON: {error}"));
        let value = reply["value"].take();
        if !status.is_success() {
            panic!(
                "WebDriver {method} {url} answered {status}: {} ({})",
                value["error"],
                value["message"].as_str().unwrap_or_default()
            );
        }
        value
    }
}

impl Drop for Browser {
    /// A test that panicked never reached `quit`: end its session (which closes Chromium) with a
    /// plain blocking request, then stop the driver.
    fn drop(&mut self) {
        if let Some(rest) = self.session_url.strip_prefix("http://") {
            if let Some((host, path)) = rest.split_once('/') {
                if let Ok(mut stream) = std::net::TcpStream::connect(host) {
                    use std::io::{Read as _, Write as _};
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let request = format!(
                        "DELETE /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                    if stream.write_all(request.as_bytes()).is_ok() {
                        let _ = stream.read_to_end(&mut Vec::new());
                    }
                }
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn element(found: &Value) -> Element {
    Element(
        found[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("WebDriver answered no element: {found}"))
            .to_string(),
    )
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}
