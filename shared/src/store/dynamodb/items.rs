//! Records as items: keys, type, the JSON doc and their index keys.

use super::*;

/// A record item: keys, type, the JSON doc and its index keys.
fn record_item(
    mut item: Item,
    kind: &str,
    doc: String,
    by_time: Option<(&str, String)>,
    by_customer: Option<(&str, String)>,
) -> Item {
    item.insert(TYPE.into(), s(kind));
    item.insert(DOC.into(), s(doc));
    if let Some((pk, sk)) = by_time {
        item.insert(BY_KIND_TIME.partition_key.into(), s(pk));
        item.insert(BY_KIND_TIME.sort_key.into(), s(sk));
    }
    if let Some((pk, sk)) = by_customer {
        item.insert(BY_CUSTOMER.partition_key.into(), s(pk));
        item.insert(BY_CUSTOMER.sort_key.into(), s(sk));
    }
    item
}

pub(super) fn response_item(r: &Response) -> StoreResult<Item> {
    let at = ts(r.submitted_at);
    Ok(record_item(
        response_key(&r.id),
        "response",
        to_json(r)?,
        Some((
            &by_kind_month(RecordKind::Responses, r.submitted_at, &r.id),
            format!("{at}#{}", r.id),
        )),
        Some((
            &format!("CUSTOMER#{}", r.customer_id),
            format!("RESPONSE#{at}#{}", r.id),
        )),
    ))
}

pub(super) fn mention_item(m: &Mention) -> StoreResult<Item> {
    // The doc is mostly the text; JSON escapes make it a little longer.
    let doc = to_json_sized(m, 256 + m.text.len() + m.text.len() / 8)?;
    Ok(record_item(
        mention_key(&m.id),
        "mention",
        doc,
        Some((
            &by_kind_month(RecordKind::Mentions, m.created_at, &m.id),
            [&ts(m.created_at), "#", &m.id].concat(),
        )),
        None,
    ))
}

pub(super) fn purchase_item(p: &Purchase) -> StoreResult<Item> {
    Ok(record_item(
        purchase_key(&p.id),
        "purchase",
        to_json(p)?,
        Some((
            &by_kind_month(RecordKind::Purchases, p.purchased_at, &p.id),
            format!("{}#{}", ts(p.purchased_at), p.id),
        )),
        None,
    ))
}

pub(super) fn referral_item(r: &Referral) -> StoreResult<Item> {
    let at = ts(r.created_at);
    let mut item = record_item(
        referral_key(r.code.as_str()),
        "referral",
        to_json(r)?,
        Some((
            &by_kind_month(RecordKind::Referrals, r.created_at, r.code.as_str()),
            format!("{at}#{}", r.code),
        )),
        Some((
            &format!("CUSTOMER#{}", r.customer_id),
            format!("REFERRAL#{at}#{}", r.code),
        )),
    );
    // Counted with ADD, outside the doc, so clicks never contend with anything else.
    item.insert("clicks".into(), n(r.clicks));
    item.insert("conversions".into(), n(r.conversions));
    Ok(item)
}

pub(super) fn referral_from(item: &Item) -> StoreResult<Referral> {
    let mut r: Referral = doc_of(item)?;
    r.clicks = attr_n(item, "clicks")?.unwrap_or(0) as u64;
    r.conversions = attr_n(item, "conversions")?.unwrap_or(0) as u64;
    Ok(r)
}

pub(super) fn alert_item(a: &Alert) -> StoreResult<Item> {
    Ok(record_item(
        alert_key(&a.id),
        "alert",
        to_json(a)?,
        Some((
            &by_kind_month(RecordKind::Alerts, a.created_at, &a.id),
            format!("{}#{}", ts(a.created_at), a.id),
        )),
        None,
    ))
}

pub(super) fn report_item(r: &StoredReport) -> StoreResult<Item> {
    Ok(record_item(
        report_key(r.month, r.brand.as_deref()),
        "report",
        to_json(r)?,
        Some((
            RecordKind::Reports.as_str(),
            format!("{}#{}", r.month, r.brand.as_deref().unwrap_or_default()),
        )),
        None,
    ))
}

pub(super) fn survey_item(state: &SurveyState) -> StoreResult<Item> {
    let mut item = record_item(survey_key(state), "survey", to_json(state)?, None, None);
    item.insert(TTL.into(), n(epoch_after(state.survey.asked_at, SURVEY_TTL_DAYS)));
    Ok(item)
}
