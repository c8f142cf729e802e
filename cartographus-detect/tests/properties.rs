//! Properties of the engine over random play histories: the same input gives the same
//! alerts whatever the batch boundaries and hash seed, and trust scores stay within
//! 0–100 whatever happens.

mod common;

use cartographus_core::PlaybackEvent;
use cartographus_detect::{Alert, Engine, RawDetectConfig, MAX_TRUST};
use chrono::Duration;
use common::*;
use proptest::prelude::*;

const SPOTS: [Spot; 6] = [PARIS, LYON, BERLIN, NEW_YORK, TOKYO, LONDON];
const IPS: [&str; 7] = [
    "81.2.69.160",
    "90.12.1.9",
    "89.160.20.112",
    "175.16.199.1",
    "2a02:8071:1:2::1",
    "100.64.1.1",
    "192.168.1.5",
];

#[derive(Debug, Clone)]
struct Step {
    user: u64,
    device: usize,
    ip: usize,
    spot: Option<usize>,
    gap_min: i64,
    length_min: Option<i64>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        1u64..5,
        0usize..5,
        0usize..IPS.len(),
        proptest::option::weighted(0.8, 0usize..SPOTS.len()),
        0i64..120,
        proptest::option::weighted(0.7, 1i64..240),
    )
        .prop_map(|(user, device, ip, spot, gap_min, length_min)| Step {
            user,
            device,
            ip,
            spot,
            gap_min,
            length_min,
        })
}

fn events(steps: &[Step]) -> Vec<PlaybackEvent> {
    let mut t = 0.0;
    steps
        .iter()
        .map(|s| {
            t += s.gap_min as f64;
            let dev = format!("d{}", s.device);
            let mut p = shared(s.user, &dev, IPS[s.ip]).at(t).asn(s.ip as u32 + 1);
            if let Some(i) = s.spot {
                p = p.in_(SPOTS[i]);
            }
            if let Some(l) = s.length_min {
                p = p.until(t + l as f64);
            }
            p.product(if s.device == 4 { "curl" } else { "Plex Web" })
                .event()
        })
        .collect()
}

fn config(seed: u64) -> RawDetectConfig {
    let mut raw = RawDetectConfig::default();
    raw.alert_old_events = true;
    raw.hash_seed = seed;
    raw.rules.new_device.min_plays = 3;
    raw.rules.new_country.min_plays = 3;
    raw.rules.geo_restriction.blocked_countries = vec!["JP".into()];
    raw
}

fn drain(engine: &mut Engine) -> Vec<Alert> {
    std::iter::from_fn(|| engine.poll_alert()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn same_alerts_in_any_batch_split_and_hash_seed(
        steps in proptest::collection::vec(step(), 1..80),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        seed in any::<u64>(),
    ) {
        let evs = events(&steps);
        let now = at(20_000.0);
        let mut one = Engine::new(config(0).validate().unwrap());
        let mut reference = Vec::new();
        for e in &evs {
            one.handle_event(e, now);
            reference.extend(drain(&mut one));
        }

        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(evs.len() + 1)).collect();
        cuts.push(0);
        cuts.push(evs.len());
        cuts.sort_unstable();
        let mut split = Engine::new(config(seed).validate().unwrap());
        let mut got = Vec::new();
        for w in cuts.windows(2) {
            split.handle_events(&evs[w[0]..w[1]], now);
            got.extend(drain(&mut split));
        }
        prop_assert_eq!(&got, &reference);
        prop_assert_eq!(one.stats(), split.stats());
    }

    #[test]
    fn trust_stays_within_0_and_100(
        steps in proptest::collection::vec(step(), 1..80),
        adjustments in proptest::collection::vec((1u64..5, -300i16..300), 0..10),
        days in 0i64..500,
    ) {
        let evs = events(&steps);
        let mut engine = Engine::new(config(0).validate().unwrap());
        let now = at(20_000.0);
        for (i, e) in evs.iter().enumerate() {
            engine.handle_event(e, now);
            if let Some((user, delta)) = adjustments.get(i) {
                engine.adjust_trust(uid(*user), *delta, now);
            }
            for alert in drain(&mut engine) {
                for c in &alert.trust {
                    prop_assert!(c.before <= MAX_TRUST && c.after <= MAX_TRUST);
                    prop_assert!(c.after <= c.before || matches!(c.reason, cartographus_detect::TrustReason::Recovery { .. }),
                        "a finding never raises a score: {:?}", c);
                }
            }
        }
        for s in engine.trust_scores(now + Duration::days(days)) {
            prop_assert!(s.score <= MAX_TRUST);
            prop_assert_eq!(s.restricted, s.score < 50);
        }
    }
}
