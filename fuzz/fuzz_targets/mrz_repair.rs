//! Arbitrary bytes into the check-digit-guided repair and the formatter:
//! never a panic; a repair's result is valid and lists its changes.
#![no_main]

use docscreen_mrz::{Date, repair_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().take(4).collect();
    let reference = Date::from_days_since_epoch(20_000);
    if let Some(r) = repair_text(&lines, reference) {
        assert!(r.substitutions.len() <= docscreen_mrz::MAX_TEXT_SUBSTITUTIONS);
        assert_eq!(r.lines.len(), r.mrz.lines.len());
        for s in &r.substitutions {
            assert_ne!(s.from, s.to);
        }
    }
});
