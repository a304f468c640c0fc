//! `GET|POST /s/{token}`: the page behind the score links of a survey email
//! (docs/email-surveys.md; the unsubscribe link is `email_unsubscribe`).
//!
//! Mail security scanners open every link in a message, so a GET never records anything: it
//! shows the form with the clicked score chosen. The answer is stored when the person presses
//! the button (a POST), once per survey; pressing again may change the comment, never the score
//! nor the number of responses.

use crate::body::RawBody;
use crate::error::AppError;
use crate::inbound::response_id;
use crate::survey_page::{Form, Page, MAX_COMMENT_CHARS};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use sarafan_core::ledger::{Applied, Change};
use sarafan_core::model::{Identity, Platform, Referral, Response as Answer, SurveyState};
use sarafan_core::referral::ReferralCode;
use sarafan_core::store::StoreError;
use sarafan_core::survey::{Reply, ReplyOutcome, SurveyStage};
use sarafan_core::survey_link::LinkSecrets;
use sarafan_core::templates::Key;
use sarafan_core::{Category, Score};
use serde::Deserialize;

/// The survey a link names, as the store holds it now.
pub(crate) enum Lookup {
    /// Not signed by us, or its customer was erased.
    Invalid,
    /// Signed, but a newer survey has been sent to this address since.
    Superseded {
        identity: Identity,
        survey: SurveyState,
    },
    Current {
        identity: Identity,
        survey: SurveyState,
    },
}

fn secrets(state: &AppState) -> Result<&LinkSecrets, AppError> {
    state.config.link_secret.as_ref().ok_or(AppError::NotFound)
}

pub(crate) async fn lookup(state: &AppState, token: &str) -> Result<Lookup, AppError> {
    let Ok(target) = secrets(state)?.verify(token) else {
        tracing::info!("survey link refused: not signed by this deployment");
        return Ok(Lookup::Invalid);
    };
    let identity = Identity::new(Platform::Email, target.address);
    Ok(match state.store.latest_survey(&identity).await? {
        Some(survey) if survey.id == target.survey_id => Lookup::Current { identity, survey },
        Some(survey) => Lookup::Superseded { identity, survey },
        None => Lookup::Invalid,
    })
}

impl AppState {
    pub(crate) fn page_for<'a>(&'a self, locale: Option<&'a str>) -> Page<'a> {
        Page {
            templates: &self.config.templates,
            locale: locale.unwrap_or(&self.config.default_locale),
        }
    }
}

fn locale_of(state: &AppState, survey: &SurveyState) -> String {
    state
        .config
        .templates
        .resolve_locale([survey.locale.as_deref()], &state.config.default_locale)
}

pub(crate) fn invalid(state: &AppState) -> Response {
    state.page_for(None).message(StatusCode::NOT_FOUND, Key::LinkInvalid)
}

fn question(state: &AppState, locale: &str, survey: &SurveyState) -> String {
    let t = &state.config.templates;
    match survey.brand.as_deref() {
        Some(brand) => t.render(locale, Key::QuestionBrand, &[("brand", brand)]),
        None => t.text(locale, Key::Question).to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub struct ScoreQuery {
    score: Option<String>,
}

/// A 0-10 score as a link or form gives it ("7"); anything else is none.
fn score_of(raw: Option<&str>) -> Option<Score> {
    raw.and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|v| Score::new(v).ok())
}

/// GET /s/{token}?score=N: the form, with the clicked score chosen. Records nothing.
pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<ScoreQuery>,
) -> Result<Response, AppError> {
    let (_, survey) = match lookup(&state, &token).await? {
        Lookup::Invalid => return Ok(invalid(&state)),
        Lookup::Superseded { survey, .. } => return Ok(closed(&state, &survey)),
        Lookup::Current { identity, survey } => (identity, survey),
    };
    let chosen = score_of(query.score.as_deref());
    show(&state, &token, &survey, chosen, None, StatusCode::OK).await
}

