//! Retry policy: which failures are retried, how long to wait, and idempotency keys.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// The statuses a call is retried on (409 only with `IDEMPOTENCY_REQUEST_IN_PROGRESS`).
pub(crate) fn is_retryable_status(status: u16, code: Option<&str>) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
        || (status == 409 && code == Some("IDEMPOTENCY_REQUEST_IN_PROGRESS"))
}

/// The backoff before retry number `retry` (1 for the first retry): exponential from
/// `initial`, capped at `max`, with "equal jitter" (a uniform draw from the upper half),
/// so that many clients failing together do not retry together.
pub(crate) fn backoff(retry: u32, initial: Duration, max: Duration) -> Duration {
    let exp = initial
        .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
        .min(max);
    let half = exp / 2;
    let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    let jitter = if jitter_nanos == 0 {
        0
    } else {
        random_u64() % jitter_nanos.saturating_add(1)
    };
    half.saturating_add(Duration::from_nanos(jitter))
}

/// Parses `Retry-After`: delta-seconds or an HTTP-date in any of the three formats RFC
/// 9110 makes recipients accept (IMF-fixdate `Wed, 21 Oct 2015 07:28:00 GMT`, RFC 850
/// `Wednesday, 21-Oct-15 07:28:00 GMT`, asctime `Wed Oct 21 07:28:00 2015`). A date in
/// the past means "now". `None` for a value that is none of these.
pub(crate) fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // A huge number saturates: it is certainly longer than any allowed wait.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let when = parse_http_date(value, now)?;
    let wait = when - now;
    Some(if wait.is_negative() {
        Duration::ZERO
    } else {
        wait.unsigned_abs()
    })
}

fn parse_http_date(value: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(value, &Rfc2822) {
        return Some(t);
    }
    let fields: Vec<&str> = value.split_ascii_whitespace().collect();
    let (day, month, year, clock) = match fields.as_slice() {
        // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
        [_, date, clock, "GMT"] => {
            let mut parts = date.split('-');
            let (day, month, yy) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() || yy.len() != 2 {
                return None;
            }
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            let mut year = now.year() - now.year().rem_euclid(100) + yy.parse::<i32>().ok()?;
            if year > now.year() + 50 {
                year -= 100;
            }
            (day, month, year, *clock)
        }
        // asctime: `Sun Nov  6 08:49:37 1994`.
        [_, month, day, clock, year] => (*day, *month, year.parse().ok()?, *clock),
        _ => return None,
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u8 + 1;
    let mut hms = clock.split(':').map(|n| n.parse::<u8>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() {
        return None;
    }
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day.parse().ok()?)
            .ok()?;
    Some(date.with_hms(h, m, s).ok()?.assume_utc())
}

/// A fresh idempotency key, unique without a random-number crate: a process-wide counter
/// makes keys unique within the process, and two randomly seeded SipHash states (std seeds
/// `RandomState` from the OS) mixed with the clock and pid make them unique across
/// processes. 44 characters: `hopae-` and 38 hex digits.
pub(crate) fn idempotency_key() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = random_u64();
    let b = random_u64();
    format!("hopae-{a:016x}{b:016x}{:06x}", n & 0xff_ffff)
}

/// A fresh multipart boundary: `hopae-` and 32 random hex digits (38 characters, well
/// within RFC 2046's 70, and only characters that need no quoting). The caller still
/// checks that it occurs in no part.
pub(crate) fn multipart_boundary() -> String {
    format!("hopae-{:016x}{:016x}", random_u64(), random_u64())
}

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    static SEQ: AtomicU64 = AtomicU64::new(0);
    h.write_u64(SEQ.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s, None), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422, 501, 301] {
            assert!(!is_retryable_status(s, None), "{s}");
        }
        assert!(is_retryable_status(
            409,
            Some("IDEMPOTENCY_REQUEST_IN_PROGRESS")
        ));
        assert!(!is_retryable_status(409, Some("IDEMPOTENCY_KEY_CONFLICT")));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let initial = Duration::from_millis(500);
        let max = Duration::from_secs(8);
        for _ in 0..50 {
            let b1 = backoff(1, initial, max);
            assert!(b1 >= Duration::from_millis(250) && b1 <= initial, "{b1:?}");
            let b3 = backoff(3, initial, max);
            assert!(b3 >= Duration::from_secs(1) && b3 <= Duration::from_secs(2));
            let b30 = backoff(30, initial, max);
            assert!(b30 >= Duration::from_secs(4) && b30 <= max, "{b30:?}");
        }
        assert_eq!(backoff(1, Duration::ZERO, max), Duration::ZERO);
        // Extreme settings saturate instead of overflowing.
        assert!(backoff(40, Duration::MAX, Duration::MAX) >= Duration::MAX / 2);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = OffsetDateTime::from_unix_timestamp(1_445_412_470).unwrap(); // 07:27:50
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:00 2015", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed Oct  1 07:28:00 2015", now),
            Some(Duration::ZERO)
        );
        for bad in [
            "Wednesday, 21-Oct-2015 07:28:00 GMT",
            "Wednesday, 21-Foo-15 07:28:00 GMT",
            "Wed Oct 32 07:28:00 2015",
            "Wed Oct 21 07:28 2015",
            "Wed Oct 21 07:28:00:00 2015",
            "Wed Oct 21 25:28:00 2015",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn rfc850_two_digit_years_are_read_within_50_years_ahead() {
        let now = OffsetDateTime::from_unix_timestamp(1_798_761_600).unwrap(); // 2027-01-01
        let year = |v: &str| parse_http_date(v, now).map(|t| t.year());
        assert_eq!(year("Friday, 01-Jan-27 00:00:00 GMT"), Some(2027));
        assert_eq!(year("Friday, 01-Jan-77 00:00:00 GMT"), Some(2077));
        assert_eq!(year("Friday, 01-Jan-78 00:00:00 GMT"), Some(1978));
        assert_eq!(year("Friday, 01-Jan-94 00:00:00 GMT"), Some(1994));
    }

    #[test]
    fn multipart_boundaries_are_unique_and_token_safe() {
        let all: HashSet<String> = (0..1000).map(|_| multipart_boundary()).collect();
        assert_eq!(all.len(), 1000);
        for b in all.iter().take(10) {
            assert_eq!(b.len(), 38);
            assert!(b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
        }
    }

    #[test]
    fn idempotency_keys_are_unique_and_header_safe() {
        let keys: HashSet<String> = (0..10_000).map(|_| idempotency_key()).collect();
        assert_eq!(keys.len(), 10_000);
        for k in keys.iter().take(10) {
            assert_eq!(k.len(), 44);
            assert!(k.bytes().all(|b| b.is_ascii_graphic()));
        }
    }
}
