//! The survey conversation: asked -> scored -> follow-up asked -> commented, or expired.

use crate::nps::Score;
use crate::score_text::{parse_score, ScoreRefusal};
use crate::text::{fold, words};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyStage {
    Asked,
    Scored,
    FollowUpAsked,
    Commented,
    Expired,
    OptedOut,
    /// The chat platform refused the question (blocked bot, unknown channel): not retried.
    Failed,
}

impl SurveyStage {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            SurveyStage::Asked | SurveyStage::Scored | SurveyStage::FollowUpAsked
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStage::Asked => "asked",
            SurveyStage::Scored => "scored",
            SurveyStage::FollowUpAsked => "follow_up_asked",
            SurveyStage::Commented => "commented",
            SurveyStage::Expired => "expired",
            SurveyStage::OptedOut => "opted_out",
            SurveyStage::Failed => "failed",
        }
    }
}

/// How often and how long we ask.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurveyPolicy {
    /// At most one question per customer in this period.
    pub throttle: Duration,
    /// A question unanswered for this long expires; so does a follow-up.
    pub answer_window: Duration,
}

impl Default for SurveyPolicy {
    fn default() -> Self {
        SurveyPolicy {
            throttle: Duration::days(90),
            answer_window: Duration::days(7),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskRefused {
    #[error("the customer opted out of surveys")]
    OptedOut,
    #[error("the customer was asked recently; next survey allowed from {next_allowed}")]
    Throttled { next_allowed: DateTime<Utc> },
}

impl SurveyPolicy {
    /// May we ask this customer now, given when they were last asked?
    pub fn may_ask(
        &self,
        opted_out: bool,
        last_asked: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), AskRefused> {
        if opted_out {
            return Err(AskRefused::OptedOut);
        }
        match last_asked {
            Some(last) if now < last + self.throttle => Err(AskRefused::Throttled {
                next_allowed: last + self.throttle,
            }),
            _ => Ok(()),
        }
    }
}

/// What the customer sent back in the survey's chat.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply<'a> {
    /// A click on one of the eleven buttons.
    Button(Score),
    /// Free text.
    Text(&'a str),
}

/// What the conversation does with a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyOutcome {
    /// Record the response with this score, then send the follow-up for its category.
    Scored(Score),
    /// The text held no single score: ask again politely, saying why.
    AskAgain(ScoreRefusal),
    /// Store the text as the response's comment.
    Comment(String),
    /// The customer asked never to be surveyed again.
    OptedOut,
    /// The survey had expired; nothing is recorded.
    Expired,
    /// Nothing to do (a second click, a message after the conversation ended).
    Ignored,
}

/// One customer's survey conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub stage: SurveyStage,
    pub asked_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub score: Option<Score>,
}

impl Survey {
    pub fn ask(policy: &SurveyPolicy, now: DateTime<Utc>) -> Self {
        Survey {
            stage: SurveyStage::Asked,
            asked_at: now,
            expires_at: now + policy.answer_window,
            score: None,
        }
    }

    /// Moves the conversation on with the customer's reply.
    pub fn on_reply(&mut self, reply: Reply<'_>, policy: &SurveyPolicy, now: DateTime<Utc>) -> ReplyOutcome {
        if let Reply::Text(text) = reply {
            if is_opt_out(text) && self.stage != SurveyStage::OptedOut {
                self.stage = SurveyStage::OptedOut;
                return ReplyOutcome::OptedOut;
            }
        }
        if self.stage.is_open() && now >= self.expires_at {
            self.stage = SurveyStage::Expired;
            return ReplyOutcome::Expired;
        }
        match (self.stage, reply) {
            (SurveyStage::Asked, Reply::Button(score)) => self.scored(score, policy, now),
            (SurveyStage::Asked, Reply::Text(text)) => match parse_score(text) {
                Ok(score) => self.scored(score, policy, now),
                Err(refusal) => ReplyOutcome::AskAgain(refusal),
            },
            (SurveyStage::Scored | SurveyStage::FollowUpAsked, Reply::Text(text)) if !text.trim().is_empty() => {
                self.stage = SurveyStage::Commented;
                ReplyOutcome::Comment(text.trim().to_string())
            }
            _ => ReplyOutcome::Ignored,
        }
    }

    fn scored(&mut self, score: Score, policy: &SurveyPolicy, now: DateTime<Utc>) -> ReplyOutcome {
        self.stage = SurveyStage::Scored;
        self.score = Some(score);
        // The follow-up gets a fresh window to be answered in.
        self.expires_at = now + policy.answer_window;
        ReplyOutcome::Scored(score)
    }

    /// The follow-up question went out.
    pub fn follow_up_sent(&mut self) {
        if self.stage == SurveyStage::Scored {
            self.stage = SurveyStage::FollowUpAsked;
        }
    }

