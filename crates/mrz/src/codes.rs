//! Three-letter codes of states and organisations (Doc 9303-3 §5).

/// How a code in the issuing-state or nationality field is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum CodeKind {
    /// An ISO 3166-1 alpha-3 code.
    Iso3166,
    /// A code of Doc 9303-3 §5 outside ISO 3166-1 (D, GBD, UNO, XXA, …).
    Icao,
    /// A code used only on specimens (UTO, Utopia, in ICAO's examples).
    Specimen,
}

/// ISO 3166-1 alpha-3, the 249 officially assigned codes.
const ISO3166_ALPHA3: [&str; 249] = [
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// Doc 9303-3 §5 parts A-D and the codes for persons without a nationality.
const ICAO_CODES: [&str; 25] = [
    "D",   // Germany (Part A)
    "GBD", // British Overseas Territories Citizen
    "GBN", // British National (Overseas)
    "GBO", // British Overseas Citizen
    "GBP", // British Protected Person
    "GBS", // British Subject
    "RKS", // Republic of Kosovo (in operational use, footnote 1)
    "EUE", // European Union (Part B)
    "UNO", // United Nations Organization (Part C)
    "UNA", // United Nations specialized agency
    "UNK", // Resident of Kosovo, UNMIK travel document
    "XBA", // African Development Bank (Part D)
    "XIM", // African Export-Import Bank
    "XCC", // Caribbean Community
    "XCE", // Council of Europe
    "XCO", // Common Market for Eastern and Southern Africa
    "XEC", // Economic Community of West African States
    "XES", // Organization of Eastern Caribbean States
    "XMP", // Parliamentary Assembly of the Mediterranean
    "XOM", // Sovereign Military Order of Malta
    "XPO", // INTERPOL
    "XXA", // Stateless person (1954 Convention)
    "XXB", // Refugee (1951 Convention)
    "XXC", // Refugee other than XXB
    "XXX", // Person of unspecified nationality
];

/// Codes of fictional states printed on specimens: Utopia in Doc 9303's
/// specimens, YTO in the worked examples of Doc 9303-3 Appendix A.
const SPECIMEN_CODES: [&str; 2] = ["UTO", "YTO"];

/// Index of a 1-3 letter code in a 27³ table (`<`/absent = 0, A-Z = 1-26).
const fn code_index(code: &[u8]) -> Option<usize> {
    if code.is_empty() || code.len() > 3 {
        return None;
    }
    let mut idx = 0usize;
    let mut i = 0;
    while i < 3 {
        let v = if i < code.len() {
            let c = code[i];
            if !c.is_ascii_uppercase() {
                return None;
            }
            (c - b'A' + 1) as usize
        } else {
            0
        };
        idx = idx * 27 + v;
        i += 1;
    }
    Some(idx)
}

/// Every known code's kind, indexed by [`code_index`]: one load per lookup
/// (parse + validate runs this twice per MRZ).
static TABLE: [u8; 27 * 27 * 27] = {
    let mut t = [0u8; 27 * 27 * 27];
    let lists: [(&[&str], u8); 3] = [(&ISO3166_ALPHA3, 1), (&ICAO_CODES, 2), (&SPECIMEN_CODES, 3)];
    let mut l = 0;
    while l < lists.len() {
        let (codes, kind) = lists[l];
        let mut i = 0;
        while i < codes.len() {
            if let Some(idx) = code_index(codes[i].as_bytes()) {
                t[idx] = kind;
            }
            i += 1;
        }
        l += 1;
    }
    t
};

/// [`lookup`] on the field's bytes, trailing fillers removed.
#[must_use]
pub(crate) fn lookup_bytes(code: &[u8]) -> Option<CodeKind> {
    match TABLE[code_index(code)?] {
        1 => Some(CodeKind::Iso3166),
        2 => Some(CodeKind::Icao),
        3 => Some(CodeKind::Specimen),
        _ => None,
    }
}

/// How `code` is known, if at all. `code` is the field's text with trailing
/// fillers removed (`D<<` → `D`).
#[must_use]
pub fn lookup(code: &str) -> Option<CodeKind> {
    let fast = lookup_bytes(code.as_bytes());
    debug_assert_eq!(fast, lookup_slow(code));
    fast
}

fn lookup_slow(code: &str) -> Option<CodeKind> {
    if ISO3166_ALPHA3.binary_search(&code).is_ok() {
        Some(CodeKind::Iso3166)
    } else if ICAO_CODES.contains(&code) {
        Some(CodeKind::Icao)
    } else if SPECIMEN_CODES.contains(&code) {
        Some(CodeKind::Specimen)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_table_is_sorted_and_unique() {
        assert!(ISO3166_ALPHA3.windows(2).all(|w| w[0] < w[1]));
        assert!(
            ISO3166_ALPHA3
                .iter()
                .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn table_agrees_with_the_lists() {
        for code in ISO3166_ALPHA3
            .iter()
            .chain(&ICAO_CODES)
            .chain(&SPECIMEN_CODES)
        {
            assert_eq!(lookup(code), lookup_slow(code), "{code}");
            assert!(lookup(code).is_some(), "{code}");
        }
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = [a, b, b'Q'];
                let s = std::str::from_utf8(&code).expect("ascii");
                assert_eq!(lookup(s), lookup_slow(s), "{s}");
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(lookup("FRA"), Some(CodeKind::Iso3166));
        assert_eq!(lookup("ZWE"), Some(CodeKind::Iso3166));
        assert_eq!(lookup("D"), Some(CodeKind::Icao));
        assert_eq!(lookup("XXX"), Some(CodeKind::Icao));
        assert_eq!(lookup("UTO"), Some(CodeKind::Specimen));
        assert_eq!(lookup("DEU"), Some(CodeKind::Iso3166));
        for unknown in ["", "ZZZ", "YUG", "fra", "FR", "DE"] {
            assert_eq!(lookup(unknown), None, "{unknown}");
        }
    }
}
