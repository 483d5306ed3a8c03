//! Transliteration of names into MRZ characters, Doc 9303-3 §4.6 and §6.

/// Doc 9303-3 §6 Tables A (multinational Latin) and B (Cyrillic), first
/// recommended option of each row (e.g. Ä → AE, Ñ → N, Ü → UE). Generated
/// from the specification's text; sorted by code point for binary search.
const TABLE: &[(char, &str)] = &[
    ('\u{00C0}', "A"),    // 00C0 A grave
    ('\u{00C1}', "A"),    // 00C1 A acute
    ('\u{00C2}', "A"),    // 00C2 A circumflex
    ('\u{00C3}', "A"),    // 00C3 A tilde
    ('\u{00C4}', "AE"),   // 00C4 A diaeresis
    ('\u{00C5}', "AA"),   // 00C5 A ring above
    ('\u{00C6}', "AE"),   // 00C6 ligature AE
    ('\u{00C7}', "C"),    // 00C7 C cedilla
    ('\u{00C8}', "E"),    // 00C8 E grave
    ('\u{00C9}', "E"),    // 00C9 E acute
    ('\u{00CA}', "E"),    // 00CA E circumflex
    ('\u{00CB}', "E"),    // 00CB E diaeresis
    ('\u{00CC}', "I"),    // 00CC I grave
    ('\u{00CD}', "I"),    // 00CD I acute
    ('\u{00CE}', "I"),    // 00CE I circumflex
    ('\u{00CF}', "I"),    // 00CF I diaeresis
    ('\u{00D0}', "D"),    // 00D0 Eth
    ('\u{00D1}', "N"),    // 00D1 N tilde
    ('\u{00D2}', "O"),    // 00D2 O grave
    ('\u{00D3}', "O"),    // 00D3 O acute
    ('\u{00D4}', "O"),    // 00D4 O circumflex
    ('\u{00D5}', "O"),    // 00D5 O tilde
    ('\u{00D6}', "OE"),   // 00D6 O diaeresis
    ('\u{00D8}', "OE"),   // 00D8 O stroke
    ('\u{00D9}', "U"),    // 00D9 U grave
    ('\u{00DA}', "U"),    // 00DA U acute
    ('\u{00DB}', "U"),    // 00DB U circumflex
    ('\u{00DC}', "UE"),   // 00DC U diaeresis
    ('\u{00DD}', "Y"),    // 00DD Y acute
    ('\u{00DE}', "TH"),   // 00DE Thorn (Iceland)
    ('\u{0100}', "A"),    // 0100 A macron
    ('\u{0102}', "A"),    // 0102 A breve
    ('\u{0104}', "A"),    // 0104 A ogonek
    ('\u{0106}', "C"),    // 0106 C acute
    ('\u{0108}', "C"),    // 0108 C circumflex
    ('\u{010A}', "C"),    // 010A C dot above
    ('\u{010C}', "C"),    // 010C C caron
    ('\u{010E}', "D"),    // 010E D caron
    ('\u{0110}', "D"),    // 0110 D stroke
    ('\u{0112}', "E"),    // 0112 E macron
    ('\u{0114}', "E"),    // 0114 E breve
    ('\u{0116}', "E"),    // 0116 E dot above
    ('\u{0118}', "E"),    // 0118 E ogonek
    ('\u{011A}', "E"),    // 011A E caron
    ('\u{011C}', "G"),    // 011C G circumflex
    ('\u{011E}', "G"),    // 011E G breve
    ('\u{0120}', "G"),    // 0120 G dot above
    ('\u{0122}', "G"),    // 0122 G cedilla
    ('\u{0124}', "H"),    // 0124 H circumflex
    ('\u{0126}', "H"),    // 0126 H stroke
    ('\u{0128}', "I"),    // 0128 I tilde
    ('\u{012A}', "I"),    // 012A I macron
    ('\u{012C}', "I"),    // 012C I breve
    ('\u{012E}', "I"),    // 012E I ogonek
    ('\u{0130}', "I"),    // 0130 I dot above
    ('\u{0131}', "I"),    // 0131 I without dot (Turkey)
    ('\u{0132}', "IJ"),   // 0132 ligature IJ
    ('\u{0134}', "J"),    // 0134 J circumflex
    ('\u{0136}', "K"),    // 0136 K cedilla
    ('\u{0139}', "L"),    // 0139 L acute
    ('\u{013B}', "L"),    // 013B L cedilla
    ('\u{013D}', "L"),    // 013D L caron
    ('\u{013F}', "L"),    // 013F L middle dot
    ('\u{0141}', "L"),    // 0141 L stroke
    ('\u{0143}', "N"),    // 0143 N acute
    ('\u{0145}', "N"),    // 0145 N cedilla
    ('\u{0147}', "N"),    // 0147 N caron
    ('\u{014A}', "N"),    // 014A Eng
    ('\u{014C}', "O"),    // 014C O macron
    ('\u{014E}', "O"),    // 014E O breve
    ('\u{0150}', "O"),    // 0150 O double acute
    ('\u{0152}', "OE"),   // 0152 ligature OE
    ('\u{0154}', "R"),    // 0154 R acute
    ('\u{0156}', "R"),    // 0156 R cedilla
    ('\u{0158}', "R"),    // 0158 R caron
    ('\u{015A}', "S"),    // 015A S acute
    ('\u{015C}', "S"),    // 015C S circumflex
    ('\u{015E}', "S"),    // 015E S cedilla
    ('\u{0160}', "S"),    // 0160 S caron
    ('\u{0162}', "T"),    // 0162 T cedilla
    ('\u{0164}', "T"),    // 0164 T caron
    ('\u{0166}', "T"),    // 0166 T stroke
    ('\u{0168}', "U"),    // 0168 U tilde
    ('\u{016A}', "U"),    // 016A U macron
    ('\u{016C}', "U"),    // 016C U breve
    ('\u{016E}', "U"),    // 016E U ring above
    ('\u{0170}', "U"),    // 0170 U double acute
    ('\u{0172}', "U"),    // 0172 U ogonek
    ('\u{0174}', "W"),    // 0174 W circumflex
    ('\u{0176}', "Y"),    // 0176 Y circumflex
    ('\u{0178}', "Y"),    // 0178 Y diaeresis
    ('\u{0179}', "Z"),    // 0179 Z acute
    ('\u{017B}', "Z"),    // 017B Z dot above
    ('\u{017D}', "Z"),    // 017D Z caron
    ('\u{0401}', "E"),    // 0401 Cyrillic
    ('\u{0402}', "D"),    // 0402 Cyrillic
    ('\u{0404}', "IE"),   // 0404 Cyrillic
    ('\u{0405}', "DZ"),   // 0405 Cyrillic
    ('\u{0406}', "I"),    // 0406 Cyrillic
    ('\u{0407}', "I"),    // 0407 Cyrillic
    ('\u{0408}', "J"),    // 0408 Cyrillic
    ('\u{0409}', "LJ"),   // 0409 Cyrillic
    ('\u{040A}', "NJ"),   // 040A Cyrillic
    ('\u{040C}', "K"),    // 040C Cyrillic
    ('\u{040E}', "U"),    // 040E Cyrillic
    ('\u{040F}', "DZ"),   // 040F Cyrillic
    ('\u{0410}', "A"),    // 0410 Cyrillic
    ('\u{0411}', "B"),    // 0411 Cyrillic
    ('\u{0412}', "V"),    // 0412 Cyrillic
    ('\u{0413}', "G"),    // 0413 Cyrillic
    ('\u{0414}', "D"),    // 0414 Cyrillic
    ('\u{0415}', "E"),    // 0415 Cyrillic
    ('\u{0416}', "ZH"),   // 0416 Cyrillic
    ('\u{0417}', "Z"),    // 0417 Cyrillic
    ('\u{0418}', "I"),    // 0418 Cyrillic
    ('\u{0419}', "I"),    // 0419 Cyrillic
    ('\u{041A}', "K"),    // 041A Cyrillic
    ('\u{041B}', "L"),    // 041B Cyrillic
    ('\u{041C}', "M"),    // 041C Cyrillic
    ('\u{041D}', "N"),    // 041D Cyrillic
    ('\u{041E}', "O"),    // 041E Cyrillic
    ('\u{041F}', "P"),    // 041F Cyrillic
    ('\u{0420}', "R"),    // 0420 Cyrillic
    ('\u{0421}', "S"),    // 0421 Cyrillic
    ('\u{0422}', "T"),    // 0422 Cyrillic
    ('\u{0423}', "U"),    // 0423 Cyrillic
    ('\u{0424}', "F"),    // 0424 Cyrillic
    ('\u{0425}', "KH"),   // 0425 Cyrillic
    ('\u{0426}', "TS"),   // 0426 Cyrillic
    ('\u{0427}', "CH"),   // 0427 Cyrillic
    ('\u{0428}', "SH"),   // 0428 Cyrillic
    ('\u{0429}', "SHCH"), // 0429 Cyrillic
    ('\u{042A}', "IE"),   // 042A Cyrillic
    ('\u{042B}', "Y"),    // 042B Cyrillic
    ('\u{042D}', "E"),    // 042D Cyrillic
    ('\u{042E}', "IU"),   // 042E Cyrillic
    ('\u{042F}', "IA"),   // 042F Cyrillic
    ('\u{046A}', "U"),    // 046A Cyrillic
    ('\u{0474}', "Y"),    // 0474 Cyrillic
    ('\u{0490}', "G"),    // 0490 Cyrillic
    ('\u{0492}', "G"),    // 0492 Cyrillic
    ('\u{04BA}', "C"),    // 04BA Cyrillic
];

