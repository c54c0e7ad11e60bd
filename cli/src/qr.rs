//! QR codes drawn in a terminal with Unicode half blocks: two rows of modules per line of
//! text, so that a code stays about square and fits a normal window.

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code. The standard asks for 4; phone scanners read 2 well
/// and the code stays smaller.
const QUIET_ZONE: usize = 2;

/// White on black, whatever the terminal's own colours.
const ANSI_START: &str = "\x1b[97;40m";
const ANSI_END: &str = "\x1b[0m";

/// The lines that draw `data` as a QR code, light modules as filled half blocks (the
/// usual light-on-dark terminal). With `ansi`, each line also sets white on black, so
/// that a light terminal theme does not invert the code. `None` when `data` does not
/// fit in a QR code.
pub(crate) fn lines(data: &str, ansi: bool) -> Option<Vec<String>> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET_ZONE;
    let light = |x: usize, y: usize| {
        let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&x)
            && (QUIET_ZONE..QUIET_ZONE + width).contains(&y);
        !inside || colors[(y - QUIET_ZONE) * width + (x - QUIET_ZONE)] == Color::Light
    };
    let mut out = Vec::with_capacity(size.div_ceil(2));
    for y in (0..size).step_by(2) {
        let mut line = String::with_capacity(size * 3 + 16);
        if ansi {
            line.push_str(ANSI_START);
        }
        for x in 0..size {
            // Past the last row (an odd size), the quiet zone's light continues.
            let below = y + 1 >= size || light(x, y + 1);
            line.push(match (light(x, y), below) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        if ansi {
            line.push_str(ANSI_END);
        }
        out.push(line);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the modules back from the drawing.
    fn modules(lines: &[String]) -> Vec<Vec<bool>> {
        let mut rows = Vec::new();
        for line in lines {
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            for c in line.chars() {
                let (t, b) = match c {
                    '█' => (true, true),
                    '▀' => (true, false),
                    '▄' => (false, true),
                    ' ' => (false, false),
                    other => panic!("unexpected {other:?}"),
                };
                top.push(t);
                bottom.push(b);
            }
            rows.push(top);
            rows.push(bottom);
        }
        rows
    }

    #[test]
    fn the_drawing_holds_every_module_and_a_light_quiet_zone() {
        let data = "bankidse:///?token=0123456789abcdef&seq=1";
        let drawn = lines(data, false).unwrap();
        let code = QrCode::with_error_correction_level(data, EcLevel::L).unwrap();
        let width = code.width();
        let size = width + 2 * QUIET_ZONE;
        assert_eq!(drawn.len(), size.div_ceil(2));
        assert!(drawn.iter().all(|l| l.chars().count() == size));
        let rows = modules(&drawn);
        let colors = code.to_colors();
        for y in 0..size {
            for x in 0..size {
                let inside = (QUIET_ZONE..QUIET_ZONE + width).contains(&x)
                    && (QUIET_ZONE..QUIET_ZONE + width).contains(&y);
                let expected =
                    !inside || colors[(y - QUIET_ZONE) * width + (x - QUIET_ZONE)] == Color::Light;
                assert_eq!(rows[y][x], expected, "({x}, {y})");
            }
        }
        // The finder pattern's dark corner module.
        assert!(!rows[QUIET_ZONE][QUIET_ZONE]);
    }

    #[test]
    fn another_payload_draws_another_code_and_ansi_only_wraps_lines() {
        let a = lines("smartid:///?token=a&seq=1", false).unwrap();
        let b = lines("smartid:///?token=a&seq=2", false).unwrap();
        assert_ne!(a, b);
        let colored = lines("smartid:///?token=a&seq=1", true).unwrap();
        for (plain, colored) in a.iter().zip(&colored) {
            assert_eq!(colored, &format!("{ANSI_START}{plain}{ANSI_END}"));
        }
        assert!(lines(&"x".repeat(8_000), false).is_none());
    }
}
