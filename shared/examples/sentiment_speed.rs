//! Times the sentiment classifier: the warm-path bench's Slack mention, and every mention of
//! the eval set and complaints_dev, best of 5 rounds (run in release); the rules alone (the
//! classifier before issue 24's learned model) and the rules with the model, side by side in
//! one run, alternating.
//!
//! `cargo run --release -p sarafan-core --example sentiment_speed`

use sarafan_core::listening::learned;
use sarafan_core::listening::{classify_by_rules, classify_in, detect_language, Lang, SentimentResult};
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

type Classifier = fn(&str, Option<Lang>) -> SentimentResult;

/// Best of 5 rounds for each classifier, the rounds interleaved so both see the same load.
fn best_ns_per_call(texts: &[(String, Option<Lang>)], rounds: usize, classifiers: [Classifier; 2]) -> [f64; 2] {
    let mut best = [f64::INFINITY; 2];
    for _ in 0..5 {
        for (k, classify) in classifiers.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..rounds {
                for (text, lang) in texts {
                    black_box(classify(black_box(text), *lang));
                }
            }
            best[k] = best[k].min(start.elapsed().as_nanos() as f64 / (rounds * texts.len()) as f64);
        }
    }
    best
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
    let classifiers: [Classifier; 2] = [classify_by_rules, classify_in];
    let [rules, both] = best_ns_per_call(&one, 300_000, classifiers);
    println!(
        "slack mention: rules {rules:.0} ns, rules and model {both:.0} ns ({:.2}x)",
        both / rules
    );
    let [rules, both] = best_ns_per_call(&mentions, 300, classifiers);
    println!(
        "{} mentions: rules {rules:.0} ns each, rules and model {both:.0} ns ({:.2}x)",
        mentions.len(),
        both / rules
    );
    // The model is asked only when the rules' sum is under the blend's hold either way (the
    // Slack mention's praise is explicit: it is not asked): the cost where it is.
    let hold = learned::embedded().map_or(f32::INFINITY, |m| m.thresholds.rules_hold);
    let unsure: Vec<_> = mentions
        .iter()
        .filter(|(text, lang)| classify_by_rules(text, *lang).score.abs() < hold / (hold * hold + 4.0).sqrt())
        .cloned()
        .collect();
    let [rules, both] = best_ns_per_call(&unsure, 300, classifiers);
    println!(
        "{} of them the model is asked about: rules {rules:.0} ns each, rules and model {both:.0} ns ({:.2}x)",
        unsure.len(),
        both / rules
    );
}
