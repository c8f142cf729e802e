//! IP address classes and network grouping. Detection treats one household as one
//! network: IPv6 clients with privacy extensions change their address every few hours,
//! but keep their /64 prefix, so [`network_of`] groups IPv6 by prefix (default /64) and
//! IPv4 by address (default /32).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of address an IP is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpClass {
    /// A routable internet address.
    Public,
    /// RFC 1918 private IPv4 (10/8, 172.16/12, 192.168/16).
    Private,
    /// Loopback (127/8, ::1).
    Loopback,
    /// Link-local (169.254/16, fe80::/10).
    LinkLocal,
    /// Carrier-grade NAT shared space (100.64/10): a mobile or ISP NAT, not a place.
    Cgnat,
    /// IPv6 unique local addresses (fc00::/7).
    UniqueLocal,
    /// Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32).
    Documentation,
    /// Unspecified, broadcast, multicast or reserved addresses.
    Reserved,
}

impl IpClass {
    /// Whether an address of this class can be geolocated at all. Everything but
    /// [`IpClass::Public`] is "local" (or meaningless) and has no place on a map.
    pub fn is_public(self) -> bool {
        self == IpClass::Public
    }

    /// Whether the address belongs to a local network of the server's household
    /// (private, loopback, link-local, ULA).
    pub fn is_local(self) -> bool {
        matches!(
            self,
            IpClass::Private | IpClass::Loopback | IpClass::LinkLocal | IpClass::UniqueLocal
        )
    }
}

/// Classifies an address. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are classified
/// as the IPv4 address they carry.
pub fn classify(ip: IpAddr) -> IpClass {
    match canonical(ip) {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// The address with IPv4-mapped IPv6 turned back into IPv4.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

fn classify_v4(ip: Ipv4Addr) -> IpClass {
    let o = ip.octets();
    if ip.is_loopback() {
        IpClass::Loopback
    } else if ip.is_private() {
        IpClass::Private
    } else if ip.is_link_local() {
        IpClass::LinkLocal
    } else if o[0] == 100 && (o[1] & 0xC0) == 64 {
        IpClass::Cgnat
    } else if ip.is_documentation() {
        IpClass::Documentation
    } else if ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] >= 240
        || o[0] == 0
    {
        IpClass::Reserved
    } else {
        IpClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> IpClass {
    let s = ip.segments();
    if ip.is_loopback() {
        IpClass::Loopback
    } else if ip.is_unspecified() || ip.is_multicast() {
        IpClass::Reserved
    } else if (s[0] & 0xFE00) == 0xFC00 {
        IpClass::UniqueLocal
    } else if (s[0] & 0xFFC0) == 0xFE80 {
        IpClass::LinkLocal
    } else if s[0] == 0x2001 && s[1] == 0x0DB8 {
        IpClass::Documentation
    } else {
        IpClass::Public
    }
}

/// How addresses are grouped into networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct NetworkGrouping {
    /// Prefix length for IPv4 (default 32: one address, one network).
    pub ipv4_prefix: u8,
    /// Prefix length for IPv6 (default 64: one household's delegated /64).
    pub ipv6_prefix: u8,
}

impl Default for NetworkGrouping {
    fn default() -> Self {
        Self {
            ipv4_prefix: 32,
            ipv6_prefix: 64,
        }
    }
}

impl NetworkGrouping {
    /// A grouping with the given prefixes; lengths beyond 32 / 128 are clamped.
    pub fn new(ipv4_prefix: u8, ipv6_prefix: u8) -> Self {
        Self {
            ipv4_prefix: ipv4_prefix.min(32),
            ipv6_prefix: ipv6_prefix.min(128),
        }
    }
}

/// A network: an address masked to its grouping prefix, e.g. `2001:db8:1:2::/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetworkId {
    addr: IpAddr,
    prefix: u8,
}

impl NetworkId {
    /// The network's first address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// Its prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                mask(ip, self.prefix) == self.addr
            }
            _ => false,
        }
    }
}

impl fmt::Display for NetworkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Why a text is not a network (`addr/prefix`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkParseError {
    /// The address part is not an IP address.
    #[error("{0:?} is not an IP address")]
    BadAddress(String),
    /// The prefix is missing, not a number or too long for the address family.
    #[error("{0:?} is not a valid prefix length")]
    BadPrefix(String),
}

impl FromStr for NetworkId {
    type Err = NetworkParseError;
    /// Parses CIDR notation; a bare address is a single-address network. Host bits are
    /// masked off, so `10.0.0.7/8` is `10.0.0.0/8`.
    fn from_str(s: &str) -> Result<Self, NetworkParseError> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| NetworkParseError::BadAddress(a.chars().take(64).collect()))?;
        let addr = canonical(addr);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => match p.trim().parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(NetworkParseError::BadPrefix(p.chars().take(16).collect())),
            },
        };
        Ok(Self {
            addr: mask(addr, prefix),
            prefix,
        })
    }
}

