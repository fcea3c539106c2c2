//! USAspending contract downloads: prime award summaries, prime transactions (also the 2018
//! layout) and subawards, mapped by header name.
//!
//! Each prime row yields the awarding department and sub-agency (and the funding sub-agency
//! when it differs), the recipient and its parent, and a contract award from the sub-agency
//! to the recipient. Each subaward row yields the prime contractor, the subawardee and its
//! parent, a subaward, and the prime award itself as reported with the subaward.

use std::path::Path;

use crate::error::{Error, Result};
use crate::import::{
    ImportOptions, ImportReport, OrgRef, Progress, Row, RowFail, bad, file_name, open_csv, resolve, run_csv,
};
use crate::model::{Jurisdiction, Kind, RelationKind, Relationship, Scheme, Source};
use crate::store::{Store, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    AwardSummary,
    Transaction,
    Subaward,
}

impl Layout {
    fn detect(has: impl Fn(&str) -> bool) -> Option<Layout> {
        if has("subawardee_name") && has("prime_awardee_name") {
            Some(Layout::Subaward)
        } else if has("federal_action_obligation") && has("action_date") {
            Some(Layout::Transaction)
        } else if has("recipient_name") && (has("total_obligated_amount") || has("current_total_value_of_award")) {
            Some(Layout::AwardSummary)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Layout::AwardSummary => "usaspending prime award summaries",
            Layout::Transaction => "usaspending prime transactions",
            Layout::Subaward => "usaspending subawards",
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Layout::AwardSummary | Layout::Transaction => &["recipient_name", "awarding_sub_agency_name"],
            Layout::Subaward => &["subawardee_name", "prime_awardee_name", "prime_award_awarding_sub_agency_name"],
        }
    }

    fn date_columns(self) -> &'static [&'static str] {
        match self {
            Layout::AwardSummary | Layout::Transaction => {
                &["period_of_performance_start_date", "period_of_performance_current_end_date", "action_date"]
            }
            Layout::Subaward => &["subaward_action_date"],
        }
    }
}

/// Day/month order of slash dates in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateOrder {
    MonthFirst,
    DayFirst,
}

/// Imports one USAspending contract download; the layout is detected from the headers.
pub fn import_usaspending(
    store: &mut dyn Store,
    path: &Path,
    opts: ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let (mut rdr, columns, budget) = open_csv(path)?;
    let layout = Layout::detect(|c| columns.contains_key(c)).ok_or_else(|| Error::BadFile {
        file: path.into(),
        message: "not a USAspending contract download (no prime award, transaction or subaward columns)".into(),
    })?;
    // Slash dates are written month-first in some downloads and day-first in others: the
    // file's own dates decide, before anything is imported.
    let order = scan_date_order(&mut rdr, &columns, layout, &budget, path)?;
    let file = file_name(path);
    run_csv(store, path, layout.name(), layout.required(), opts, progress, |tx, row| match layout {
        Layout::AwardSummary | Layout::Transaction => prime_row(tx, row, layout, order, &file),
        Layout::Subaward => subaward_row(tx, row, order, &file),
    })
}

fn scan_date_order(
    rdr: &mut super::CsvReader,
    columns: &std::collections::HashMap<String, usize>,
    layout: Layout,
    budget: &super::RecordBudget,
    path: &Path,
) -> Result<DateOrder> {
    let idx: Vec<usize> = layout.date_columns().iter().filter_map(|c| columns.get(*c).copied()).collect();
    let (mut day_first, mut month_first) = (false, false);
    for record in rdr.records() {
        budget.reset();
        // A bad record is reported where the import reads it.
        let Ok(record) = record else { continue };
        for &i in &idx {
            let Some(v) = record.get(i) else { continue };
            let mut parts = v.split(['/', ' ']);
            let (Some(a), Some(b)) = (parts.next(), parts.next()) else { continue };
            if v.contains('/') {
                let (a, b) = (a.parse::<u32>().unwrap_or(0), b.parse::<u32>().unwrap_or(0));
                day_first |= a > 12;
                month_first |= b > 12;
            }
        }
    }
    match (day_first, month_first) {
        (true, true) => Err(Error::BadFile {
            file: path.into(),
            message: "slash dates are written both day-first and month-first; cannot tell them apart".into(),
        }),
        (true, false) => Ok(DateOrder::DayFirst),
        // USAspending's own exports are month-first; ambiguous files are read that way.
        _ => Ok(DateOrder::MonthFirst),
    }
}

