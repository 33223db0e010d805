//! The client's address behind reverse proxies. `X-Forwarded-For` is a list every hop appends to, so only its
//! right end is written by proxies we run; anything to the left of the first address they did not add may be
//! whatever the client sent. The client is the right-most address that is not one of our proxies.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One of our proxies: an address (`10.0.0.5`) or a network (`10.0.0.0/24`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    network: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 peer seen on an IPv6 socket (`::ffff:10.0.0.5`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

impl FromStr for ProxyNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr =
            address.parse().map_err(|_| format!("“{text}”不是 IP 地址或网段（如 10.0.0.5、10.0.0.0/24）"))?;
        let network = canonical(network);
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("“{text}”的前缀长度应为 0–{max}"))?
            }
        };
        Ok(ProxyNet { network, prefix })
    }
}

impl fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Serialize for ProxyNet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProxyNet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The client's address given the socket's peer, the `X-Forwarded-For` header lines in order, and our proxies.
/// With no list configured, the peer itself is the one trusted proxy (a single reverse proxy in front).
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    proxies: &[ProxyNet],
) -> IpAddr {
    let peer = canonical(peer);
    let trusted = |ip: IpAddr| if proxies.is_empty() { ip == peer } else { proxies.iter().any(|p| p.contains(ip)) };
    if !trusted(peer) {
        // Not from our proxy: whatever the header says was written by the client.
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.into_iter().flat_map(|line| line.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                let ip = canonical(ip);
                client = ip;
                if !trusted(ip) {
                    break;
                }
            }
            // A hop our proxy would not write: stop at the last address a trusted hop vouched for.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<ProxyNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn networks_parse_and_contain() {
        let net: ProxyNet = "10.0.0.0/24".parse().unwrap();
        assert!(net.contains(ip("10.0.0.200")));
        assert!(!net.contains(ip("10.0.1.1")));
        assert!(net.contains(ip("::ffff:10.0.0.7")), "IPv4-mapped peers count as IPv4");
        assert!("0.0.0.0/0".parse::<ProxyNet>().unwrap().contains(ip("8.8.8.8")));
        assert!("fd00::/8".parse::<ProxyNet>().unwrap().contains(ip("fd12::1")));
        for bad in ["10.0.0.0/33", "proxy", "10.0.0.0/", "::/129", ""] {
            assert!(bad.parse::<ProxyNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_right_most_address_that_is_not_our_proxy() {
        let proxies = nets(&["10.0.0.0/24"]);
        // The client forged a first entry; our proxy appended the address it saw.
        assert_eq!(client_address(ip("10.0.0.1"), ["6.6.6.6, 203.0.113.9"], &proxies), ip("203.0.113.9"));
        // Two of our proxies in a row.
        assert_eq!(client_address(ip("10.0.0.1"), ["6.6.6.6, 203.0.113.9, 10.0.0.2"], &proxies), ip("203.0.113.9"));
        // Header lines are one list.
        assert_eq!(client_address(ip("10.0.0.1"), ["6.6.6.6", "203.0.113.9"], &proxies), ip("203.0.113.9"));
        // A request that did not come through our proxy: the header is the client's own.
        assert_eq!(client_address(ip("198.51.100.4"), ["1.2.3.4"], &proxies), ip("198.51.100.4"));
        // Garbage before our proxy's entry does not replace it; garbage at the end leaves the peer.
        assert_eq!(client_address(ip("10.0.0.1"), ["junk, 203.0.113.9"], &proxies), ip("203.0.113.9"));
        assert_eq!(client_address(ip("10.0.0.1"), ["203.0.113.9, junk"], &proxies), ip("10.0.0.1"));
        // No header: the proxy itself.
        assert_eq!(client_address(ip("10.0.0.1"), [], &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn without_a_list_the_peer_is_the_one_proxy() {
        assert_eq!(client_address(ip("127.0.0.1"), ["6.6.6.6, 203.0.113.9"], &[]), ip("203.0.113.9"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever a client writes into the header, it cannot name an address to the right of what our proxy
        /// appended: the answer is the address our proxy saw.
        #[test]
        fn a_client_cannot_choose_its_address(forged in proptest::collection::vec(any::<[u8; 4]>(), 0..6),
                                               junk in "[ -~]{0,20}", seen in any::<[u8; 4]>()) {
            let proxies = nets(&["10.9.0.0/16"]);
            let seen = IpAddr::from(seen);
            prop_assume!(!proxies[0].contains(seen));
            let mut header: Vec<String> = forged.iter().map(|o| IpAddr::from(*o).to_string()).collect();
            header.push(junk);
            header.push(seen.to_string());
            let line = header.join(", ");
            prop_assert_eq!(client_address(ip("10.9.0.1"), [line.as_str()], &proxies), seen);
        }
    }
}
