//! Code 128 barcodes, code sets B and C: printable ASCII in B, runs of digits packed two per
//! symbol in C. Every symbol is 11 modules (three bars, three spaces), the stop 13; the check
//! symbol is the start value plus each symbol's value times its position, modulo 103.

/// Bar and space widths (in modules) of symbol values 0..=106, bar first. 106 is the stop.
const PATTERNS: [&[u8]; 107] = [
    b"212222", b"222122", b"222221", b"121223", b"121322", b"131222", b"122213", b"122312",
    b"132212", b"221213", b"221312", b"231212", b"112232", b"122132", b"122231", b"113222",
    b"123122", b"123221", b"223211", b"221132", b"221231", b"213212", b"223112", b"312131",
    b"311222", b"321122", b"321221", b"312212", b"322112", b"322211", b"212123", b"212321",
    b"232121", b"111323", b"131123", b"131321", b"112313", b"132113", b"132311", b"211313",
    b"231113", b"231311", b"112133", b"112331", b"132131", b"113123", b"113321", b"133121",
    b"313121", b"211331", b"231131", b"213113", b"213311", b"213131", b"311123", b"311321",
    b"331121", b"312113", b"312311", b"332111", b"314111", b"221411", b"431111", b"111224",
    b"111422", b"121124", b"121421", b"141122", b"141221", b"112214", b"112412", b"122114",
    b"122411", b"142112", b"142211", b"241211", b"221114", b"413111", b"241112", b"134111",
    b"111242", b"121142", b"121241", b"114212", b"124112", b"124211", b"411212", b"421112",
    b"421211", b"212141", b"214121", b"412121", b"111143", b"111341", b"131141", b"114113",
    b"114311", b"411113", b"411311", b"113141", b"114131", b"311141", b"411131", b"211412",
    b"211214", b"211232", b"2331112",
];

const CODE_C: u8 = 99;
const CODE_B: u8 = 100;
const START_B: u8 = 104;
const START_C: u8 = 105;
const STOP: u8 = 106;

/// Symbols before a digit run pays for a switch to code set C and back: a run this long in
/// the middle saves symbols, a shorter one at the start or end already does.
const MIDDLE_RUN_FOR_C: usize = 6;
const EDGE_RUN_FOR_C: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Code128Error {
    #[error("nothing to encode")]
    Empty,
    #[error("`{0}` cannot be encoded in Code 128 B")]
    Unencodable(char),
}

/// An encoded barcode: its symbol values (start, data, check, stop) and the module widths to
/// draw, alternating bar and space and starting with a bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcode {
    pub symbols: Vec<u8>,
    pub modules: Vec<u8>,
}

impl Barcode {
    /// Width in modules, without quiet zones.
    pub fn width(&self) -> u32 {
        self.modules.iter().map(|&m| u32::from(m)).sum()
    }

    /// The check symbol's value.
    pub fn checksum(&self) -> u8 {
        self.symbols[self.symbols.len() - 2]
    }

    /// `(offset, width)` of each bar, in modules from the left edge.
    pub fn bars(&self) -> Vec<(u32, u32)> {
        let mut bars = Vec::with_capacity(self.modules.len() / 2 + 1);
        let mut x = 0u32;
        for (i, &width) in self.modules.iter().enumerate() {
            if i % 2 == 0 {
                bars.push((x, u32::from(width)));
            }
            x += u32::from(width);
        }
        bars
    }
}