impl Serialize for NetworkId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for NetworkId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix.min(32)))
            };
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix.min(128)))
            };
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// The network an address belongs to under `grouping`.
pub fn network_of(ip: IpAddr, grouping: NetworkGrouping) -> NetworkId {
    let ip = canonical(ip);
    let prefix = if ip.is_ipv4() {
        grouping.ipv4_prefix.min(32)
    } else {
        grouping.ipv6_prefix.min(128)
    };
    NetworkId {
        addr: mask(ip, prefix),
        prefix,
    }
}

/// Parses an address as media servers report it: `1.2.3.4`, `1.2.3.4:5678`,
/// `[2001:db8::1]:8096`, `2001:db8::1`, `::ffff:1.2.3.4`, with or without surrounding
/// white space. Returns `None` when nothing address-like is there.
pub fn parse_endpoint(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        return rest[..end].parse::<IpAddr>().ok().map(canonical);
    }
    // IPv4 with a port: exactly one colon.
    if let Some((host, port)) = s.rsplit_once(':') {
        if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) {
            return host.parse::<IpAddr>().ok().map(canonical);
        }
    }
    // An IPv6 zone id (`fe80::1%eth0`).
    if let Some((host, _zone)) = s.split_once('%') {
        return host.parse::<IpAddr>().ok().map(canonical);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn classes() {
        assert_eq!(classify(ip("10.1.2.3")), IpClass::Private);
        assert_eq!(classify(ip("172.16.0.1")), IpClass::Private);
        assert_eq!(classify(ip("172.32.0.1")), IpClass::Public);
        assert_eq!(classify(ip("192.168.1.1")), IpClass::Private);
        assert_eq!(classify(ip("127.0.0.1")), IpClass::Loopback);
        assert_eq!(classify(ip("169.254.3.4")), IpClass::LinkLocal);
        assert_eq!(classify(ip("100.64.0.1")), IpClass::Cgnat);
        assert_eq!(classify(ip("100.127.255.254")), IpClass::Cgnat);
        assert_eq!(classify(ip("100.128.0.1")), IpClass::Public);
        assert_eq!(classify(ip("192.0.2.5")), IpClass::Documentation);
        assert_eq!(classify(ip("203.0.113.9")), IpClass::Documentation);
        assert_eq!(classify(ip("0.0.0.0")), IpClass::Reserved);
        assert_eq!(classify(ip("255.255.255.255")), IpClass::Reserved);
        assert_eq!(classify(ip("8.8.8.8")), IpClass::Public);
        assert_eq!(classify(ip("::1")), IpClass::Loopback);
        assert_eq!(classify(ip("fd12:3456::1")), IpClass::UniqueLocal);
        assert_eq!(classify(ip("fe80::1")), IpClass::LinkLocal);
        assert_eq!(classify(ip("2001:db8::1")), IpClass::Documentation);
        assert_eq!(classify(ip("2a02:1::1")), IpClass::Public);
        assert_eq!(classify(ip("::ffff:192.168.0.1")), IpClass::Private);
        assert!(IpClass::Private.is_local());
        assert!(!IpClass::Cgnat.is_local());
    }

    #[test]
    fn ipv6_households_group_by_64() {
        let g = NetworkGrouping::default();
        let a = network_of(ip("2a02:8071:1:2:aaaa::1"), g);
        let b = network_of(ip("2a02:8071:1:2:bbbb:cccc:dddd:eeee"), g);
        let c = network_of(ip("2a02:8071:1:3::1"), g);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_string(), "2a02:8071:1:2::/64");
        assert_ne!(network_of(ip("1.2.3.4"), g), network_of(ip("1.2.3.5"), g));
        let g24 = NetworkGrouping::new(24, 56);
        assert_eq!(
            network_of(ip("1.2.3.4"), g24),
            network_of(ip("1.2.3.5"), g24)
        );
        assert!(a.contains(ip("2a02:8071:1:2::99")));
        assert!(!a.contains(ip("1.2.3.4")));
    }

    #[test]
    fn cidr_parsing() {
        let n: NetworkId = "10.0.0.7/8".parse().unwrap();
        assert_eq!(n.to_string(), "10.0.0.0/8");
        assert!(n.contains(ip("10.200.1.1")));
        assert!("10.0.0.0/33".parse::<NetworkId>().is_err());
        assert!("nope/8".parse::<NetworkId>().is_err());
        let single: NetworkId = "8.8.8.8".parse().unwrap();
        assert_eq!(single.prefix(), 32);
    }

    #[test]
    fn endpoints() {
        assert_eq!(parse_endpoint("1.2.3.4:32400"), Some(ip("1.2.3.4")));
        assert_eq!(parse_endpoint(" 1.2.3.4 "), Some(ip("1.2.3.4")));
        assert_eq!(
            parse_endpoint("[2001:db8::1]:8096"),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(parse_endpoint("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(parse_endpoint("::ffff:1.2.3.4"), Some(ip("1.2.3.4")));
        assert_eq!(parse_endpoint("fe80::1%eth0"), Some(ip("fe80::1")));
        assert_eq!(parse_endpoint("example.com"), None);
        assert_eq!(parse_endpoint(""), None);
        assert_eq!(parse_endpoint("[::1"), None);
    }
}
