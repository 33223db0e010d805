//! The one error of the use cases: a stable code from [`ErrorCode`], a Chinese message for people, per-field
//! messages for forms, and for server faults the cause chain (kept for the log, never shown). No HTTP here: the
//! API maps each code to a status in one table (`edge::status`), the pages to a Chinese page.

use hcp_core::FieldErrors;
use hcp_core::lifecycle::Refusal;
use hcp_store::StoreError;

/// Every code the API documents, as `snake_case` in `{"error":{"code"}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // The request cannot be read.
    InvalidJson,
    InvalidBody,
    InvalidQuery,
    InvalidPeriod,
    InvalidIdempotencyKey,
    InvalidFile,
    // Who is asking.
    Unauthenticated,
    InvalidToken,
    InvalidCredentials,
    AccountLocked,
    PasswordRequired,
    SecondFactorRequired,
    InvalidSecondFactor,
    Forbidden,
    PasswordChangeRequired,
    NoScope,
    DemoOnly,
    NotFound,
    MethodNotAllowed,
    // Refusals of the state of things.
    Conflict,
    AlreadyEvaluated,
    FollowUpExists,
    AlreadyImported,
    IdempotencyInProgress,
    ConcurrentUpdate,
    InvalidTransition,
    AppealWindowClosed,
    AlreadyAppealed,
    AlreadyDecided,
    NotRectified,
    AlreadyEscalated,
    NotAppealable,
    NothingToRate,
    NotReady,
    NotFollowable,
    UpwardNotConfigured,
    // Size, type and rate.
    PayloadTooLarge,
    UnsupportedMediaType,
    UnsupportedFileType,
    ValidationFailed,
    IdempotencyKeyReused,
    RateLimited,
    // Ours.
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 44] = [
        ErrorCode::InvalidJson,
        ErrorCode::InvalidBody,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidPeriod,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::InvalidFile,
        ErrorCode::Unauthenticated,
        ErrorCode::InvalidToken,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountLocked,
        ErrorCode::PasswordRequired,
        ErrorCode::SecondFactorRequired,
        ErrorCode::InvalidSecondFactor,
        ErrorCode::Forbidden,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::NoScope,
        ErrorCode::DemoOnly,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::AlreadyEvaluated,
        ErrorCode::FollowUpExists,
        ErrorCode::AlreadyImported,
        ErrorCode::IdempotencyInProgress,
        ErrorCode::ConcurrentUpdate,
        ErrorCode::InvalidTransition,
        ErrorCode::AppealWindowClosed,
        ErrorCode::AlreadyAppealed,
        ErrorCode::AlreadyDecided,
        ErrorCode::NotRectified,
        ErrorCode::AlreadyEscalated,
        ErrorCode::NotAppealable,
        ErrorCode::NothingToRate,
        ErrorCode::NotReady,
        ErrorCode::NotFollowable,
        ErrorCode::UpwardNotConfigured,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::UnsupportedFileType,
        ErrorCode::ValidationFailed,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::RateLimited,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidPeriod => "invalid_period",
            ErrorCode::InvalidIdempotencyKey => "invalid_idempotency_key",
            ErrorCode::InvalidFile => "invalid_file",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::PasswordRequired => "password_required",
            ErrorCode::SecondFactorRequired => "second_factor_required",
            ErrorCode::InvalidSecondFactor => "invalid_second_factor",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::NoScope => "no_scope",
            ErrorCode::DemoOnly => "demo_only",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::AlreadyEvaluated => "already_evaluated",
            ErrorCode::FollowUpExists => "follow_up_exists",
            ErrorCode::AlreadyImported => "already_imported",
            ErrorCode::IdempotencyInProgress => "idempotency_in_progress",
            ErrorCode::ConcurrentUpdate => "concurrent_update",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::AppealWindowClosed => "appeal_window_closed",
            ErrorCode::AlreadyAppealed => "already_appealed",
            ErrorCode::AlreadyDecided => "already_decided",
            ErrorCode::NotRectified => "not_rectified",
            ErrorCode::AlreadyEscalated => "already_escalated",
            ErrorCode::NotAppealable => "not_appealable",
            ErrorCode::NothingToRate => "nothing_to_rate",
            ErrorCode::NotReady => "not_ready",
            ErrorCode::NotFollowable => "not_followable",
            ErrorCode::UpwardNotConfigured => "upward_not_configured",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::UnsupportedFileType => "unsupported_file_type",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

type Cause = Box<dyn std::error::Error + Send + Sync>;

/// A refusal or a fault of a use case.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    /// In Chinese, for people; for a fault a general sentence (the cause is in `source`).
    pub message: String,
    /// Field name → message, for forms.
    pub fields: FieldErrors,
    /// Rate limits: seconds until a retry may succeed.
    pub retry_after: Option<u64>,
    #[source]
    source: Option<Cause>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError { code, message: message.into(), fields: FieldErrors::new(), retry_after: None, source: None }
    }

    pub fn with_fields(mut self, fields: FieldErrors) -> Self {
        self.fields = fields;
        self
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "请先登录")
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "您的角色无权进行此操作")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what}不存在或不在您的管辖范围内"))
    }

    /// A query parameter that cannot be read; `field` is the parameter's own name.
    pub fn invalid_query(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::new(ErrorCode::InvalidQuery, message.clone()).with_fields(FieldErrors::single(field, message))
    }

    /// Per-field messages of a submission that cannot be taken as it is.
    pub fn invalid(fields: FieldErrors) -> Self {
        Self::new(ErrorCode::ValidationFailed, "提交的信息有误，请按提示修改").with_fields(fields)
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(FieldErrors::single(field, message))
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        let mut error = Self::new(ErrorCode::RateLimited, "提交过于频繁，请稍后再试");
        error.retry_after = Some(retry_after);
        error
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(ErrorCode::PayloadTooLarge, format!("提交的内容过大（上限{}KB）", limit / 1024))
    }

    /// A fault of ours: the cause is kept for the log (written once, where the answer is made), the client is
    /// told nothing of it.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        let mut error = Self::new(ErrorCode::Internal, "服务器内部错误，请稍后重试或联系管理员");
        error.source = Some(cause.into());
        error
    }

    /// The server is stopping or the database is away: retry later.
    pub fn unavailable() -> Self {
        Self::new(ErrorCode::Unavailable, "服务正在停止，请稍后重试")
    }

    pub fn is_internal(&self) -> bool {
        self.code == ErrorCode::Internal
    }

    /// For the operator at the command line: the message with each field's message, or a fault's causes.
    pub fn summary(&self) -> String {
        if self.is_internal() {
            self.chain()
        } else if self.fields.is_empty() {
            self.message.clone()
        } else {
            format!("{}（{}）", self.message, self.fields.summary())
        }
    }

    /// The cause chain in one line, for the log.
    pub fn chain(&self) -> String {
        let mut text = self.message.clone();
        let mut next: Option<&(dyn std::error::Error + 'static)> =
            self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(cause) = next {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            next = cause.source();
        }
        text
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(what) => AppError::new(ErrorCode::Conflict, format!("{what}已存在")),
            other => AppError::internal(other),
        }
    }
}

