//! Charts as inline SVG drawn on the server: no JavaScript, no images, nothing fetched. Pure functions of the
//! figures they show. Every chart is `role="img"` with a `<title>` and an `aria-label`; the pages put a data
//! table beside it for screen readers and for reading exact values.

use std::fmt::Write;

/// Bar colour (the pages' link blue) and the line/bad colour (the header red); both reach AA on white.
const BLUE: &str = "#0b4fa8";
const RED: &str = "#b3261e";
const GREY: &str = "#8a94a6";
const TEXT: &str = "#1a1a1a";

/// Text for SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A round number ≥ `max` for the top of an axis (1, 2, 5 × 10ⁿ), at least 1.
pub fn nice_ceiling(max: f64) -> f64 {
    if !max.is_finite() || max <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if step * magnitude >= max {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 { format!("{}", v.round() as i64) } else { format!("{v:.1}") }
}

fn open(out: &mut String, width: u32, height: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         aria-label=\"{t}\" font-size=\"12\" font-family=\"sans-serif\"><title>{t}</title><desc>{d}</desc>",
        t = escape(title),
        d = escape(desc),
    );
}

/// Bars of counts per period with a line of a percentage (0–100, right axis) over them: the monthly trend of
/// evaluations and 好评率. `line` values may be missing (no evaluations that month): the line breaks there.
pub fn bars_with_line(
    title: &str,
    labels: &[String],
    bars: &[i64],
    bar_name: &str,
    line: &[Option<f64>],
    line_name: &str,
) -> String {
    let (width, height) = (640u32, 260u32);
    let (left, right, top, bottom) = (44.0, 44.0, 28.0, 40.0);
    let plot_w = f64::from(width) - left - right;
    let plot_h = f64::from(height) - top - bottom;
    let n = labels.len().max(1);
    let max = nice_ceiling(bars.iter().copied().max().unwrap_or(0) as f64);
    let mut out = String::new();
    let desc = format!("柱形为{bar_name}（左轴），折线为{line_name}（右轴，百分比），共 {} 个时段", labels.len());
    open(&mut out, width, height, title, &desc);
    // Grid and both axes' ticks.
    for i in 0..=4 {
        let y = top + plot_h * f64::from(i) / 4.0;
        let left_value = max * f64::from(4 - i) / 4.0;
        let right_value = 100.0 * f64::from(4 - i) / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{x2:.1}\" y2=\"{y:.1}\" stroke=\"#d5d9e0\"/>\
             <text x=\"{lx:.1}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"{TEXT}\">{lv}</text>\
             <text x=\"{rx:.1}\" y=\"{ty:.1}\" fill=\"{TEXT}\">{rv}%</text>",
            x2 = left + plot_w,
            lx = left - 4.0,
            rx = left + plot_w + 4.0,
            ty = y + 4.0,
            lv = number(left_value),
            rv = number(right_value),
        );
    }
    let slot = plot_w / n as f64;
    let bar_w = (slot * 0.6).max(1.0);
    let mut points = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let x = left + slot * i as f64;
        let count = bars.get(i).copied().unwrap_or(0);
        let h = plot_h * count as f64 / max;
        let _ = write!(
            out,
            "<rect x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\" fill=\"{BLUE}\"><title>{l}：{bar_name} {count}</title></rect>",
            bx = x + (slot - bar_w) / 2.0,
            by = top + plot_h - h,
            l = escape(label),
            bar_name = escape(bar_name),
        );
        // Every label when they fit, else every other one.
        if n <= 12 || i % 2 == 0 {
            let _ = write!(
                out,
                "<text x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"middle\" fill=\"{TEXT}\">{l}</text>",
                tx = x + slot / 2.0,
                ty = top + plot_h + 16.0,
                l = escape(short_period(label)),
            );
        }
        match line.get(i).copied().flatten() {
            Some(v) => points.push(Some((x + slot / 2.0, top + plot_h * (1.0 - v.clamp(0.0, 100.0) / 100.0), v))),
            None => points.push(None),
        }
    }
    // The line, broken where a period has no value.
    for segment in points.split(|p| p.is_none()) {
        let coords: Vec<String> = segment.iter().flatten().map(|(x, y, _)| format!("{x:.1},{y:.1}")).collect();
        if coords.len() > 1 {
            let _ = write!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{RED}\" stroke-width=\"2\"/>",
                coords.join(" ")
            );
        }
    }
    for (x, y, v) in points.iter().flatten() {
        let _ = write!(
            out,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{RED}\"><title>{line_name} {v:.1}%</title></circle>",
            line_name = escape(line_name),
        );
    }
    // Legend.
    let _ = write!(
        out,
        "<rect x=\"{left}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{BLUE}\"/><text x=\"{a:.1}\" y=\"18\" fill=\"{TEXT}\">{b}</text>\
         <line x1=\"{c:.1}\" y1=\"14\" x2=\"{d:.1}\" y2=\"14\" stroke=\"{RED}\" stroke-width=\"2\"/><text x=\"{e:.1}\" y=\"18\" fill=\"{TEXT}\">{l}</text>",
        a = left + 16.0,
        b = escape(bar_name),
        c = left + 120.0,
        d = left + 136.0,
        e = left + 140.0,
        l = escape(line_name),
    );
    out.push_str("</svg>");
    out
}

