//! Security printing (being written).
