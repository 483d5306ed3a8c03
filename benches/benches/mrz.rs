//! Guards the MRZ engine's throughput: parse + validate of TD1 and TD3
//! (target ≥ 2 million MRZ/s on one core), check-digit-guided repair, and
//! formatting. A regression here slows every screening and every batch.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use docscreen_benches::{TD1, TD3, TD3_OCR};
use docscreen_mrz::{Date, Format, MrzInput, format_mrz, parse_lines, repair_text};

fn bench(c: &mut Criterion) {
    let reference = Date::new(2026, 11, 23).expect("date");
    let mut g = c.benchmark_group("mrz");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse_validate_td3", |b| {
        b.iter(|| parse_lines(black_box(&TD3), reference));
    });
    g.bench_function("parse_validate_td1", |b| {
        b.iter(|| parse_lines(black_box(&TD1), reference));
    });
    g.bench_function("repair_td3_two_confusions", |b| {
        b.iter(|| repair_text(black_box(&TD3_OCR), reference));
    });
    let input = MrzInput {
        format: Format::Td3,
        document_code: "P".into(),
        issuing_state: "UTO".into(),
        primary_identifier: "Eriksson".into(),
        secondary_identifier: "Anna María".into(),
        document_number: "L898902C3".into(),
        nationality: "UTO".into(),
        birth_date: Date::new(1974, 8, 12),
        sex: 'F',
        expiry_date: Date::new(2012, 4, 15),
        optional_data: "ZE184226B".into(),
        optional_data_2: String::new(),
    };
    g.bench_function("format_td3", |b| b.iter(|| format_mrz(black_box(&input))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
