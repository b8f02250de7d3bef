//! Text handling for Bahasa Indonesia: split on anything that is not a letter or digit, lowercase,
//! fold accents to ASCII, and (for the stemmed fields) strip Indonesian affixes so `dijual`,
//! `jualan` and `penjualan` all meet `jual`.
//!
//! The stemmer follows the shape of the Nazief–Adriani / confix-stripping family (particle, then
//! possessive, then derivational suffix, then up to two prefixes, with the sound changes of
//! `meN-`/`peN-`), but without a root dictionary: we cannot ship one, so guards stand in for it.
//! Query and documents go through the same function, so a word always meets itself; the guards
//! only decide how often two different words are wrongly conflated.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The longest token kept: longer runs are noise (hashes, pasted URLs) and bloat the term index.
const MAX_TOKEN_CHARS: usize = 40;

/// Words that look affixed but are roots sellers use every day (`sepatu` is not `se-` + `patu`),
/// and a few derived words whose root the rules cannot find. Without a dictionary these keep
/// the most common product words intact.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("sepatu", "sepatu"),
    ("sepeda", "sepeda"),
    ("selimut", "selimut"),
    ("sendok", "sendok"),
    ("sendal", "sendal"),
    ("sekolah", "sekolah"),
    ("setrika", "setrika"),
    ("seragam", "seragam"),
    ("semangka", "semangka"),
    ("seprai", "seprai"),
    ("selai", "selai"),
    ("serum", "serum"),
    ("senter", "senter"),
    ("selang", "selang"),
    ("kemeja", "kemeja"),
    ("kebaya", "kebaya"),
    ("kerudung", "kerudung"),
    ("keramik", "keramik"),
    ("keranjang", "keranjang"),
    ("kemasan", "kemas"),
    ("bersih", "bersih"),
    ("berlian", "berlian"),
    ("beras", "beras"),
    ("terigu", "terigu"),
    ("terpal", "terpal"),
    ("termos", "termos"),
    ("perban", "perban"),
    ("permen", "permen"),
    ("pensil", "pensil"),
    ("mentega", "mentega"),
    ("memori", "memori"),
    ("dinding", "dinding"),
    ("dingin", "dingin"),
    ("dipan", "dipan"),
    ("digital", "digital"),
    ("dimensi", "dimensi"),
    ("diskon", "diskon"),
    ("masalah", "masalah"),
];

/// `text` as the plain fields index it: lowercased, accent-folded words, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = 0usize;
    let mut flush = |current: &mut String, chars: &mut usize| {
        if !current.is_empty() && *chars <= MAX_TOKEN_CHARS {
            out.push(std::mem::take(current));
        }
        current.clear();
        *chars = 0;
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            push_folded(&mut current, c);
            chars += 1;
        } else {
            flush(&mut current, &mut chars);
        }
    }
    flush(&mut current, &mut chars);
    out
}

/// Appends `c` lowercased and folded to ASCII where it has an ASCII reading (`é` → `e`,
/// `ß` → `ss`); other letters (Arabic, CJK) are kept as they are, lowercased.
fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for lower in c.to_lowercase() {
        match fold(lower) {
            Some(ascii) => out.push_str(ascii),
            None => out.push(lower),
        }
    }
}

/// The ASCII reading of a lowercase Latin letter with a diacritic.
fn fold(c: char) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("àáâãäåāăąǎ", "a"),
        ("æ", "ae"),
        ("çćĉċč", "c"),
        ("ďđð", "d"),
        ("èéêëēĕėęě", "e"),
        ("ĝğġģ", "g"),
        ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"),
        ("ĵ", "j"),
        ("ķ", "k"),
        ("ĺļľŀł", "l"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏőǒ", "o"),
        ("œ", "oe"),
        ("ŕŗř", "r"),
        ("śŝşšș", "s"),
        ("ß", "ss"),
        ("ţťŧț", "t"),
        ("ùúûüũūŭůűųǔ", "u"),
        ("ŵ", "w"),
        ("ýÿŷ", "y"),
        ("źżž", "z"),
        ("þ", "th"),
    ];
    TABLE
        .iter()
        .find(|(from, _)| from.contains(c))
        .map(|(_, to)| *to)
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Could `s` be an Indonesian root? Three letters at least, a vowel somewhere, and no
/// consonant cluster at the start other than the ones roots do begin with (`ng`, `ny`, `sy`,
/// `kh`, or a consonant before `r`/`l`/`y`/`w`): what stops `diskon` becoming `skon`.
fn plausible_root(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 3 || !b.iter().copied().any(is_vowel) {
        return false;
    }
    let (first, second) = (b[0], b[1]);
    if is_vowel(first) || is_vowel(second) {
        return true;
    }
    matches!(
        (first, second),
        (b'n', b'g') | (b'n', b'y') | (b's', b'y') | (b'k', b'h')
    ) || matches!(second, b'r' | b'l' | b'y' | b'w')
}

