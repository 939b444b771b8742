//! Headless Chromium driven over WebDriver (chromedriver) for the web UI's tests, and
//! the steps those tests take on a page: find, click, type, read, wait for a text.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs both); without
//! them [`Browser::start_with`] answers `None` and the test is skipped, unless
//! `MARKETLENS_REQUIRE_SERVICES=1`. A failing test saves a screenshot under
//! `target/tmp/ui-browser/` and names it in its message.

use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use marketlens_adapters::contract::service_available;
use serde_json::{Value, json};

use crate::support::TestApp;

pub const WAIT: Duration = Duration::from_secs(30);

/// Chromium and chromedriver, as `.ci/run` installs them.
fn browser_binaries() -> Option<(PathBuf, PathBuf)> {
    let chromium = PathBuf::from(
        std::env::var_os("MARKETLENS_TEST_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into()),
    );
    let driver = PathBuf::from(
        std::env::var_os("MARKETLENS_TEST_CHROMEDRIVER")
            .unwrap_or_else(|| "/usr/bin/chromedriver".into()),
    );
    let found = match (chromium.exists(), driver.exists()) {
        (true, true) => Ok(()),
        (false, _) => Err(format!("{} not found", chromium.display())),
        (_, false) => Err(format!("{} not found", driver.display())),
    };
    service_available("chromium and chromedriver", found).then_some((chromium, driver))
}

/// A chromedriver process and one browser session, both ended on drop.
pub struct Browser {
    client: Client,
    driver: Child,
    /// Chromium's profile and scratch folders (`TMPDIR`), removed on drop.
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// A browser session; `None` when Chromium or chromedriver is not installed. With
    /// `javascript` false, Chromium runs no script at all.
    pub async fn start_with(javascript: bool) -> Option<Browser> {
        let (chromium, driver) = browser_binaries()?;
        Some(Self::launch(&chromium, &driver, javascript).await)
    }

    async fn launch(chromium: &Path, driver: &Path, javascript: bool) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let port = free_port();
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            // Chromium's `org.chromium.Chromium.*` scratch folders go with the profile.
            .env("TMPDIR", profile.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().join("profile").display()),
                ]
            }
        });
        let mut capabilities = capabilities.as_object().unwrap().clone();
        if !javascript {
            capabilities["goog:chromeOptions"]["prefs"] =
                json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no WebDriver session from chromedriver at {url}: {e}"),
            }
        };
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Runs `test` on `app`'s web UI, then stops `app`; when the test fails, saves a
    /// screenshot of the page first.
    pub async fn run<F>(self, name: &str, app: TestApp, test: F)
    where
        F: AsyncFnOnce(&Client, &TestApp),
    {
        let outcome = AssertUnwindSafe(test(&self.client, &app))
            .catch_unwind()
            .await;
        if let Err(panic) = outcome {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-browser");
            let _ = std::fs::create_dir_all(&dir);
            let shot = dir.join(format!("{name}-failure.png"));
            let saved = match self.client.screenshot().await {
                Ok(png) => std::fs::write(&shot, png).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match saved {
                Ok(()) => eprintln!("{name} failed; screenshot: {}", shot.display()),
                Err(e) => eprintln!("{name} failed; no screenshot ({e})"),
            }
            let _ = self.client.clone().close().await;
            std::panic::resume_unwind(panic);
        }
        let _ = self.client.clone().close().await;
        app.stop().await;
    }
}

/// The [`Browser`] of a test (with JavaScript, unless `javascript: false`), or the
/// test returns there, skipped, when Chromium or chromedriver is not installed.
macro_rules! browser_or_skip {
    () => {
        browser_or_skip!(javascript: true)
    };
    (javascript: $javascript:expr) => {
        match $crate::browser::Browser::start_with($javascript).await {
            Some(browser) => browser,
            None => return,
        }
    };
}
pub(crate) use browser_or_skip;

pub async fn find(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

/// Waits until `check` holds for the text of `css`, and returns that text.
pub async fn wait_text(c: &Client, css: &str, check: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < WAIT {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && let Ok(text) = el.text().await
        {
            if check(&text) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed the expected text; last: {last:?}");
}

/// Runs `script` in the page and returns its value.
pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// No alert, confirm or prompt is open.
pub async fn assert_no_dialog(c: &Client) {
    match c.get_alert_text().await {
        Err(e) if e.is_no_such_alert() => {}
        other => panic!("a dialog is open or the check failed: {other:?}"),
    }
}

/// Clicks the element `css` (once it is there).
pub async fn click(c: &Client, css: &str) {
    find(c, css).await.click().await.unwrap();
}

/// Types `text` into the element `css` (once it is there).
pub async fn type_into(c: &Client, css: &str, text: &str) {
    find(c, css).await.send_keys(text).await.unwrap();
}

/// The text of the element `css` (once it is there).
pub async fn text_of(c: &Client, css: &str) -> String {
    find(c, css).await.text().await.unwrap()
}

/// The value of the attribute `name` of `element`.
pub async fn attr(element: &Element, name: &str) -> Option<String> {
    element.attr(name).await.unwrap()
}

/// Opens `path` (with its fragment) of `app`.
pub async fn open(c: &Client, app: &TestApp, path: &str) {
    c.goto(&format!("{}{path}", app.base)).await.unwrap();
}

/// Enters the frame `css`, waits for the report's heading in it, and returns that
/// heading's text, back in the page.
pub async fn report_heading_in(c: &Client, css: &str) -> String {
    find(c, css).await.enter_frame().await.unwrap();
    let heading = text_of(c, "h1").await;
    c.enter_parent_frame().await.unwrap();
    heading
}

/// Saves a screenshot as `name` under `MARKETLENS_UI_SCREENSHOTS`, when that is set.
pub async fn screenshot_if_asked(c: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("MARKETLENS_UI_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let png = c.screenshot().await.unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}
