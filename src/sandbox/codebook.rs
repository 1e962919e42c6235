//! Every answer the sandbox can give, resolved once at start from the catalogue: documented
//! rows of each endpoint first, then the configured conventions (the catalogue's own, or an
//! alternative set). The sandbox never spells a code or a message itself.

use std::collections::HashMap;

use axum::http::StatusCode;

use super::SandboxError;
use crate::contract::Catalogue;

/// The endpoints the sandbox serves, by catalogue id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Api {
    DeductionInfo,
    CardInfo,
    BankAccountValid,
}

impl Api {
    pub(crate) const ALL: [Api; 3] = [Api::DeductionInfo, Api::CardInfo, Api::BankAccountValid];

    pub(crate) fn id(self) -> &'static str {
        match self {
            Api::DeductionInfo => "deduction-info",
            Api::CardInfo => "card-info",
            Api::BankAccountValid => "bank-account-valid",
        }
    }
}

/// Which part of the API an answer belongs to: an endpoint, or no endpoint at all (a path
/// or method the API does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    Endpoint(Api),
    Unrouted,
}

/// A response key of the catalogue (documented row or convention).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ResponseKey {
    Success,
    MissingHeader,
    MalformedHeader,
    UnknownCredentials,
    StaleTranTime,
    TokenMismatch,
    BodyNotJson,
    UnknownCryptoKey,
    UndecryptableBody,
    MissingField,
    InvalidInput,
    UnknownPath,
    UnknownMember,
    UnknownCard,
    AccountFormat,
    NameCheckUnavailable,
    NameMismatch,
    BeforeBusinessHours,
    UserNotFound,
    OutsideServiceHours,
    AccountNotFound,
    AccountNotTradable,
    AccountNotCheckable,
    BeforeHoursUncoded,
    ProcessingDelay,
    NonParticipating,
}

impl ResponseKey {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ResponseKey::Success => "success",
            ResponseKey::MissingHeader => "missing-header",
            ResponseKey::MalformedHeader => "malformed-header",
            ResponseKey::UnknownCredentials => "unknown-credentials",
            ResponseKey::StaleTranTime => "stale-tran-time",
            ResponseKey::TokenMismatch => "token-mismatch",
            ResponseKey::BodyNotJson => "body-not-json",
            ResponseKey::UnknownCryptoKey => "unknown-crypto-key",
            ResponseKey::UndecryptableBody => "undecryptable-body",
            ResponseKey::MissingField => "missing-field",
            ResponseKey::InvalidInput => "invalid-input",
            ResponseKey::UnknownPath => "unknown-path",
            ResponseKey::UnknownMember => "unknown-member",
            ResponseKey::UnknownCard => "unknown-card",
            ResponseKey::AccountFormat => "account-format",
            ResponseKey::NameCheckUnavailable => "name-check-unavailable",
            ResponseKey::NameMismatch => "name-mismatch",
            ResponseKey::BeforeBusinessHours => "before-business-hours",
            ResponseKey::UserNotFound => "user-not-found",
            ResponseKey::OutsideServiceHours => "outside-service-hours",
            ResponseKey::AccountNotFound => "account-not-found",
            ResponseKey::AccountNotTradable => "account-not-tradable",
            ResponseKey::AccountNotCheckable => "account-not-checkable",
            ResponseKey::BeforeHoursUncoded => "before-hours-uncoded",
            ResponseKey::ProcessingDelay => "processing-delay",
            ResponseKey::NonParticipating => "non-participating",
        }
    }

    /// Answers every endpoint can give.
    const SHARED: [ResponseKey; 11] = [
        ResponseKey::Success,
        ResponseKey::MissingHeader,
        ResponseKey::MalformedHeader,
        ResponseKey::UnknownCredentials,
        ResponseKey::StaleTranTime,
        ResponseKey::TokenMismatch,
        ResponseKey::BodyNotJson,
        ResponseKey::UnknownCryptoKey,
        ResponseKey::UndecryptableBody,
        ResponseKey::MissingField,
        ResponseKey::InvalidInput,
    ];

    /// Answers only this endpoint gives.
    fn own(api: Api) -> &'static [ResponseKey] {
        match api {
            Api::DeductionInfo => &[ResponseKey::UnknownMember],
            Api::CardInfo => &[ResponseKey::UnknownCard],
            Api::BankAccountValid => &[
                ResponseKey::AccountFormat,
                ResponseKey::NameCheckUnavailable,
                ResponseKey::NameMismatch,
                ResponseKey::BeforeBusinessHours,
                ResponseKey::UserNotFound,
                ResponseKey::OutsideServiceHours,
                ResponseKey::AccountNotFound,
                ResponseKey::AccountNotTradable,
                ResponseKey::AccountNotCheckable,
                ResponseKey::BeforeHoursUncoded,
                ResponseKey::ProcessingDelay,
                ResponseKey::NonParticipating,
            ],
        }
    }

    /// Every key `api` can answer with.
    pub(crate) fn for_api(api: Api) -> impl Iterator<Item = ResponseKey> {
        ResponseKey::SHARED
            .into_iter()
            .chain(ResponseKey::own(api).iter().copied())
    }
}

