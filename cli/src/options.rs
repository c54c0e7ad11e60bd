//! Options every command takes, and the option types and checks the command groups share.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;
use std::time::Duration;

use crate::failure::Failure;

/// The heading of the global options in every command's help.
const GLOBAL: &str = "Global options";

/// The global options: accepted before or after the subcommand.
#[derive(clap::Args, Debug, Default, PartialEq)]
pub(crate) struct Global {
    /// Print the JSON the API sent instead of text: as sent, except that secret fields
    /// (clientSecret, secret, tokens, codes, evidence, provenance) read "[redacted]"; or
    /// the JSON object a command's --help describes, where its output is no API body
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub(crate) json: bool,

    /// With --json, print secret fields as sent instead of "[redacted]" (a new secret,
    /// from create or rotate-secret, is always shown)
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub(crate) show_secrets: bool,

    /// API base URL [default: $HOPAE_BASE_URL, else the key's environment]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "URL")]
    pub(crate) base_url: Option<String>,

    /// Retries of a failed HTTP call [default: 2, at most 10]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "N", allow_negative_numbers = true, value_parser = count)]
    pub(crate) retries: Option<u32>,

    /// Deadline of one HTTP attempt, connect to last byte [default: 30s]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DURATION")]
    pub(crate) http_timeout: Option<DurationArg>,

    /// Also print the time taken, and an error's attempts and request id, on stderr;
    /// twice (-v -v) also traces every HTTP request and response (as HOPAE_DEBUG=http)
    #[arg(short, long, global = true, help_heading = GLOBAL, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Trust the root certificates of this PEM file instead of the built-in Mozilla
    /// roots, e.g. a TLS-inspecting proxy's [default: $SSL_CERT_FILE, $SSL_CERT_DIR]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "PEM")]
    pub(crate) ca_file: Option<std::path::PathBuf>,
}

use hopae::{MAX_RETRIES, MAX_SETTING as MAX_HTTP_TIMEOUT};

impl Global {
    /// Checks what clap cannot, naming the options as the user typed them (the library
    /// would name its own settings).
    pub(crate) fn check(&self) -> Result<(), Failure> {
        if let Some(n) = self.retries
            && n > MAX_RETRIES
        {
            return Err(Failure::usage(format!(
                "--retries must be at most {MAX_RETRIES}, got {n}"
            )));
        }
        if let Some(t) = &self.http_timeout {
            if t.value.is_zero() {
                return Err(Failure::usage(format!(
                    "--http-timeout must be greater than zero, got `{t}`"
                )));
            }
            if t.value > MAX_HTTP_TIMEOUT {
                return Err(Failure::usage(format!(
                    "--http-timeout must be at most 24h, got `{t}`"
                )));
            }
        }
        Ok(())
    }
}

/// A duration option's value, with the text the user typed for messages.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DurationArg {
    pub(crate) value: Duration,
    typed: String,
}

impl FromStr for DurationArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(DurationArg {
            value: parse_duration(s)?,
            typed: s.to_owned(),
        })
    }
}

impl fmt::Display for DurationArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.typed)
    }
}

/// Parses a duration: a whole number of seconds (`90`), or whole numbers each followed by
/// a unit, the units from largest to smallest and each at most once: `500ms`, `90s`,
/// `15m`, `1h`, `1m30s`, `1h5m`, `1h0m0s250ms`.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    const UNITS: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
    const EXAMPLES: &str = "like 500ms, 90s, 15m, 1h or 1m30s";
    if s.is_empty() {
        return Err(format!("expected a duration {EXAMPLES}, got nothing"));
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(1_000))
            .map(Duration::from_millis)
            .ok_or_else(|| "too large".to_owned());
    }
    let mut millis: u64 = 0;
    // Units still allowed: each part's unit must come after the previous part's.
    let mut allowed = &UNITS[..];
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("expected a duration {EXAMPLES}"));
        }
        let (number, after) = rest.split_at(digits);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(format!(
                "{number} needs a unit (ms, s, m or h); only a whole duration may be a bare number of seconds"
            ));
        }
        let Some(i) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!("unknown unit `{unit}`: use ms, s, m or h"));
        };
        let Some(j) = allowed.iter().position(|(u, _)| *u == unit) else {
            return Err(
                "units go from largest to smallest, each at most once (like 1h5m or 1m30s)".into(),
            );
        };
        let per = UNITS[i].1;
        allowed = &allowed[j + 1..];
        millis = number
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(per))
            .and_then(|part| millis.checked_add(part))
            .ok_or_else(|| "too large".to_owned())?;
        rest = after;
    }
    Ok(Duration::from_millis(millis))
}

