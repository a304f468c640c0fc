//! Scoring the sentiment classifier against labelled sentences (the eval set's arithmetic, no I/O).

use super::sentiment::{classify, Sentiment, SentimentResult, UnknownSentiment};
use super::{detect_language, Lang};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One line of an eval file: `label<TAB>text`.
#[derive(Debug, Clone, PartialEq)]
pub struct Labelled {
    pub label: Sentiment,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixtureError {
    #[error("line {line}: expected `label<TAB>text`")]
    MissingTab { line: usize },
    #[error("line {line}: {source}")]
    Label { line: usize, source: UnknownSentiment },
}

/// Reads an eval file's text. Blank lines and lines starting with `#` are skipped.
pub fn parse_fixture(contents: &str) -> Result<Vec<Labelled>, FixtureError> {
    let mut out = Vec::new();
    for (index, raw) in contents.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let (label, text) = raw.split_once('\t').ok_or(FixtureError::MissingTab { line })?;
        let label = label.parse().map_err(|source| FixtureError::Label { line, source })?;
        out.push(Labelled {
            label,
            text: text.to_string(),
        });
    }
    Ok(out)
}

/// Issue 24's target for one language of a blind set: at least 85% of its complaints heard and at
/// most 5% of its neutral mentions called complaints (`recall`, `false_alarms`: shares, 0 to 1).
pub fn meets_issue_24_target(recall: f64, false_alarms: f64) -> bool {
    recall >= 0.85 - 1e-9 && false_alarms <= 0.05 + 1e-9
}

/// Counts of (expected, predicted) pairs for one language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Confusion {
    counts: [[usize; 3]; 3],
    /// The sentences got wrong, for the eval's report.
    pub misses: Vec<(Sentiment, Sentiment, String)>,
}

fn index(s: Sentiment) -> usize {
    match s {
        Sentiment::Positive => 0,
        Sentiment::Neutral => 1,
        Sentiment::Negative => 2,
    }
}

impl Confusion {
    pub fn add(&mut self, expected: Sentiment, predicted: Sentiment, text: &str) {
        self.counts[index(expected)][index(predicted)] += 1;
        if expected != predicted {
            self.misses.push((expected, predicted, text.to_string()));
        }
    }

    pub fn count(&self, expected: Sentiment, predicted: Sentiment) -> usize {
        self.counts[index(expected)][index(predicted)]
    }

    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum()
    }

    pub fn correct(&self) -> usize {
        (0..3).map(|i| self.counts[i][i]).sum()
    }

    pub fn accuracy(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            n => self.correct() as f64 / n as f64,
        }
    }
}

/// The classifier's results on a whole eval set, per language (by ISO code).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub by_lang: BTreeMap<String, Confusion>,
}

impl Evaluation {
    /// Classifies each sentence with its file's language as the hint, as a mention's `lang`
    /// field would give it.
    pub fn run(&mut self, lang: &str, sentences: &[Labelled]) {
        let confusion = self.by_lang.entry(lang.to_string()).or_default();
        for sentence in sentences {
            let got = classify(&sentence.text, Some(lang)).sentiment;
            confusion.add(sentence.label, got, &sentence.text);
        }
    }

    /// [`Evaluation::run`] with another classifier (`sentiment::classify_by_rules`, the rules
    /// alone), the language read the same way.
    pub fn run_with(
        &mut self,
        lang: &str,
        sentences: &[Labelled],
        classifier: fn(&str, Option<Lang>) -> SentimentResult,
    ) {
        let confusion = self.by_lang.entry(lang.to_string()).or_default();
        for sentence in sentences {
            let got = classifier(&sentence.text, detect_language(&sentence.text, Some(lang))).sentiment;
            confusion.add(sentence.label, got, &sentence.text);
        }
    }

