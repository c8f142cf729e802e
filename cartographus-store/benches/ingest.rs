//! Bulk ingest throughput: GeoIP enrichment (cache warm) plus `Store::append` of one
//! batch of synthetic plays per iteration into an in-memory store that already holds
//! 200,000. Two batch sizes: 50,000 (a live pipeline's large batch) and 122,880 (one
//! DuckDB row group: the bulk-import size).
//!
//! Besides criterion's wall-clock figures it prints events per CPU-second of the whole
//! process (every thread, DuckDB's workers included; `/proc/self/task/*/schedstat`),
//! which stays meaningful when other jobs share the machine.

#[path = "../examples/support/cpu.rs"]
mod cpu;
#[path = "../examples/support/synth.rs"]
mod synth;

use std::cell::Cell;
use std::time::Duration;

use cartographus_store::Store;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const WARM: usize = 200_000;

fn bench_batch(c: &mut Criterion, batch: usize) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(batch as u64));
    let cpu_total = Cell::new(Duration::ZERO);
    let wall_total = Cell::new(Duration::ZERO);
    let events_total = Cell::new(0u64);
    group.bench_function(format!("geoip_and_append_{batch}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh store and history each time, so every play is new.
                let mut store = Store::open_in_memory().expect("store");
                let mut generator = synth::Generator::new(11, 1_000_000);
                let mut geo = synth::resolver();
                let mut warm = generator.batch(WARM);
                geo.enrich(&mut warm);
                store.append(&warm).expect("warm-up");
                let mut events = generator.batch(batch);
                let watch = cpu::Watch::start();
                geo.enrich(&mut events);
                let r = store.append(&events).expect("append");
                let (wall, cpu) = watch.elapsed();
                total += wall;
                cpu_total.set(cpu_total.get() + cpu);
                wall_total.set(wall_total.get() + wall);
                events_total.set(events_total.get() + batch as u64);
                assert_eq!(r.inserted, batch as u64);
            }
            total
        })
    });
    group.finish();
    let events = events_total.get() as f64;
    eprintln!(
        "ingest/geoip_and_append_{batch}: {} events in {:.2} s wall ({:.0} events/s), \
         {:.2} s CPU ({:.0} events per CPU-second)",
        events,
        wall_total.get().as_secs_f64(),
        events / wall_total.get().as_secs_f64().max(1e-9),
        cpu_total.get().as_secs_f64(),
        events / cpu_total.get().as_secs_f64().max(1e-9),
    );
}

fn ingest(c: &mut Criterion) {
    bench_batch(c, 50_000);
    bench_batch(c, 122_880);
}

criterion_group!(benches, ingest);
criterion_main!(benches);
