//! Bulk ingest throughput: GeoIP enrichment (cache warm) plus `Store::append` of
//! 50,000 synthetic plays per iteration into a store that already holds 200,000.

#[path = "../examples/support/synth.rs"]
mod synth;

use std::time::{Duration, Instant};

use cartographus_store::Store;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const BATCH: usize = 50_000;

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("geoip_and_append_50k", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh store and history each time, so every play is new.
                let mut store = Store::open_in_memory().expect("store");
                let mut generator = synth::Generator::new(11, 1_000_000);
                let mut geo = synth::resolver();
                let mut warm = generator.batch(200_000);
                geo.enrich(&mut warm);
                store.append(&warm).expect("warm-up");
                let mut events = generator.batch(BATCH);
                let t = Instant::now();
                geo.enrich(&mut events);
                let r = store.append(&events).expect("append");
                total += t.elapsed();
                assert_eq!(r.inserted, BATCH as u64);
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
