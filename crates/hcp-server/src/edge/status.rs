//! The HTTP status of every error code, in one table for the API and the pages alike.

use axum::http::StatusCode;

use crate::app::error::ErrorCode;

pub fn of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        InvalidJson | InvalidBody | InvalidQuery | InvalidPeriod | InvalidIdempotencyKey | InvalidFile => {
            StatusCode::BAD_REQUEST
        }
        Unauthenticated | InvalidToken | InvalidCredentials | PasswordRequired | SecondFactorRequired
        | InvalidSecondFactor => StatusCode::UNAUTHORIZED,
        Forbidden | PasswordChangeRequired | NoScope | DemoOnly => StatusCode::FORBIDDEN,
        NotFound => StatusCode::NOT_FOUND,
        MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Conflict
        | AlreadyEvaluated
        | FollowUpExists
        | AlreadyImported
        | IdempotencyInProgress
        | ConcurrentUpdate
        | InvalidTransition
        | AppealWindowClosed
        | AlreadyAppealed
        | AlreadyDecided
        | NotRectified
        | AlreadyEscalated
        | NotAppealable
        | NothingToRate
        | NotReady
        | NotFollowable
        | UpwardNotConfigured => StatusCode::CONFLICT,
        PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        UnsupportedMediaType | UnsupportedFileType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ValidationFailed | IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        RateLimited | AccountLocked => StatusCode::TOO_MANY_REQUESTS,
        Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_faults_of_ours_are_5xx() {
        for code in ErrorCode::ALL {
            let server_side = matches!(code, ErrorCode::Internal | ErrorCode::Unavailable);
            assert_eq!(of(code).is_server_error(), server_side, "{code}");
        }
    }
}
