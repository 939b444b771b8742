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

#[path = "support/browser.rs"]
mod browser;
mod support;

use std::path::PathBuf;
use std::time::Duration;

use browser::{
    Browser, assert_no_dialog, attr, browser_or_skip, click, find, js, open, report_heading_in,
    screenshot_if_asked, text_of, type_into, wait_text,
};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use support::llm_server::{LlmServer, Reply, agent_toml_with_llm, grounded, ok};
use support::{TestApp, write_catalog};

/// Runs `test` in `browser` on the new-analysis form of an application whose optional
/// LLM stage is on, its model answering after a pause long enough for a loaded
/// machine: the stages are seen moving while an analysis runs.
async fn on_the_form_with_a_slow_llm_stage<F>(browser: Browser, name: &str, test: F)
where
    F: AsyncFnOnce(&Client, &TestApp),
{
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
    browser
        .run(name, app, async |c: &Client, app: &TestApp| {
            open(c, app, "/#/").await;
            find(c, "#f-query").await;
            test(c, app).await
        })
        .await;
}

/// An application with one worker and a completed analysis of "wireless headphones":
/// the application, the analysis's location and its id.
async fn app_with_a_completed_analysis() -> (TestApp, String, String) {
    let app = TestApp::spawn(1).await;
    let location = app.submit(&json!({"query": "wireless headphones"})).await;
    let done = app.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    (app, location, id)
}

