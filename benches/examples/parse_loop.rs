//! Parses the TD3 specimen in a loop: a target for profilers (callgrind).
use docscreen_mrz::{Date, parse_lines};
fn main() {
    let reference = Date::new(2026, 11, 23).expect("date");
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut valid = 0usize;
    for _ in 0..n {
        valid += usize::from(
            parse_lines(std::hint::black_box(&docscreen_benches::TD3), reference).is_valid(),
        );
    }
    assert_eq!(valid, n);
}
