"""Slack Events API -> DynamoDB, written the way a Python user would: the peer of sarafan-ingest
in the cold-start benchmark (benches/cold_start.rs), run by awslambdaric under the same emulator.

Its work per event: verify the Slack signature (HMAC-SHA256 over the raw body, constant-time
compare, 300 s window), parse the JSON, keep a channel message naming a brand term, build the
mention item and put it with a conditional write so a redelivery is stored once.
"""

import base64
import hashlib
import hmac
import json
import os
import time

import boto3

TABLE = os.environ["SARAFAN_TABLE"]
# Comma-separated, so a secret can be rotated (old and new both accepted for a while).
SIGNING_SECRETS = [s.strip().encode() for s in os.environ["SLACK_SIGNING_SECRET"].split(",") if s.strip()]
BRAND_TERMS = [t.strip().lower() for t in os.environ.get("SARAFAN_BRAND_TERMS", "").split(",") if t.strip()]
MAX_SKEW_SECONDS = 300

# Created once per cold start, at import, as the Lambda docs recommend.
dynamodb = boto3.client("dynamodb")


def answer(status, body=""):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": body}


def verified(headers, raw):
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    return any(
        hmac.compare_digest("v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest(), signature)
        for secret in SIGNING_SECRETS
    )


def mention_item(payload):
    """The DynamoDB item for a channel message naming a brand term, or None."""
    event = payload.get("event") or {}
    if event.get("type") != "message" or event.get("subtype") or event.get("bot_id"):
        return None
    if event.get("channel_type") not in ("channel", "group", "mpim"):
        return None
    text = event.get("text") or ""
    lowered = text.lower()
    matched = [term for term in BRAND_TERMS if term in lowered]
    if not matched:
        return None
    ts = event.get("ts") or payload["event_id"]
    mention_id = f"slack:{event.get('channel', '')}:{ts}"
    created_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(ts)))
    doc = {
        "id": mention_id,
        "source": "slack",
        "created_at": created_at,
        "text": text,
        "author": event.get("user"),
        "matched_terms": matched,
    }
    return {
        "pk": {"S": f"MENTION#{mention_id}"},
        "sk": {"S": "#"},
        "type": {"S": "mention"},
        "doc": {"S": json.dumps(doc)},
        "gsi1pk": {"S": "mentions"},
        "gsi1sk": {"S": f"{created_at}#{mention_id}"},
    }


def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    if not verified(headers, raw):
        return answer(401, json.dumps({"error": "invalid signature"}))
    try:
        payload = json.loads(raw)
    except ValueError:
        return answer(400, json.dumps({"error": "invalid JSON"}))
    if payload.get("type") == "url_verification":
        return answer(200, json.dumps({"challenge": payload.get("challenge")}))
    item = mention_item(payload)
    if item is None:
        return answer(200)
    try:
        dynamodb.put_item(TableName=TABLE, Item=item, ConditionExpression="attribute_not_exists(pk)")
    except dynamodb.exceptions.ConditionalCheckFailedException:
        pass  # a redelivery: already stored
    return answer(200)
