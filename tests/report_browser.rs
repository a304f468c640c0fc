//! The demo's report looked at in headless Chromium, as a phone (375 px) and a laptop (1280 px)
//! show it: nothing wider than the screen, every chart whole and inside it, the summary first.
//! Screenshots of each width, top to bottom, go to `target/tmp/report-browser/` for a person.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/demo.rs"]
mod demo;

use browser::Browser;
use serde_json::Value;
use std::path::Path;

/// What the page looks like to the browser at the current viewport, measured in the page.
const LAYOUT: &str = r#"
const doc = document.documentElement;
const width = doc.clientWidth;
const label = e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.textContent || '').trim().slice(0, 40);
// The box that lets a person scroll sideways to what it holds (overflow-x auto or scroll).
const scroller = e => {
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    const x = getComputedStyle(a).overflowX;
    if (x === 'auto' || x === 'scroll') return a;
  }
  return null;
};
// Whether an ancestor that clips (overflow not visible) hides part of the element.
const clippedBy = e => {
  const r = e.getBoundingClientRect();
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    const s = getComputedStyle(a);
    if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
    const b = a.getBoundingClientRect();
    if (r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5) return a;
  }
  return null;
};
const all = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().width > 0);
// Drawn past the screen's edges, or cut off by a box, unless it is inside a box that scrolls
// sideways (then a swipe shows it: named in `scrolls`, for the test to allow by name).
const beyond = all
  .filter(e => { const r = e.getBoundingClientRect(); return (r.right > width + 0.5 || r.left < -0.5) && !scroller(e); })
  .map(label);
const cut = all.filter(e => clippedBy(e) && !scroller(e)).map(label);
const scrolls = [...new Set(all.filter(e => clippedBy(e) && scroller(e)).map(e => label(scroller(e).querySelector('tr'))))];
const charts = [...document.images].map(img => {
  const r = img.getBoundingClientRect();
  // Cut off: an ancestor that clips (overflow not visible) and is smaller than the image.
  return {alt: img.alt, complete: img.complete, natural: [img.naturalWidth, img.naturalHeight],
          left: r.left, right: r.right, width: r.width, height: r.height,
          clipped: clippedBy(img) !== null, scrolled: scroller(img) !== null};
});
const summary = document.getElementById('summary');
const firstSection = document.querySelector('h2');
return {
  width, scrollWidth: doc.scrollWidth, scrollHeight: doc.scrollHeight, beyond, cut, scrolls, charts,
  summaryText: summary ? summary.innerText : null,
  summaryTop: summary ? summary.getBoundingClientRect().top + window.scrollY : null,
  firstSectionTop: firstSection ? firstSection.getBoundingClientRect().top + window.scrollY : null,
};
"#;

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

#[tokio::test]
async fn the_demo_report_fits_a_phone_and_a_laptop_with_every_chart_whole_and_the_summary_first() {
    let dir = tempfile::tempdir().unwrap();
    let report = demo::demo(dir.path()).report;
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let browser = Browser::start().await;
    for (width, height) in [(375u32, 812u32), (1280, 900)] {
        browser.set_viewport(width, height).await;
        browser.goto(&format!("file://{}", report.display())).await;
        let page = browser.eval(LAYOUT).await;
        let at = format!("at {width} px");
        // No horizontal scrolling: the document is no wider than the screen
        assert_eq!(f(&page["width"]), f64::from(width), "{at}: the layout viewport");
        assert_eq!(
            page["beyond"],
            serde_json::json!([]),
            "{at}: drawn past the screen's edge"
        );
        assert_eq!(page["cut"], serde_json::json!([]), "{at}: cut off by their box");
        // Only the cohort table (twelve columns of months) may need a sideways swipe, and only
        // on the phone; at 1280 px everything shows at once
        let scrolls: Vec<&str> = page["scrolls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        eprintln!("{at}: scrolls sideways: {scrolls:?}");
        match width {
            375 => assert!(
                scrolls.iter().all(|s| s.starts_with("TR Cohort")),
                "{at}: sideways scrolling: {scrolls:?}"
            ),
            _ => assert!(scrolls.is_empty(), "{at}: sideways scrolling: {scrolls:?}"),
        }
        assert!(
            f(&page["scrollWidth"]) <= f(&page["width"]),
            "{at}: the page is {} px wide, wider than the screen",
            page["scrollWidth"]
        );
        // Six charts, each loaded, inside the screen, at its own proportions and not clipped
        let charts = page["charts"].as_array().unwrap();
        assert_eq!(charts.len(), 6, "{at}: {charts:?}");
        for c in charts {
            let name = &c["alt"];
            assert_eq!(c["complete"], true, "{at}: {name} did not load");
            let (nw, nh) = (f(&c["natural"][0]), f(&c["natural"][1]));
            assert_eq!((nw, nh), (1200.0, 560.0), "{at}: {name}");
            assert!(
                f(&c["left"]) >= 0.0 && f(&c["right"]) <= f64::from(width),
                "{at}: {name} {c}"
            );
            assert!(
                f(&c["width"]) >= f64::from(width.min(600)) * 0.8,
                "{at}: {name} shrunk: {c}"
            );
            let shown = f(&c["height"]) / f(&c["width"]);
            assert!((shown - nh / nw).abs() < 0.01, "{at}: {name} squashed or cut: {c}");
            assert_eq!(c["clipped"], false, "{at}: {name} cut off by its container");
            assert_eq!(c["scrolled"], false, "{at}: {name} needs a sideways swipe");
        }
        // The summary comes first, with its verdicts on NPS, the response rate and r
        let summary = page["summaryText"].as_str().expect("a summary");
        for words in [
            "Against last month",
            "Against the same month last year",
            "Response rate in chats",
            "Compounding rate r",
        ] {
            assert!(summary.contains(words), "{at}: the summary lacks {words:?}: {summary}");
        }
        assert!(
            ["within noise", "a real rise", "a real fall"]
                .iter()
                .any(|v| summary.contains(v)),
            "{at}: no verdict: {summary}"
        );
        assert!(
            f(&page["summaryTop"]) < f(&page["firstSectionTop"]),
            "{at}: the summary is not above the first section"
        );
        // Screenshots, one screen at a time, for a person to look at
        let full = f(&page["scrollHeight"]) as u32;
        let mut top = 0;
        let mut n = 0;
        while top < full {
            browser
                .eval(&format!("window.scrollTo(0, {top}); return window.scrollY;"))
                .await;
            let png = browser.screenshot_png().await;
            assert!(png.starts_with(b"\x89PNG"), "{at}: a PNG screenshot");
            std::fs::write(shots.join(format!("report-{width}-{n:02}.png")), png).unwrap();
            top += height;
            n += 1;
        }
        eprintln!("{at}: {n} screenshots in {}", shots.display());
    }
    browser.quit().await;
}
