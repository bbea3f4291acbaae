//! Small text helpers shared by the panes: sizes, ages, the spinner, cutting
//! text to a width, and the visible window of a scrolled list.

use std::time::SystemTime;

use humansize::{BINARY, format_size};
use ratatui::text::{Line, Span};

/// Braille spinner frames; `App::spinner` picks one.
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The placeholder of a value nobody has asked for yet.
pub const PENDING: &str = "·";

pub fn spinner(frame: usize) -> &'static str {
    SPINNER[frame % SPINNER.len()]
}

/// `848 GiB`, `2.1 GiB`, `64 B`: one decimal below 10 units.
pub fn size(bytes: u64) -> String {
    let places = if bytes >= 1024 && !(10..1024).contains(&leading(bytes)) {
        1
    } else {
        0
    };
    format_size(bytes, BINARY.decimal_places(places))
}

/// The value of `bytes` in its own unit (the part before the unit).
fn leading(mut bytes: u64) -> u64 {
    while bytes >= 1024 {
        bytes /= 1024;
    }
    bytes
}

/// Seconds between two instants, 0 when `then` is in the future.
pub fn secs_between(then: SystemTime, now: SystemTime) -> u64 {
    now.duration_since(then).map_or(0, |d| d.as_secs())
}

/// `12 s`, `5 min`, `3 h`, `9 d`.
pub fn age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// Age of a Unix-seconds timestamp at `now`.
pub fn age_of_unix(mtime: i64, now: SystemTime) -> String {
    let now_secs = secs_between(std::time::UNIX_EPOCH, now);
    let then = u64::try_from(mtime).unwrap_or(0);
    age(now_secs.saturating_sub(then))
}

/// Unix seconds of an RFC 3339 UTC timestamp (`2026-11-26T13:00:00Z`, as the
/// walk writes them; fractions and offsets other than UTC are not expected).
pub fn unix_of_rfc3339(text: &str) -> Option<i64> {
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's `days_from_civil`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Age at `now` of an RFC 3339 timestamp, or `?` when it does not parse.
pub fn age_of_rfc3339(text: &str, now: SystemTime) -> String {
    unix_of_rfc3339(text).map_or_else(|| "?".to_owned(), |t| age_of_unix(t, now))
}

/// A bar of `width` cells filled to `part / whole` in eighths, the rest `░`.
pub fn bar(part: u64, whole: u64, width: usize) -> String {
    const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = if whole == 0 {
        0
    } else {
        let total = u128::from(width as u64) * 8;
        (u128::from(part.min(whole)) * total / u128::from(whole)) as usize
    };
    let (full, rest) = (eighths / 8, eighths % 8);
    let mut out = "█".repeat(full);
    out.push_str(EIGHTHS[rest]);
    let used = full + usize::from(rest > 0);
    out.push_str(&"░".repeat(width.saturating_sub(used)));
    out
}

/// `part` as a percentage of `whole`: `12%`, `3.4%`, `<0.1%`, `0%`.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".to_owned();
    }
    let p = part as f64 * 100.0 / whole as f64;
    match p {
        0.0 => "0%".to_owned(),
        p if p < 0.1 => "<0.1%".to_owned(),
        p if p < 10.0 => format!("{p:.1}%"),
        p => format!("{p:.0}%"),
    }
}

pub fn millis(ms: u64) -> String {
    if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

/// `text` cut to `width` characters, with `…` when cut.
pub fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// `text` cut to its last `width` characters, with `…` in front when cut: for
/// paths, whose end tells nodes apart.
pub fn cut_left(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::from('…');
    out.extend(text.chars().skip(len - (width - 1)));
    out
}

/// `line` cut to `width` columns, with `…` when cut; span styles are kept.
pub fn cut_line<'a>(line: Line<'a>, width: usize) -> Line<'a> {
    if line.width() <= width {
        return line;
    }
    let style = line.style;
    let mut left = width.saturating_sub(1);
    let mut spans: Vec<Span<'static>> = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let text: String = span.content.chars().take(left).collect();
        left -= text.chars().count();
        spans.push(Span::styled(text, span.style));
    }
    if width > 0 {
        spans.push(Span::raw("…"));
    }
    Line::from(spans).style(style)
}

/// Rows `[start, end)` of a list of `len` rows to show in `height` lines:
/// starts at `offset` (as `update` keeps it) but always keeps `selected` on
/// screen, whatever height `update` assumed.
pub fn window(selected: usize, offset: usize, len: usize, height: usize) -> (usize, usize) {
    if len == 0 || height == 0 {
        return (0, 0);
    }
    let selected = selected.min(len - 1);
    let mut start = offset.min(len - 1);
    if selected < start {
        start = selected;
    } else if selected >= start + height {
        start = selected + 1 - height;
    }
    // No blank lines at the bottom while rows above are hidden.
    start = start.min(len.saturating_sub(height));
    (start, (start + height).min(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_the_selection_visible() {
        assert_eq!(window(0, 0, 0, 10), (0, 0));
        assert_eq!(window(5, 0, 3, 10), (0, 3));
        assert_eq!(window(15, 0, 100, 10), (6, 16));
        assert_eq!(window(2, 50, 100, 10), (2, 12));
        assert_eq!(window(99, 95, 100, 10), (90, 100));
        assert_eq!(window(0, 0, 100, 0), (0, 0));
    }

    #[test]
    fn sizes_ages_and_cuts() {
        assert_eq!(size(64), "64 B");
        assert_eq!(size(848 << 30), "848 GiB");
        assert_eq!(size((3 << 30) + (1 << 29)), "3.5 GiB");
        assert_eq!(age(12), "12 s");
        assert_eq!(age(3 * 86_400 + 5), "3 d");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut_left("/a/b/cdef", 4), "…def");
        assert_eq!(cut_left("/a", 4), "/a");
        assert_eq!(cut_left("/abc", 0), "");
        assert_eq!(cut("abc", 4), "abc");
        assert_eq!(cut("abc", 0), "");
    }

    #[test]
    fn bars_percentages_and_timestamps() {
        assert_eq!(bar(0, 100, 4), "░░░░");
        assert_eq!(bar(100, 100, 4), "████");
        assert_eq!(bar(50, 100, 4), "██░░");
        assert_eq!(bar(1, 16, 2), "▏░");
        assert_eq!(bar(5, 0, 3), "░░░");
        assert_eq!(bar(500, 100, 2), "██");
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(34, 1000), "3.4%");
        assert_eq!(percent(1, 100_000), "<0.1%");
        assert_eq!(percent(0, 10), "0%");
        assert_eq!(percent(1, 0), "-");
        // The inverse of `report::time::rfc3339`, over dates on both sides of leap days.
        for secs in [
            0u64,
            951_782_400,
            1_709_164_800,
            1_800_000_000,
            4_102_444_799,
        ] {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            let text = crate::report::time::rfc3339(t);
            assert_eq!(unix_of_rfc3339(&text), Some(secs as i64), "{text}");
        }
        assert_eq!(unix_of_rfc3339("yesterday"), None);
        assert_eq!(unix_of_rfc3339("2026-13-01T00:00:00Z"), None);
    }
}
