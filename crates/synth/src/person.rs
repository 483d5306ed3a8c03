//! Invented personal data: names from many languages, dates, codes and
//! numbers. No real person's data is used.

use docscreen_mrz::Date;
use rand::RngExt;
use serde::Serialize;

use crate::SynthRng;

/// Surnames, as printed (diacritics, hyphens, apostrophes, particles).
const SURNAMES: &[&str] = &[
    "Eriksson",
    "Müller",
    "Østergård",
    "Łukaszewicz",
    "Nováková",
    "Şahin",
    "Çelik",
    "García Márquez",
    "Núñez",
    "O'Connor",
    "D'Alessandro",
    "van der Berg",
    "de la Fontaine",
    "Dubois-Lefèvre",
    "Papadopoulos",
    "Nguyễn",
    "Kowalczyk",
    "Jørgensen",
    "Þórðardóttir",
    "Häkkinen",
    "Szabó",
    "Dvořák",
    "Ivanova",
    "Shcherbakov",
    "Al-Rashid",
    "Ben Youssef",
    "Okonkwo",
    "Mbeki",
    "Tanaka",
    "Kim",
    "Zhang",
    "Fernández-Castillo",
    "Gonçalves",
    "Ó Súilleabháin",
    "MacLeod",
    "Ruiz",
    "Łęcka",
    "Grünewald",
    "Straße",
    "Žukauskas",
    "Bērziņš",
    "Kalnina",
    "Tamm",
    "Virtanen",
    "Mäkelä",
    "Schäfer-Ißleib",
    "Abdulrahman-Wolfeschlegelsteinhausen",
    "Vasquez de Coronado y Alvarado",
    "Nilavadhanananda",
    "Smith",
    "Jones",
    "Brown",
    "Petit",
    "Rossi",
    "Bianchi",
    "Horváth",
    "Popescu",
    "Dimitrov",
    "Kovačević",
    "Demir",
    "Yılmaz",
    "Haddad",
    "Mensah",
    "Diallo",
    "Santos",
];

/// Given names, as printed.
const GIVEN: &[&str] = &[
    "Anna",
    "María José",
    "Jean-Luc",
    "Zoë",
    "Björn",
    "Søren",
    "Ágnes",
    "Łucja",
    "Jiří",
    "Ümit",
    "Ayşe",
    "François",
    "José Ramón",
    "Mário",
    "Niamh",
    "Siobhán",
    "Ingrid",
    "Åsa",
    "Renée",
    "Chloé",
    "Mateus",
    "Conceição",
    "Dmitri",
    "Yulia",
    "Olga",
    "Kwame",
    "Amara",
    "Fatima",
    "Mohammed",
    "Omar",
    "Hiroshi",
    "Mei",
    "Ji-woo",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Lucía",
    "Ignacio",
    "Hélène",
    "Mathilde",
    "Gaëlle",
    "Jürgen",
    "Krzysztof",
    "Małgorzata",
    "Đorđe",
    "Nikolaos",
    "Eleni",
    "Sven-Erik",
    "Anne-Marie",
    "Karl Theodor Maria Nikolaus Johann Jacob",
    "Chayapa Dejthamrong Krasuang",
    "Peter",
    "Paul",
    "Sara",
    "Leila",
    "Tomás",
    "Aleksander",
    "Ilse",
    "Tiago",
];

/// Issuing states and nationalities: ISO codes, ICAO's special codes and the
/// specimen state.
const CODES: &[&str] = &[
    "UTO", "UTO", "FRA", "D", "NLD", "ESP", "ITA", "POL", "SWE", "FIN", "PRT", "GRC", "TUR", "UKR",
    "CAN", "BRA", "NGA", "KEN", "IND", "JPN", "KOR", "AUS", "MEX", "MAR", "EGY", "XXA", "XXB",
    "XXC", "XXX", "GBD", "GBN", "UNO", "RKS", "EUE",
];

/// Places of birth, as printed.
const PLACES: &[&str] = &[
    "Zenith",
    "Port Aurelia",
    "Nová Ves",
    "Saint-Étienne-du-Lac",
    "Łódź",
    "Göteborg",
    "Ærøskøbing",
    "Mérida",
    "Kraków",
    "İzmir",
    "Cluj-Napoca",
    "Thessaloniki",
    "Lagos",
    "Nairobi",
    "Ōsaka",
    "Busan",
    "Québec",
    "Recife",
];