fn exception(word: &str) -> Option<&'static str> {
    EXCEPTIONS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, stem)| *stem)
}

/// The prefixes that make verbs (`me-`, `di-`, `ter-`); only with them are `-kan` and `-i`
/// taken for suffixes, so `masakan` is `masak` + `-an`, not `masa` + `-kan`, and `lemari` and
/// `kopi` keep their `i`.
fn has_verb_prefix(word: &str) -> bool {
    word.starts_with("me") || word.starts_with("di") || word.starts_with("ter")
}

/// One prefix off `word`, with the sound change `meN-`/`peN-` made (`menulis` → `tulis`),
/// when what is left could be a root.
fn strip_one_prefix(word: &str, first_round: bool) -> Option<String> {
    let rest = |p: &str| word.strip_prefix(p).map(str::to_owned);
    let starts_vowel = |s: &str| s.as_bytes().first().copied().is_some_and(is_vowel);
    let candidate: Option<String> = if let Some(r) = rest("meng").or_else(|| rest("peng")) {
        Some(r)
    } else if let Some(r) = rest("meny").or_else(|| rest("peny")) {
        starts_vowel(&r).then(|| format!("s{r}"))
    } else if let Some(r) = rest("men").or_else(|| rest("pen")) {
        if starts_vowel(&r) {
            Some(format!("t{r}"))
        } else {
            Some(r)
        }
    } else if let Some(r) = rest("mem").or_else(|| rest("pem")) {
        if starts_vowel(&r) {
            Some(format!("p{r}"))
        } else {
            Some(r)
        }
    } else if let Some(r) = rest("per") {
        (!starts_vowel(&r)).then_some(r)
    } else if let Some(r) = rest("me").or_else(|| rest("pe")) {
        // `me-`/`pe-` before l, r, w, y, m, n (`melihat`, `merawat`) or, for `pe-`, any
        // consonant (`petani`, `pedagang`).
        let next = r.as_bytes().first().copied();
        let ok = match next {
            Some(c) if word.starts_with("me") => matches!(c, b'l' | b'r' | b'w' | b'y'),
            Some(c) => !is_vowel(c),
            None => false,
        };
        ok.then_some(r)
    } else if let Some(r) = rest("ber") {
        Some(r)
    } else if word == "belajar" {
        Some("ajar".to_owned())
    } else if let Some(r) = word.strip_prefix("be").filter(|r| r.starts_with("ker")) {
        Some(r.to_owned())
    } else if let Some(r) = rest("ter") {
        Some(r)
    } else if let Some(r) = rest("di").filter(|_| first_round) {
        Some(r)
    } else if let Some(r) = rest("se").filter(|_| first_round) {
        // `se-` starts many roots (`sepatu`, `sepeda`); take it only off long words.
        (r.len() >= 5).then_some(r)
    } else {
        None
    };
    candidate.filter(|c| plausible_root(c))
}

