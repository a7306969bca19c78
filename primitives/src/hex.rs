//! The hex form of Strata's byte strings: lower-case without a prefix on
//! output; on input an optional `0x` or `0X` prefix and digits of either
//! case.

/// Why a string is not the hex of the bytes expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// The string has the wrong number of digits.
    #[error("expected {expected} hex digits, found {found}")]
    Length {
        /// Digits expected (twice the byte length), not counting a prefix.
        expected: usize,
        /// Digits found, not counting a `0x` prefix.
        found: usize,
    },
    /// A character that is not a hex digit.
    #[error("invalid character {character:?} at position {position} (hex digits are 0-9 and a-f)")]
    InvalidCharacter {
        /// The character.
        character: char,
        /// Its position in the string as given, counting characters (a
        /// `0x` prefix included).
        position: usize,
    },
    /// An odd number of digits, where any even length is accepted.
    #[error("odd number of hex digits ({found}): every byte takes two")]
    OddLength {
        /// Digits found.
        found: usize,
    },
}

/// Lower-case hex of `bytes`, without a prefix.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    ::hex::encode(bytes)
}

/// `s` without a leading `0x` or `0X`, and the length of what was removed.
fn strip(s: &str) -> (&str, usize) {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(rest) => (rest, 2),
        None => (s, 0),
    }
}

/// The first character of `digits` that is not a hex digit, as an error
/// positioned in the original string.
fn invalid_character(digits: &str, offset: usize) -> Option<HexError> {
    digits
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_hexdigit())
        .map(|(i, character)| HexError::InvalidCharacter {
            character,
            position: offset + i,
        })
}

/// Parses exactly `N` bytes of hex (`2 * N` digits, an optional `0x`).
pub fn decode_array<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let (digits, offset) = strip(s);
    if let Some(e) = invalid_character(digits, offset) {
        return Err(e);
    }
    if digits.len() != 2 * N {
        return Err(HexError::Length {
            expected: 2 * N,
            found: digits.len(),
        });
    }
    let mut out = [0u8; N];
    // Checked above: only ASCII hex digits, of the right count.
    ::hex::decode_to_slice(digits, &mut out).map_err(|_| HexError::Length {
        expected: 2 * N,
        found: digits.len(),
    })?;
    Ok(out)
}

/// Parses any even number of hex digits (an optional `0x`; empty is no
/// bytes).
pub fn decode(s: &str) -> Result<Vec<u8>, HexError> {
    let (digits, offset) = strip(s);
    if let Some(e) = invalid_character(digits, offset) {
        return Err(e);
    }
    if digits.len() % 2 != 0 {
        return Err(HexError::OddLength {
            found: digits.len(),
        });
    }
    ::hex::decode(digits).map_err(|_| HexError::OddLength {
        found: digits.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_case_are_accepted() {
        for s in ["0aFf", "0x0aff", "0X0AFF", "0AfF"] {
            assert_eq!(decode_array::<2>(s), Ok([0x0a, 0xff]), "{s}");
            assert_eq!(decode(s), Ok(vec![0x0a, 0xff]), "{s}");
        }
        assert_eq!(encode([0x0a, 0xff]), "0aff");
        assert_eq!(decode(""), Ok(vec![]));
        assert_eq!(decode("0x"), Ok(vec![]));
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(
            decode_array::<2>("0x0a"),
            Err(HexError::Length {
                expected: 4,
                found: 2
            })
        );
        assert_eq!(
            decode_array::<2>("0x0ag0"),
            Err(HexError::InvalidCharacter {
                character: 'g',
                position: 4
            })
        );
        // A prefix is only stripped once, and `x` is then a bad digit.
        assert_eq!(
            decode("0x0x"),
            Err(HexError::InvalidCharacter {
                character: 'x',
                position: 3
            })
        );
        assert_eq!(decode("abc"), Err(HexError::OddLength { found: 3 }));
        // Multi-byte characters are reported, not split.
        assert_eq!(
            decode("aé"),
            Err(HexError::InvalidCharacter {
                character: 'é',
                position: 1
            })
        );
        assert_eq!(
            HexError::Length {
                expected: 40,
                found: 3
            }
            .to_string(),
            "expected 40 hex digits, found 3"
        );
    }

    proptest::proptest! {
        #[test]
        fn round_trips(bytes: Vec<u8>, prefix: bool, upper: bool) {
            let mut s = encode(&bytes);
            if upper {
                s = s.to_uppercase();
            }
            if prefix {
                s.insert_str(0, "0x");
            }
            proptest::prop_assert_eq!(decode(&s), Ok(bytes.clone()));
            if bytes.len() == 8 {
                proptest::prop_assert_eq!(decode_array::<8>(&s).map(Vec::from), Ok(bytes));
            }
        }

        #[test]
        fn arbitrary_strings_never_panic(s: String) {
            let _ = decode(&s);
            let _ = decode_array::<20>(&s);
        }
    }
}