/// `2026-10` → `26-10`: month labels fit under narrow bars.
fn short_period(label: &str) -> &str {
    if label.len() == 7 && label.as_bytes()[4] == b'-' { &label[2..] } else { label }
}

/// One bar of a horizontal bar chart; `bad` bars are drawn red.
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub bad: bool,
}

/// Horizontal bars with their counts and shares of the total: the level distribution, the channel mix.
pub fn horizontal_bars(title: &str, bars: &[Bar]) -> String {
    let row = 26.0;
    // Narrow enough that the text stays readable when two charts sit side by side.
    let (label_w, value_w, top) = (100.0, 110.0, 6.0);
    let width = 440u32;
    let height = (top * 2.0 + row * bars.len().max(1) as f64).ceil() as u32;
    let plot_w = f64::from(width) - label_w - value_w;
    let total: i64 = bars.iter().map(|b| b.value).sum();
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let mut out = String::new();
    open(&mut out, width, height, title, &format!("共 {} 项，合计 {total}", bars.len()));
    if bars.is_empty() {
        let _ = write!(out, "<text x=\"8\" y=\"20\" fill=\"{TEXT}\">暂无数据</text>");
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let w = plot_w * bar.value as f64 / max;
        let share = if total > 0 { format!("{:.1}%", bar.value as f64 * 100.0 / total as f64) } else { "—".into() };
        let _ = write!(
            out,
            "<text x=\"{lx:.1}\" y=\"{ty:.1}\" text-anchor=\"end\" fill=\"{TEXT}\">{l}</text>\
             <rect x=\"{label_w}\" y=\"{ry:.1}\" width=\"{w:.1}\" height=\"18\" fill=\"{c}\"><title>{l}：{v}（{share}）</title></rect>\
             <text x=\"{vx:.1}\" y=\"{ty:.1}\" fill=\"{TEXT}\">{v}（{share}）</text>",
            lx = label_w - 6.0,
            ty = y + 17.0,
            ry = y + 4.0,
            l = escape(&bar.label),
            c = if bar.bad { RED } else { BLUE },
            v = bar.value,
            vx = label_w + w + 6.0,
        );
    }
    if !bars.is_empty() {
        let _ = write!(
            out,
            "<line x1=\"{label_w}\" y1=\"{top}\" x2=\"{label_w}\" y2=\"{y2:.1}\" stroke=\"{GREY}\"/>",
            y2 = top + row * bars.len() as f64
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(45.0), 50.0);
        assert_eq!(nice_ceiling(100.0), 100.0);
        assert_eq!(nice_ceiling(101.0), 200.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
    }

    #[test]
    fn trend_has_a_title_a_bar_per_period_and_a_broken_line() {
        let labels: Vec<String> = ["2026-08", "2026-09", "2026-10"].iter().map(|s| s.to_string()).collect();
        let svg = bars_with_line("评价趋势", &labels, &[4, 0, 10], "评价数", &[Some(75.0), None, Some(90.0)], "好评率");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-label=\"评价趋势\""));
        assert!(svg.contains("<title>评价趋势</title>"));
        // 3 bars plus the legend swatch.
        assert_eq!(count(&svg, "<rect"), 4);
        assert!(svg.contains("2026-10：评价数 10"));
        // The missing month breaks the line: two single points, no polyline.
        assert_eq!(count(&svg, "<polyline"), 0);
        assert_eq!(count(&svg, "<circle"), 2);
        assert!(svg.contains(">26-08<"), "short month labels");
        // The tallest bar reaches the top of the axis (10 → axis 10): full plot height.
        assert!(svg.contains("height=\"192.0\""), "{svg}");
    }

    #[test]
    fn a_continuous_line_is_one_polyline_and_rates_are_clamped() {
        let labels: Vec<String> = (1..=3).map(|m| format!("2026-0{m}")).collect();
        let svg = bars_with_line("t", &labels, &[1, 2, 3], "a", &[Some(0.0), Some(50.0), Some(150.0)], "b");
        assert_eq!(count(&svg, "<polyline"), 1);
        // 0% sits on the baseline (top 28 + plot 192 = 220), 100% (clamped) on the top line.
        assert!(svg.contains(",220.0 "), "{svg}");
        assert!(svg.contains(",28.0\""), "{svg}");
    }

    #[test]
    fn horizontal_bars_show_counts_and_shares_and_escape_labels() {
        let bars = vec![
            Bar { label: "非常满意".into(), value: 3, bad: false },
            Bar { label: "<不满意>".into(), value: 1, bad: true },
        ];
        let svg = horizontal_bars("评价等级分布", &bars);
        assert!(svg.contains("<title>评价等级分布</title>"));
        assert!(svg.contains("3（75.0%）") && svg.contains("1（25.0%）"));
        assert!(svg.contains("&lt;不满意&gt;") && !svg.contains("<不满意>"));
        assert!(svg.contains(RED) && svg.contains(BLUE));
        let empty = horizontal_bars("空", &[]);
        assert!(empty.contains("暂无数据"));
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
    }
}