/// The page for the survey as stored: the form while unanswered, the thanks once answered.
async fn show(
    state: &AppState,
    token: &str,
    survey: &SurveyState,
    chosen: Option<Score>,
    problem: Option<(String, &str)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let locale = locale_of(state, survey);
    let page = state.page_for(Some(&locale));
    let (problem, typed) = match problem {
        Some((problem, typed)) => (Some(problem), typed),
        None => (None, ""),
    };
    match survey.survey.stage {
        SurveyStage::OptedOut => return Ok(page.message(StatusCode::OK, Key::OptedOut)),
        SurveyStage::Expired | SurveyStage::Failed => return Ok(page.message(StatusCode::GONE, Key::SurveyClosed)),
        _ => {}
    }
    let answered = match &survey.response_id {
        Some(id) => state.store.response(id).await?,
        None => None,
    };
    let question = question(state, &locale, survey);
    let Some(answer) = answered else {
        if state.now() >= survey.survey.expires_at {
            return Ok(page.message(StatusCode::GONE, Key::SurveyClosed));
        }
        let form = Form {
            score: chosen.map(|s| s.value()),
            score_fixed: false,
            comment: typed,
            problem,
        };
        return Ok(page.form(status, &question, "", &form, token));
    };
    // Shown, never made here: a GET records nothing (the POST that stored the score made it).
    let referral = match (&state.config.public_url, answer.category()) {
        (Some(base), Category::Promoter) => referral_of(state, &answer.customer_id, &answer.id)
            .await?
            .map(|code| format!("{base}/r/{code}")),
        _ => None,
    };
    let intro = page.thanks(
        &follow_up(state, &locale, answer.category(), referral.as_deref()),
        referral.as_deref(),
        answer.comment.is_some(),
    );
    let comment = if problem.is_some() {
        typed
    } else {
        answer.comment.as_deref().unwrap_or_default()
    };
    let form = Form {
        score: Some(answer.score.value()),
        score_fixed: true,
        comment,
        problem,
    };
    Ok(page.form(status, &question, &intro, &form, token))
}

/// What the thank-you page says next, in the chat's words for the category.
fn follow_up(state: &AppState, locale: &str, category: Category, referral_link: Option<&str>) -> String {
    let t = &state.config.templates;
    match (category, referral_link) {
        (Category::Promoter, Some(_)) => t.text(locale, Key::PromoterFollowUp).to_string(),
        (Category::Promoter, None) => t.text(locale, Key::PromoterThanks).to_string(),
        (Category::Passive, _) => t.text(locale, Key::PassiveFollowUp).to_string(),
        (Category::Detractor, _) => t.text(locale, Key::DetractorFollowUp).to_string(),
    }
}

/// The form's fields.
fn form_fields(body: &[u8]) -> (Option<String>, Option<String>) {
    let (mut score, mut comment) = (None, None);
    for (name, value) in form_urlencoded::parse(body) {
        match name.as_ref() {
            "score" => score = Some(value.into_owned()),
            "comment" => comment = Some(value.into_owned()),
            _ => {}
        }
    }
    (score, comment)
}

/// The page again with the comment refused: the problem (`key`, naming its limit `max`) in the
/// survey's language, what was typed kept, answered with `status`.
async fn refuse_comment(
    state: &AppState,
    token: &str,
    survey: &SurveyState,
    chosen: Option<Score>,
    comment: &str,
    (key, max, status): (Key, impl std::fmt::Display, StatusCode),
) -> Result<Response, AppError> {
    let locale = locale_of(state, survey);
    let max = max.to_string();
    let problem = state.config.templates.render(&locale, key, &[("max", &max)]);
    show(state, token, survey, chosen, Some((problem, comment)), status).await
}

