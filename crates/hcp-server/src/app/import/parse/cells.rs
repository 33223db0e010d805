//! Cell values as people type them: yes and no, dates and times in the forms a registrar uses.

/// Excel shows long numbers as "1.10101E+17"; a CSV saved from it keeps only that text.
pub(crate) fn looks_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && (fraction.is_empty() || digits(fraction)) && digits(exponent)
}

pub(crate) fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "是" | "true" | "1" | "yes" | "y" => Some(true),
        "否" | "false" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Dates as typed or exported by Excel ("2026/3/5", "2026年3月5日", "2026-03-05 14:30") become "2026-03-05" or
/// RFC 3339 with +08:00 (DESIGN §3: every local time is Asia/Shanghai). Anything else is passed on for validation
/// to report.
pub(crate) fn normalize_when(text: &str) -> String {
    parse_local_when(text).unwrap_or_else(|| text.to_owned())
}

pub(crate) fn parse_local_when(text: &str) -> Option<String> {
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };
    let (year, month, day) = parse_date_part(date)?;
    let (hour, minute, second) = match time {
        None => (0, 0, 0),
        Some(time) => parse_time_part(time)?,
    };
    Some(format_when(year, month, day, hour, minute, second))
}

pub(crate) fn format_when(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> String {
    if (hour, minute, second) == (0, 0, 0) {
        // A form carries a date; midnight is how Excel writes "no time".
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}+08:00")
    }
}

pub(crate) fn parse_date_part(text: &str) -> Option<(u32, u32, u32)> {
    let text = text.strip_suffix('日').unwrap_or(text);
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (year, month, day) = (number(year, 4)?, number(month, 2)?, number(day, 2)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1900 && (1..=days).contains(&day)).then_some((year, month, day))
}

pub(crate) fn parse_time_part(text: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = text.split(':').collect();
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let (hour, minute, second) = match parts.as_slice() {
        [hour, minute] => (number(hour)?, number(minute)?, 0),
        // Fractions of a second are below what a paper form records.
        [hour, minute, second] => (number(hour)?, number(minute)?, number(second.split('.').next()?)?),
        _ => return None,
    };
    (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second))
}
