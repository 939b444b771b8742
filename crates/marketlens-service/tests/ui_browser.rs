//! The web UI in headless Chromium, driven over WebDriver (chromedriver), against the
//! real server on a random port: from the form to the live stages, the report, the
//! feedback and the history; markup in product data shown as text; every page laid out
//! at desktop and phone widths.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs both); without
//! them the tests are skipped, unless `MARKETLENS_REQUIRE_SERVICES=1`. A failing test
//! saves a screenshot under `target/tmp/ui-browser/` and names it in its message.
//! `MARKETLENS_UI_SCREENSHOTS=<dir>` also saves the screenshot of every page the
//! layout test visits.

mod support;

use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use marketlens_adapters::contract::service_available;
use serde_json::{Value, json};
use support::llm_server::{LlmServer, Reply, agent_toml_with_llm, grounded, ok};
use support::{TestApp, write_catalog};

const WAIT: Duration = Duration::from_secs(30);

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
struct Browser {
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
    async fn start(chromium: &Path, driver: &Path) -> Browser {
        Self::start_with(chromium, driver, true).await
    }

    /// With `javascript` false, Chromium runs no script at all.
    async fn start_with(chromium: &Path, driver: &Path, javascript: bool) -> Browser {
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

    /// Runs `test`; when it fails, saves a screenshot of the page first.
    async fn run<F>(self, name: &str, test: F)
    where
        F: AsyncFnOnce(&Client),
    {
        let outcome = AssertUnwindSafe(test(&self.client)).catch_unwind().await;
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
    }
}

async fn find(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

/// Waits until `check` holds for the text of `css`, and returns that text.
async fn wait_text(c: &Client, css: &str, check: impl Fn(&str) -> bool) -> String {
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
async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// No alert, confirm or prompt is open.
async fn assert_no_dialog(c: &Client) {
    match c.get_alert_text().await {
        Err(e) if e.is_no_such_alert() => {}
        other => panic!("a dialog is open or the check failed: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysis_goes_from_the_form_to_the_report_the_feedback_and_the_history() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    // The optional LLM stage on, its model answering after a pause long enough for a
    // loaded machine: the stages are seen moving while the analysis runs.
    let llm = LlmServer::start().await;
    llm.script(
        "small-model",
        [Reply::After(Duration::from_secs(5), Box::new(ok(grounded)))],
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agent.toml");
    std::fs::write(
        &config,
        agent_toml_with_llm(&llm, "small-model", "large-model", "timeout_secs = 20\n"),
    )
    .unwrap();
    let app = TestApp::spawn_with_config(1, Some(&config)).await;
    let base = app.base.clone();
    let browser = Browser::start(&chromium, &driver).await;
    browser
        .run("form_to_feedback", async |c: &Client| {
            c.goto(&format!("{base}/")).await.unwrap();
            let query = find(c, "#f-query").await;
            // The form's choices come from the active configuration.
            let sources = c
                .find_all(Locator::Css("#f-sources input[name=sources]"))
                .await
                .unwrap();
            assert!(!sources.is_empty(), "the enabled sources are offered");

            // The API's validation message appears next to its field.
            query.send_keys("wireless headphones").await.unwrap();
            find(c, "#f-min_price").await.send_keys("-5").await.unwrap();
            find(c, "#submit-analysis").await.click().await.unwrap();
            let message = wait_text(c, "#err-min_price", |t| !t.is_empty()).await;
            assert!(message.contains("negative"), "{message}");
            let min_price = find(c, "#f-min_price").await;
            assert_eq!(
                min_price.attr("aria-invalid").await.unwrap().as_deref(),
                Some("true")
            );
            if let Some(dir) = std::env::var_os("MARKETLENS_UI_SCREENSHOTS") {
                let dir = PathBuf::from(dir);
                std::fs::create_dir_all(&dir).unwrap();
                let png = c.screenshot().await.unwrap();
                std::fs::write(dir.join("new-error-1280.png"), png).unwrap();
            }
            min_price.clear().await.unwrap();
            min_price.send_keys("10").await.unwrap();
            find(c, "#f-max_price")
                .await
                .send_keys("900")
                .await
                .unwrap();
            find(c, "#submit-analysis").await.click().await.unwrap();

            // The analysis page follows the stages as they change, pushed by the server.
            find(
                c,
                "#stages li[data-stage='llm_summarize'][data-state='running']",
            )
            .await;
            let earlier = c
                .find_all(Locator::Css("#stages li[data-state='done']"))
                .await
                .unwrap();
            assert!(!earlier.is_empty(), "the stages before it are done");
            let mode = find(c, "#live-mode").await.text().await.unwrap();
            assert!(mode.contains("Live updates"), "{mode}");
            let status = wait_text(c, "#analysis-status", |t| t.contains("completed")).await;
            assert!(status.contains("completed"), "{status}");
            let url = c.current_url().await.unwrap();
            let id = url
                .fragment()
                .and_then(|f| f.strip_prefix("/analyses/"))
                .unwrap_or_else(|| panic!("not on an analysis page: {url}"))
                .to_owned();
            let api_view = app.get_json(&format!("/v1/analyses/{id}")).await;
            assert_eq!(api_view["status"], "completed");
            assert_eq!(api_view["params"]["min_price"], "10", "{api_view}");
            let stages = c
                .find_all(Locator::Css("#stages li[data-stage]"))
                .await
                .unwrap();
            let mut shown = Vec::new();
            for s in &stages {
                shown.push((
                    s.attr("data-stage").await.unwrap().unwrap(),
                    s.attr("data-state").await.unwrap().unwrap(),
                ));
            }
            let expected: Vec<(String, String)> = api_view["progress"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["stage"].as_str().unwrap().to_owned(),
                        p["state"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(shown, expected, "every stage as the API reports it");
            assert!(shown.iter().all(|(_, state)| state == "done"), "{shown:?}");

            // The report: summary figures, the embedded report, download links.
            wait_text(c, "#result-figures", |t| t.contains("Offers")).await;
            let frame = find(c, "#report-frame").await;
            assert_eq!(
                frame.attr("src").await.unwrap().as_deref(),
                Some(format!("/v1/analyses/{id}/report").as_str())
            );
            assert_eq!(frame.attr("sandbox").await.unwrap().as_deref(), Some(""));
            let json_link = find(c, "#download-json").await;
            assert_eq!(
                json_link.attr("href").await.unwrap().as_deref(),
                Some(format!("/v1/analyses/{id}/result").as_str())
            );
            frame.clone().enter_frame().await.unwrap();
            let report_heading = find(c, "h1").await.text().await.unwrap();
            assert!(
                !report_heading.is_empty(),
                "the report renders in its frame"
            );
            c.enter_parent_frame().await.unwrap();

            // Feedback.
            find(c, "#feedback-form input[name=rating][value='4']")
                .await
                .click()
                .await
                .unwrap();
            find(c, "#feedback-form input[name=useful][value='yes']")
                .await
                .click()
                .await
                .unwrap();
            find(c, "#f-comment")
                .await
                .send_keys("Clear price tiers")
                .await
                .unwrap();
            find(c, "#send-feedback").await.click().await.unwrap();
            wait_text(c, "#feedback-status", |t| t.contains("recorded")).await;
            let summary = app.get_json("/v1/feedback/summary").await;
            assert_eq!(summary["by_variant"][0]["count"], 1, "{summary}");

            // History: found by its text, not under another status.
            c.goto(&format!("{base}/#/history")).await.unwrap();
            let search = find(c, "#h-q").await;
            search.send_keys("WIRELESS").await.unwrap();
            find(c, "#history-filters button[type=submit]")
                .await
                .click()
                .await
                .unwrap();
            let row = find(c, &format!("#history-table tr[data-id='{id}']")).await;
            assert!(row.text().await.unwrap().contains("wireless headphones"));
            find(c, "#history-table a").await.click().await.unwrap();
            wait_text(c, "#analysis-status", |t| t.contains("completed")).await;
            c.goto(&format!("{base}/#/history?q=wireless&status=failed"))
                .await
                .unwrap();
            wait_text(c, "#history-results", |t| t.contains("No analysis matches")).await;
            assert_no_dialog(c).await;
        })
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_product_data_and_queries_is_shown_as_text() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    const TITLE: &str = r#"Evil <img src=x onerror=alert(1)><script>alert(2)</script> Speaker"#;
    let dir = tempfile::tempdir().unwrap();
    let product = json!({
        "product_id": "x1", "title": TITLE, "brand": "\"><img src=x onerror=alert(3)>",
        "category": "speakers", "keywords": ["speaker"]
    });
    let config = write_catalog(
        dir.path(),
        &format!("{product}\n"),
        concat!(
            r#"{"offer_id":"o1","product_id":"x1","shop":"<b>Shop</b>","price_text":"19,99 €","currency":"EUR","url":"javascript:alert(4)"}"#,
            "\n"
        ),
        concat!(
            r#"{"review_id":"r1","product_id":"x1","rating":5,"text":"Great <script>alert(5)</script> sound","language":"en"}"#,
            "\n"
        ),
    );
    let app = TestApp::spawn_with_config(1, Some(&config)).await;
    let submitted = app.post(&json!({ "query": "speaker" })).await;
    assert_eq!(submitted.status(), 202);
    let location = submitted.headers()["location"].to_str().unwrap().to_owned();
    let done = app.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    // A query holding markup (it matches nothing: its failure message quotes it).
    let query = "speaker <img src=x onerror=alert(6)>";
    let submitted = app.post(&json!({ "query": query })).await;
    let location = submitted.headers()["location"].to_str().unwrap().to_owned();
    let failed = app.wait_done(&location).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let failed_id = failed["id"].as_str().unwrap().to_owned();
    let base = app.base.clone();
    let browser = Browser::start(&chromium, &driver).await;
    browser
        .run("markup_as_text", async |c: &Client| {
            c.goto(&format!("{base}/#/analyses/{id}")).await.unwrap();
            let title = wait_text(c, "#products .product-title", |t| t.contains("Speaker")).await;
            assert_eq!(title, TITLE, "the title is shown exactly, as text");
            let products = find(c, "#products").await.text().await.unwrap();
            assert!(products.contains("\"><img src=x onerror=alert(3)>"), "{products}");
            c.goto(&format!("{base}/#/analyses/{failed_id}")).await.unwrap();
            wait_text(c, "#analysis-status", |t| t.contains("failed")).await;
            assert_eq!(find(c, "h1").await.text().await.unwrap(), query);
            let message = find(c, "#outcome .alert").await.text().await.unwrap();
            assert!(message.contains(query), "{message}");
            c.goto(&format!("{base}/#/history")).await.unwrap();
            let row = find(c, &format!("#history-table tr[data-id='{failed_id}'] a")).await;
            assert_eq!(row.text().await.unwrap(), query);
            c.goto(&format!("{base}/#/analyses/{id}")).await.unwrap();
            wait_text(c, "#products .product-title", |t| t.contains("Speaker")).await;
            // Nothing from the data became an element, and nothing ran.
            let injected = js(
                c,
                "return document.querySelectorAll('#view img, #view script, #view b, [onerror]').length",
            )
            .await;
            assert_eq!(injected, json!(0));
            assert_no_dialog(c).await;
        })
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_desktop_and_phone_widths() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    let app = TestApp::spawn(1).await;
    let location = app
        .post(&json!({"query": "wireless headphones"}))
        .await
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let done = app.wait_done(&location).await;
    let id = done["id"].as_str().unwrap().to_owned();
    let created = app
        .client
        .post(format!("{}/v1/admin/experiments", app.base))
        .json(&json!({"name": "prompt-test", "variants": [
            {"name": "control", "weight": 50}, {"name": "treatment", "weight": 50}
        ]}))
        .send()
        .await
        .unwrap();
    let experiment: Value = created.json().await.unwrap();
    let experiment_id = experiment["id"].as_str().unwrap_or_default().to_owned();
    let shots = std::env::var_os("MARKETLENS_UI_SCREENSHOTS").map(PathBuf::from);
    let base = app.base.clone();
    let browser = Browser::start(&chromium, &driver).await;
    browser
        .run("layout", async |c: &Client| {
            let pages = [
                ("new", "/#/".to_owned(), "#analysis-form"),
                ("analysis", format!("/#/analyses/{id}"), "#feedback-form"),
                ("history", "/#/history".to_owned(), "#history-table"),
                ("stats", "/#/stats".to_owned(), "#stats-figures"),
                ("experiments", "/#/experiments".to_owned(), "#experiments-table"),
                (
                    "experiment",
                    format!("/#/experiments/{experiment_id}"),
                    "#variants-table",
                ),
            ];
            for (width, height) in [(1280, 900), (390, 844)] {
                c.set_window_size(width, height).await.unwrap();
                for (name, path, ready) in &pages {
                    c.goto(&format!("{base}{path}")).await.unwrap();
                    find(c, ready).await;
                    if *name == "analysis" {
                        // The report has loaded in its frame.
                        find(c, "#report-frame").await.enter_frame().await.unwrap();
                        find(c, "h1").await;
                        c.enter_parent_frame().await.unwrap();
                    }
                    // Wide content scrolls inside its box, never the page sideways.
                    let overflow = js(
                        c,
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                    )
                    .await;
                    assert!(
                        overflow.as_i64().unwrap_or(1) <= 0,
                        "{name} at {width} px is {overflow} px too wide"
                    );
                    if let Some(dir) = &shots {
                        // Tall, to show the whole page.
                        c.set_window_size(width, 2400).await.unwrap();
                        std::fs::create_dir_all(dir).unwrap();
                        let png = c.screenshot().await.unwrap();
                        std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
                        c.set_window_size(width, height).await.unwrap();
                    }
                }
            }
            // Keyboard: the first tab stop is the skip link, and its focus is visible.
            c.goto(&format!("{base}/#/")).await.unwrap();
            // A fresh load (the same-page navigations above moved focus to headings).
            c.refresh().await.unwrap();
            find(c, "#analysis-form").await;
            c.active_element()
                .await
                .unwrap()
                .send_keys(&Key::Tab.to_string())
                .await
                .unwrap();
            let focus = js(
                c,
                "const a = document.activeElement; \
                 return [a.className, getComputedStyle(a).outlineStyle, a.getBoundingClientRect().left >= 0]",
            )
            .await;
            assert_eq!(focus, json!(["skip", "solid", true]), "skip link focus");
            // Every form control has a label.
            let unlabelled = js(
                c,
                "return [...document.querySelectorAll('input, select, textarea')] \
                   .filter(e => e.type !== 'hidden' && !e.labels.length && !e.getAttribute('aria-label')) \
                   .map(e => e.id || e.name)",
            )
            .await;
            assert_eq!(unlabelled, json!([]), "controls without a label");
        })
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_is_entered_once_and_sent_with_every_request() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    let app = TestApp::spawn(1).await;
    let location = app
        .post(&json!({"query": "wireless headphones"}))
        .await
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let done = app.wait_done(&location).await;
    let id = done["id"].as_str().unwrap().to_owned();
    let base = app.base.clone();
    let browser = Browser::start(&chromium, &driver).await;
    browser
        .run("api_key", async |c: &Client| {
            c.goto(&format!("{base}/#/history")).await.unwrap();
            find(c, "#history-table").await;
            find(c, "#key-panel summary").await.click().await.unwrap();
            find(c, "#api-key").await.send_keys("k-123 secret").await.unwrap();
            find(c, "#key-form button[type=submit]")
                .await
                .click()
                .await
                .unwrap();
            wait_text(c, "#key-state", |t| t.contains("set")).await;
            // Kept for the session: a reload still has it, the field does not show it.
            c.refresh().await.unwrap();
            wait_text(c, "#key-state", |t| t.contains("(set)")).await;
            assert_eq!(
                find(c, "#api-key").await.prop("value").await.unwrap(),
                Some(String::new())
            );
            // Every request the page makes from here on is recorded with its header.
            js(
                c,
                "window.seen = []; const plain = window.fetch; \
                 window.fetch = (url, options) => { \
                   window.seen.push([String(url), (options && options.headers && options.headers.Authorization) || null]); \
                   return plain(url, options); }; \
                 return true",
            )
            .await;
            js(c, &format!("location.hash = '#/analyses/{id}'; return true")).await;
            wait_text(c, "#result-figures", |t| t.contains("Offers")).await;
            // With a key the report is fetched with it and shown from memory.
            let frame = find(c, "#report-frame").await;
            assert_eq!(frame.attr("src").await.unwrap(), None);
            frame.clone().enter_frame().await.unwrap();
            assert!(!find(c, "h1").await.text().await.unwrap().is_empty());
            c.enter_parent_frame().await.unwrap();
            let seen = js(c, "return window.seen").await;
            let seen = seen.as_array().unwrap();
            for path in ["", "/result", "/report"] {
                let url = format!("/v1/analyses/{id}{path}");
                assert!(
                    seen.iter().any(|s| s[0] == url.as_str()),
                    "{url} not requested: {seen:?}"
                );
            }
            assert!(
                seen.iter().all(|s| s[1] == "Bearer k-123 secret"),
                "a request without the key: {seen:?}"
            );
            // Forgotten on request.
            find(c, "#key-panel summary").await.click().await.unwrap();
            find(c, "#key-forget").await.click().await.unwrap();
            wait_text(c, "#key-state", |t| t.contains("(none)")).await;
            let stored = js(c, "return sessionStorage.getItem('marketlens.apiKey')").await;
            assert_eq!(stored, Value::Null);
        })
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_polled_when_the_event_stream_is_unavailable() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    let llm = LlmServer::start().await;
    llm.script(
        "small-model",
        [Reply::After(Duration::from_secs(5), Box::new(ok(grounded)))],
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agent.toml");
    std::fs::write(
        &config,
        agent_toml_with_llm(&llm, "small-model", "large-model", "timeout_secs = 20\n"),
    )
    .unwrap();
    let app = TestApp::spawn_with_config(1, Some(&config)).await;
    let base = app.base.clone();
    let browser = Browser::start(&chromium, &driver).await;
    browser
        .run("polling", async |c: &Client| {
            c.goto(&format!("{base}/#/")).await.unwrap();
            find(c, "#f-query").await;
            // A network path that drops event streams (some proxies do).
            js(
                c,
                "const plain = window.fetch; \
                 window.fetch = (url, options) => String(url).endsWith('/events') \
                   ? Promise.reject(new TypeError('stream blocked')) : plain(url, options); \
                 return true",
            )
            .await;
            find(c, "#f-query")
                .await
                .send_keys("wireless headphones")
                .await
                .unwrap();
            find(c, "#submit-analysis").await.click().await.unwrap();
            wait_text(c, "#live-mode", |t| t.contains("every second")).await;
            find(
                c,
                "#stages li[data-stage='llm_summarize'][data-state='running']",
            )
            .await;
            wait_text(c, "#analysis-status", |t| t.contains("completed")).await;
            find(c, "#report-frame").await;
        })
        .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_through_every_analysis_newest_first() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    // No worker: the analyses stay queued, which is all a history needs.
    let app = TestApp::spawn(0).await;
    for i in 1..=25 {
        let res = app
            .post(&json!({ "query": format!("query number {i}") }))
            .await;
        assert_eq!(res.status(), 202);
    }
    let base = app.base.clone();
    let browser = Browser::start(&chromium, &driver).await;
    browser
        .run("history_pages", async |c: &Client| {
            c.goto(&format!("{base}/#/history")).await.unwrap();
            find(c, "#history-table").await;
            let queries = listed_queries(c).await;
            assert_eq!(queries.len(), 20);
            assert_eq!(queries[0], "query number 25", "newest first");
            let pager = find(c, "nav.pager").await.text().await.unwrap();
            assert!(pager.contains("Page 1 of 2 (25 analyses)"), "{pager}");
            find(c, "nav.pager a[rel=next]")
                .await
                .click()
                .await
                .unwrap();
            wait_text(c, "nav.pager", |t| t.contains("Page 2 of 2")).await;
            let queries = listed_queries(c).await;
            let expected: Vec<String> =
                (1..=5).rev().map(|i| format!("query number {i}")).collect();
            assert_eq!(queries, expected);
            // The status filter and the search combine with the pages.
            c.goto(&format!("{base}/#/history?q=number%202&status=queued"))
                .await
                .unwrap();
            wait_text(c, "nav.pager", |t| t.contains("(7 analyses)")).await;
        })
        .await;
    app.stop().await;
}

/// The queries of the history page shown, in order.
async fn listed_queries(c: &Client) -> Vec<String> {
    let mut queries = Vec::new();
    for link in c
        .find_all(Locator::Css("#history-table tbody tr a"))
        .await
        .unwrap()
    {
        queries.push(link.text().await.unwrap());
    }
    queries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_the_page_points_to_the_report_and_the_report_reads() {
    let Some((chromium, driver)) = browser_binaries() else {
        return;
    };
    let app = TestApp::spawn(1).await;
    let location = app
        .post(&json!({"query": "wireless headphones"}))
        .await
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let done = app.wait_done(&location).await;
    assert_eq!(done["status"], "completed");
    let base = app.base.clone();
    let browser = Browser::start_with(&chromium, &driver, false).await;
    browser
        .run("no_javascript", async |c: &Client| {
            c.goto(&format!("{base}/")).await.unwrap();
            let notice = find(c, "main").await.text().await.unwrap();
            assert!(notice.contains("needs JavaScript"), "{notice}");
            assert!(
                notice.contains("/v1/analyses/<analysis id>/report"),
                "{notice}"
            );
            // The script did not run: no form was built.
            assert!(c.find(Locator::Css("#analysis-form")).await.is_err());
            find(c, "main a[href='/docs']").await;
            c.goto(&format!("{base}{location}/report")).await.unwrap();
            let heading = find(c, "h1").await.text().await.unwrap();
            assert!(heading.contains("wireless headphones"), "{heading}");
        })
        .await;
    app.stop().await;
}