/// One resolved answer. `message` may still hold `{field}`.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Codebook {
    entries: HashMap<(Scope, ResponseKey), Entry>,
}

impl Codebook {
    /// Resolve every answer the sandbox can give; fails if the catalogue plus `conventions`
    /// leave one without a code, so nothing is looked up in vain at request time.
    pub(crate) fn new(
        catalogue: &Catalogue,
        conventions: &[crate::contract::Convention],
    ) -> Result<Codebook, SandboxError> {
        let mut merged = catalogue.clone();
        merged.conventions = conventions.to_vec();
        let mut entries = HashMap::new();
        let mut resolve = |scope: Scope, endpoint: &str, key: ResponseKey| {
            let expected = merged
                .expected(endpoint, key.as_str(), None)
                .ok_or_else(|| SandboxError::MissingAnswer {
                    endpoint: endpoint.to_owned(),
                    key: key.as_str().to_owned(),
                })?;
            let status =
                StatusCode::from_u16(expected.status).map_err(|_| SandboxError::MissingAnswer {
                    endpoint: endpoint.to_owned(),
                    key: format!(
                        "{} (status {} is not an HTTP status)",
                        key.as_str(),
                        expected.status
                    ),
                })?;
            entries.insert(
                (scope, key),
                Entry {
                    status,
                    code: expected.code,
                    message: expected.message,
                },
            );
            Ok::<(), SandboxError>(())
        };
        for api in Api::ALL {
            if catalogue.endpoint(api.id()).is_none() {
                return Err(SandboxError::MissingEndpoint {
                    id: api.id().to_owned(),
                });
            }
            for key in ResponseKey::for_api(api) {
                resolve(Scope::Endpoint(api), api.id(), key)?;
            }
        }
        resolve(Scope::Unrouted, "*", ResponseKey::UnknownPath)?;
        Ok(Codebook { entries })
    }

    /// The answer for `key` in `scope`. Every pair the pipeline asks for was resolved in
    /// [`Codebook::new`]; a pair it was not is answered as an unknown path rather than
    /// panicking.
    pub(crate) fn get(&self, scope: Scope, key: ResponseKey) -> &Entry {
        self.entries
            .get(&(scope, key))
            .or_else(|| {
                self.entries
                    .get(&(Scope::Unrouted, ResponseKey::UnknownPath))
            })
            .unwrap_or(&FALLBACK)
    }
}

/// Only reachable if a codebook were built without its unknown-path entry, which
/// [`Codebook::new`] never does.
static FALLBACK: Entry = Entry {
    status: StatusCode::NOT_FOUND,
    code: String::new(),
    message: String::new(),
};
