//! Shared inputs of the docscreen benches (see `benches/*.rs`).

/// ICAO's TD3 specimen (Doc 9303-4 Appendix A).
pub const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

/// ICAO's TD1 specimen (Doc 9303-5 Appendix A).
pub const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

/// The TD3 specimen read with two OCR confusions (O for 0 in the birth date
/// and S for 5 in the expiry date).
pub const TD3_OCR: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO74O8122F1204IS9ZE184226B<<<<<10",
];
