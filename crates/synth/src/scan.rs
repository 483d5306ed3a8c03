//! Scan simulation (being written).
