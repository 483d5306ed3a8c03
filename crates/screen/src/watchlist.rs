//! Lists of lost, stolen or revoked documents: CSV files with the columns
//! `issuing_state,document_number,reason,source` (a header row is
//! recognised and skipped), loaded once when the screener is built.

use std::collections::HashMap;
use std::path::Path;

use crate::ScreenError;

/// One listed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Issuing state (3-letter code as in the MRZ).
    pub issuing_state: String,
    /// Document number as in the MRZ (fillers removed).
    pub document_number: String,
    /// Why it is listed (lost, stolen, revoked…).
    pub reason: String,
    /// Who listed it.
    pub source: String,
}

/// Every loaded list, indexed by (state, number).
#[derive(Debug, Clone, Default)]
pub struct Watchlist {
    entries: HashMap<(String, String), Entry>,
}

/// Normalises a document number: upper case, no fillers, spaces or
/// dashes (printed numbers carry them; the MRZ does not).
fn norm_number(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Watchlist {
    /// Loads one CSV file and adds its entries.
    ///
    /// # Errors
    /// [`ScreenError::Watchlist`] naming the file and line of the problem.
    pub fn load(&mut self, path: &Path) -> Result<usize, ScreenError> {
        let err = |line: u64, detail: String| ScreenError::Watchlist {
            path: path.to_owned(),
            line,
            detail,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_path(path)
            .map_err(|e| err(0, e.to_string()))?;
        let mut added = 0;
        for (i, record) in reader.records().enumerate() {
            let line = i as u64 + 1;
            let r = record.map_err(|e| err(line, e.to_string()))?;
            let state = r.get(0).unwrap_or("").to_ascii_uppercase();
            if i == 0 && state.eq_ignore_ascii_case("issuing_state") {
                continue;
            }
            let number = norm_number(r.get(1).unwrap_or(""));
            if state.len() != 3 || !state.bytes().all(|b| b.is_ascii_uppercase() || b == b'<') {
                return Err(err(
                    line,
                    format!("issuing state {state:?} is not a 3-letter code"),
                ));
            }
            if number.is_empty() {
                return Err(err(line, "empty document number".into()));
            }
            let entry = Entry {
                issuing_state: state.clone(),
                document_number: number.clone(),
                reason: r.get(2).unwrap_or("listed").to_owned(),
                source: r.get(3).unwrap_or("").to_owned(),
            };
            self.entries.insert((state, number), entry);
            added += 1;
        }
        Ok(added)
    }

    /// Number of entries.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for a document, if listed.
    #[must_use]
    pub fn lookup(&self, issuing_state: &str, document_number: &str) -> Option<&Entry> {
        self.entries.get(&(
            issuing_state.to_ascii_uppercase(),
            norm_number(document_number),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> Result<Watchlist, ScreenError> {
        // One file per text and process, removed after loading (tests run
        // in parallel: no shared folder to create or remove).
        let p = std::env::temp_dir().join(format!(
            "docscreen-wl-{}-{:x}.csv",
            std::process::id(),
            text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()
        ));
        std::fs::write(&p, text).expect("write");
        let mut w = Watchlist::default();
        let loaded = w.load(&p).map(|_| w);
        std::fs::remove_file(&p).expect("clean up");
        loaded
    }

    #[test]
    fn loads_with_and_without_header_and_normalises_numbers() {
        let w = list("issuing_state,document_number,reason,source\nUTO,L898902C3,stolen,Interpol SLTD\n# a comment\nD<<, C01X-00T47 ,lost,national\n").expect("list");
        assert_eq!(w.len(), 2);
        assert_eq!(
            w.lookup("UTO", "L898902C3").map(|e| e.reason.as_str()),
            Some("stolen")
        );
        assert!(w.lookup("D<<", "C01X00T47").is_some());
        assert!(w.lookup("UTO", "L898902C4").is_none());
    }

    #[test]
    fn bad_rows_name_the_line() {
        let e = list("UTO,ABC,lost,x\nUTOPIA,123,lost,x\n").expect_err("bad state");
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = list("UTO,,lost,x\n").expect_err("empty number");
        assert!(e.to_string().contains("empty document number"), "{e}");
    }
}
