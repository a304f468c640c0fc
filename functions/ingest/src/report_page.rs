//! `GET /reports/{YYYY-MM}/{signature}`: a month's stored report as a web page, for the link the
//! weekly digest carries. The page is the monthly email's HTML with its charts as data URIs
//! (a browser has no email parts to find `cid:` images in), so it is one self-contained response.
//!
//! Only a link signed with `SARAFAN_LINK_SECRET` for that month opens it: a missing secret, an
//! altered signature, a signature of another month or a month with no stored report all answer
//! the same 404, so the route says nothing about which months exist. The signature is checked
//! before the store is read. Reading changes nothing.

use crate::{AppError, AppState};
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::HeaderName;
use axum::response::{Html, IntoResponse, Response};
use sarafan_core::report::MonthReport;
use sarafan_core::store::StoreError;
use sarafan_core::{report_link, YearMonth};
use sarafan_reports::html::Images;

/// Inline styles and data-URI images only: no script, no request to anywhere, no framing.
pub const CSP: &str =
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

pub async fn page(
    State(state): State<AppState>,
    Path((month, signature)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let secrets = state.config.link_secret.as_ref().ok_or(AppError::NotFound)?;
    // Only the canonical YYYY-MM was ever signed.
    let month: YearMonth = month.parse().map_err(|_| AppError::NotFound)?;
    if !report_link::verify(secrets, month, &signature) {
        return Err(AppError::NotFound);
    }
    let stored = state.store.report(month, None).await?.ok_or(AppError::NotFound)?;
    let report: MonthReport = serde_json::from_value(stored.body)
        .map_err(|e| StoreError::Corrupt(format!("the stored report of {month} cannot be read: {e}")))?;
    let settings = state.config.report.clone();
    // Drawing six charts is CPU work: off the async workers.
    let html = tokio::task::spawn_blocking(move || {
        let charts = sarafan_reports::charts::render_all(&report, settings.locale.labels())
            .map_err(|e| StoreError::Corrupt(format!("the charts of {month} cannot be drawn: {e}")))?;
        Ok::<_, StoreError>(sarafan_reports::html::render(
            &report,
            &settings.brand,
            settings.locale,
            Images::Embedded(&charts),
        ))
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("drawing the report of {month} failed: {e}")))??;
    tracing::info!(%month, "report page served");
    Ok((
        [
            // The signature in the address is the key to the business's figures.
            (CACHE_CONTROL, "no-store"),
            (REFERRER_POLICY, "no-referrer"),
            (CONTENT_SECURITY_POLICY, CSP),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        Html(html),
    )
        .into_response())
}
