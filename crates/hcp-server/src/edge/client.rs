//! The client's address, for rate limits and the hashed client marker on evaluations.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::app::state::AppState;
use crate::edge::forwarded;

/// The peer's address, or behind our reverse proxy (`trust_proxy = true`) the address it saw: the right-most
/// `X-Forwarded-For` entry that is not one of `trusted_proxies`.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        let config = state.config();
        if !config.trust_proxy {
            return Ok(ClientAddr(peer));
        }
        let lines = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientAddr(forwarded::client_address(peer, lines, &config.trusted_proxies)))
    }
}

/// The client as the audit records it: [`ClientAddr`]'s address and the `User-Agent` header, cleaned.
impl FromRequestParts<AppState> for crate::app::client::Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ClientAddr(address) = ClientAddr::from_request_parts(parts, state).await?;
        Ok(client_of(address, &parts.headers))
    }
}

/// The client of a request whose address is known.
pub fn client_of(address: IpAddr, headers: &axum::http::HeaderMap) -> crate::app::client::Client {
    let user_agent = headers.get(axum::http::header::USER_AGENT).map(|v| String::from_utf8_lossy(v.as_bytes()));
    crate::app::client::Client::new(address, user_agent.as_deref().unwrap_or_default())
}