/// POST /s/{token}: stores the answer (once), or the changed comment of one already stored.
pub async fn answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawBody(body): RawBody,
) -> Result<Response, AppError> {
    let survey = match lookup(&state, &token).await? {
        Lookup::Invalid => return Ok(invalid(&state)),
        Lookup::Superseded { survey, .. } => return Ok(closed(&state, &survey)),
        Lookup::Current { survey, .. } => survey,
    };
    let (score, comment) = form_fields(&body);
    let comment = comment.unwrap_or_default();
    let comment = comment.trim();
    let chosen = score_of(score.as_deref());
    if comment.chars().count() > MAX_COMMENT_CHARS {
        tracing::info!(survey_id = %survey.id, "survey comment refused: too long");
        let refusal = (Key::PageCommentTooLong, MAX_COMMENT_CHARS, StatusCode::BAD_REQUEST);
        return refuse_comment(&state, &token, &survey, chosen, comment, refusal).await;
    }
    if matches!(
        survey.survey.stage,
        SurveyStage::OptedOut | SurveyStage::Expired | SurveyStage::Failed
    ) {
        return show(&state, &token, &survey, chosen, None, StatusCode::GONE).await;
    }
    let now = state.now();
    if survey.response_id.is_none() {
        let Some(score) = chosen else {
            let locale = locale_of(&state, &survey);
            let problem = state.config.templates.text(&locale, Key::PageScoreMissing).to_string();
            return show(
                &state,
                &token,
                &survey,
                None,
                Some((problem, comment)),
                StatusCode::BAD_REQUEST,
            )
            .await;
        };
        let mut next = survey.clone();
        match next.survey.on_reply(Reply::Button(score), &state.policy, now) {
            ReplyOutcome::Scored(score) => {
                let id = response_id(&survey.id);
                next.response_id = Some(id.clone());
                let comment = (!comment.is_empty()).then(|| comment.to_string());
                if comment.is_some() {
                    next.survey.stage = SurveyStage::Commented;
                }
                let change = Change::Response {
                    response: Answer {
                        id: id.clone(),
                        customer_id: survey.customer_id.clone(),
                        platform: Platform::Email,
                        score,
                        comment,
                        locale: survey.locale.clone(),
                        submitted_at: now,
                        brand: survey.brand.clone(),
                    },
                    survey: Some(next.clone()),
                };
                let delivery = format!("email:{}:response", survey.id);
                match state.store.apply(&delivery, change).await? {
                    Applied::Stored => {
                        tracing::info!(survey_id = %survey.id, score = score.value(), "email survey answered");
                        if score.category() == Category::Promoter {
                            ensure_referral(&state, &survey.customer_id, &id).await?;
                        }
                        return show(&state, &token, &next, Some(score), None, StatusCode::OK).await;
                    }
                    // Pressed twice at once: the other press stored the score; this one may
                    // still carry a comment.
                    Applied::Duplicate => {}
                }
            }
            ReplyOutcome::Expired => return Ok(closed(&state, &survey)),
            _ => {}
        }
    }
    // Answered already: only the comment may change.
    let survey = match lookup(&state, &token).await? {
        Lookup::Current { survey, .. } => survey,
        _ => return Ok(invalid(&state)),
    };
    let Some(response_id) = survey.response_id.clone() else {
        return show(&state, &token, &survey, chosen, None, StatusCode::OK).await;
    };
    let stored = state.store.response(&response_id).await?;
    let previous = stored.as_ref().and_then(|r| r.comment.as_deref()).unwrap_or_default();
    if !comment.is_empty() && comment != previous {
        if now >= survey.survey.expires_at {
            return Ok(closed(&state, &survey));
        }
        // Edits are numbered (one delivery key each), so each one past the answer is counted
        // and the count is capped: every edit reaches staff in Slack again.
        let mut edit = 1;
        while edit <= MAX_COMMENT_EDITS && state.store.effect_done(&edit_key(&survey.id, edit)).await? {
            edit += 1;
        }
        let mut next = survey.clone();
        next.survey.stage = SurveyStage::Commented;
        loop {
            if edit > MAX_COMMENT_EDITS {
                tracing::info!(survey_id = %survey.id, "survey comment refused: no edits left");
                let refusal = (Key::PageCommentEditsUsed, MAX_COMMENT_EDITS, StatusCode::CONFLICT);
                return refuse_comment(&state, &token, &survey, chosen, comment, refusal).await;
            }
            let change = Change::Comment {
                response_id: response_id.clone(),
                customer_id: survey.customer_id.clone(),
                comment: comment.to_string(),
                survey: Some(next.clone()),
            };
            match state.store.apply(&edit_key(&survey.id, edit), change).await {
                Ok(Applied::Stored) => {
                    tracing::info!(survey_id = %survey.id, edit, "email survey comment stored");
                    break;
                }
                // Another press took this number at the same moment: if it said the same, this
                // press is its duplicate; otherwise this edit takes the next number.
                Ok(Applied::Duplicate) => {
                    let now_stored = state.store.response(&response_id).await?;
                    if now_stored.as_ref().and_then(|r| r.comment.as_deref()) == Some(comment) {
                        break;
                    }
                    edit += 1;
                }
                Err(StoreError::NotFound(what)) => {
                    tracing::warn!(%what, "comment on an erased response: ignored");
                    break;
                }
                Err(e) => return Err(e.into()),
            }
        }
        return show(&state, &token, &next, chosen, None, StatusCode::OK).await;
    }
    show(&state, &token, &survey, chosen, None, StatusCode::OK).await
}

