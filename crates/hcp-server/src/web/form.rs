//! A page form as its handler receives it: the body read within the pages' limit, parsed, and its CSRF token
//! checked for the form it was issued to — before the handler runs, so a forged or stale post stores nothing.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

use super::FormPairs;
use super::csrf;
use super::errors::PageError;
use crate::app::state::AppState;

/// The name a form's CSRF token is bound to (a token issued for one form is refused by another).
pub trait FormName {
    const NAME: &'static str;
}

/// Declares a marker type for a form name: `form_name!(UnitForm, UNIT_FORM);`.
macro_rules! form_name {
    ($ty:ident, $name:expr) => {
        pub struct $ty;

        impl $crate::web::form::FormName for $ty {
            const NAME: &'static str = $name;
        }
    };
}
pub(crate) use form_name;

/// A submitted `application/x-www-form-urlencoded` form of `N` whose CSRF token was checked.
pub struct CsrfForm<N>(pub FormPairs, pub PhantomData<N>);

impl<N: FormName> FromRequest<AppState> for CsrfForm<N> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let form = FormPairs::parse(Bytes::from_request(req, state).await)?;
        csrf::verify(state, &headers, N::NAME, form.get(csrf::FIELD))?;
        Ok(CsrfForm(form, PhantomData))
    }
}
