//! Text that may be stored. Control characters have no place in what people write: a NUL cannot be stored in a
//! PostgreSQL text column at all, and the others hide text on screens and in printed ledgers. Tab and line
//! breaks are writing; everything else below U+0020, DEL and the C1 controls (U+0080–U+009F) is refused.

/// What a field's message says when it holds a control character.
pub const CONTROL_CHARACTER: &str = "不能包含控制字符（如 NUL）";

/// A character no stored text may hold.
pub fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether `text` holds a character no stored text may hold.
pub fn has_forbidden_control(text: &str) -> bool {
    text.chars().any(is_forbidden_control)
}

/// Whether `text` fits on one line (a name, a code): no control character at all, line breaks and tabs included.
pub fn is_single_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_passes_and_controls_do_not() {
        assert!(!has_forbidden_control("第一行\r\n第二行\t缩进"));
        for bad in ["a\u{0}b", "\u{7}", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{9f}"] {
            assert!(has_forbidden_control(bad), "{bad:?}");
        }
        assert!(is_single_line("窗口 1"));
        assert!(!is_single_line("窗口\n1"));
    }
}
