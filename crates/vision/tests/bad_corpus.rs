//! Every file of `testdata/bad/` decodes to its expected outcome
//! (`manifest.tsv`): hostile and odd inputs are rejected with the right
//! typed error, never a panic; odd-but-valid ones decode.

use std::path::PathBuf;

use docscreen_vision::{DecodeError, Limits, decode};

fn variant(e: &DecodeError) -> &'static str {
    match e {
        DecodeError::Empty => "Empty",
        DecodeError::TooLarge { .. } => "TooLarge",
        DecodeError::UnknownFormat { .. } => "UnknownFormat",
        DecodeError::Truncated { .. } => "Truncated",
        DecodeError::Dimensions { .. } => "Dimensions",
        DecodeError::TooManyPages { .. } => "TooManyPages",
        DecodeError::Animated { .. } => "Animated",
        DecodeError::Encrypted => "Encrypted",
        DecodeError::NoImage => "NoImage",
        DecodeError::Unsupported { .. } => "Unsupported",
        DecodeError::Corrupt { .. } => "Corrupt",
        _ => "other",
    }
}

#[test]
fn bad_corpus_gives_the_expected_outcome() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/bad");
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest");
    let mut seen = 0;
    for line in manifest.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (file, expected) = (cols.next().expect("file"), cols.next().expect("expected"));
        let bytes = std::fs::read(dir.join(file)).expect("fixture");
        let got = decode(&bytes, &Limits::default());
        match (expected.strip_prefix("ok:"), &got) {
            (Some(pages), Ok(d)) => {
                assert_eq!(d.pages.len().to_string(), pages, "{file}");
                assert!(
                    d.pages
                        .iter()
                        .all(|p| p.image.width() > 0 && p.image.height() > 0),
                    "{file}"
                );
            }
            (None, Err(e)) => {
                assert!(
                    expected.split('|').any(|v| v == variant(e)),
                    "{file}: expected {expected}, got {} ({e})",
                    variant(e)
                );
                let msg = e.to_string();
                assert!(
                    !msg.is_empty() && msg.chars().next().is_some_and(char::is_lowercase),
                    "{file}: {msg}"
                );
            }
            (_, got) => panic!(
                "{file}: expected {expected}, got {:?}",
                got.as_ref().map(|d| d.pages.len()).map_err(variant)
            ),
        }
        seen += 1;
    }
    assert!(seen >= 15);
}

#[test]
fn exif_orientation_is_applied() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/bad");
    let d = decode(
        &std::fs::read(dir.join("exif_rotated.jpg")).expect("fixture"),
        &Limits::default(),
    )
    .expect("decodes");
    let p = &d.pages[0];
    assert_eq!(
        (p.image.width(), p.image.height(), p.exif_orientation),
        (100, 160, 6)
    );
}

#[test]
fn limits_are_enforced() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/bad");
    let ok = std::fs::read(dir.join("ok.jpg")).expect("fixture");
    let small = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        decode(&ok, &small),
        Err(DecodeError::TooLarge { .. })
    ));
    let tiny = Limits {
        max_pixels: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        decode(&ok, &tiny),
        Err(DecodeError::Dimensions { .. })
    ));
    let one_page = Limits {
        max_pages: 1,
        ..Limits::default()
    };
    let tiff = std::fs::read(dir.join("two_pages.tiff")).expect("fixture");
    assert!(matches!(
        decode(&tiff, &one_page),
        Err(DecodeError::TooManyPages { .. })
    ));
}

#[test]
fn every_prefix_of_a_jpeg_is_rejected_not_half_decoded() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/bad");
    let ok = std::fs::read(dir.join("ok.jpg")).expect("fixture");
    // Every cut but the very end (the EOI marker's two bytes may go).
    for cut in (0..ok.len() - 2).step_by(97) {
        assert!(
            decode(&ok[..cut], &Limits::default()).is_err(),
            "cut at {cut} of {} decoded",
            ok.len()
        );
    }
}
