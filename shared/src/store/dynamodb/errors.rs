//! How SDK and DynamoDB failures become `StoreError`s (transient or not).

use super::*;

pub(crate) fn backend<E: std::error::Error + Send + Sync + 'static>(e: E) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// Error codes that say "not now": the platform should retry later (ingest answers 503). Besides
/// throttling and DynamoDB's own faults, that is a table or permission an operator has yet to
/// put right (missing table, denied access, expired or unknown credentials): a redelivery after
/// the fix succeeds, as after freeing a full disk.
pub(super) fn transient_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "LimitExceededException"
                | "InternalServerError"
                | "ServiceUnavailable"
                | "TransactionInProgressException"
                | "TransactionConflictException"
                | "ResourceNotFoundException"
                | "AccessDeniedException"
                | "ExpiredTokenException"
                | "UnrecognizedClientException"
        )
    )
}

/// Maps SDK errors: unreachable, timed out or throttled after the SDK's retries is `Unavailable`.
pub(crate) fn sdk_err<E>(e: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(DisplayErrorContext(&e).to_string())
        }
        SdkError::ServiceError(se) if transient_code(se.err().code()) => {
            StoreError::Unavailable(DisplayErrorContext(&e).to_string())
        }
        _ => backend(e),
    }
}

pub(super) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}