/// The values of the attributes `names` of each element `css`, in page order.
async fn attrs_of_each(c: &Client, css: &str, names: [&str; 2]) -> Vec<(String, String)> {
    let mut values = Vec::new();
    for element in c.find_all(Locator::Css(css)).await.unwrap() {
        let [a, b] = names;
        values.push((
            attr(&element, a).await.expect(a),
            attr(&element, b).await.expect(b),
        ));
    }
    values
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysis_goes_from_the_form_to_the_report_the_feedback_and_the_history() {
    let browser = browser_or_skip!();
    on_the_form_with_a_slow_llm_stage(
        browser,
        "form_to_feedback",
        async |c: &Client, app: &TestApp| {
            // The form's choices come from the active configuration.
            let sources = c
                .find_all(Locator::Css("#f-sources input[name=sources]"))
                .await
                .unwrap();
            assert!(!sources.is_empty(), "the enabled sources are offered");

            // The API's validation message appears next to its field.
            type_into(c, "#f-query", "wireless headphones").await;
            type_into(c, "#f-min_price", "-5").await;
            click(c, "#submit-analysis").await;
            let message = wait_text(c, "#err-min_price", |t| !t.is_empty()).await;
            assert!(message.contains("negative"), "{message}");
            let min_price = find(c, "#f-min_price").await;
            assert_eq!(
                attr(&min_price, "aria-invalid").await.as_deref(),
                Some("true")
            );
            screenshot_if_asked(c, "new-error-1280.png").await;
            min_price.clear().await.unwrap();
            min_price.send_keys("10").await.unwrap();
            type_into(c, "#f-max_price", "900").await;
            click(c, "#submit-analysis").await;

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
            let mode = text_of(c, "#live-mode").await;
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
            let shown =
                attrs_of_each(c, "#stages li[data-stage]", ["data-stage", "data-state"]).await;
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
                attr(&frame, "src").await,
                Some(format!("/v1/analyses/{id}/report"))
            );
            assert_eq!(attr(&frame, "sandbox").await.as_deref(), Some(""));
            let json_link = find(c, "#download-json").await;
            assert_eq!(
                attr(&json_link, "href").await,
                Some(format!("/v1/analyses/{id}/result"))
            );
            let report_heading = report_heading_in(c, "#report-frame").await;
            assert!(
                !report_heading.is_empty(),
                "the report renders in its frame"
            );

            // Feedback.
            click(c, "#feedback-form input[name=rating][value='4']").await;
            click(c, "#feedback-form input[name=useful][value='yes']").await;
            type_into(c, "#f-comment", "Clear price tiers").await;
            click(c, "#send-feedback").await;
            wait_text(c, "#feedback-status", |t| t.contains("recorded")).await;
            let summary = app.get_json("/v1/feedback/summary").await;
            assert_eq!(summary["by_variant"][0]["count"], 1, "{summary}");

            // History: found by its text, not under another status.
            open(c, app, "/#/history").await;
            type_into(c, "#h-q", "WIRELESS").await;
            click(c, "#history-filters button[type=submit]").await;
            let row = text_of(c, &format!("#history-table tr[data-id='{id}']")).await;
            assert!(row.contains("wireless headphones"), "{row}");
            click(c, "#history-table a").await;
            wait_text(c, "#analysis-status", |t| t.contains("completed")).await;
            open(c, app, "/#/history?q=wireless&status=failed").await;
            wait_text(c, "#history-results", |t| t.contains("No analysis matches")).await;
            assert_no_dialog(c).await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_product_data_and_queries_is_shown_as_text() {
    let browser = browser_or_skip!();
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
    let location = app.submit(&json!({ "query": "speaker" })).await;
    let done = app.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    // A query holding markup (it matches nothing: its failure message quotes it).
    let query = "speaker <img src=x onerror=alert(6)>";
    let location = app.submit(&json!({ "query": query })).await;
    let failed = app.wait_done(&location).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let failed_id = failed["id"].as_str().unwrap().to_owned();
    browser
        .run("markup_as_text", app, async |c: &Client, app: &TestApp| {
            open(c, app, &format!("/#/analyses/{id}")).await;
            let title = wait_text(c, "#products .product-title", |t| t.contains("Speaker")).await;
            assert_eq!(title, TITLE, "the title is shown exactly, as text");
            let products = text_of(c, "#products").await;
            assert!(products.contains("\"><img src=x onerror=alert(3)>"), "{products}");
            open(c, app, &format!("/#/analyses/{failed_id}")).await;
            wait_text(c, "#analysis-status", |t| t.contains("failed")).await;
            assert_eq!(text_of(c, "h1").await, query);
            let message = text_of(c, "#outcome .alert").await;
            assert!(message.contains(query), "{message}");
            open(c, app, "/#/history").await;
            let row = text_of(c, &format!("#history-table tr[data-id='{failed_id}'] a")).await;
            assert_eq!(row, query);
            open(c, app, &format!("/#/analyses/{id}")).await;
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_desktop_and_phone_widths() {
    let browser = browser_or_skip!();
    let (app, _, id) = app_with_a_completed_analysis().await;
    let created = app
        .post_to(
            "/v1/admin/experiments",
            &json!({"name": "prompt-test", "variants": [
                {"name": "control", "weight": 50}, {"name": "treatment", "weight": 50}
            ]}),
        )
        .await;
    let experiment: Value = created.json().await.unwrap();
    let experiment_id = experiment["id"].as_str().unwrap_or_default().to_owned();
    let shots = std::env::var_os("MARKETLENS_UI_SCREENSHOTS").map(PathBuf::from);
    browser
        .run("layout", app, async |c: &Client, app: &TestApp| {
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
                    open(c, app, path).await;
                    find(c, ready).await;
                    if *name == "analysis" {
                        // The report has loaded in its frame.
                        report_heading_in(c, "#report-frame").await;
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
            open(c, app, "/#/").await;
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_is_entered_once_and_sent_with_every_request() {
    let browser = browser_or_skip!();
    let (app, _, id) = app_with_a_completed_analysis().await;
    browser
        .run("api_key", app, async |c: &Client, app: &TestApp| {
            open(c, app, "/#/history").await;
            find(c, "#history-table").await;
            click(c, "#key-panel summary").await;
            type_into(c, "#api-key", "k-123 secret").await;
            click(c, "#key-form button[type=submit]").await;
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
            assert_eq!(attr(&frame, "src").await, None);
            assert!(!report_heading_in(c, "#report-frame").await.is_empty());
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
            click(c, "#key-panel summary").await;
            click(c, "#key-forget").await;
            wait_text(c, "#key-state", |t| t.contains("(none)")).await;
            let stored = js(c, "return sessionStorage.getItem('marketlens.apiKey')").await;
            assert_eq!(stored, Value::Null);
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_polled_when_the_event_stream_is_unavailable() {
    let browser = browser_or_skip!();
    on_the_form_with_a_slow_llm_stage(browser, "polling", async |c: &Client, _: &TestApp| {
        // A network path that drops event streams (some proxies do).
        js(
            c,
            "const plain = window.fetch; \
                 window.fetch = (url, options) => String(url).endsWith('/events') \
                   ? Promise.reject(new TypeError('stream blocked')) : plain(url, options); \
                 return true",
        )
        .await;
        type_into(c, "#f-query", "wireless headphones").await;
        click(c, "#submit-analysis").await;
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_through_every_analysis_newest_first() {
    let browser = browser_or_skip!();
    // No worker: the analyses stay queued, which is all a history needs.
    let app = TestApp::spawn(0).await;
    for i in 1..=25 {
        app.submit(&json!({ "query": format!("query number {i}") }))
            .await;
    }
    browser
        .run("history_pages", app, async |c: &Client, app: &TestApp| {
            open(c, app, "/#/history").await;
            find(c, "#history-table").await;
            let queries = listed_queries(c).await;
            assert_eq!(queries.len(), 20);
            assert_eq!(queries[0], "query number 25", "newest first");
            let pager = text_of(c, "nav.pager").await;
            assert!(pager.contains("Page 1 of 2 (25 analyses)"), "{pager}");
            click(c, "nav.pager a[rel=next]").await;
            wait_text(c, "nav.pager", |t| t.contains("Page 2 of 2")).await;
            let queries = listed_queries(c).await;
            let expected: Vec<String> =
                (1..=5).rev().map(|i| format!("query number {i}")).collect();
            assert_eq!(queries, expected);
            // The status filter and the search combine with the pages.
            open(c, app, "/#/history?q=number%202&status=queued").await;
            wait_text(c, "nav.pager", |t| t.contains("(7 analyses)")).await;
        })
        .await;
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
    let browser = browser_or_skip!(javascript: false);
    let (app, location, _) = app_with_a_completed_analysis().await;
    browser
        .run("no_javascript", app, async |c: &Client, app: &TestApp| {
            open(c, app, "/").await;
            let notice = text_of(c, "main").await;
            assert!(notice.contains("needs JavaScript"), "{notice}");
            assert!(
                notice.contains("/v1/analyses/<analysis id>/report"),
                "{notice}"
            );
            // The script did not run: no form was built.
            assert!(c.find(Locator::Css("#analysis-form")).await.is_err());
            find(c, "main a[href='/docs']").await;
            open(c, app, &format!("{location}/report")).await;
            let heading = text_of(c, "h1").await;
            assert!(heading.contains("wireless headphones"), "{heading}");
        })
        .await;
}
