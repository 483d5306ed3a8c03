//! Arbitrary bytes into the scan decoder: never a panic, never a page over
//! the limits.
#![no_main]

use docscreen_vision::{Limits, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 20, max_side: 4096, max_pixels: 4_000_000, max_alloc: 64 << 20, max_pages: 4 };
    if let Ok(d) = decode(data, &limits) {
        assert!(!d.pages.is_empty() && d.pages.len() <= limits.max_pages);
        for p in &d.pages {
            assert!(u64::from(p.image.width()) * u64::from(p.image.height()) <= limits.max_pixels);
        }
    }
});
