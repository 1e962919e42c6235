//! The two pictures of report.html, as inline SVG written with maud (no script, no fonts, no
//! network; every label escaped like the rest of the page): how long the answers took, and
//! the requirements of each endpoint by verdict. Each bar carries a `<title>` with its exact
//! figure, which a browser shows on hover and a reader of the source can check; the tables
//! of the report hold the same numbers in words.

use std::collections::BTreeMap;

use maud::{Markup, html};

use crate::runner::results::Verdict;

use super::model::ResultsDoc;

/// Upper bounds of the answer-time bins, in microseconds: 1-2-5 steps from 0.1 ms to 10 s;
/// anything slower falls in a last, open bin.
const TIME_BINS_US: [u64; 16] = [
    100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000,
    1_000_000, 2_000_000, 5_000_000, 10_000_000,
];

fn bound(us: u64) -> String {
    if us >= 1_000_000 {
        format!("{} s", us / 1_000_000)
    } else if us >= 1_000 {
        format!("{} ms", us / 1_000)
    } else {
        format!("{} ms", us as f64 / 1_000.0)
    }
}

/// One bin of the answer-time histogram: its label and how many answers fell in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeBin {
    pub label: String,
    pub count: usize,
}

/// The answered exchanges binned by duration, from the first bin holding one to the last
/// (empty bins between them kept, so the shape is true).
pub fn time_bins(durations_us: impl IntoIterator<Item = u64>) -> Vec<TimeBin> {
    weighted_time_bins(durations_us.into_iter().map(|d| (d, 1)))
}

/// [`time_bins`] of (duration, how many answers took it) pairs: a run's histogram.
pub fn weighted_time_bins(durations_us: impl IntoIterator<Item = (u64, u64)>) -> Vec<TimeBin> {
    let mut counts = [0usize; TIME_BINS_US.len() + 1];
    for (d, n) in durations_us {
        let i = TIME_BINS_US
            .iter()
            .position(|&b| d < b)
            .unwrap_or(TIME_BINS_US.len());
        counts[i] += usize::try_from(n).unwrap_or(usize::MAX);
    }
    let (Some(first), Some(last)) = (
        counts.iter().position(|&c| c > 0),
        counts.iter().rposition(|&c| c > 0),
    ) else {
        return Vec::new();
    };
    (first..=last)
        .map(|i| TimeBin {
            label: match i {
                0 => format!("< {}", bound(TIME_BINS_US[0])),
                i if i == TIME_BINS_US.len() => format!("≥ {}", bound(TIME_BINS_US[i - 1])),
                i => format!("{}–{}", bound(TIME_BINS_US[i - 1]), bound(TIME_BINS_US[i])),
            },
            count: counts[i],
        })
        .collect()
}

/// Histogram of answer times: one bar per bin, its height proportional to its count.
pub fn answer_times(doc: &ResultsDoc) -> Markup {
    let bins = weighted_time_bins(doc.durations.iter());
    if bins.is_empty() {
        return html! { p class="small" { "No answers, so no answer times." } };
    }
    let total: usize = bins.iter().map(|b| b.count).sum();
    let max = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1);
    let (bar, gap, plot_h, top, label_h) = (26usize, 4usize, 110usize, 14usize, 62usize);
    // Room on the left for the first label, which slants down and away from its bar.
    let left = 56usize;
    let width = left + bins.len() * (bar + gap) + gap;
    let height = top + plot_h + label_h;
    html! {
        figure class="chart" {
            svg role="img" class="chart"
                width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
                aria-label={ "Answer times of " (total) " answered exchanges" } {
                title { "Answer times of " (total) " answered exchanges" }
                line x1=(left) y1=(top + plot_h) x2=(width) y2=(top + plot_h) stroke="#98a2b3" {}
                @for (i, b) in bins.iter().enumerate() {
                    @let h = if b.count == 0 { 0 } else { (b.count * plot_h).div_ceil(max).max(1) };
                    @let x = left + gap + i * (bar + gap);
                    g class="bin" {
                        title { (b.label) ": " (b.count) " exchanges" }
                        rect x=(x) y=(top + plot_h - h) width=(bar) height=(h) fill="#1849a9" {}
                        @if b.count > 0 {
                            text x=(x + bar / 2) y=(top + plot_h - h - 3) text-anchor="middle"
                                font-size="9" fill="#101828" { (b.count) }
                        }
                        text x=(x + bar / 2) y=(top + plot_h + 10) font-size="8.5" fill="#475467"
                            text-anchor="end"
                            transform={ "rotate(-45 " (x + bar / 2) " " (top + plot_h + 10) ")" } {
                            (b.label)
                        }
                    }
                }
            }
            figcaption class="small" { "Answer times (" (total) " answered exchanges)" }
        }
    }
}

