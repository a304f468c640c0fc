//! Times the sentiment classifier: the warm-path bench's Slack mention, and every mention of
//! the eval set and complaints_dev, best of 5 rounds (run in release).
//!
//! `cargo run --release -p sarafan-core --example sentiment_speed`

use sarafan_core::listening::{classify_in, detect_language};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn best_ns_per_call(texts: &[(String, Option<sarafan_core::listening::Lang>)], rounds: usize) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..rounds {
                for (text, lang) in texts {
                    black_box(classify_in(black_box(text), *lang));
                }
            }
            start.elapsed().as_nanos() as f64 / (rounds * texts.len()) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let slack: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("slack/message_channel.json")).unwrap()).unwrap();
    let text = slack["event"]["text"].as_str().unwrap().to_string();
    let lang = detect_language(&text, None);
    let one = vec![(text, lang)];
    let mut mentions = Vec::new();
    for dir in ["sentiment", "sentiment/complaints_dev"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "tsv") {
                let code = path.file_stem().unwrap().to_string_lossy().to_string();
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    if let Some((_, text)) = line.split_once('\t') {
                        mentions.push((text.to_string(), detect_language(text, Some(&code))));
                    }
                }
            }
        }
    }
    println!("slack mention: {:.0} ns", best_ns_per_call(&one, 300_000));
    println!(
        "{} mentions: {:.0} ns each",
        mentions.len(),
        best_ns_per_call(&mentions, 300)
    );
}
