//! Time helpers (Asia/Shanghai is UTC+8 without daylight saving): hall hours, working days, plausible instants.

use super::*;
/// The instant `secs` seconds after local midnight of `date`.
pub(crate) fn at_local(date: NaiveDate, secs: i64) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    Utc.from_utc_datetime(&midnight) + Duration::seconds(secs - 8 * 3600)
}

pub(crate) fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

pub(crate) fn local_secs(t: DateTime<Utc>) -> i64 {
    (t.timestamp() + 8 * 3600).rem_euclid(86_400)
}

/// (start minute, end minute, weight) segments of a day.
pub(crate) type Segments = &'static [(i64, i64, f64)];

/// Hall hours 08:30–11:30, 13:00–17:00, busiest mid-morning and mid-afternoon.
pub(crate) const HALL_HOURS: Segments = &[
    (510, 540, 0.6),
    (540, 600, 1.3),
    (600, 660, 1.3),
    (660, 690, 0.8),
    (780, 840, 0.8),
    (840, 900, 1.2),
    (900, 960, 1.1),
    (960, 1020, 0.7),
];
/// Saturday service 09:00–12:00.
pub(crate) const SATURDAY_HOURS: Segments = &[(540, 600, 1.0), (600, 660, 1.2), (660, 720, 0.8)];
/// Registrars enter forms in the afternoon.
pub(crate) const REGISTRAR_HOURS: Segments = &[(840, 900, 1.0), (900, 960, 1.2), (960, 1020, 0.8)];
/// Citizens on their phone or the hotline: 08:00–20:00.
pub(crate) const DAYTIME: Segments =
    &[(480, 540, 0.6), (540, 720, 1.2), (720, 780, 0.8), (780, 1020, 1.1), (1020, 1080, 0.8), (1080, 1200, 0.6)];
pub(crate) const DAY_BEGIN: i64 = 8 * 3600;
pub(crate) const DAY_END: i64 = 20 * 3600;

pub(crate) fn sample_secs(rng: &mut Rng, segments: Segments) -> i64 {
    let weights: Vec<f64> = segments.iter().map(|s| s.2 * (s.1 - s.0) as f64).collect();
    let (from, to, _) = segments[rng.weighted(&weights)];
    from * 60 + rng.range(0, (to - from) * 60 - 1)
}

pub(crate) fn next_workday(cal: &WorkCalendar, mut date: NaiveDate) -> NaiveDate {
    for _ in 0..40 {
        date = date.succ_opt().unwrap_or(date);
        if cal.is_workday(date) {
            break;
        }
    }
    date
}

/// The working day on which a registrar enters a form written on `date`: about `delay` days later, at most 7 days
/// later when a working day lies within that week (the first one after a long holiday otherwise).
pub(crate) fn registrar_day(cal: &WorkCalendar, date: NaiveDate, delay: i64) -> NaiveDate {
    let planned = date + Duration::days(delay);
    if cal.is_workday(planned) {
        return planned;
    }
    let next = next_workday(cal, planned);
    if (next - date).num_days() <= 7 {
        return next;
    }
    // Earlier in the same week, if the registrar worked then.
    (1..delay).rev().map(|d| date + Duration::days(d)).find(|d| cal.is_workday(*d)).unwrap_or(next)
}

/// An instant of a citizen's own choosing, `delay` (minutes, from..=to) after `base`, moved into the daytime
/// (08:00–20:00); most of what would fall on a rest day moves to the next working day.
pub(crate) fn daytime(cal: &WorkCalendar, rng: &mut Rng, base: DateTime<Utc>, delay: (i64, i64)) -> DateTime<Utc> {
    let t = base + Duration::minutes(rng.range(delay.0, delay.1));
    let mut date = local_date(t);
    let mut secs = local_secs(t);
    if secs < DAY_BEGIN {
        secs = DAY_BEGIN + rng.range(0, 7200);
    } else if secs >= DAY_END {
        date = date.succ_opt().unwrap_or(date);
        secs = DAY_BEGIN + rng.range(0, 3 * 3600);
    }
    if !cal.is_workday(date) && rng.chance(0.7) {
        date = next_workday(cal, date);
    }
    at_local(date, secs)
}
