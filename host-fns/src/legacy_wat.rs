//! Legacy WebAssembly text: the instruction spellings of 2019's wabt.
//!
//! SVM-era contracts are `.wast` files written before the spec renamed its
//! instructions (`get_local` became `local.get`, `i32.wrap/i64` became
//! `i32.wrap_i64`, `anyfunc` became `funcref`, ...). The `wat` crate accepts
//! only today's names and has no option for the old ones, so every place
//! Strata reads WAT (the CLI, tests, benches) first passes the text through
//! [`translate`], which rewrites each old token to its new name.
//!
//! The pass is tokenizer-aware: it never rewrites inside `;; line`
//! comments, `(; block ;)` comments (which nest) or `"strings"` (with `\`
//! escapes), and it rewrites whole tokens only, so `$get_local` (an
//! identifier) or `get_locals` stay as they are. Text it cannot tokenize
//! (an unterminated string or comment) is copied unchanged, for the WAT
//! parser to report.

use std::borrow::Cow;

/// Every instruction (and type) name the spec renamed, old spelling first.
pub const RENAMED: &[(&str, &str)] = &[
    ("get_local", "local.get"),
    ("set_local", "local.set"),
    ("tee_local", "local.tee"),
    ("get_global", "global.get"),
    ("set_global", "global.set"),
    ("current_memory", "memory.size"),
    ("grow_memory", "memory.grow"),
    ("anyfunc", "funcref"),
    ("i32.wrap/i64", "i32.wrap_i64"),
    ("i32.trunc_s/f32", "i32.trunc_f32_s"),
    ("i32.trunc_u/f32", "i32.trunc_f32_u"),
    ("i32.trunc_s/f64", "i32.trunc_f64_s"),
    ("i32.trunc_u/f64", "i32.trunc_f64_u"),
    ("i64.extend_s/i32", "i64.extend_i32_s"),
    ("i64.extend_u/i32", "i64.extend_i32_u"),
    ("i64.trunc_s/f32", "i64.trunc_f32_s"),
    ("i64.trunc_u/f32", "i64.trunc_f32_u"),
    ("i64.trunc_s/f64", "i64.trunc_f64_s"),
    ("i64.trunc_u/f64", "i64.trunc_f64_u"),
    ("f32.convert_s/i32", "f32.convert_i32_s"),
    ("f32.convert_u/i32", "f32.convert_i32_u"),
    ("f32.convert_s/i64", "f32.convert_i64_s"),
    ("f32.convert_u/i64", "f32.convert_i64_u"),
    ("f32.demote/f64", "f32.demote_f64"),
    ("f64.convert_s/i32", "f64.convert_i32_s"),
    ("f64.convert_u/i32", "f64.convert_i32_u"),
    ("f64.convert_s/i64", "f64.convert_i64_s"),
    ("f64.convert_u/i64", "f64.convert_i64_u"),
    ("f64.promote/f32", "f64.promote_f32"),
    ("i32.reinterpret/f32", "i32.reinterpret_f32"),
    ("i64.reinterpret/f64", "i64.reinterpret_f64"),
    ("f32.reinterpret/i32", "f32.reinterpret_i32"),
    ("f64.reinterpret/i64", "f64.reinterpret_i64"),
    ("i32.trunc_s:sat/f32", "i32.trunc_sat_f32_s"),
    ("i32.trunc_u:sat/f32", "i32.trunc_sat_f32_u"),
    ("i32.trunc_s:sat/f64", "i32.trunc_sat_f64_s"),
    ("i32.trunc_u:sat/f64", "i32.trunc_sat_f64_u"),
    ("i64.trunc_s:sat/f32", "i64.trunc_sat_f32_s"),
    ("i64.trunc_u:sat/f32", "i64.trunc_sat_f32_u"),
    ("i64.trunc_s:sat/f64", "i64.trunc_sat_f64_s"),
    ("i64.trunc_u:sat/f64", "i64.trunc_sat_f64_u"),
];

/// The new name of an old token, if it is one.
fn renamed(token: &str) -> Option<&'static str> {
    RENAMED
        .iter()
        .find(|(old, _)| *old == token)
        .map(|(_, new)| *new)
}

/// Whether `b` ends a token (whitespace, parentheses, a string or a comment).
fn ends_token(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b'"' | b';')
}

/// Rewrites every legacy instruction spelling in `text` to today's, outside
/// comments and strings. Returns the text borrowed when nothing changed.
pub fn translate(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Bytes [copied, i) are still to be copied to `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' if bytes.get(i + 1) == Some(&b';') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' if bytes.get(i + 1) == Some(&b';') => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'(' && bytes.get(i + 1) == Some(&b';') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b';' && bytes.get(i + 1) == Some(&b')') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b if ends_token(b) => i += 1,
            _ => {
                let start = i;
                while i < bytes.len() && !ends_token(bytes[i]) {
                    i += 1;
                }
                // Token boundaries are ASCII bytes, so the slice is on char boundaries.
                if let Some(new) = text.get(start..i).and_then(renamed) {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(text.get(copied..start).unwrap_or_default());
                    o.push_str(new);
                    copied = i;
                }
            }
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(text.get(copied..).unwrap_or_default());
            Cow::Owned(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_renamed_instruction_is_rewritten() {
        for (old, new) in RENAMED {
            let text = format!("(func {old} (;x;) {old})");
            assert_eq!(
                translate(&text),
                format!("(func {new} (;x;) {new})"),
                "{old}"
            );
        }
        // The list has every rename once, and no new name is itself renamed.
        for (old, new) in RENAMED {
            assert_eq!(RENAMED.iter().filter(|(o, _)| o == old).count(), 1);
            assert!(renamed(new).is_none());
        }
        assert_eq!(RENAMED.len(), 41);
    }

    #[test]
    fn comments_strings_and_identifiers_are_untouched() {
        let text = concat!(
            ";; get_local in a line comment\n",
            "(; block get_local (; nested set_local ;) tee_local ;)\n",
            "(data \"get_local \\\" set_local\")\n",
            "(func $get_local get_locals $x.get_global (get_local 0))"
        );
        let want = text.replace("(get_local 0)", "(local.get 0)");
        assert_eq!(translate(text), want);
    }

    #[test]
    fn unchanged_text_is_borrowed_and_broken_text_is_copied() {
        assert!(matches!(
            translate("(module (func local.get 0))"),
            Cow::Borrowed(_)
        ));
        assert_eq!(translate("\"get_local"), "\"get_local");
        assert_eq!(translate("(; get_local"), "(; get_local");
        assert_eq!(translate("get_local \"\\"), "local.get \"\\");
        assert_eq!(translate("é get_local"), "é local.get");
    }

    #[test]
    fn translated_legacy_module_parses() {
        let legacy = r#"(module
          (memory 1) (global $g (mut i32) (i32.const 0))
          (table 1 anyfunc)
          (func (export "f") (param i32) (result i64)
            (set_global $g (get_local 0))
            (drop (tee_local 0 (get_global $g)))
            (drop (grow_memory (current_memory)))
            (drop (f64.promote/f32 (f32.demote/f64 (f64.const 1))))
            (i64.extend_u/i32 (i32.wrap/i64 (i64.extend_s/i32 (get_local 0))))))"#;
        assert!(wat::parse_str(legacy).is_err());
        assert!(wat::parse_str(translate(legacy).as_ref()).is_ok());
    }
}