impl From<hcp_store::sqlx::Error> for AppError {
    fn from(err: hcp_store::sqlx::Error) -> Self {
        AppError::from(StoreError::from(err))
    }
}

/// The lifecycle's refusals keep their own codes.
impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        let code = match refusal {
            Refusal::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Refusal::AppealWindowClosed => ErrorCode::AppealWindowClosed,
            Refusal::AlreadyAppealed => ErrorCode::AlreadyAppealed,
            Refusal::AlreadyDecided => ErrorCode::AlreadyDecided,
            Refusal::NotRectified => ErrorCode::NotRectified,
            Refusal::AlreadyEscalated => ErrorCode::AlreadyEscalated,
        };
        AppError::new(code, refusal.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(text.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{text}");
            assert!(seen.insert(text), "{text} twice");
        }
    }

    #[test]
    fn refusals_keep_their_code_and_faults_their_cause() {
        let refused = AppError::from(Refusal::AlreadyAppealed);
        assert_eq!(refused.code.as_str(), Refusal::AlreadyAppealed.code());
        let fault = AppError::internal(StoreError::Corrupt("bad row".into()));
        assert!(fault.is_internal());
        assert!(fault.chain().contains("bad row"), "{}", fault.chain());
        assert!(!fault.message.contains("bad row"), "the cause is not shown");
    }
}