/// Parses a date as USAspending writes it into ISO `YYYY-MM-DD`.
fn parse_date(v: &str, order: DateOrder) -> Option<String> {
    let v = v.split([' ', 'T']).next()?;
    let (y, m, d) = if v.contains('-') {
        let mut p = v.split('-');
        (p.next()?.parse::<u32>().ok()?, p.next()?.parse::<u32>().ok()?, p.next()?.parse::<u32>().ok()?)
    } else {
        let mut p = v.split('/');
        let (a, b, c) = (p.next()?.parse::<u32>().ok()?, p.next()?.parse::<u32>().ok()?, p.next()?);
        let year = c.parse::<u32>().ok()?;
        let year = match c.len() {
            2 if year < 70 => 2000 + year,
            2 => 1900 + year,
            4 => year,
            _ => return None,
        };
        match order {
            DateOrder::MonthFirst => (year, a, b),
            DateOrder::DayFirst => (year, b, a),
        }
    };
    let days = [
        31,
        if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1900..=2200).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days[(m - 1) as usize] {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

fn date(row: &Row<'_>, column: &str, order: DateOrder) -> Result<Option<String>, RowFail> {
    match row.get(column) {
        None => Ok(None),
        Some(v) => parse_date(v, order).map(Some).ok_or_else(|| bad(column, format!("{v:?} is not a date"))),
    }
}

/// A department code as three digits ("70" and "070" are DHS).
fn department_code(code: &str) -> String {
    if code.chars().all(|c| c.is_ascii_digit()) && code.len() < 3 { format!("{code:0>3}") } else { code.to_string() }
}

/// Resolves a federal agency named by code and name (either may be missing).
fn agency(tx: &mut dyn Tx, code: Option<&str>, name: Option<&str>, department: bool) -> Result<Option<i64>> {
    let code = code.map(|c| if department { department_code(c) } else { c.to_string() });
    let Some(name) = name.or(code.as_deref()) else { return Ok(None) };
    let us = Jurisdiction { country: Some("USA".into()), ..Jurisdiction::default() };
    let id = resolve(
        tx,
        OrgRef {
            ids: code.iter().map(|c| (Scheme::AgencyCode, c.clone())).collect(),
            name,
            kind: Kind::FederalAgency,
            jurisdiction: us,
            key: code.as_ref().map(|c| format!("agency:{c}")),
        },
    )?;
    Ok(Some(id))
}

/// The recipient's kind from USAspending's business-type flags.
fn recipient_kind(row: &Row<'_>) -> Kind {
    if row.flag("us_federal_government") || row.flag("federal_agency") {
        Kind::FederalAgency
    } else if row.flag("us_tribal_government") || row.flag("indian_tribe_federally_recognized") {
        Kind::Tribal
    } else if row.flag("us_state_government") {
        Kind::StateAgency
    } else if [
        "us_local_government",
        "city_local_government",
        "county_local_government",
        "municipality_local_government",
        "township_local_government",
        "inter_municipal_local_government",
        "council_of_governments",
    ]
    .iter()
    .any(|c| row.flag(c))
    {
        Kind::LocalAgency
    } else if row.flag("educational_institution") {
        Kind::University
    } else {
        Kind::Company
    }
}

fn prime_row(tx: &mut dyn Tx, row: &Row<'_>, layout: Layout, order: DateOrder, file: &str) -> Result<(), RowFail> {
    let source = Source { file: file.to_string(), line: row.line };
    let department = agency(tx, row.get("awarding_agency_code"), row.get("awarding_agency_name"), true)?;
    let awarding = agency(tx, row.get("awarding_sub_agency_code"), row.get("awarding_sub_agency_name"), false)?;
    let funding = agency(tx, row.get("funding_sub_agency_code"), row.get("funding_sub_agency_name"), false)?;
    for sub in [awarding, funding].into_iter().flatten() {
        if let Some(dep) = department {
            tx.set_parent(sub, dep)?;
        }
    }
    let Some(awarding) = awarding.or(funding).or(department) else {
        return Err(bad("awarding_sub_agency_name", "no awarding or funding agency"));
    };
    let jurisdiction = Jurisdiction {
        country: row.get("recipient_country_code").map(str::to_string),
        state: row.get("recipient_state_code").map(str::to_string),
        county: row.get("recipient_county_name").map(str::to_string),
        city: row.get("recipient_city_name").map(str::to_string),
    };
    let name = row.require("recipient_name")?;
    let kind = recipient_kind(row);
    let ids = row.identifiers(&[
        (Scheme::Uei, "recipient_uei"),
        (Scheme::Duns, "recipient_duns"),
        (Scheme::Cage, "cage_code"),
    ]);
    let recipient = resolve(tx, OrgRef { ids, name, kind, jurisdiction: jurisdiction.clone(), key: None })?;
    if let Some(raw) = row.get("recipient_name_raw") {
        tx.add_alias(recipient, raw)?;
    }
    parent(
        tx,
        row,
        recipient,
        kind,
        &jurisdiction,
        ["recipient_parent_uei", "recipient_parent_duns", "recipient_parent_name"],
        &source,
    )?;

    let (award_id, amount, action_date) = match layout {
        Layout::Transaction => (
            row.get("contract_award_unique_key").or(row.get("award_id_piid")),
            row.amount("federal_action_obligation")?,
            date(row, "action_date", order)?,
        ),
        _ => (
            row.get("contract_award_unique_key").or(row.get("award_id_piid")),
            match row.amount("total_obligated_amount")? {
                Some(a) => Some(a),
                None => row.amount("current_total_value_of_award")?,
            },
            None,
        ),
    };
    tx.add_relationship(&Relationship {
        kind: RelationKind::ContractAward,
        from: awarding,
        to: recipient,
        agency: Some(awarding),
        funding_agency: funding.filter(|f| *f != awarding),
        award_id: award_id.map(str::to_string),
        amount,
        start_date: date(row, "period_of_performance_start_date", order)?,
        end_date: date(row, "period_of_performance_current_end_date", order)?,
        action_date,
        permalink: row.get("usaspending_permalink").map(str::to_string),
        technology: None,
        citation: None,
        source,
    })?;
    Ok(())
}

/// Resolves the parent named by `[uei, duns, name]` columns and links it to `child`.
fn parent(
    tx: &mut dyn Tx,
    row: &Row<'_>,
    child: i64,
    kind: Kind,
    jurisdiction: &Jurisdiction,
    [uei, duns, name]: [&str; 3],
    source: &Source,
) -> Result<(), RowFail> {
    let Some(parent_name) = row.get(name) else { return Ok(()) };
    let ids = row.identifiers(&[(Scheme::Uei, uei), (Scheme::Duns, duns)]);
    let parent = resolve(tx, OrgRef { ids, name: parent_name, kind, jurisdiction: jurisdiction.clone(), key: None })?;
    if parent != child {
        tx.set_parent(child, parent)?;
        tx.add_relationship(&Relationship {
            kind: RelationKind::ParentSubsidiary,
            from: parent,
            to: child,
            agency: None,
            funding_agency: None,
            award_id: None,
            amount: None,
            start_date: None,
            end_date: None,
            action_date: None,
            permalink: row.get("usaspending_permalink").map(str::to_string),
            technology: None,
            citation: None,
            source: source.clone(),
        })?;
    }
    Ok(())
}

fn subaward_row(tx: &mut dyn Tx, row: &Row<'_>, order: DateOrder, file: &str) -> Result<(), RowFail> {
    let source = Source { file: file.to_string(), line: row.line };
    let awarding = agency(
        tx,
        row.get("prime_award_awarding_sub_agency_code"),
        row.get("prime_award_awarding_sub_agency_name"),
        false,
    )?;
    let funding = agency(
        tx,
        row.get("prime_award_funding_sub_agency_code"),
        row.get("prime_award_funding_sub_agency_name"),
        false,
    )?;
    let department =
        agency(tx, row.get("prime_award_awarding_agency_code"), row.get("prime_award_awarding_agency_name"), true)?;
    for sub in [awarding, funding].into_iter().flatten() {
        if let Some(dep) = department {
            tx.set_parent(sub, dep)?;
        }
    }
    let Some(awarding) = awarding.or(funding) else {
        return Err(bad("prime_award_awarding_sub_agency_name", "no awarding or funding agency"));
    };
    let prime_name = row.require("prime_awardee_name")?;
    let prime_ids = row.identifiers(&[(Scheme::Uei, "prime_awardee_uei")]);
    let prime = resolve(
        tx,
        OrgRef {
            ids: prime_ids,
            name: prime_name,
            kind: Kind::Company,
            jurisdiction: Jurisdiction::default(),
            key: None,
        },
    )?;
    parent(
        tx,
        row,
        prime,
        Kind::Company,
        &Jurisdiction::default(),
        ["prime_awardee_parent_uei", "prime_awardee_parent_duns", "prime_awardee_parent_name"],
        &source,
    )?;

    let jurisdiction = Jurisdiction {
        country: row.get("subawardee_address_country_code").map(str::to_string),
        state: row.get("subawardee_address_state_code").map(str::to_string),
        county: None,
        city: row.get("subawardee_address_city_name").map(str::to_string),
    };
    let sub_name = row.require("subawardee_name")?;
    let ids = row.identifiers(&[(Scheme::Uei, "subawardee_uei"), (Scheme::Duns, "subawardee_duns")]);
    let sub = resolve(
        tx,
        OrgRef { ids, name: sub_name, kind: Kind::Company, jurisdiction: jurisdiction.clone(), key: None },
    )?;
    if let Some(dba) = row.get("subawardee_dba_name") {
        tx.add_alias(sub, dba)?;
    }
    parent(
        tx,
        row,
        sub,
        Kind::Company,
        &jurisdiction,
        ["subawardee_parent_uei", "subawardee_parent_duns", "subawardee_parent_name"],
        &source,
    )?;

    let prime_award = row.get("prime_award_unique_key").or(row.get("prime_award_piid"));
    tx.add_relationship(&Relationship {
        kind: RelationKind::ContractAward,
        from: awarding,
        to: prime,
        agency: Some(awarding),
        funding_agency: funding.filter(|f| *f != awarding),
        award_id: prime_award.map(str::to_string),
        amount: row.amount("prime_award_amount")?,
        start_date: None,
        end_date: None,
        action_date: None,
        permalink: row.get("usaspending_permalink").map(str::to_string),
        technology: None,
        citation: None,
        source: source.clone(),
    })?;
    let sub_id = match (prime_award, row.get("subaward_number")) {
        (Some(p), Some(n)) => Some(format!("{p}/{n}")),
        (p, n) => n.or(p).map(str::to_string),
    };
    tx.add_relationship(&Relationship {
        kind: RelationKind::Subaward,
        from: prime,
        to: sub,
        agency: Some(awarding),
        funding_agency: funding.filter(|f| *f != awarding),
        award_id: sub_id,
        amount: row.amount("subaward_amount")?,
        start_date: None,
        end_date: None,
        action_date: date(row, "subaward_action_date", order)?,
        permalink: row.get("usaspending_permalink").map(str::to_string),
        technology: None,
        citation: None,
        source,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_layout_seen() {
        use DateOrder::*;
        for (v, order, want) in [
            ("2007-05-16", MonthFirst, Some("2007-05-16")),
            ("2024-09-12 00:00:00", MonthFirst, Some("2024-09-12")),
            ("12/22/17", MonthFirst, Some("2017-12-22")),
            ("5/31/21", MonthFirst, Some("2021-05-31")),
            ("22/06/18 00:00", DayFirst, Some("2018-06-22")),
            ("22/06/2018", DayFirst, Some("2018-06-22")),
            ("31/02/2018", DayFirst, None),
            ("13/13/2018", MonthFirst, None),
            ("yesterday", MonthFirst, None),
        ] {
            assert_eq!(parse_date(v, order).as_deref(), want, "{v}");
        }
    }

    #[test]
    fn department_codes_are_three_digits() {
        assert_eq!(department_code("70"), "070");
        assert_eq!(department_code("070"), "070");
        assert_eq!(department_code("7012"), "7012");
    }
}
