//! Generated billing data as Parquet: every column from the same drawn lines as the CSV
//! writer, text as dictionary ids (each distinct value once per row group).

use std::io::{self, Write};

use super::focus_columns::{FOCUS_COLUMNS, Source, region_name};
use super::{CUR_COLUMNS, GenConfig, HOUR, Item, Layout, Lines, NOTE, PAYER};

/// The distinct values of one property of the items, and each item's id among them.
struct ItemDict {
    dict: Vec<String>,
    of_item: Vec<u32>,
}

impl ItemDict {
    fn new(items: &[Item], value: impl Fn(&Item) -> String) -> ItemDict {
        let mut dict: Vec<String> = Vec::new();
        let of_item = items
            .iter()
            .map(|it| {
                let v = value(it);
                let id = dict.iter().position(|d| *d == v).unwrap_or_else(|| {
                    dict.push(v);
                    dict.len() - 1
                });
                id as u32
            })
            .collect();
        ItemDict { dict, of_item }
    }

    fn ids(&self, items: &[u32]) -> Vec<u32> {
        items.iter().map(|&i| self.of_item[i as usize]).collect()
    }
}

/// What the rows of one row group drew.
#[derive(Default)]
struct Drawn {
    account: Vec<u32>,
    item: Vec<u32>,
    gov: Vec<u32>,
    quantity: Vec<f64>,
    cost: Vec<f64>,
    price: Vec<f64>,
    hour: Vec<u32>,
    month: Vec<u32>,
}

/// One column's data for a row group, owned until the writer borrows it.
enum Column<'d> {
    Text(&'d [String], Vec<u32>),
    Double(Vec<f64>),
    Time(&'d [i64], Vec<u32>),
    Note(usize),
}

impl Column<'_> {
    fn data(&self) -> crate::parquet::write::Data<'_> {
        use crate::parquet::write::Data;
        match self {
            Column::Text(dict, ids) => Data::Text { dict, ids },
            Column::Double(v) => Data::Double(v),
            Column::Time(dict, ids) => Data::Time { dict, ids },
            Column::Note(rows) => Data::MapConst { value: NOTE, rows: *rows },
        }
    }
}