/// Requirements of one endpoint by verdict (`*` requirements under "every endpoint").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    pub passed: usize,
    pub failed: usize,
    pub not_verified: usize,
}

impl VerdictCounts {
    fn total(&self) -> usize {
        self.passed + self.failed + self.not_verified
    }
}

pub fn requirements_by_endpoint(doc: &ResultsDoc) -> BTreeMap<String, VerdictCounts> {
    let mut out: BTreeMap<String, VerdictCounts> = BTreeMap::new();
    for r in &doc.requirements {
        let key = if r.endpoint == "*" {
            "every endpoint".to_owned()
        } else {
            r.endpoint.clone()
        };
        let c = out.entry(key).or_default();
        match r.verdict {
            Verdict::Passed => c.passed += 1,
            Verdict::Failed => c.failed += 1,
            Verdict::NotVerified => c.not_verified += 1,
        }
    }
    out
}

/// One stacked bar per endpoint: passed, failed and not verified requirements, each segment
/// as wide as its count.
pub fn requirement_verdicts(doc: &ResultsDoc) -> Markup {
    let rows = requirements_by_endpoint(doc);
    if rows.is_empty() {
        return html! {};
    }
    let max = rows
        .values()
        .map(VerdictCounts::total)
        .max()
        .unwrap_or(1)
        .max(1);
    let (label_w, plot_w, row_h, bar_h, legend_h) = (130usize, 260usize, 20usize, 14usize, 18usize);
    let width = label_w + plot_w + 40;
    let height = legend_h + rows.len() * row_h + 4;
    // Each segment's start and width, laid out left to right.
    let segments = |c: &VerdictCounts| {
        let mut x = label_w;
        let mut out = Vec::new();
        for (what, n, colour) in [
            ("passed", c.passed, "#067647"),
            ("failed", c.failed, "#b42318"),
            ("not verified", c.not_verified, "#98a2b3"),
        ] {
            if n > 0 {
                let w = (n * plot_w).div_ceil(max).max(1);
                out.push((what, n, colour, x, w));
                x += w;
            }
        }
        (out, x)
    };
    html! {
        figure class="chart" {
            svg role="img" class="chart"
                width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
                aria-label="Requirements per endpoint by verdict" {
                title { "Requirements per endpoint by verdict" }
                @for (i, (name, colour)) in [("passed", "#067647"), ("failed", "#b42318"), ("not verified", "#98a2b3")].iter().enumerate() {
                    rect x=(label_w + i * 90) y="3" width="10" height="10" fill=(colour) {}
                    text x=(label_w + i * 90 + 14) y="12" font-size="10" fill="#475467" { (name) }
                }
                @for (row, (endpoint, c)) in rows.iter().enumerate() {
                    @let y = legend_h + row * row_h;
                    g class="endpoint" {
                        title {
                            (endpoint) ": " (c.passed) " passed, " (c.failed) " failed, "
                            (c.not_verified) " not verified"
                        }
                        text x=(label_w - 6) y=(y + bar_h - 3) text-anchor="end" font-size="10"
                            fill="#101828" { (endpoint) }
                        @let (parts, end) = segments(c);
                        @for (what, n, colour, x, w) in parts {
                            rect x=(x) y=(y) width=(w) height=(bar_h) fill=(colour) {
                                title { (endpoint) ": " (n) " " (what) }
                            }
                        }
                        text x=(end + 4) y=(y + bar_h - 3) font-size="10" fill="#475467" { (c.total()) }
                    }
                }
            }
            figcaption class="small" { "Requirements per endpoint by verdict" }
        }
    }
}

/// Both pictures, side by side on screen, as one section.
pub fn section(doc: &ResultsDoc) -> Markup {
    html! {
        section id="pictures" class="cols charts" {
            (answer_times(doc))
            (requirement_verdicts(doc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_fall_in_their_bins_and_empty_ends_are_dropped() {
        let bins = time_bins([150, 180, 1_500, 12_000_000]);
        assert_eq!(bins.first().unwrap().label, "0.1 ms–0.2 ms");
        assert_eq!(bins.first().unwrap().count, 2);
        assert_eq!(bins.last().unwrap().label, "≥ 10 s");
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 4);
        assert!(time_bins([]).is_empty());
    }
}