/// Up to two prefixes off `word` (`diperbaiki` → `perbaiki` → `baiki`, suffix aside).
fn strip_prefixes(word: &str) -> String {
    let mut current = word.to_owned();
    for round in 0..2 {
        if exception(&current).is_some() {
            break;
        }
        match strip_one_prefix(&current, round == 0) {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

/// The Indonesian root of one lowercase word; words with digits or non-ASCII letters, and words
/// shorter than four letters, are returned as they are. Never shorter than three letters.
pub fn stem(word: &str) -> String {
    if word.len() < 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_owned();
    }
    if let Some(stem) = exception(word) {
        return stem.to_owned();
    }
    let mut w = word.to_owned();
    // Inflection first: particles, then possessives (`sepatunyalah` is rare, but in that order).
    for group in [&["lah", "kah", "tah", "pun"][..], &["nya", "ku", "mu"][..]] {
        if let Some(rest) = group
            .iter()
            .find_map(|s| w.strip_suffix(s).filter(|r| r.len() >= 3))
        {
            w = rest.to_owned();
            if let Some(stem) = exception(&w) {
                return stem.to_owned();
            }
        }
    }
    // The `ke-…-an` confix (`kesehatan` → `sehat`); `ke-` alone starts too many roots
    // (`kemeja`, `kebaya`, `keju`) to be taken off on its own.
    if let Some(inner) = w.strip_prefix("ke").and_then(|r| r.strip_suffix("an"))
        && inner.len() >= 4
        && plausible_root(inner)
    {
        return inner.to_owned();
    }
    // A derivational suffix counts only if, prefixes off, a root of four letters or more is left:
    // `bahan` and `makan` keep their `an`, `makanan` and `berbahan` do not lose too much.
    let verb = has_verb_prefix(&w);
    let suffixes: &[&str] = if verb { &["kan", "an", "i"] } else { &["an"] };
    for suffix in suffixes {
        if let Some(base) = w.strip_suffix(suffix) {
            let root = strip_prefixes(base);
            if root.len() >= 4 && plausible_root(&root) {
                return root;
            }
        }
    }
    strip_prefixes(&w)
}

/// A tantivy tokenizer running [`words`], optionally followed by [`stem`].
#[derive(Clone, Default)]
pub struct IndonesianTokenizer {
    stemming: bool,
    tokens: Vec<Token>,
}

impl IndonesianTokenizer {
    /// Words as written (lowercased, accents folded).
    pub fn plain() -> Self {
        Self {
            stemming: false,
            tokens: Vec::new(),
        }
    }

    /// Words reduced to their roots.
    pub fn stemming() -> Self {
        Self {
            stemming: true,
            tokens: Vec::new(),
        }
    }
}

/// The tokens of one text, handed out one by one.
pub struct WordStream<'a> {
    tokens: &'a mut Vec<Token>,
    next: usize,
}

impl Tokenizer for IndonesianTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.tokens.clear();
        for (position, word) in words(text).into_iter().enumerate() {
            let text = if self.stemming { stem(&word) } else { word };
            self.tokens.push(Token {
                // Offsets are only used for highlighting, which search does not do.
                offset_from: 0,
                offset_to: 0,
                position,
                text,
                position_length: 1,
            });
        }
        WordStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affixes_come_off_real_words() {
        let table = [
            ("pakaian", "pakai"),
            ("dijual", "jual"),
            ("jualan", "jual"),
            ("penjualan", "jual"),
            ("bermotif", "motif"),
            ("berbahan", "bahan"),
            ("bahan", "bahan"),
            ("sepatunya", "sepatu"),
            ("sepatu", "sepatu"),
            ("minuman", "minum"),
            ("makanan", "makan"),
            ("makan", "makan"),
            ("masakan", "masak"),
            ("kemeja", "kemeja"),
            ("kebaya", "kebaya"),
            ("menyapu", "sapu"),
            ("memukul", "pukul"),
            ("mengambil", "ambil"),
            ("menulis", "tulis"),
            ("menjual", "jual"),
            ("membeli", "beli"),
            ("melihat", "lihat"),
            ("terbaru", "baru"),
            ("terlaris", "laris"),
            ("perbaikan", "baik"),
            ("diperbaiki", "baik"),
            ("memperbaiki", "baik"),
            ("diwarnai", "warna"),
            ("kesehatan", "sehat"),
            ("kecantikan", "cantik"),
            ("dimasukkan", "masuk"),
            ("pemanas", "panas"),
            ("petani", "tani"),
            ("bajunya", "baju"),
            ("tasnya", "tas"),
            ("apapun", "apa"),
            ("seharga", "harga"),
            ("diskon", "diskon"),
            ("dinding", "dinding"),
            ("lemari", "lemari"),
            ("kopi", "kopi"),
            ("ikan", "ikan"),
            ("tas", "tas"),
            ("kaos", "kaos"),
            ("belajar", "ajar"),
            ("bekerja", "kerja"),
        ];
        let wrong: Vec<String> = table
            .iter()
            .filter(|(word, want)| stem(word) != *want)
            .map(|(word, want)| format!("{word}: want {want}, got {}", stem(word)))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn stems_never_fall_below_three_letters() {
        for word in [
            "tanya", "punya", "kuku", "jamu", "salah", "nikah", "ampun", "beli", "makan", "bukan",
            "pakan", "berat", "dia", "kenya",
        ] {
            assert!(stem(word).len() >= 3, "{word} → {}", stem(word));
        }
    }

    #[test]
    fn words_split_lowercase_and_fold_accents() {
        assert_eq!(
            words("Kaos Polo-Shirt CAFÉ Crème, ukuran: XL/2XL"),
            vec![
                "kaos", "polo", "shirt", "cafe", "creme", "ukuran", "xl", "2xl"
            ]
        );
        assert_eq!(words("Straße Ærø"), vec!["strasse", "aero"]);
        assert_eq!(words("  --  "), Vec::<String>::new());
    }

    #[test]
    fn digits_and_foreign_scripts_are_not_stemmed() {
        assert_eq!(stem("ber123"), "ber123");
        assert_eq!(stem("日本語"), "日本語");
    }
}