/// Encodes `text` (printable ASCII) with the fewest symbols the B/C switching rules allow.
pub fn encode(text: &str) -> Result<Barcode, Code128Error> {
    if text.is_empty() {
        return Err(Code128Error::Empty);
    }
    if let Some(bad) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(Code128Error::Unencodable(bad));
    }
    let bytes = text.as_bytes();
    let digit_run = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };

    let mut data: Vec<u8> = Vec::with_capacity(bytes.len() + 4);
    let leading = digit_run(0);
    let whole_even_digits = leading == bytes.len() && leading.is_multiple_of(2);
    let mut in_c = leading >= EDGE_RUN_FOR_C && leading.is_multiple_of(2) || whole_even_digits;
    let start = if in_c { START_C } else { START_B };
    let mut i = 0;
    while i < bytes.len() {
        if in_c {
            let run = digit_run(i);
            if run >= 2 {
                data.push((bytes[i] - b'0') * 10 + (bytes[i + 1] - b'0'));
                i += 2;
                continue;
            }
            data.push(CODE_B);
            in_c = false;
            continue;
        }
        let run = digit_run(i);
        let at_start = i == 0;
        let reaches_end = i + run == bytes.len();
        let worth_c = if at_start || reaches_end {
            run >= EDGE_RUN_FOR_C
        } else {
            run >= MIDDLE_RUN_FOR_C
        };
        if worth_c && run.is_multiple_of(2) {
            data.push(CODE_C);
            in_c = true;
            continue;
        }
        if worth_c {
            // An odd run: its first digit stays in B so the rest pairs up exactly.
            data.push(bytes[i] - b' ');
            i += 1;
            data.push(CODE_C);
            in_c = true;
            continue;
        }
        data.push(bytes[i] - b' ');
        i += 1;
    }

    let weighted: u32 = data
        .iter()
        .enumerate()
        .map(|(position, &value)| (position as u32 + 1) * u32::from(value))
        .sum();
    let check = ((u32::from(start) + weighted) % 103) as u8;

    let mut symbols = Vec::with_capacity(data.len() + 3);
    symbols.push(start);
    symbols.extend_from_slice(&data);
    symbols.push(check);
    symbols.push(STOP);
    let modules = symbols
        .iter()
        .flat_map(|&s| PATTERNS[usize::from(s)].iter().map(|digit| digit - b'0'))
        .collect();
    Ok(Barcode { symbols, modules })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_symbol_is_eleven_modules_with_an_even_bar_sum() {
        for (value, pattern) in PATTERNS.iter().enumerate().take(106) {
            let widths: Vec<u32> = pattern.iter().map(|d| u32::from(d - b'0')).collect();
            assert_eq!(widths.iter().sum::<u32>(), 11, "symbol {value}");
            assert_eq!((widths[0] + widths[2] + widths[4]) % 2, 0, "symbol {value}");
        }
        let stop: u32 = PATTERNS[106].iter().map(|d| u32::from(d - b'0')).sum();
        assert_eq!(stop, 13);
    }

    #[test]
    fn a_courier_code_with_a_short_digit_tail_stays_in_code_b() {
        // J=42 N=46 E=37 1=17 2=18 3=19 in code B;
        // 104 + 1·42 + 2·46 + 3·37 + 4·17 + 5·18 + 6·19 = 621, and 621 mod 103 = 3.
        let barcode = encode("JNE123").unwrap();
        assert_eq!(barcode.symbols, vec![104, 42, 46, 37, 17, 18, 19, 3, 106]);
        assert_eq!(barcode.checksum(), 3);
        assert_eq!(barcode.width(), 8 * 11 + 13);
        assert_eq!(&barcode.modules[..6], &[2, 1, 1, 2, 1, 4]);
        assert_eq!(
            &barcode.modules[barcode.modules.len() - 7..],
            &[2, 3, 3, 1, 1, 1, 2]
        );
    }

    #[test]
    fn a_numeric_airway_bill_is_packed_in_code_c() {
        // 105 + 1·12 + 2·34 + 3·56 + 4·78 + 5·90 = 1115, and 1115 mod 103 = 85.
        let barcode = encode("1234567890").unwrap();
        assert_eq!(barcode.symbols, vec![105, 12, 34, 56, 78, 90, 85, 106]);
        assert_eq!(barcode.width(), 7 * 11 + 13);
    }

    #[test]
    fn a_long_digit_tail_switches_to_code_c() {
        // S=51 S=51, CODE C, 01 23 45 67 89 01: 104 + 51 + 102 + 3·99 + 4·1 + 5·23 + 6·45
        // + 7·67 + 8·89 + 9·1 = 2133, and 2133 mod 103 = 73.
        let barcode = encode("SS012345678901").unwrap();
        assert_eq!(
            barcode.symbols,
            vec![104, 51, 51, 99, 1, 23, 45, 67, 89, 1, 73, 106]
        );
    }

    #[test]
    fn an_odd_digit_run_keeps_its_first_digit_in_code_b() {
        let barcode = encode("12345").unwrap();
        // '1' in B (17), CODE C, 23, 45.
        assert_eq!(&barcode.symbols[..5], &[104, 17, 99, 23, 45]);
    }

    #[test]
    fn text_outside_printable_ascii_is_refused() {
        assert_eq!(encode(""), Err(Code128Error::Empty));
        assert_eq!(
            encode("AWB\u{e9}"),
            Err(Code128Error::Unencodable('\u{e9}'))
        );
    }

    /// Decodes symbols back to text, following the code set switches.
    fn decode(symbols: &[u8]) -> String {
        let mut text = String::new();
        let mut in_c = symbols[0] == START_C;
        for &s in &symbols[1..symbols.len() - 2] {
            match (in_c, s) {
                (false, CODE_C) => in_c = true,
                (true, CODE_B) => in_c = false,
                (true, pair) => text.push_str(&format!("{pair:02}")),
                (false, value) => text.push(char::from(value + b' ')),
            }
        }
        text
    }

    proptest! {
        #[test]
        fn checksum_and_widths_are_consistent(text in "[ -~]{1,40}") {
            let barcode = encode(&text).unwrap();
            let start = u32::from(barcode.symbols[0]);
            let data = &barcode.symbols[1..barcode.symbols.len() - 2];
            let weighted: u32 = data.iter().enumerate()
                .map(|(i, &v)| (i as u32 + 1) * u32::from(v)).sum();
            prop_assert_eq!(u32::from(barcode.checksum()), (start + weighted) % 103);
            prop_assert_eq!(barcode.width(), (barcode.symbols.len() as u32 - 1) * 11 + 13);
            prop_assert_eq!(barcode.modules.len(), (barcode.symbols.len() - 1) * 6 + 7);
            prop_assert_eq!(decode(&barcode.symbols), text);
        }

        #[test]
        fn digits_never_take_more_symbols_than_characters(digits in "[0-9]{2,30}") {
            let barcode = encode(&digits).unwrap();
            prop_assert!(barcode.symbols.len() - 3 <= digits.len());
            prop_assert_eq!(decode(&barcode.symbols), digits);
        }
    }
}