/// Parses a count option's value (`--retries`, `--max-stamps`): a whole number.
pub(crate) fn count(s: &str) -> Result<u32, String> {
    s.parse()
        .map_err(|_| format!("expected a whole number from 0 to {}", u32::MAX))
}

/// The arguments of a command that takes only an app.
#[derive(clap::Args, Debug)]
pub(crate) struct AppArg {
    /// The app's client id
    pub(crate) app: String,
}

/// Checks a path parameter given as a positional argument, named as in the usage
/// (`<CLIENT_ID>`). The library refuses the same values, naming its own parameter.
pub(crate) fn check_id(name: &str, value: &str) -> Result<(), Failure> {
    if value.is_empty() {
        return Err(Failure::usage(format!("{name} must not be empty")));
    }
    if value == "." || value == ".." {
        return Err(Failure::usage(format!("{name} must not be `.` or `..`")));
    }
    Ok(())
}

/// Parses a whole number that may be large (`--offset`).
pub(crate) fn whole(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("expected a whole number from 0 to {}", u64::MAX))
}

/// The library's refusal of an argument, with the field named as the user typed it:
/// `table` maps the API's field names (`title`, `redirectUris`) to options (`--title`,
/// `--set`). A field with an index (`redirectUris[2]`) names the option's value
/// (`--set #3`). The library's checks are the only checks: the CLI never repeats a rule
/// or parses a message, it only renames the field ([`hopae::InputError::reason`]).
pub(crate) fn flagged(e: hopae::Error, table: &[(&str, &str)]) -> Failure {
    if let hopae::Error::InvalidInput(input) = &e
        && let Some(field) = input.field()
    {
        let (base, index) = match field.split_once('[') {
            Some((base, rest)) => (
                base,
                rest.split(']').next().and_then(|n| n.parse::<usize>().ok()),
            ),
            None => (field, None),
        };
        if let Some((_, option)) = table.iter().find(|(name, _)| *name == base) {
            let which = index.map_or(String::new(), |i| format!(" #{}", i + 1));
            return Failure::usage(format!("{option}{which} {}", input.reason()));
        }
    }
    e.into()
}

/// Checks `--idempotency-key` with the library's rule.
pub(crate) fn check_idempotency_key(key: &str) -> Result<(), Failure> {
    hopae::validate_idempotency_key(key)
        .map_err(|e| flagged(e, &[("Idempotency-Key", "--idempotency-key")]))
}

/// Checks redirect URIs given with `option` with the library's rules.
pub(crate) fn check_redirect_uris(option: &str, uris: &[String]) -> Result<(), Failure> {
    hopae::apps::AppUpdate::new()
        .redirect_uris(uris)
        .validate()
        .map_err(|e| flagged(e, &[("redirectUris", option)]))
}

/// An I/O error as the rest of a sentence: `no such file or directory (os error 2)`.
pub(crate) fn io_message(e: &io::Error) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match (chars.next(), chars.clone().next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => text,
    }
}