/// How many times a stored answer's comment may be changed (docs/email-surveys.md).
pub const MAX_COMMENT_EDITS: u32 = 5;

/// The delivery key of a survey's `edit`-th comment change.
fn edit_key(survey_id: &str, edit: u32) -> String {
    format!("email:{survey_id}:comment:{edit}")
}

fn closed(state: &AppState, survey: &SurveyState) -> Response {
    let locale = locale_of(state, survey);
    state
        .page_for(Some(&locale))
        .message(StatusCode::GONE, Key::SurveyClosed)
}

/// The promoter's referral code: theirs as stored, or the one made for this response (found by
/// its code, a consistent read, since DynamoDB's by-customer index may not show a code made a
/// moment ago).
async fn referral_of(state: &AppState, customer_id: &str, response_id: &str) -> Result<Option<ReferralCode>, AppError> {
    if let Some(referral) = state.store.referral_of(customer_id).await? {
        return Ok(Some(referral.code));
    }
    for made in referral_codes_for(state, response_id) {
        if let Some(referral) = state.store.referral(&made).await? {
            return Ok(Some(referral.code));
        }
    }
    Ok(None)
}

/// The codes a response's referral may have been made with (`LinkSecrets::referral_codes`),
/// the one made now first: the same on every try, and no one without the secret can guess them.
fn referral_codes_for(state: &AppState, response_id: &str) -> Vec<ReferralCode> {
    state
        .config
        .link_secret
        .as_ref()
        .map(|secrets| secrets.referral_codes(response_id))
        .unwrap_or_default()
}

/// The promoter's referral code, made now so the thank-you page can show it. Outreach derives
/// the same code under the same delivery key, so whichever comes first makes the one code.
async fn ensure_referral(state: &AppState, customer_id: &str, response_id: &str) -> Result<(), AppError> {
    if state.config.public_url.is_none() || state.store.referral_of(customer_id).await?.is_some() {
        return Ok(());
    }
    let referral = Referral {
        code: referral_codes_for(state, response_id)
            .into_iter()
            .next()
            .unwrap_or_else(ReferralCode::generate),
        customer_id: customer_id.to_string(),
        clicks: 0,
        conversions: 0,
        created_at: state.now(),
    };
    let key = format!("effect:referral_created:{response_id}");
    state.store.apply(&key, Change::ReferralCreated(referral)).await?;
    Ok(())
}
