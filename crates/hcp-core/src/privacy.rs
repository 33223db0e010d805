//! Masking of evaluator data for display (R4: leaking evaluator information is misconduct).

/// "13812341234" → "138****1234"; short or odd values keep only their last character.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() >= 7 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else {
        mask_all_but_last(&chars)
    }
}

/// "张三丰" → "张**"; a name shows only its surname.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
        None => String::new(),
    }
}

/// ID numbers show the region's first digit and the check digits: "2202**********123X".
pub fn mask_id_no(id_no: &str) -> String {
    let chars: Vec<char> = id_no.chars().collect();
    if chars.len() >= 10 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
    } else {
        mask_all_but_last(&chars)
    }
}

fn mask_all_but_last(chars: &[char]) -> String {
    match chars.split_last() {
        Some((last, rest)) => format!("{}{last}", "*".repeat(rest.len())),
        None => String::new(),
    }
}

/// Normalises a phone number before hashing, so "138-1234-1234" and "+86 13812341234" de-duplicate.
pub fn normalize_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("86") {
        Some(rest) if rest.len() == 11 => rest.to_owned(),
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_what_identifies_nobody() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_id_no("22020219900101123X"), "2202**********123X");
        assert_eq!(mask_phone("12345"), "****5");
        assert_eq!(normalize_phone("+86 138-1234-1234"), "13812341234");
    }
}