/// `1 MiB`, `10 MiB`, `512 bytes`.
pub(crate) fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads the file `path` (`-` for stdin), refusing more than `limit` bytes; errors name
/// it as `label` (`--file`, `file`) and the path as typed.
pub(crate) fn read_input(label: &str, path: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    let shown = crate::output::clean(path);
    let could_not = |e: io::Error| {
        Failure::usage(format!(
            "could not read {label} {shown}: {}",
            io_message(&e)
        ))
    };
    let mut bytes = Vec::new();
    if path == "-" {
        io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(could_not)?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
            .map_err(could_not)?;
    }
    if bytes.len() as u64 > limit {
        return Err(Failure::usage(format!(
            "{label} {shown} is larger than {}",
            size_text(limit)
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Result<Duration, String> {
        Ok(Duration::from_millis(n))
    }

    #[test]
    fn durations_parse_every_documented_form() {
        assert_eq!(parse_duration("500ms"), ms(500));
        assert_eq!(parse_duration("90s"), ms(90_000));
        assert_eq!(parse_duration("90"), ms(90_000));
        assert_eq!(parse_duration("15m"), ms(900_000));
        assert_eq!(parse_duration("1h"), ms(3_600_000));
        assert_eq!(parse_duration("1m30s"), ms(90_000));
        assert_eq!(parse_duration("1h5m"), ms(3_900_000));
        assert_eq!(parse_duration("1h0m0s250ms"), ms(3_600_250));
        assert_eq!(parse_duration("2s500ms"), ms(2_500));
        assert_eq!(parse_duration("0"), ms(0));
        assert_eq!(parse_duration("0s"), ms(0));
        assert_eq!(parse_duration("007m"), ms(420_000));
    }

    #[test]
    fn durations_reject_malformed_text_with_the_reason() {
        for (bad, reason) in [
            ("", "got nothing"),
            ("s", "expected a duration like 500ms, 90s, 15m, 1h or 1m30s"),
            ("soon", "expected a duration like"),
            ("-1", "expected a duration like"),
            ("1.5m", "unknown unit `.`"),
            ("1 m", "unknown unit ` m`"),
            ("10d", "unknown unit `d`: use ms, s, m or h"),
            ("1H", "unknown unit `H`"),
            ("1h30", "30 needs a unit (ms, s, m or h)"),
            ("1m1h", "units go from largest to smallest"),
            ("1s1s", "units go from largest to smallest"),
            ("1ms1s", "units go from largest to smallest"),
            ("99999999999999999999", "too large"),
            ("18446744073709551615h", "too large"),
            ("5124095576030431h", "too large"),
            ("18446744073709551s18446744073709551ms", "too large"),
        ] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(err.contains(reason), "{bad:?}: {err}");
        }
    }

    #[test]
    fn counts_are_whole_numbers() {
        assert_eq!(count("0"), Ok(0));
        assert_eq!(count("10"), Ok(10));
        for bad in ["", "-1", "1.5", "x", "4294967296"] {
            assert_eq!(
                count(bad),
                Err("expected a whole number from 0 to 4294967295".into()),
                "{bad}"
            );
        }
    }

    #[test]
    fn duration_arg_displays_as_typed() {
        let d: DurationArg = "1m30s".parse().unwrap();
        assert_eq!(d.value, Duration::from_secs(90));
        assert_eq!(d.to_string(), "1m30s");
    }

    #[test]
    fn global_check_names_the_options_as_typed() {
        let retries = Global {
            retries: Some(11),
            ..Global::default()
        };
        assert_eq!(
            retries.check().unwrap_err().message,
            "--retries must be at most 10, got 11"
        );
        for (typed, message) in [
            ("0ms", "--http-timeout must be greater than zero, got `0ms`"),
            ("24h1ms", "--http-timeout must be at most 24h, got `24h1ms`"),
        ] {
            let g = Global {
                http_timeout: Some(typed.parse().unwrap()),
                ..Global::default()
            };
            let f = g.check().unwrap_err();
            assert_eq!((f.code, f.message.as_str()), (2, message));
        }
        let ok = Global {
            retries: Some(10),
            http_timeout: Some("24h".parse().unwrap()),
            ..Global::default()
        };
        assert_eq!(ok.check(), Ok(()));
    }

    #[test]
    fn redirect_uris_are_checked_naming_the_option() {
        let uris = |v: &[&str]| v.iter().map(|u| (*u).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            check_redirect_uris("--set", &uris(&["https://a/cb"])),
            Ok(())
        );
        for (bad, message) in [
            (uris(&[""]), "--set #1 must not be empty".to_owned()),
            (
                uris(&["https://a/cb#x"]),
                "--set #1 must not have a fragment (`#...`)".to_owned(),
            ),
            (
                vec![format!("https://a/{}", "x".repeat(2040))],
                "--set #1 has 2050 characters, at most 2048 are allowed".to_owned(),
            ),
            (
                vec!["https://a/cb".to_owned(); 21],
                "--set has 21 URIs, at most 20 are allowed".to_owned(),
            ),
        ] {
            let f = check_redirect_uris("--set", &bad).unwrap_err();
            assert_eq!((f.code, f.message), (2, message));
        }
    }

    #[test]
    fn read_input_names_the_option_and_the_file() {
        let dir = std::env::temp_dir().join(format!("hopae-cli-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wf.json");
        std::fs::write(&file, b"12345").unwrap();
        let path = file.to_str().unwrap();
        assert_eq!(read_input("--file", path, 5).unwrap(), b"12345");
        let f = read_input("--file", path, 4).unwrap_err();
        assert_eq!(
            (f.code, f.message),
            (2, format!("--file {path} is larger than 4 bytes"))
        );
        let missing = dir.join("nope.json");
        let f = read_input("--file", missing.to_str().unwrap(), 5).unwrap_err();
        assert!(
            f.message.starts_with(&format!(
                "could not read --file {}: no such file",
                missing.display()
            )),
            "{}",
            f.message
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(size_text(1024 * 1024), "1 MiB");
        assert_eq!(size_text(1000), "1000 bytes");
    }

    #[test]
    fn ids_must_be_one_path_segment() {
        assert_eq!(
            check_id("<CLIENT_ID>", "").unwrap_err().message,
            "<CLIENT_ID> must not be empty"
        );
        assert_eq!(
            check_id("<REQUEST_ID>", "..").unwrap_err().message,
            "<REQUEST_ID> must not be `.` or `..`"
        );
        assert_eq!(check_id("<CLIENT_ID>", "FK5b0KSM"), Ok(()));
    }
}
