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

/// How `code` is known, if at all. `code` is the field's text with trailing
/// fillers removed (`D<<` → `D`).
#[must_use]
pub fn lookup(code: &str) -> Option<CodeKind> {
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
