//! Every period side by side: per organisation and capability, the volume band of each
//! published period (the highest among its services, regions and units), what is new in the
//! latest period and what stopped, as a table, a chart with a text equivalent, and a list of
//! the latest changes for the overview.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::html::{esc, name};
use super::model::{Model, Shared};

/// Volume per organisation, capability and period: (band level, label). The names are the
/// model's shared texts and each label is made once (ten thousand organisations over eight
/// quarters held 400,000 of each as strings of their own).
type Volumes = BTreeMap<Shared, ByCapability>;

/// One organisation's volumes: per capability and period, (band level, label).
type ByCapability = BTreeMap<Shared, ByPeriod>;

/// One organisation's volumes of one capability: (band level, label) for each published period
/// (in [`Timeline::periods`]' order), `None` where it used none. A slot per period, not a map:
/// ten thousand organisations' capabilities over eight quarters held as maps took 38 MB, the
/// site's peak.
struct ByPeriod(Box<[Option<(i32, Shared)>]>);

impl ByPeriod {
    /// The volume in the `i`th published period.
    fn at(&self, i: usize) -> Option<&(i32, Shared)> {
        self.0.get(i)?.as_ref()
    }
}

/// The usage of every organisation over the published periods.
pub(crate) struct Timeline {
    /// Published periods, oldest first.
    pub periods: Vec<String>,
    volumes: Volumes,
}

/// An organisation in a capability's "Over time" table, with its volumes of it.
pub(crate) struct OverTimeRow<'a> {
    org: &'a super::model::OrgView,
    by_period: &'a ByPeriod,
}

/// What changed for one organisation from the period before the latest to the latest.
pub(crate) struct Change {
    /// The period before.
    pub before: String,
    /// The latest period.
    pub latest: String,
    /// Capabilities used in the latest period and not the one before.
    pub new: Vec<String>,
    /// Capabilities used the period before and not in the latest.
    pub stopped: Vec<String>,
}

/// The order of a volume band (`0` < `under 1` < `1–9` < `10–99` < …), or of an exact quantity.
pub(crate) fn band_level(band: Option<&str>, quantity: Option<f64>) -> i32 {
    match (band, quantity) {
        (Some("0"), _) => -1,
        (Some(b), _) if b.starts_with("under") => 0,
        (Some(b), _) => b.split(['–', '-', '+', ' ']).next().map_or(0, |low| low.replace(',', "").len() as i32),
        (None, Some(q)) if q >= 1.0 => (q.log10().floor() as i32).saturating_add(1),
        (None, Some(q)) if q > 0.0 => 0,
        _ => -1,
    }
}

/// A coordinate as `{:.1}` writes it. Formatting a float to a fixed precision finds its exact
/// decimal expansion (a fifth of rendering an organisation's page went to the chart's
/// coordinates); a value within far less than a float's error of a whole number of tenths is
/// written from that number, which is what `{:.1}` writes for it. Any other value (near a tie,
/// negative, huge, not a number) is written by `{:.1}` itself.
struct Tenths(f64);

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = self.0 * 10.0;
        let whole = tenths.round();
        // Below 2^50 a float's error in `tenths` is under 1/8: with `whole` within 1/1000 of
        // it, the exact value is nearer `whole` than any tie.
        if self.0.is_sign_positive() && whole < 1e15 && (tenths - whole).abs() < 1e-3 {
            let n = whole as u64;
            write!(f, "{}.{}", n / 10, n % 10)
        } else {
            write!(f, "{:.1}", self.0)
        }
    }
}

