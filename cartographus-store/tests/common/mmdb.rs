//! A tiny MaxMind DB writer (format 2.0, 24-bit records) for tests: enough to build
//! databases in the ip-location-db flat layout, whose real files are too large to ship.
#![allow(unreachable_pub)]

use std::net::IpAddr;

/// A value of the MMDB data section.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    F64(f64),
    F32(f32),
    U16(u16),
    U32(u32),
    U64(u64),
    Map(Vec<(String, Val)>),
    Arr(Vec<Val>),
}

pub fn s(v: &str) -> Val {
    Val::Str(v.to_owned())
}

pub fn map(items: &[(&str, Val)]) -> Val {
    Val::Map(
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn ctrl(out: &mut Vec<u8>, ty: u8, size: usize) {
    let (first_ty, ext) = if ty <= 7 {
        (ty << 5, None)
    } else {
        (0, Some(ty - 7))
    };
    let (size_bits, extra): (u8, Vec<u8>) = if size < 29 {
        (size as u8, vec![])
    } else if size < 29 + 256 {
        (29, vec![(size - 29) as u8])
    } else if size < 285 + 65_536 {
        let v = (size - 285) as u16;
        (30, v.to_be_bytes().to_vec())
    } else {
        let v = (size - 65_821) as u32;
        (31, v.to_be_bytes()[1..].to_vec())
    };
    out.push(first_ty | size_bits);
    if let Some(e) = ext {
        out.push(e);
    }
    out.extend(extra);
}

fn uint(out: &mut Vec<u8>, ty: u8, v: u64) {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    ctrl(out, ty, 8 - skip);
    out.extend(&bytes[skip..]);
}

pub fn encode(v: &Val, out: &mut Vec<u8>) {
    match v {
        Val::Str(s) => {
            ctrl(out, 2, s.len());
            out.extend(s.as_bytes());
        }
        Val::F64(f) => {
            ctrl(out, 3, 8);
            out.extend(f.to_be_bytes());
        }
        Val::F32(f) => {
            ctrl(out, 15, 4);
            out.extend(f.to_be_bytes());
        }
        Val::U16(n) => uint(out, 5, u64::from(*n)),
        Val::U32(n) => uint(out, 6, u64::from(*n)),
        Val::U64(n) => uint(out, 9, *n),
        Val::Map(items) => {
            ctrl(out, 7, items.len());
            for (k, v) in items {
                encode(&Val::Str(k.clone()), out);
                encode(v, out);
            }
        }
        Val::Arr(items) => {
            ctrl(out, 11, items.len());
            for v in items {
                encode(v, out);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Child {
    Empty,
    Node(usize),
    Data(usize),
}

/// Builds a database of `ip_version` (4 or 6) from networks and their records.
/// Networks must not overlap. IPv4 networks in an IPv6 database go under `::/96`.
pub fn build(ip_version: u16, database_type: &str, entries: &[(&str, Val)]) -> Vec<u8> {
    let mut nodes: Vec<[Child; 2]> = vec![[Child::Empty; 2]];
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for (i, (net, val)) in entries.iter().enumerate() {
        offsets.push(data.len());
        encode(val, &mut data);
        let (addr, prefix) = net.split_once('/').unwrap();
        let addr: IpAddr = addr.parse().unwrap();
        let prefix: usize = prefix.parse().unwrap();
        let (bits, len): (u128, usize) = match (addr, ip_version) {
            (IpAddr::V4(a), 4) => (u128::from(u32::from(a)) << 96, prefix),
            (IpAddr::V4(a), _) => (u128::from(u32::from(a)), prefix + 96),
            (IpAddr::V6(a), _) => (u128::from(a), prefix),
        };
        let mut node = 0;
        for depth in 0..len {
            let bit = ((bits >> (127 - depth)) & 1) as usize;
            if depth == len - 1 {
                nodes[node][bit] = Child::Data(i);
            } else {
                node = match nodes[node][bit] {
                    Child::Node(n) => n,
                    _ => {
                        nodes.push([Child::Empty; 2]);
                        let n = nodes.len() - 1;
                        nodes[node][bit] = Child::Node(n);
                        n
                    }
                };
            }
        }
    }
    let count = nodes.len();
    let mut out = Vec::new();
    for n in &nodes {
        for c in n {
            let v = match *c {
                Child::Empty => count,
                Child::Node(i) => i,
                Child::Data(d) => count + 16 + offsets[d],
            } as u32;
            out.extend(&v.to_be_bytes()[1..]);
        }
    }
    out.extend([0u8; 16]);
    out.extend(&data);
    out.extend(b"\xAB\xCD\xEFMaxMind.com");
    let meta = map(&[
        ("binary_format_major_version", Val::U16(2)),
        ("binary_format_minor_version", Val::U16(0)),
        ("build_epoch", Val::U64(1_767_225_600)),
        ("database_type", s(database_type)),
        ("description", map(&[("en", s("test database"))])),
        ("ip_version", Val::U16(ip_version)),
        ("languages", Val::Arr(vec![s("en")])),
        ("node_count", Val::U32(count as u32)),
        ("record_size", Val::U16(24)),
    ]);
    encode(&meta, &mut out);
    out
}
