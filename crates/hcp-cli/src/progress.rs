//! A progress bar on standard error for long loads (`hcp demo --evaluations 10000000`): redrawn in place on a
//! terminal, a line per tenth otherwise (logs of a service manager).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct ProgressBar {
    target: u64,
    started: Instant,
    last_draw: Option<Instant>,
    tty: bool,
    tenths_shown: u64,
}

impl ProgressBar {
    pub fn new(target: u64) -> ProgressBar {
        ProgressBar {
            target,
            started: Instant::now(),
            last_draw: None,
            tty: std::io::stderr().is_terminal(),
            tenths_shown: 0,
        }
    }

    pub fn update(&mut self, done: u64) {
        let now = Instant::now();
        let line = render(done, self.target, now - self.started);
        if self.tty {
            if self.last_draw.is_some_and(|at| now - at < Duration::from_millis(200)) {
                return;
            }
            self.last_draw = Some(now);
            eprint!("\r{line}\x1b[K");
            let _ = std::io::stderr().flush();
        } else {
            let tenths = (done * 10).checked_div(self.target).unwrap_or(10);
            if tenths > self.tenths_shown {
                self.tenths_shown = tenths;
                eprintln!("{line}");
            }
        }
    }

    pub fn finish(&mut self, done: u64) {
        let line = render(done, done.max(1), self.started.elapsed());
        if self.tty {
            eprintln!("\r{line}\x1b[K");
        } else {
            eprintln!("{line}");
        }
    }
}

const WIDTH: u64 = 24;

/// `[█████░░░…]  42%  评价 4 200 / 10 000  1 234 条/秒  剩余约 5 秒`. The target is approximate (the demo plan
/// aims at it), so the bar stops at 99 % until the load is finished.
pub fn render(done: u64, target: u64, elapsed: Duration) -> String {
    let target = target.max(1);
    let percent = (done.saturating_mul(100) / target).min(if done >= target { 100 } else { 99 });
    let filled = (percent * WIDTH / 100) as usize;
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(WIDTH as usize - filled));
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let remaining = if rate > 0.0 && done < target {
        format!("  剩余约 {}", duration((target - done) as f64 / rate))
    } else {
        String::new()
    };
    format!(
        "[{bar}] {percent:>3}%  评价 {} / {}  {} 条/秒  已用 {}{remaining}",
        grouped(done),
        grouped(target),
        grouped(rate as u64),
        duration(secs)
    )
}

fn duration(secs: f64) -> String {
    let secs = secs.round() as u64;
    match secs {
        0..60 => format!("{secs} 秒"),
        60..3600 => format!("{} 分 {} 秒", secs / 60, secs % 60),
        _ => format!("{} 小时 {} 分", secs / 3600, secs % 3600 / 60),
    }
}

/// 10000000 → "10 000 000".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_share_rate_and_time_left() {
        let line = render(2_500_000, 10_000_000, Duration::from_secs(100));
        assert!(line.starts_with("[██████░░░░░░░░░░░░░░░░░░]  25%"), "{line}");
        assert!(line.contains("评价 2 500 000 / 10 000 000"), "{line}");
        assert!(line.contains("25 000 条/秒"), "{line}");
        assert!(line.contains("剩余约 5 分 0 秒"), "{line}");
    }

    #[test]
    fn stops_at_ninety_nine_until_done_and_never_overflows() {
        assert!(render(9_999, 10_000, Duration::from_secs(1)).contains(" 99%"));
        let over = render(10_300, 10_000, Duration::from_secs(1));
        assert!(over.contains("100%") && !over.contains("剩余"), "{over}");
        assert!(render(0, 0, Duration::ZERO).contains("评价 0 / 1"));
    }
}