impl Timeline {
    /// From the model's current usage rows and published periods.
    pub fn build(m: &Model) -> Timeline {
        let periods: Vec<String> = m.periods.keys().cloned().collect();
        let mut volumes: Volumes = BTreeMap::new();
        let mut labels: std::collections::HashMap<String, Shared> = std::collections::HashMap::new();
        // A record's rows together (they share what they say of it): its organisation found once.
        for record in m.usage.chunk_by(|a, b| std::sync::Arc::ptr_eq(&a.of, &b.of)) {
            let Some(first) = record.first() else { continue };
            let caps = volumes.entry(first.of.organisation.clone()).or_default();
            // A row of a period with no summary is in no column (its capability is a row).
            let column = periods.binary_search_by(|p| p.as_str().cmp(&first.of.period)).ok();
            for u in record {
                let level = band_level(u.what.volume_band.as_deref(), u.quantity);
                let by_period = caps
                    .entry(u.what.capability.clone())
                    .or_insert_with(|| ByPeriod(vec![None; periods.len()].into_boxed_slice()));
                let Some(slot) = column.and_then(|i| by_period.0.get_mut(i)) else { continue };
                if slot.as_ref().is_none_or(|(was, _)| level > *was) {
                    let label = format!("{} {}", u.volume(), u.what.unit);
                    let label = labels.entry(label).or_insert_with_key(|l| l.as_str().into()).clone();
                    *slot = Some((level, label));
                }
            }
        }
        Timeline { periods, volumes }
    }

    fn capabilities_in(&self, org: &str, period: &str) -> BTreeSet<String> {
        let Some(i) = self.periods.iter().position(|p| p == period) else { return BTreeSet::new() };
        self.volumes
            .get(org)
            .map(|caps| caps.iter().filter(|(_, p)| p.at(i).is_some()).map(|(c, _)| c.to_string()).collect())
            .unwrap_or_default()
    }

    /// The change from the period before the latest to the latest, when two were published.
    pub fn change(&self, org: &str) -> Option<Change> {
        let [.., before, latest] = self.periods.as_slice() else { return None };
        let (was, is) = (self.capabilities_in(org, before), self.capabilities_in(org, latest));
        Some(Change {
            before: before.clone(),
            latest: latest.clone(),
            new: is.difference(&was).cloned().collect(),
            stopped: was.difference(&is).cloned().collect(),
        })
    }