    /// The platform refused to deliver the question.
    pub fn delivery_failed(&mut self) {
        self.stage = SurveyStage::Failed;
    }
}

/// Words that, sent alone, mean "never ask me again", folded (lower case, no diacritics).
const OPT_OUT_PHRASES: &[&str] = &[
    // en
    "stop",
    "unsubscribe",
    "opt out",
    "optout",
    "stop messaging me",
    "leave me alone",
    "no more surveys",
    // ru
    "стоп",
    "отписаться",
    "отписка",
    "отпишите",
    "отпишите меня",
    "не пишите",
    "не пишите мне",
    "хватит",
    // uk
    "відписатися",
    "відписка",
    "не пишіть",
    "не пишіть мені",
    // cs, sk
    "odhlasit",
    "odhlasit se",
    "odhlasit sa",
    "odhlaseni",
    "odhlasenie",
    "nepiste mi",
    // pl
    "wypisz",
    "wypisz mnie",
    "rezygnuje",
    "rezygnacja",
    // hr, sr, bs, sl
    "odjava",
    "odjavi me",
    "odjavi",
    "odjavite me",
    // de
    "abmelden",
    "abbestellen",
    "stopp",
    // es, pt, it, fr
    "baja",
    "darse de baja",
    "dar de baja",
    "cancelar",
    "parar",
    "descadastrar",
    "annulla",
    "disiscrivimi",
    "arreter",
    "desabonner",
    "desinscrire",
    "se desinscrire",
];

/// True when the whole reply is an opt-out request ("STOP", "Отписаться!", "odhlásit").
/// A comment that merely contains "stop" ("the engine won't stop rattling") is not.
pub fn is_opt_out(text: &str) -> bool {
    let folded = fold(text);
    let reply: Vec<&str> = words(&folded).collect();
    let reply = reply.join(" ");
    OPT_OUT_PHRASES.contains(&reply.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
    }

    fn score(v: i64) -> Score {
        Score::new(v).unwrap()
    }

    #[test]
    fn given_a_question_when_clicked_then_scored_then_follow_up_then_comment() {
        let policy = SurveyPolicy::default();
        let mut survey = Survey::ask(&policy, t(1));
        assert_eq!(
            survey.on_reply(Reply::Button(score(3)), &policy, t(1)),
            ReplyOutcome::Scored(score(3))
        );
        survey.follow_up_sent();
        assert_eq!(survey.stage, SurveyStage::FollowUpAsked);
        assert_eq!(
            survey.on_reply(Reply::Text("  waited two hours "), &policy, t(2)),
            ReplyOutcome::Comment("waited two hours".into())
        );
        assert_eq!(survey.stage, SurveyStage::Commented);
        // Later messages are not comments any more
        assert_eq!(
            survey.on_reply(Reply::Text("hello?"), &policy, t(2)),
            ReplyOutcome::Ignored
        );
    }

    #[test]
    fn given_a_question_when_text_holds_a_score_then_scored() {
        let policy = SurveyPolicy::default();
        let mut survey = Survey::ask(&policy, t(1));
        assert_eq!(
            survey.on_reply(Reply::Text("9/10"), &policy, t(1)),
            ReplyOutcome::Scored(score(9))
        );
        assert_eq!(survey.score, Some(score(9)));
    }

    #[test]
    fn given_a_question_when_text_is_ambiguous_then_ask_again_and_stay_asked() {
        let policy = SurveyPolicy::default();
        let mut survey = Survey::ask(&policy, t(1));
        let outcome = survey.on_reply(Reply::Text("7 or 8"), &policy, t(1));
        assert!(
            matches!(outcome, ReplyOutcome::AskAgain(ScoreRefusal::Ambiguous(_))),
            "{outcome:?}"
        );
        assert_eq!(survey.stage, SurveyStage::Asked);
        assert_eq!(
            survey.on_reply(Reply::Text("8"), &policy, t(1)),
            ReplyOutcome::Scored(score(8))
        );
    }

    #[test]
    fn given_a_second_click_then_ignored() {
        let policy = SurveyPolicy::default();
        let mut survey = Survey::ask(&policy, t(1));
        survey.on_reply(Reply::Button(score(10)), &policy, t(1));
        assert_eq!(
            survey.on_reply(Reply::Button(score(2)), &policy, t(1)),
            ReplyOutcome::Ignored
        );
        assert_eq!(survey.score, Some(score(10)));
    }

    #[test]
    fn given_an_unanswered_question_when_the_window_passes_then_expired() {
        let policy = SurveyPolicy::default();
        let mut survey = Survey::ask(&policy, t(1));
        assert_eq!(
            survey.on_reply(Reply::Button(score(9)), &policy, t(9)),
            ReplyOutcome::Expired
        );
        assert_eq!(survey.stage, SurveyStage::Expired);
        assert_eq!(survey.score, None);
    }

    #[test]
    fn given_opt_out_words_in_any_language_then_opted_out_for_good() {
        let policy = SurveyPolicy::default();
        for word in [
            "STOP",
            "Unsubscribe",
            "стоп",
            "Отписаться!",
            "odhlásit",
            "Odhlásit se",
            "abmelden",
            "відписатися",
        ] {
            let mut survey = Survey::ask(&policy, t(1));
            assert_eq!(
                survey.on_reply(Reply::Text(word), &policy, t(1)),
                ReplyOutcome::OptedOut,
                "{word}"
            );
            assert_eq!(survey.stage, SurveyStage::OptedOut);
            assert_eq!(survey.on_reply(Reply::Text("9"), &policy, t(1)), ReplyOutcome::Ignored);
        }
        // AND an opted-out customer is never asked again
        assert_eq!(policy.may_ask(true, None, t(1)), Err(AskRefused::OptedOut));
    }

    #[test]
    fn a_comment_that_contains_stop_is_not_an_opt_out() {
        assert!(!is_opt_out("the engine won't stop rattling"));
        assert!(!is_opt_out("не могу остановиться, стоп-сигнал сломан"));
        assert!(is_opt_out("Stop."));
    }

    #[test]
    fn throttle_allows_one_question_per_90_days() {
        let policy = SurveyPolicy::default();
        let asked = t(1);
        assert_eq!(policy.may_ask(false, None, t(1)), Ok(()));
        assert_eq!(
            policy.may_ask(false, Some(asked), asked + Duration::days(89)),
            Err(AskRefused::Throttled {
                next_allowed: asked + Duration::days(90)
            })
        );
        assert_eq!(policy.may_ask(false, Some(asked), asked + Duration::days(90)), Ok(()));
    }
}