/// Letters the tables leave implicit: the sharp s, its capital form
/// (ẞ is in Table A), and the Cyrillic soft sign, which is not encoded.
fn extra(c: char) -> Option<&'static str> {
    match c {
        'ß' | '\u{1E9E}' => Some("SS"), // ẞ is the last row of Table A
        '\u{042C}' => Some(""),         // Ь soft sign
        '\u{040B}' => Some("C"),        // Ћ
        _ => None,
    }
}

/// One character of a name in MRZ form: `None` when it is dropped.
fn map_char(c: char, out: &mut String) {
    match c {
        'A'..='Z' => out.push(c),
        'a'..='z' => out.push(c.to_ascii_uppercase()),
        // Doc 9303-3 §4.6: hyphens, commas and spaces separate components
        // (one filler); apostrophes and other punctuation are omitted.
        ' ' | '-' | ',' | '\u{2010}' | '\u{2011}' | '\u{00A0}' | '<' => out.push('<'),
        _ => {
            // Work on the capital form, so that lower-case letters share the table.
            for up in c.to_uppercase() {
                if let Some(t) = extra(up) {
                    out.push_str(t);
                } else if let Ok(i) = TABLE.binary_search_by(|(k, _)| k.cmp(&up)) {
                    out.push_str(TABLE[i].1);
                } else if up.is_ascii_uppercase() {
                    out.push(up);
                } else if let Some(base) = vietnamese_base(up) {
                    out.push(base);
                }
            }
        }
    }
}

