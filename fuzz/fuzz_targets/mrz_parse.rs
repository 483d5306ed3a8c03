//! Arbitrary bytes into the MRZ parser: it must never panic, and what it
//! reports must be consistent.
#![no_main]

use docscreen_mrz::{Date, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let reference = Date::from_days_since_epoch(20_000);
    let mrz = parse(&text, reference);
    assert!(!mrz.checks.is_empty());
    for c in &mrz.checks {
        let _ = c.message();
    }
    if mrz.is_valid() {
        assert!(mrz.format.is_some() && mrz.fields.is_some());
    }
});