/// Issuing authorities, as printed.
const AUTHORITIES: &[&str] = &[
    "Ministry of Interior",
    "Passport Office",
    "Prefecture of Zenith",
    "Civil Registry",
    "Consulate General",
    "National Identity Office",
    "Migration Service",
    "Municipal Registry Office",
];

/// Invented data of one holder and their document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// Primary identifier, as printed.
    pub surname: String,
    /// Secondary identifier, as printed.
    pub given_names: String,
    /// Nationality code.
    pub nationality: String,
    /// Date of birth (`None`: unknown, printed as such, fillers in the MRZ).
    pub birth_date: Option<Date>,
    /// `M`, `F` or `X`.
    pub sex: char,
    /// Place of birth.
    pub place_of_birth: String,
    /// Document number.
    pub document_number: String,
    /// Date of issue.
    pub issue_date: Date,
    /// Date of expiry.
    pub expiry_date: Date,
    /// Issuing authority.
    pub authority: String,
    /// Personal number (may be empty).
    pub personal_number: String,
    /// Height in cm (some models print it).
    pub height_cm: u32,
    /// Father's and mother's names (civil documents).
    pub parents: (String, String),
}

fn pick<'a>(rng: &mut SynthRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn alnum(rng: &mut SynthRng, n: usize, digits_only: bool) -> String {
    const A: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    const D: &[u8] = b"0123456789";
    let set = if digits_only { D } else { A };
    (0..n)
        .map(|_| set[rng.random_range(0..set.len())] as char)
        .collect()
}

/// A date between `from` and `to` (inclusive, days since 1970).
fn date_between(rng: &mut SynthRng, from: Date, to: Date) -> Date {
    Date::from_days_since_epoch(rng.random_range(from.days_since_epoch()..=to.days_since_epoch()))
}

fn ymd(y: i32, m: u8, d: u8) -> Date {
    Date::new(y, m, d).expect("a real calendar day")
}

impl Person {
    /// A random holder; `issuing_state` is the model's, the nationality
    /// usually equals it; `reference` is the generation's "today".
    #[must_use]
    pub fn random(
        rng: &mut SynthRng,
        issuing_state: &str,
        reference: Date,
        long_number: bool,
    ) -> Self {
        let mut surname = pick(rng, SURNAMES).to_owned();
        if rng.random_bool(0.12) {
            surname = format!("{surname}-{}", pick(rng, SURNAMES));
        }
        let mut given_names = pick(rng, GIVEN).to_owned();
        if rng.random_bool(0.35) {
            given_names = format!("{given_names} {}", pick(rng, GIVEN));
        }
        let nationality = if rng.random_bool(0.8) {
            issuing_state.to_owned()
        } else {
            pick(rng, CODES).to_owned()
        };
        let birth_date = if rng.random_bool(0.01) {
            None
        } else {
            Some(date_between(
                rng,
                ymd(1935, 1, 1),
                ymd(reference.year() - 1, 12, 31),
            ))
        };
        let sex = match rng.random_range(0..100) {
            0..48 => 'F',
            48..96 => 'M',
            _ => 'X',
        };
        let issue_date = date_between(rng, ymd(reference.year() - 9, 1, 1), reference);
        let years = [5, 10, 10, 10, 3, 1][rng.random_range(0..6)];
        let expiry_date = Date::new(
            issue_date.year() + years,
            issue_date.month(),
            issue_date.day().min(28),
        )
        .expect("day ≤ 28 exists");
        let document_number = if long_number {
            let n = rng.random_range(10..=12);
            alnum(rng, n, false)
        } else {
            match rng.random_range(0..3) {
                0 => alnum(rng, 9, true),
                1 => format!(
                    "{}{}",
                    alnum(rng, 2, false).replace(char::is_numeric, "X"),
                    alnum(rng, 7, true)
                ),
                _ => {
                    let n = rng.random_range(7..=9);
                    alnum(rng, n, false)
                }
            }
        };
        let personal_number = if rng.random_bool(0.5) {
            String::new()
        } else {
            let n = rng.random_range(6..=14);
            alnum(rng, n, true)
        };
        Self {
            surname,
            given_names,
            nationality,
            birth_date,
            sex,
            place_of_birth: pick(rng, PLACES).to_owned(),
            document_number,
            issue_date,
            expiry_date,
            authority: pick(rng, AUTHORITIES).to_owned(),
            personal_number,
            height_cm: rng.random_range(150..200),
            parents: (
                format!("{} {}", pick(rng, GIVEN), pick(rng, SURNAMES)),
                format!("{} {}", pick(rng, GIVEN), pick(rng, SURNAMES)),
            ),
        }
    }
}