/// The base letter of a capital of Unicode's Latin Extended Additional
/// block U+1EA0-U+1EF9 (Vietnamese letters with two diacritics, e.g. Ễ):
/// Doc 9303-3 §6 drops diacritical marks that Table A does not transcribe,
/// so Nguyễn is NGUYEN in the MRZ.
fn vietnamese_base(c: char) -> Option<char> {
    Some(match u32::from(c) {
        0x1EA0..=0x1EB7 => 'A',
        0x1EB8..=0x1EC7 => 'E',
        0x1EC8..=0x1ECB => 'I',
        0x1ECC..=0x1EE3 => 'O',
        0x1EE4..=0x1EF1 => 'U',
        0x1EF2..=0x1EF9 => 'Y',
        _ => return None,
    })
}

/// A name (one identifier, possibly of several components) in MRZ form:
/// upper case, transliterated per Doc 9303-3 §6, components separated by a
/// single filler, no leading or trailing filler. Digits and characters with
/// no transliteration are dropped (§4.6: no numerals in names).
///
/// ```
/// use docscreen_mrz::transliterate;
/// assert_eq!(transliterate("Jöns-Åke d'Artagnan"), "JOENS<AAKE<DARTAGNAN");
/// assert_eq!(transliterate("Straße"), "STRASSE");
/// assert_eq!(transliterate("Nguyễn Thị"), "NGUYEN<THI");
/// assert_eq!(transliterate("Щербакова"), "SHCHERBAKOVA");
/// ```
#[must_use]
pub fn transliterate(name: &str) -> String {
    let mut raw = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        map_char(c, &mut raw);
    }
    let mut out = String::with_capacity(raw.len());
    for part in raw.split('<').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('<');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        assert!(
            TABLE.windows(2).all(|w| w[0].0 < w[1].0),
            "table must be sorted for binary search"
        );
        assert!(
            TABLE
                .iter()
                .all(|(_, t)| t.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    fn check(viz: &str, mrz: &str) {
        assert_eq!(transliterate(viz), mrz, "{viz}");
    }

    #[test]
    fn doc9303_part3_examples() {
        // §4.6 punctuation rules.
        check("D'ARTAGNAN", "DARTAGNAN");
        check("MARIE-ELISE", "MARIE<ELISE");
        check("ANNA, MARIA", "ANNA<MARIA");
        // §6 Table A.
        check("Ärzte", "AERZTE");
        check("Øresund", "OERESUND");
        check("Þórunn", "THORUNN");
        check("Müller", "MUELLER");
        check("Ñúñez", "NUNEZ");
        check("Łukasz Żółć", "LUKASZ<ZOLC");
        check("Œuvre", "OEUVRE");
        check("IJsselmeer", "IJSSELMEER");
        check("Ĳssel", "IJSSEL");
        check("Yıldız", "YILDIZ");
        check("ẞ", "SS");
        // §6 Table B.
        check("Иванова", "IVANOVA");
        check("Жуков", "ZHUKOV");
        check("Хрущёв", "KHRUSHCHEV");
        check("Юлия", "IULIIA");
        check("Игорь", "IGOR");
        // Separators collapse, digits and unknown symbols drop.
        check("  Anna   Maria  ", "ANNA<MARIA");
        check("Louis XIV 2nd", "LOUIS<XIV<ND");
        check("李", "");
    }
}