    /// Per language and overall: complaints called negative, neutral mentions called
    /// negative (false staff alerts) and accuracy, as a plain-text table.
    pub fn complaint_table(&self) -> String {
        let mut out = String::from("lang     n  complaint recall      neutral called complaint   accuracy\n");
        let overall = self.overall();
        for (lang, c) in self.by_lang.iter().chain([(&"all".to_string(), &overall)]) {
            let (complaints, neutral) = (c.row(Sentiment::Negative), c.row(Sentiment::Neutral));
            let heard = c.count(Sentiment::Negative, Sentiment::Negative);
            let alarms = c.count(Sentiment::Neutral, Sentiment::Negative);
            let _ = writeln!(
                out,
                "{lang:<4} {:>5}  {:>6.1}% ({heard:>3}/{complaints:<3})    {:>6.1}% ({alarms:>2}/{neutral:<3})          {:>6.1}%",
                c.total(),
                percent(heard, complaints),
                percent(alarms, neutral),
                c.accuracy() * 100.0
            );
        }
        out
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

impl Confusion {
    /// How many sentences had `expected` as their label.
    pub fn row(&self, expected: Sentiment) -> usize {
        self.counts[index(expected)].iter().sum()
    }
}

impl Evaluation {
    /// Complaint recall over all languages (complaints called negative, of all complaints).
    pub fn complaint_recall(&self) -> f64 {
        let overall = self.overall();
        percent(
            overall.count(Sentiment::Negative, Sentiment::Negative),
            overall.row(Sentiment::Negative),
        ) / 100.0
    }

    /// Neutral mentions called negative, over all languages.
    pub fn false_alarms(&self) -> usize {
        self.overall().count(Sentiment::Neutral, Sentiment::Negative)
    }

    pub fn overall(&self) -> Confusion {
        let mut all = Confusion::default();
        for confusion in self.by_lang.values() {
            for (row, counts) in confusion.counts.iter().enumerate() {
                for (col, n) in counts.iter().enumerate() {
                    all.counts[row][col] += n;
                }
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_lines_parse_and_bad_lines_are_named() {
        let parsed = parse_fixture("# comment\npositive\tGreat!\n\nnegative\tAwful.\n").unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].label, Sentiment::Negative);
        assert_eq!(
            parse_fixture("positive Great"),
            Err(FixtureError::MissingTab { line: 1 })
        );
        assert!(matches!(
            parse_fixture("ok\tfine"),
            Err(FixtureError::Label { line: 1, .. })
        ));
    }

    const LANGS: [&str; 11] = ["en", "ru", "uk", "cs", "sk", "pl", "hr", "sr", "de", "es", "fr"];

    /// Runs the classifier over one directory of `tests/fixtures/sentiment`.
    fn evaluate(dir: &str) -> Evaluation {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/sentiment");
        let mut evaluation = Evaluation::default();
        for lang in LANGS {
            let path = root.join(dir).join(format!("{lang}.tsv"));
            let contents = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let sentences = parse_fixture(&contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            evaluation.run(lang, &sentences);
        }
        evaluation
    }

    #[test]
    fn eval_set_is_large_and_balanced_enough_to_mean_something() {
        let evaluation = evaluate(".");
        for lang in LANGS {
            let confusion = &evaluation.by_lang[lang];
            assert!(confusion.total() >= 40, "{lang}: only {} sentences", confusion.total());
            for label in Sentiment::ALL {
                let n: usize = Sentiment::ALL.iter().map(|p| confusion.count(label, *p)).sum();
                assert!(n >= 12, "{lang}: only {n} {} sentences", label.as_str());
            }
        }
    }

    #[test]
    fn eval_set_accuracy_stays_above_its_floor() {
        // GIVEN the labelled eval set (tests/fixtures/sentiment/*.tsv)
        let evaluation = evaluate(".");
        // THEN three-class accuracy stays at or above 95% overall and 85% in each language
        let overall = evaluation.overall().accuracy();
        assert!(overall >= 0.95, "overall accuracy {overall:.3}");
        for (lang, confusion) in &evaluation.by_lang {
            assert!(
                confusion.accuracy() >= 0.85,
                "{lang}: {:.3}, misses {:#?}",
                confusion.accuracy(),
                confusion.misses
            );
        }
    }

    #[test]
    fn holdout_sets_stay_above_the_floor_too() {
        // Written after the lexicons and then tuned on (docs/sentiment.md): regressions here
        // mean a change broke something that used to work.
        for dir in ["holdout", "holdout2", "holdout3"] {
            let overall = evaluate(dir).overall().accuracy();
            assert!(overall >= 0.90, "{dir} accuracy {overall:.3}");
        }
        // holdout4, the earlier blind set of opinions told as facts, whose misses led to cues.
        let overall = evaluate("holdout4").overall().accuracy();
        assert!(overall >= 0.55, "holdout4 accuracy {overall:.3}");
    }

    #[test]
    fn natural_mentions_never_seen_in_tuning_meet_the_target() {
        // GIVEN the blind set of mentions as customers write them (natural/), written by
        // someone who had not seen the classifier, never tuned on (docs/sentiment.md)
        let evaluation = evaluate("natural");
        // THEN three-class accuracy is at least the 85% target overall (first run 94.5%)
        let overall = evaluation.overall().accuracy();
        assert!(overall >= 0.85, "natural accuracy {overall:.3}");
        for (lang, confusion) in &evaluation.by_lang {
            assert!(confusion.accuracy() >= 0.80, "{lang}: {:.3}", confusion.accuracy());
        }
    }

    #[test]
    fn implicit_set_accuracy_does_not_fall_below_its_last_blind_run() {
        // Opinions told only as facts (implicit/), never tuned on: 37.0% before cues, 45.5%
        // with them (cues written without seeing the set). A regression guard, not a target.
        // With issue 24's linear model (never trained on it either): 64.2%. With the network
        // that replaced it (chosen for at most 5% false alarms per language and the stress
        // set's guard, which leave its praise almost unused): 55.8%, a fall of 8.4 points
        // (docs/sentiment.md says why). With the eighth session's network (trained on the spent
        // blind sets too; Italian and Portuguese lexicons): 60.0%. With the ninth session's
        // (complaints_blind4 and train5 trained on; the stress guard kept one language at a
        // time): 61.2%. With the tenth session's (Cyrillic latinized and word stems as features;
        // complaints_blind5 and train6 trained on): 63.6%, the floor until the eleventh session.
        // With complaints_blind8, complaints_blind9, train9 and train10 trained on, no seed of 120
        // kept 63.6% (the mean over seeds is about 60%; in the tenth session's fourth round, with
        // two of those sets, the best of 120 was 62.4%), and 63.6% had vetoed every seed over two
        // mentions of 165. So (the coordinator's rule, docs/sentiment.md) a seed may ship from
        // 61.8% (102 of 165, three mentions under the old floor: the set's noise at this size),
        // and the floor is the shipped model's figure: 62.4% (103 of 165), the first round's and
        // its second's (seed 15, with complaints_blind10 trained on; the mean over seeds 1-120
        // is 59.7%). The twelfth session's (seed 105; complaints_blind11 and train12 trained on,
        // the mean over seeds 1-120 59.4%, and 1 of 120 reaching 61.8%): 61.8% (102 of 165), so
        // the floor follows it, one mention under the 62.4% before. The thirteenth session
        // (seed 67; complaints_blind12 and train13 trained on): the mean over seeds 1-120 is
        // 59.3%, as the twelfth's 59.4%, and 1 of 120 seeds reaches 61.8%, and it fails the unit
        // tests' sentences; choosing the seed on this set had become a pick of its noise's tail
        // (1 of 120 seeds, two sessions running), so the seed is chosen on the dev split alone
        // now, and the floor is the shipped model's figure: 60.6% (100 of 165), two mentions
        // under the 61.8% before. Its second round (seed 65, complaints_blind13 trained on too;
        // the mean over seeds 1-120 59.2%, the best 61.2%), chosen by the same rule: 60.0% (99 of
        // 165), one mention under the first round's 60.6%. Its third round (seed 1,
        // complaints_blind14 and train14 trained on too; the mean over seeds 1-80 58.8%, the best
        // 61.2%), by the same rule: 59.4% (98 of 165), one mention under the second round's.
        // The fourteenth session's model (two networks averaged, seed 1; complaints_blind15 and
        // train15 trained on too; the mean over seeds 1-30 60.8%, against 59.9% for one network
        // over seeds 1-60 on the same data), by the same rule: 60.6% (100 of 165), two mentions
        // over the third round's, so the floor rises to it. The fifteenth session's (two networks,
        // seed 12; complaints_blind16 trained on too; the mean over seeds 1-40 60.3%), by the same
        // rule: 60.0% (99 of 165), one mention under the fourteenth's. Its second round (seed 10;
        // "neither good nor bad" read as lukewarm, complaints_blind17 trained on too; the mean
        // over seeds 1-30 60.0%): 60.6% (100 of 165), and the floor rises to it again. Its third
        // round (the same seed; firm complaints voidable per language; the mean over seeds 1-30
        // 60.7%): 61.2% (101 of 165). Its last round (seed 1; the lukewarm rule narrowed to each
        // language's "neither ... nor" and the firm thresholds chosen with the blend; the mean
        // over seeds 1-20 60.7%): 62.4% (103 of 165). The sixteenth session's (the same seed and
        // data; the stress set's guard may raise a language's plain mentions' threshold; the mean
        // over seeds 1-20 61.0%): 62.4% (103 of 165), the same. The eighteenth session's (seed
        // 25; the spent sets to complaints_blind22 trained on without their Ukrainian files, the
        // thresholds chosen on the blind sets' dev fifths; the mean over seeds 1-40 61.6%), by the
        // same rule: 60.6% (100 of 165), three mentions under the sixteenth's.
        let overall = evaluate("implicit").overall().accuracy();
        assert!(overall >= 0.606, "implicit accuracy {overall:.3}");
    }

    #[test]
    fn neutral_mentions_written_to_trip_the_cues_rarely_raise_an_alarm() {
        // GIVEN the stress set (adversarial/): neutral mentions written after reading the cue
        // patterns, with their words in neutral senses (dates, weekdays, intervals, plans)
        let overall = evaluate("adversarial").overall();
        // THEN at most 5% of them come out polar (the classifier before cues: 7 of 165), and
        // its praise and complaints stay right
        let called_polar = overall.count(Sentiment::Neutral, Sentiment::Positive)
            + overall.count(Sentiment::Neutral, Sentiment::Negative);
        assert!(called_polar <= 8, "{called_polar} neutral stress mentions called polar");
        assert!(
            overall.accuracy() >= 0.88,
            "stress set accuracy {:.3}",
            overall.accuracy()
        );
    }

    /// Complaints called complaints and neutral mentions called complaints, over a set.
    fn complaint_figures(evaluation: &Evaluation) -> (f64, usize) {
        let overall = evaluation.overall();
        let negatives: usize = Sentiment::ALL
            .iter()
            .map(|p| overall.count(Sentiment::Negative, *p))
            .sum();
        let recall = overall.count(Sentiment::Negative, Sentiment::Negative) as f64 / negatives as f64;
        (recall, overall.count(Sentiment::Neutral, Sentiment::Negative))
    }

    #[test]
    fn complaints_written_for_issue_24_are_heard_in_development() {
        // GIVEN complaints_dev/ (issue 24's development set, tuned on): 20 complaints, 12 praise
        // and 8 neutral mentions per language, most of them opinions told as facts
        let evaluation = evaluate("complaints_dev");
        let (recall, false_alarms) = complaint_figures(&evaluation);
        // THEN the complaint recall and false alarms stay where the cues left them (46.1%
        // accuracy and 34% recall before them; 66.1% and 69.1% with them, no false alarm)
        assert!(recall >= 0.68, "complaints_dev recall {recall:.3}");
        assert!(
            false_alarms == 0,
            "{false_alarms} neutral complaints_dev mentions called negative"
        );
        let accuracy = evaluation.overall().accuracy();
        assert!(accuracy >= 0.65, "complaints_dev accuracy {accuracy:.3}");
    }

    #[test]
    fn complaints_blind_trained_on_since_its_blind_runs_stays_above_its_floor() {
        // GIVEN complaints_blind/, issue 24's first blind set: its two blind runs gave complaint
        // recall 37.3% -> 51.8%, 9 of 88 neutral mentions called complaints, accuracy 54.1%
        // (docs/sentiment.md keeps them). Since the eighth session the model trains on four
        // fifths of it, so it guards no blind figure any more: this is a regression floor on
        // data the model was trained on, not a measure of new text.
        let evaluation = evaluate("complaints_blind");
        let (recall, false_alarms) = complaint_figures(&evaluation);
        // THEN it stays where the shipped model leaves it. Until the eighteenth session the
        // fifteenth session's last round (two networks averaged, seed 1, "neither good nor bad"
        // read as lukewarm, firm complaints voidable per language) left it at 215 of 220
        // complaints heard, 2 of 88 neutral mentions called complaints, accuracy 78.4% (211, 6
        // and 76.8% before that session;
        // docs/sentiment.md, "Trained-on floors"). The accuracy fell with the tenth session's word
        // stems: the model recites less of its training data, most of all its praise, and reads
        // the dev split better; on data trained on that is no measure of new text.
        // The eighteenth session's model (the complaint thresholds chosen on the blind sets' dev
        // fifths alone, every other directory's fifth trained on) hears 208 and calls 2 neutral
        // mentions complaints, accuracy 76.8%: its thresholds are chosen for text like the blind
        // sets', and hear fewer of this set's complaints.
        assert!(recall >= 0.945, "complaints_blind recall {recall:.3}");
        assert!(
            false_alarms <= 2,
            "{false_alarms} neutral complaints_blind mentions called negative"
        );
        let accuracy = evaluation.overall().accuracy();
        assert!(accuracy >= 0.767, "complaints_blind accuracy {accuracy:.3}");
    }

    /// Complaint recall at least, neutral mentions called complaints at most, accuracy at least.
    type Floors = (f64, usize, f64);

    /// The spent blind sets after the first (`complaints_blind2/` to `complaints_blind29/`),
    /// each trained on (four fifths of it; `complaints_blind18/` to `22/` without their Ukrainian
    /// files) since its one blind run, whose figures
    /// docs/sentiment.md keeps with the models run beside it. Here they are a regression floor
    /// on data trained on, not a measure of new text. A row: the set, its neutral mentions, the
    /// floors with the model, the floors of the rules alone. Both are the shipped classifier's
    /// own figures (the eighteenth session's: seed 25, the complaint thresholds chosen on the
    /// blind sets' dev fifths alone); docs/sentiment.md ("Trained-on floors") has the floors
    /// before. That model's thresholds are chosen for text like the blind sets', and on the older
    /// sets it hears up to 3 points fewer complaints than the seventeenth session's classifier
    /// (`complaints_blind14/` 0.986 -> 0.966, `complaints_blind8/` 0.973 -> 0.966), so every row
    /// with the model was set anew from its figures. `complaints_blind18/` to `22/` were held runs
    /// until then and are trained on since (but for their Ukrainian files): they hear more than in
    /// their runs (`complaints_blind18/` 0.845 -> 0.938) and raise fewer false alarms (13 to 15,
    /// against 21 to 37).
    const TRAINED_ON: [(&str, usize, Floors, Floors); 28] = [
        // The twenty-second session's shipped build (11f1bbe3, the spent sets to 29 trained on)
        // calls five of its neutral mentions complaints (was 3): the floor is its figure.
        ("complaints_blind2", 300, (0.946, 5, 0.835), (0.483, 12, 0.63)),
        ("complaints_blind3", 300, (0.953, 3, 0.834), (0.46, 11, 0.617)),
        ("complaints_blind4", 300, (0.96, 1, 0.845), (0.476, 6, 0.638)),
        ("complaints_blind5", 300, (0.953, 3, 0.834), (0.533, 11, 0.648)),
        ("complaints_blind6", 300, (0.953, 6, 0.832), (0.523, 8, 0.65)),
        ("complaints_blind7", 300, (0.96, 2, 0.843), (0.5, 14, 0.635)),
        // The twentieth session's shipped build (14876d1c) calls one neutral mention more a
        // complaint on each of these two (3 and 4): the floors are its figures.
        ("complaints_blind8", 300, (0.966, 3, 0.859), (0.48, 12, 0.642)),
        ("complaints_blind9", 300, (0.943, 4, 0.827), (0.49, 15, 0.621)),
        ("complaints_blind10", 600, (0.946, 2, 0.843), (0.488, 18, 0.641)),
        ("complaints_blind11", 600, (0.95, 6, 0.848), (0.5, 18, 0.652)),
        ("complaints_blind12", 600, (0.946, 11, 0.808), (0.423, 59, 0.557)),
        ("complaints_blind13", 599, (0.956, 11, 0.803), (0.447, 66, 0.554)),
        ("complaints_blind14", 600, (0.966, 10, 0.814), (0.397, 62, 0.54)),
        ("complaints_blind15", 600, (0.945, 15, 0.813), (0.455, 59, 0.578)),
        ("complaints_blind16", 600, (0.949, 16, 0.802), (0.463, 75, 0.559)),
        ("complaints_blind17", 599, (0.966, 19, 0.818), (0.436, 72, 0.559)),
        // Held runs until the eighteenth session (their blind runs' figures are in
        // docs/sentiment.md), trained on since without their Ukrainian files:
        ("complaints_blind18", 600, (0.938, 15, 0.806), (0.435, 62, 0.565)),
        ("complaints_blind19", 599, (0.944, 13, 0.813), (0.424, 67, 0.56)),
        ("complaints_blind20", 599, (0.946, 13, 0.812), (0.463, 74, 0.569)),
        ("complaints_blind21", 600, (0.946, 13, 0.799), (0.415, 64, 0.542)),
        ("complaints_blind22", 600, (0.946, 13, 0.814), (0.457, 63, 0.577)),
        // Held runs (`HELD_RUNS`, each at its one blind run's figures) until the twenty-second
        // session, trained on since, Ukrainian files too; their floors are that session's shipped
        // model's figures (md5 11f1bbe3), not a blind run's. Each comment tells its blind run.
        // 1,440 mentions, committed unread in a364b10; run on the eighteenth session's model
        // (md5 9b6879da: the spent sets to complaints_blind22 trained on without their Ukrainian
        // files, the thresholds chosen on the blind sets' dev fifths, seed 25): 531 of 600 heard,
        // 44 of 600 neutral called complaints, 76.7% (the seventeenth session's classifier
        // beside it 530, 43, 76.7%); rules alone 251, 69, 55.4%. Target met in pl pt sr. The
        // shipped build of that model (861d6ef9: English plain mentions' threshold raised to keep
        // a platform's sample message neutral) gives the same figures.
        ("complaints_blind23", 600, (0.976, 8, 0.835), (0.435, 62, 0.571)),
        // 1,433 mentions, committed unread in c0ddf0c; run on the eighteenth session's shipped
        // build (861d6ef9): 532 of 593 heard, 37 of 600 neutral called complaints, 78.0% (the
        // seventeenth session's classifier beside it 525, 37, 77.5%); rules alone 274, 70, 57.6%.
        // Target met in de en es hr pt sk.
        ("complaints_blind24", 600, (0.967, 2, 0.836), (0.48, 67, 0.589)),
        // 1,438 mentions, committed unread in a19f43e; run on the nineteenth session's model
        // (58c10534: the model's disagreement voids the rules' complaints, `sentiment::DISAGREE`):
        // 538 of 598 heard, 30 of 600 neutral called complaints, 78.0% (the eighteenth session's
        // classifier beside it 539, 32, 77.9%); rules alone 251, 70, 55.1%. Target met in bs cs
        // de en es fr hr pl pt sk sl. The session's shipped 3098f995 (after this set's lines were
        // read): 539, 26, 78.3%.
        ("complaints_blind25", 600, (0.981, 5, 0.831), (0.426, 59, 0.563)),
        // 1,438 mentions, committed unread in 107c713; run on the nineteenth session's second
        // model (3098f995: the disagreement never voids an explicit complaint word, and voids a
        // firm complaint of a longer mention at 0.2): 546 of 599 heard, 38 of 599 neutral called
        // complaints, 76.7% (58c10534's classifier beside it 547, 39, 76.7%; the eighteenth
        // session's 547, 43, 76.4%); rules alone 269, 62, 55.5%. Target met in cs de en fr hr pl
        // sk sr. The twenty-first session's shipped build (eab6979a: one's own doing, dev ceiling
        // 3.5%, seed 126): 545, 30, met in six; its recall is the floor.
        ("complaints_blind26", 599, (0.981, 5, 0.821), (0.47, 57, 0.571)),
        // 1,435 mentions, committed unread in 5f1e82b; run on the twentieth session's model
        // (96472edd: a mention that says neither way is neutral, `sentiment::Facts::neither`; dev
        // false-alarm ceiling 4%): 537 of 596 heard, 23 of 599 neutral called complaints, 78.8%
        // (the nineteenth session's classifier beside it 530, 25, 77.5%); rules alone 264, 55,
        // 57.6%. Target met in bs de en es hr it pl pt ru sk sl sr. The session's shipped build
        // (14876d1c: a review's mends, the opener's plain words restored, seed 56; measured after
        // the run): 539, 27, 78.7%, met in nine (not cs de es fr hr uk); the floors are its. The
        // twenty-first session's shipped build (eab6979a): 530, 22, 78.5%, met in twelve (not cs
        // es uk); its recall and accuracy are the floors.
        ("complaints_blind27", 599, (0.973, 3, 0.831), (0.468, 54, 0.586)),
        // 1,437 mentions, committed unread in b93fa29; run on the twenty-first session's model
        // (eab6979a: a mention that tells the writer's own doing is neutral, `sentiment::Aside`;
        // dev false-alarm ceiling 3.5%; seed 126): 544 of 599 heard, 28 of 598 neutral called
        // complaints, 78.8% (the twentieth session's classifier beside it 553, 33, 79.1%); rules
        // alone 253, 65, 55.8%. Target met in bs cs en es fr hr it ru sl.
        ("complaints_blind28", 598, (0.981, 3, 0.833), (0.44, 65, 0.565)),
        // 1,437 mentions, committed unread in 57da76c; run on the twenty-first session's shipped
        // model (931ac0fe: the sarcastic sandwich, seed 68): 546 of 598 heard, 25 of 599 neutral
        // called complaints, 80.0% (its build before, eab6979a, beside it 540, 26, 79.5%); rules
        // alone 282, 59, 58.9%. Target met in bs cs de es hr it pl pt sk sl uk.
        ("complaints_blind29", 599, (0.973, 3, 0.838), (0.478, 58, 0.594)),
    ];

    /// The blind sets run once and not trained on since, each held at its run's figures: a
    /// regression guard (a used set measures no new text). A row as in `TRAINED_ON`; each set
    /// was written by six writers who saw nothing of the project (complaints_blind12's brief),
    /// committed unread and run once after a model was final and committed, with only aggregate
    /// tables printed; docs/sentiment.md has each run beside the models run with it, and its
    /// per-language table. Issue 24's target (at least 85% heard and at most 5% of neutral
    /// mentions called complaints, per language) was met in the languages named. The sets run
    /// before `complaints_blind30/` are trained on since the twenty-second session (`TRAINED_ON`).
    const HELD_RUNS: [(&str, usize, Floors, Floors); 1] = [
        // 1,439 mentions, committed unread in 8ead53a; run on the twenty-second session's build
        // (68571de: model 11f1bbe3, the spent sets to complaints_blind29 trained on, seed 77; the
        // session's rules after a review's mends): 555 of 599 heard, 35 of 600 neutral called
        // complaints, 79.4% (the twenty-first session's shipped 931ac0fe beside it 555, 46,
        // 78.5%); rules alone 279, 59, 58.5%. Target met in bs en hr it pl sk sl sr.
        ("complaints_blind30", 600, (0.926, 35, 0.793), (0.465, 59, 0.584)),
    ];

    #[test]
    fn blind_sets_run_once_hold_their_runs() {
        // GIVEN each blind set run once and not trained on, run through the classifier as built
        // and the rules alone
        let shortfalls = shortfalls(&HELD_RUNS);
        // THEN neither falls below that run (every set is run; the failures are listed)
        assert!(shortfalls.is_empty(), "{shortfalls:#?}");
    }

    #[test]
    fn spent_blind_sets_trained_on_stay_above_their_floors() {
        // GIVEN each spent blind set, run through the classifier as built and the rules alone
        let shortfalls = shortfalls(&TRAINED_ON);
        // THEN neither falls below its floors (every set is run; the failures are listed)
        assert!(shortfalls.is_empty(), "{shortfalls:#?}");
    }

    /// What of each row's set falls below its floors, with the model and with the rules alone.
    fn shortfalls(rows: &[(&str, usize, Floors, Floors)]) -> Vec<String> {
        let mut out = Vec::new();
        for &(set, neutral, model, rules) in rows {
            let (both, alone) = blind_run(set, neutral);
            out.extend(
                below(&both, model)
                    .into_iter()
                    .map(|s| format!("{set}, rules and model: {s}")),
            );
            out.extend(
                below(&alone, rules)
                    .into_iter()
                    .map(|s| format!("{set}, rules alone: {s}")),
            );
        }
        out
    }

    #[test]
    fn unit_sentences_are_the_unit_tests_own() {
        // GIVEN the unit tests' labelled sentences, `("lang", "text", Neg|Neu|Pos),` lines of
        // sentiment.rs and classifier.rs and (since the twelfth session)
        // `assert_eq!(sentiment("lang", "text"), Neg|Neu|Pos);` lines, as written (escapes
        // unexpanded), each once
        let mut cases = std::collections::BTreeSet::new();
        let sources = [include_str!("sentiment.rs"), include_str!("classifier.rs")];
        for line in sources.iter().flat_map(|source| source.lines()) {
            // The two forms: what opens the sentence, and what stands between its text and label.
            let forms = [("(\"", "\", ", ","), ("assert_eq!(sentiment(\"", "\"), ", ";")];
            let Some((rest, between, end)) = forms
                .into_iter()
                .find_map(|(open, between, end)| line.trim().strip_prefix(open).map(|rest| (rest, between, end)))
            else {
                continue;
            };
            let Some((lang, rest)) = rest.split_once("\", \"") else {
                continue;
            };
            let rest = rest.strip_suffix(end).unwrap_or(rest);
            let label = [("Neg)", "negative"), ("Neu)", "neutral"), ("Pos)", "positive")]
                .into_iter()
                .find_map(|(tail, label)| rest.strip_suffix(tail).map(|rest| (rest, label)));
            let Some((rest, label)) = label else { continue };
            let Some(text) = rest.strip_suffix(between) else {
                continue;
            };
            if lang.len() == 2 && lang.bytes().all(|b| b.is_ascii_lowercase()) {
                cases.insert(format!("{lang}\t{label}\t{text}"));
            }
        }
        assert!(
            cases.len() > 200,
            "the unit tests' sentences were not found: {}",
            cases.len()
        );
        // WHEN the trainer's copy of them (`unit_sentences/`) is read
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/sentiment/unit_sentences");
        let mut copied = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_none_or(|x| x != "tsv") {
                continue;
            }
            let lang = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let contents = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for line in contents.lines().filter(|l| !l.trim().is_empty()) {
                copied.insert(format!("{lang}\t{line}"));
            }
        }
        // THEN it is exactly those sentences: the threshold guard the trainer builds from it
        // (issue 24) sees every neutral sentence the unit tests hold, and nothing else
        let missing: Vec<_> = cases.difference(&copied).collect();
        let extra: Vec<_> = copied.difference(&cases).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "write unit_sentences/ out again (its README): missing {missing:?}, not in the tests {extra:?}"
        );
    }

    /// A blind set's evaluation by the classifier as built and by the rules alone, the set
    /// holding `neutral` neutral mentions; prints only the aggregate tables (`-- --nocapture`).
    fn blind_run(set: &str, neutral: usize) -> (Evaluation, Evaluation) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/sentiment")
            .join(set);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.retain(|p| p.extension().is_some_and(|x| x == "tsv"));
        paths.sort();
        assert_eq!(paths.len(), 15, "{} should hold one file per language", dir.display());
        let (mut both, mut rules) = (Evaluation::default(), Evaluation::default());
        for path in &paths {
            let lang = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            assert!(
                Lang::from_code(lang).is_some(),
                "{}: the file name should be a language code Sarafan reads",
                path.display()
            );
            let contents = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let sentences = parse_fixture(&contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            both.run(lang, &sentences);
            rules.run_with(lang, &sentences, super::super::classify_by_rules);
        }
        assert_eq!(both.overall().row(Sentiment::Neutral), neutral);
        println!("{set}, rules and model:\n{}", both.complaint_table());
        println!("{set}, rules alone:\n{}", rules.complaint_table());
        (both, rules)
    }

    /// What of `e` falls below `floors` (nothing when it holds them).
    fn below(e: &Evaluation, (recall, false_alarms, accuracy): Floors) -> Vec<String> {
        let mut out = Vec::new();
        if e.complaint_recall() < recall {
            out.push(format!("complaint recall {:.3} under {recall}", e.complaint_recall()));
        }
        if e.false_alarms() > false_alarms {
            out.push(format!(
                "{} neutral called complaints, over {false_alarms}",
                e.false_alarms()
            ));
        }
        if e.overall().accuracy() < accuracy {
            out.push(format!("accuracy {:.3} under {accuracy}", e.overall().accuracy()));
        }
        out
    }

    #[test]
    fn complaint_table_counts_recall_and_false_alarms_per_language() {
        let mut e = Evaluation::default();
        let line = |label, text: &str| Labelled {
            label,
            text: text.to_string(),
        };
        e.run(
            "en",
            &[
                line(Sentiment::Negative, "Terrible service, never again."),
                line(Sentiment::Negative, "Rude staff, awful."),
                line(Sentiment::Neutral, "Do they open on Sunday?"),
            ],
        );
        let table = e.complaint_table();
        assert!(table.contains("100.0% (  2/2  )"), "{table}");
        assert!(table.contains("0.0% ( 0/1  )"), "{table}");
        assert!(table.lines().last().unwrap().starts_with("all"), "{table}");
        assert!((e.complaint_recall() - 1.0).abs() < 1e-9);
        assert_eq!(e.false_alarms(), 0);
    }

    #[test]
    fn neutral_mentions_are_almost_never_called_polar() {
        // GIVEN every labelled set
        // THEN at most 1% of neutral mentions come out positive or negative: a neutral
        // mention called negative is a false staff alert
        let (mut neutral, mut called_polar) = (0, 0);
        for dir in [
            ".", "holdout", "holdout2", "holdout3", "holdout4", "natural", "implicit",
        ] {
            let overall = evaluate(dir).overall();
            neutral += Sentiment::ALL
                .iter()
                .map(|p| overall.count(Sentiment::Neutral, *p))
                .sum::<usize>();
            called_polar += overall.count(Sentiment::Neutral, Sentiment::Positive)
                + overall.count(Sentiment::Neutral, Sentiment::Negative);
        }
        assert!(
            called_polar * 100 <= neutral,
            "{called_polar} of {neutral} neutral mentions called polar"
        );
    }

    #[test]
    fn confusion_counts_accuracy() {
        let mut c = Confusion::default();
        c.add(Sentiment::Positive, Sentiment::Positive, "a");
        c.add(Sentiment::Negative, Sentiment::Neutral, "b");
        assert_eq!(c.total(), 2);
        assert_eq!(c.correct(), 1);
        assert_eq!(c.count(Sentiment::Negative, Sentiment::Neutral), 1);
        assert!((c.accuracy() - 0.5).abs() < 1e-9);
        assert_eq!(c.misses.len(), 1);
    }
}