/// How a model prints dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateStyle {
    /// `16 APR 1940`
    DayMonYear,
    /// `16 APR/AVR 40` (bilingual month, two-digit year)
    DayMonBilingual,
    /// `16.04.1940`
    Dotted,
    /// `16/04/40`
    SlashShort,
    /// `1940-04-16`
    Iso,
    /// `16 04 1940`
    Spaced,
}

const MONTHS_EN: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const MONTHS_FR: [&str; 12] = [
    "JAN", "FÉV", "MARS", "AVR", "MAI", "JUIN", "JUIL", "AOÛT", "SEPT", "OCT", "NOV", "DÉC",
];

impl DateStyle {
    /// Every style.
    pub const ALL: [DateStyle; 6] = [
        DateStyle::DayMonYear,
        DateStyle::DayMonBilingual,
        DateStyle::Dotted,
        DateStyle::SlashShort,
        DateStyle::Iso,
        DateStyle::Spaced,
    ];

    /// `date` as this style prints it; `None` prints as unknown.
    #[must_use]
    pub fn format(self, date: Option<Date>) -> String {
        let Some(d) = date else {
            return match self {
                DateStyle::Iso => "XXXX-XX-XX".into(),
                DateStyle::Dotted => "XX.XX.XXXX".into(),
                _ => "XX XX XXXX".into(),
            };
        };
        let (y, m, day) = (d.year(), usize::from(d.month()), d.day());
        match self {
            DateStyle::DayMonYear => format!("{day:02} {} {y}", MONTHS_EN[m - 1]),
            DateStyle::DayMonBilingual => {
                format!(
                    "{day:02} {}/{} {:02}",
                    MONTHS_EN[m - 1],
                    MONTHS_FR[m - 1],
                    y.rem_euclid(100)
                )
            }
            DateStyle::Dotted => format!("{day:02}.{m:02}.{y}"),
            DateStyle::SlashShort => format!("{day:02}/{m:02}/{:02}", y.rem_euclid(100)),
            DateStyle::Iso => format!("{y}-{m:02}-{day:02}"),
            DateStyle::Spaced => format!("{day:02} {m:02} {y}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn people_are_plausible_and_deterministic() {
        let reference = ymd(2026, 11, 23);
        let a = Person::random(&mut SynthRng::seed_from_u64(1), "UTO", reference, false);
        let b = Person::random(&mut SynthRng::seed_from_u64(1), "UTO", reference, false);
        assert_eq!(a, b);
        let mut rng = SynthRng::seed_from_u64(2);
        for _ in 0..500 {
            let long = rng.random_bool(0.2);
            let p = Person::random(&mut rng, "UTO", reference, long);
            assert!(p.expiry_date > p.issue_date && p.issue_date <= reference);
            assert!(p.birth_date.is_none_or(|d| d < p.issue_date.max(reference)));
            assert!(!docscreen_mrz::transliterate(&p.surname).is_empty());
            assert!((7..=12).contains(&p.document_number.len()));
        }
    }

    #[test]
    fn date_styles() {
        let d = Some(ymd(1940, 4, 16));
        let got: Vec<String> = DateStyle::ALL.iter().map(|s| s.format(d)).collect();
        assert_eq!(
            got,
            [
                "16 APR 1940",
                "16 APR/AVR 40",
                "16.04.1940",
                "16/04/40",
                "1940-04-16",
                "16 04 1940"
            ]
        );
    }
}