/// Writes `cfg.rows` generated lines as Parquet in the given layout, `row_group_rows` rows per
/// row group. FOCUS: decimal amounts and INT64 microsecond UTC timestamps, as the
/// specification asks; CUR: DOUBLE amounts, INT96 timestamps and the note in a
/// `resource_tags` MAP column, as AWS writes them.
pub fn write_parquet<W: Write + Send>(out: W, cfg: &GenConfig, layout: Layout, row_group_rows: usize) -> io::Result<W> {
    use crate::parquet::page::NULL;
    use crate::parquet::write::{Field, Kind, Writer};
    let mut lines = Lines::new(cfg);
    let items = &lines.items;
    let service = ItemDict::new(items, |it| it.service.to_string());
    let code = ItemDict::new(items, |it| it.code.to_string());
    let category = ItemDict::new(items, |it| it.category.to_string());
    let usage = ItemDict::new(items, |it| it.usage.clone());
    let unit = ItemDict::new(items, |it| it.unit.to_string());
    let description = ItemDict::new(items, |it| format!("{} {} ({})", it.service, it.usage, it.unit));
    // An empty operation is a null, as in the CSV.
    let op = ItemDict::new(items, |it| it.operation.to_string());
    let op_null: Vec<bool> = items.iter().map(|it| it.operation.is_empty()).collect();
    // SKU price ids are per item and region: item * 2 + (1 in the government region).
    let sku_prices: Vec<String> =
        items.iter().flat_map(|it| [false, true].map(|gov| format!("{}/{}", it.usage, Lines::region(gov)))).collect();
    let regions = ["us-east-1".to_string(), "us-gov-west-1".to_string()];
    let region_names = [false, true].map(|gov| region_name(gov).to_string());
    let hours = (lines.month_days[lines.month_days.len() - 1] - lines.month_days[0]) * 24;
    let starts: Vec<i64> = (0..hours).map(|h| lines.base + h * HOUR).collect();
    let ends: Vec<i64> = starts.iter().map(|s| s + HOUR).collect();
    let month_starts: Vec<i64> = lines.month_days.iter().map(|d| d * 24 * HOUR).collect();
    let month_ends = &month_starts[1..];
    let payer = [PAYER.to_string()];
    let consts: Vec<[String; 1]> = FOCUS_COLUMNS
        .iter()
        .map(|(_, s)| [if let Source::Const(v) = s { v.to_string() } else { String::new() }])
        .collect();

    let text = |name: &str| Field { name: name.into(), kind: Kind::Text };
    // FOCUS amounts are decimals: quantities have 3 digits after the point, costs and prices 10.
    let decimal = |name: &str, scale: u32| Field { name: name.into(), kind: Kind::Decimal { scale } };
    let fields: Vec<Field> = match layout {
        Layout::Focus => FOCUS_COLUMNS
            .iter()
            .map(|&(c, source)| match source {
                Source::Quantity => decimal(c, 3),
                Source::Cost | Source::UnitPrice => decimal(c, 10),
                Source::ChargeStart | Source::ChargeEnd | Source::BillingStart | Source::BillingEnd => {
                    Field { name: c.into(), kind: Kind::TimestampMicros }
                }
                _ => text(c),
            })
            .collect(),
        Layout::Cur => CUR_COLUMNS
            .iter()
            .map(|&c| match c {
                "line_item_usage_amount" | "line_item_unblended_cost" => Field { name: c.into(), kind: Kind::Double },
                "line_item_usage_start_date" | "line_item_usage_end_date" | "bill_billing_period_start_date" => {
                    Field { name: c.into(), kind: Kind::Int96 }
                }
                "resource_tags_candor_note" => {
                    Field { name: "resource_tags".into(), kind: Kind::MapOneEntry { key: "user_candor_note".into() } }
                }
                _ => text(c),
            })
            .collect(),
    };
    let mut w = Writer::new(out, fields, 65_536, concat!("candor version ", env!("CARGO_PKG_VERSION")))?;
    let mut left = cfg.rows;
    while left > 0 {
        let n = left.min(row_group_rows.max(1) as u64) as usize;
        left -= n as u64;
        let mut d = Drawn::default();
        for _ in 0..n {
            let l = lines.next();
            d.account.push(l.account as u32);
            d.item.push(l.item as u32);
            d.gov.push(u32::from(l.gov));
            d.quantity.push(l.quantity);
            d.cost.push(l.cost);
            d.price.push(lines.items[l.item].price);
            d.hour.push(l.hour);
            d.month.push(l.month);
        }
        let operations = || -> Vec<u32> {
            d.item.iter().map(|&i| if op_null[i as usize] { NULL } else { op.of_item[i as usize] }).collect()
        };
        let columns: Vec<Column<'_>> = match layout {
            Layout::Focus => FOCUS_COLUMNS
                .iter()
                .zip(&consts)
                .map(|(&(_, source), constant)| match source {
                    Source::Const(_) => Column::Text(constant, vec![0; n]),
                    Source::Null => Column::Text(&[], vec![NULL; n]),
                    Source::Account => Column::Text(&cfg.accounts, d.account.clone()),
                    Source::Service => Column::Text(&service.dict, service.ids(&d.item)),
                    Source::ServiceCategory => Column::Text(&category.dict, category.ids(&d.item)),
                    Source::Sku => Column::Text(&usage.dict, usage.ids(&d.item)),
                    Source::SkuPriceId => {
                        Column::Text(&sku_prices, d.item.iter().zip(&d.gov).map(|(i, g)| i * 2 + g).collect())
                    }
                    Source::Description => Column::Text(&description.dict, description.ids(&d.item)),
                    Source::Operation => Column::Text(&op.dict, operations()),
                    Source::RegionId => Column::Text(&regions, d.gov.clone()),
                    Source::RegionName => Column::Text(&region_names, d.gov.clone()),
                    Source::Quantity => Column::Double(d.quantity.clone()),
                    Source::Unit => Column::Text(&unit.dict, unit.ids(&d.item)),
                    Source::Cost => Column::Double(d.cost.clone()),
                    Source::UnitPrice => Column::Double(d.price.clone()),
                    Source::ChargeStart => Column::Time(&starts, d.hour.clone()),
                    Source::ChargeEnd => Column::Time(&ends, d.hour.clone()),
                    Source::BillingStart => Column::Time(&month_starts, d.month.clone()),
                    Source::BillingEnd => Column::Time(month_ends, d.month.clone()),
                })
                .collect(),
            Layout::Cur => vec![
                Column::Text(&payer, vec![0; n]),
                Column::Time(&month_starts, d.month.clone()),
                Column::Text(&cfg.accounts, d.account.clone()),
                Column::Text(&code.dict, code.ids(&d.item)),
                Column::Text(&usage.dict, usage.ids(&d.item)),
                Column::Text(&op.dict, operations()),
                Column::Text(&regions, d.gov.clone()),
                Column::Double(d.quantity.clone()),
                Column::Text(&unit.dict, unit.ids(&d.item)),
                Column::Double(d.cost.clone()),
                Column::Time(&starts, d.hour.clone()),
                Column::Time(&ends, d.hour.clone()),
                Column::Note(n),
            ],
        };
        let data: Vec<_> = columns.iter().map(Column::data).collect();
        w.write_row_group(&data)?;
    }
    w.finish()
}