    /// The organisation's section: periods side by side, a chart, and the latest changes.
    pub fn org_section(&self, org: &str, cap_name: &dyn Fn(&str) -> String) -> String {
        let Some(caps) = self.volumes.get(org) else { return String::new() };
        let mut out = String::from("<h2>Over time</h2>\n<table>\n<thead><tr><th scope=\"col\">Capability</th>");
        for p in &self.periods {
            let _ = write!(out, "<th scope=\"col\">{}</th>", esc(p));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (cap, by_period) in caps {
            let _ = write!(out, "<tr><th scope=\"row\">{}</th>", esc(&cap_name(cap)));
            for i in 0..self.periods.len() {
                let cell = by_period.at(i).map_or_else(|| "—".to_string(), |(_, label)| esc(label));
                let _ = write!(out, "<td>{cell}</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out.push_str(&self.chart(org, caps, cap_name));
        if let Some(c) = self.change(org) {
            let list = |v: &[String]| {
                if v.is_empty() {
                    "nothing".to_string()
                } else {
                    v.iter().map(|c| esc(&cap_name(c))).collect::<Vec<_>>().join(", ")
                }
            };
            let _ = writeln!(
                out,
                "<p class=\"changes\">{} compared with {}: <strong>new</strong>: {}; <strong>stopped</strong>: {}.</p>",
                esc(&c.latest),
                esc(&c.before),
                list(&c.new),
                list(&c.stopped)
            );
        }
        out
    }

    /// A line chart of the volume band per capability over the periods: axes with their titles
    /// and the bands at each step, a legend naming each line, each point's value on hover (its
    /// own title), and the chart's title and description saying every value in words (the
    /// table above says them too).
    fn chart(&self, org: &str, caps: &ByCapability, cap_name: &dyn Fn(&str) -> String) -> String {
        let (w, left, top, plot_h) = (720.0, 170.0, 30.0, 200.0);
        let legend_rows = caps.len().div_ceil(2).max(1) as f64;
        let h = top + plot_h + 50.0 + 20.0 * legend_rows;
        let n = self.periods.len().max(1);
        let x = |i: usize| left + 20.0 + (w - left - 60.0) * if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
        let y = |level: i32| top + plot_h - 20.0 * f64::from(level.clamp(-1, 9) + 1);
        let colours = ["#2f5d8a", "#c76b00", "#2e7d32", "#8a2f5d", "#5d8a2f", "#6b00c7", "#7d2e32", "#00897b"];
        let mut desc = Vec::new();
        let mut lines = String::new();
        let mut legend = String::new();
        // The bands shown, each at its level: the y axis's ticks.
        let mut ticks: BTreeMap<i32, Shared> = BTreeMap::new();
        for (k, (cap, by_period)) in caps.iter().enumerate() {
            let colour = colours[k % colours.len()];
            // The capability's name as shown, made once (every point and the legend show it).
            let shown = esc(&cap_name(cap));
            let mut points = String::new();
            let mut dots = String::new();
            for (i, p) in self.periods.iter().enumerate() {
                let Some((level, label)) = by_period.at(i) else { continue };
                ticks.entry(*level).or_insert_with(|| label.clone());
                let (px, py) = (Tenths(x(i)), Tenths(y(*level)));
                if !points.is_empty() {
                    points.push(' ');
                }
                let _ = write!(points, "{px},{py}");
                let _ = writeln!(
                    dots,
                    "<circle cx=\"{px}\" cy=\"{py}\" r=\"4\" fill=\"{colour}\"><title>{shown}, {}: {}</title></circle>",
                    esc(p),
                    esc(label)
                );
            }
            let said: Vec<String> = self
                .periods
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{p} {}", by_period.at(i).map_or("none", |(_, label)| &**label)))
                .collect();
            desc.push(format!("{}: {}", cap_name(cap), said.join(", ")));
            let _ = writeln!(
                lines,
                "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>\n{dots}"
            );
            let (lx, ly) = (left + 20.0 + 260.0 * (k % 2) as f64, top + plot_h + 50.0 + 20.0 * (k / 2) as f64);
            let _ = writeln!(
                legend,
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-width=\"3\"/>\
                 <text x=\"{}\" y=\"{}\">{shown}</text>",
                Tenths(lx),
                Tenths(ly),
                Tenths(lx + 24.0),
                Tenths(ly),
                Tenths(lx + 30.0),
                Tenths(ly + 4.0),
            );
        }
        let mut axes = format!(
            "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{b}\" stroke=\"#555\"/>\
             <line x1=\"{left}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#555\"/>\n\
             <text x=\"12\" y=\"{mid}\" transform=\"rotate(-90 12 {mid})\" text-anchor=\"middle\">Volume band</text>\n\
             <text x=\"{cx}\" y=\"{xt}\" text-anchor=\"middle\">Period</text>\n",
            b = Tenths(top + plot_h),
            r = Tenths(w - 20.0),
            mid = Tenths(top + plot_h / 2.0),
            cx = Tenths(left + (w - left) / 2.0),
            xt = Tenths(top + plot_h + 36.0),
        );
        for (level, label) in &ticks {
            let _ = writeln!(
                axes,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                Tenths(left - 6.0),
                Tenths(y(*level) + 4.0),
                esc(label)
            );
        }
        for (i, p) in self.periods.iter().enumerate() {
            let _ = writeln!(
                axes,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                Tenths(x(i)),
                Tenths(top + plot_h + 18.0),
                esc(p)
            );
        }
        let id = "timeline";
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
             aria-labelledby=\"{id}-t {id}-d\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <title id=\"{id}-t\">Volume band per capability and period: {}</title>\n<desc id=\"{id}-d\">{}</desc>\n\
             <rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n{axes}{lines}{legend}</svg>\n",
            esc(org),
            esc(&desc.join("; ")),
        )
    }

    /// The organisations in capability `cap`'s "Over time" table: each that used it, in the
    /// model's order. None with fewer than two periods.
    pub fn capability_users<'a>(&'a self, m: &'a Model, cap: &str) -> Vec<OverTimeRow<'a>> {
        if self.periods.len() < 2 {
            return Vec::new();
        }
        (m.organisations.values())
            .filter_map(|o| {
                let by_period = self.volumes.get(o.name.as_str()).and_then(|c| c.get(cap))?;
                Some(OverTimeRow { org: o, by_period })
            })
            .collect()
    }

    /// The rows of an "Over time" table (a page of [`Timeline::capability_users`]): each
    /// organisation's volume per period, linked from a page `root` away from the site's root.
    pub fn capability_rows(&self, users: &[OverTimeRow<'_>], root: &str) -> Vec<String> {
        (users.iter())
            .map(|u| {
                let mut row = format!(
                    "<tr><th scope=\"row\"><a href=\"{root}org/{}.html\">{}</a></th>",
                    u.org.slug,
                    name(&u.org.name)
                );
                for i in 0..self.periods.len() {
                    let cell = u.by_period.at(i).map_or_else(|| "—".to_string(), |(_, label)| esc(label));
                    let _ = write!(row, "<td>{cell}</td>");
                }
                row.push_str("</tr>\n");
                row
            })
            .collect()
    }

    /// The "Over time" table of `rows` (a page of `capability_rows`), under its heading.
    pub fn capability_table(&self, rows: &[String]) -> String {
        if rows.is_empty() {
            return String::new();
        }
        let mut out = String::from("<h2>Over time</h2>\n<table>\n<thead><tr><th scope=\"col\">Organisation</th>");
        for p in &self.periods {
            let _ = write!(out, "<th scope=\"col\">{}</th>", esc(p));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        out.extend(rows.iter().map(String::as_str));
        out.push_str("</tbody>\n</table>\n");
        out
    }

    /// The overview's list of what changed in the latest period, organisations with a change first.
    pub fn overview_changes(&self, m: &Model) -> String {
        let mut items = Vec::new();
        let mut latest = None;
        for o in m.organisations.values() {
            let Some(c) = self.change(&o.name) else { return String::new() };
            latest = Some((c.before.clone(), c.latest.clone()));
            if c.new.is_empty() && c.stopped.is_empty() {
                continue;
            }
            items.push(format!(
                "<li><a href=\"org/{}.html\">{}</a>: new {}; stopped {}</li>",
                o.slug,
                name(&o.name),
                if c.new.is_empty() { "nothing".into() } else { esc(&c.new.join(", ")) },
                if c.stopped.is_empty() { "nothing".into() } else { esc(&c.stopped.join(", ")) },
            ));
        }
        let Some((before, latest)) = latest else { return String::new() };
        // At a large provider's scale the list is long: the first ones here, each page has its own.
        let more = items.len().saturating_sub(super::listing::PAGE_ROWS);
        items.truncate(super::listing::PAGE_ROWS);
        if more > 0 {
            items.push(format!("<li>and {more} more: see each organisation's page, or search</li>"));
        }
        format!(
            "<section id=\"changes\">\n<h2>What changed in {} (compared with {})</h2>\n{}</section>\n",
            esc(&latest),
            esc(&before),
            if items.is_empty() {
                "<p>No organisation started or stopped using a capability.</p>\n".to_string()
            } else {
                format!("<ul>\n{}\n</ul>\n", items.join("\n"))
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_order_as_their_ranges() {
        let levels: Vec<i32> = ["0", "under 1", "1–9", "10–99", "1,000–9,999", "1,000,000–9,999,999"]
            .iter()
            .map(|b| band_level(Some(b), None))
            .collect();
        assert_eq!(levels, [-1, 0, 1, 2, 4, 7]);
        assert_eq!(band_level(None, Some(31_689.0)), 5);
        assert_eq!(band_level(None, Some(0.5)), 0);
    }

    #[test]
    fn tenths_are_written_as_a_fixed_precision_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            0.05,
            0.25,
            0.35,
            0.75,
            1.45,
            2.5,
            70.0,
            999.95,
            1e14 + 0.5,
            1e15,
            1e300,
            -3.25,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::EPSILON,
        ];
        // The chart's own coordinates, for every number of periods up to forty years of quarters.
        for n in 2..160u32 {
            for i in 0..n {
                values.push(190.0 + 490.0 * (f64::from(i) / f64::from(n - 1)));
            }
        }
        // And a spread of others: a fixed sequence (no seed to keep), near and far from ties.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let scale = [1.0, 10.0, 1e3, 1e6, 1e12][(x % 5) as usize];
            values.push((x >> 11) as f64 / (1u64 << 53) as f64 * scale);
            values.push(((x >> 20) % 100_000) as f64 / 20.0);
        }
        for v in values {
            assert_eq!(Tenths(v).to_string(), format!("{v:.1}"), "{v:e}");
        }
    }
}
