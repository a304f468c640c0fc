//! A Lambda's variables: its environment plus the secrets of one Secrets Manager secret, read once at start-up.
//!
//! The function's configuration names the secret (`SARAFAN_SECRETS_ARN`), never holds a secret
//! value: the secret is a JSON object whose keys are the CONTRACT's variable names
//! (`{"SLACK_SIGNING_SECRET": "...", "SARAFAN_API_TOKEN": "..."}`). Without
//! `SARAFAN_SECRETS_ARN` (local runs, tests) the plain environment is used as it is.
//! The merged variables ([`Vars`]) are handed to the configs' `from_vars`: the process
//! environment is never written (`set_var` is unsound once threads run).

use crate::settings::Vars;
use aws_sdk_secretsmanager::error::DisplayErrorContext;

/// The variable naming the secret (its ARN or name).
pub const SECRETS_ARN_VAR: &str = "SARAFAN_SECRETS_ARN";

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{SECRETS_ARN_VAR}: the secret could not be read: {0}")]
    Fetch(String),
    #[error("{SECRETS_ARN_VAR}: the secret has no SecretString (expected a JSON object of variables)")]
    NotText,
    /// Names the offending key or position, never a value.
    #[error("{SECRETS_ARN_VAR}: the secret is not a JSON object of string values: {0}")]
    Malformed(String),
}

/// Adds the variables of a secret's JSON text to `vars`. A variable already set to a non-empty
/// value wins, so an operator can override one value without editing the secret.
pub fn merge_secret_json(vars: Vars, text: &str) -> Result<Vars, SecretsError> {
    // serde_json's messages can quote the input; report only the position.
    let parsed: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| SecretsError::Malformed(format!("not JSON (line {}, column {})", e.line(), e.column())))?;
    let serde_json::Value::Object(object) = parsed else {
        return Err(SecretsError::Malformed("not a JSON object".into()));
    };
    let mut merged = Vec::with_capacity(object.len());
    for (name, value) in object {
        let serde_json::Value::String(value) = value else {
            return Err(SecretsError::Malformed(format!("{name} is not a string")));
        };
        merged.push((name, value));
    }
    Ok(vars.merge_missing(merged))
}

/// The process environment, plus the secret named by `SARAFAN_SECRETS_ARN` when it is set, on
/// an AWS config already loaded (so the secret's client shares its HTTP client and TLS roots
/// with the function's other AWS clients). Without `SARAFAN_SECRETS_ARN` no client is built and
/// nothing is sent; otherwise one network call: call it once, before serving.
pub async fn load_with(aws: &aws_config::SdkConfig) -> Result<Vars, SecretsError> {
    let vars = Vars::from_env();
    let Some(secret_id) = vars.string(SECRETS_ARN_VAR) else {
        return Ok(vars);
    };
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let text = fetch(&client, &secret_id).await?;
    merge_secret_json(vars, &text)
}

/// The secret's text. The SDK's error names the secret id and the reason, not the value.
pub async fn fetch(client: &aws_sdk_secretsmanager::Client, secret_id: &str) -> Result<String, SecretsError> {
    let out = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| SecretsError::Fetch(DisplayErrorContext(&e).to_string()))?;
    out.secret_string().map(str::to_string).ok_or(SecretsError::NotText)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vars {
        Vars::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn secret_variables_join_the_environment_which_wins_when_set() {
        let merged = merge_secret_json(
            env(&[
                ("SARAFAN_TABLE", "t"),
                ("TYPEFORM_SECRET", "from-env"),
                ("X_CONSUMER_SECRET", " "),
            ]),
            r#"{"SLACK_SIGNING_SECRET": "a,b", "TYPEFORM_SECRET": "from-secret", "X_CONSUMER_SECRET": "x"}"#,
        )
        .unwrap();
        assert_eq!(merged.get("SLACK_SIGNING_SECRET"), Some("a,b"));
        assert_eq!(merged.get("TYPEFORM_SECRET"), Some("from-env"));
        // A blank variable counts as unset, as the configs read it.
        assert_eq!(merged.get("X_CONSUMER_SECRET"), Some("x"));
        assert_eq!(merged.get("SARAFAN_TABLE"), Some("t"));
    }

    #[test]
    fn malformed_secrets_name_the_problem_but_never_a_value() {
        let err = |text: &str| merge_secret_json(env(&[]), text).unwrap_err().to_string();
        assert!(err(r#"["hunter2"]"#).contains("not a JSON object"));
        let e = err(r#"{"SARAFAN_API_TOKEN": 12345678}"#);
        assert!(
            e.contains("SARAFAN_API_TOKEN is not a string") && !e.contains("12345678"),
            "{e}"
        );
        let e = err(r#"{"SARAFAN_API_TOKEN": "hunter2""#);
        assert!(e.contains("not JSON") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn debug_output_shows_names_only() {
        let shown = format!("{:?}", env(&[("SLACK_BOT_TOKEN", "xoxb-very-secret")]));
        assert!(shown.contains("SLACK_BOT_TOKEN") && !shown.contains("xoxb-very-secret"));
    }

    /// Against the local server scripts/test starts (moto implements Secrets Manager).
    #[tokio::test]
    async fn reads_the_secret_from_secrets_manager() {
        assert!(
            std::env::var_os("AWS_ENDPOINT_URL").is_some(),
            "needs a local AWS emulator: run scripts/test (it starts moto and sets AWS_ENDPOINT_URL)"
        );
        let client = aws_sdk_secretsmanager::Client::new(&crate::aws::sdk_config().await);
        let name = format!("sarafan-test-{:016x}", rand::random::<u64>());
        let created = client
            .create_secret()
            .name(&name)
            .secret_string(r#"{"SARAFAN_API_TOKEN": "tok-1,tok-2"}"#)
            .send()
            .await
            .unwrap();
        let text = fetch(&client, created.arn().unwrap()).await.unwrap();
        let merged = merge_secret_json(env(&[]), &text).unwrap();
        assert_eq!(merged.get("SARAFAN_API_TOKEN"), Some("tok-1,tok-2"));
        let missing = fetch(&client, "sarafan-no-such-secret").await.unwrap_err().to_string();
        assert!(missing.contains("could not be read"), "{missing}");
    }
}
