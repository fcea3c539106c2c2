//! The aggregation as SQL, so the heavy scan can run on the engine a provider already has
//! (DuckDB, Spark, Trino, BigQuery). The query classifies lines with the same rules, in the
//! same order, as candor itself, and produces the rows `candor usage ingest-aggregate` reads:
//! `account, month, service, capability, region_class, unit, quantity, cost, lines, first, last`.

use crate::focus;
use crate::taxonomy::{RegionClass, Taxonomy};

/// Target engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB.
    DuckDb,
    /// Apache Spark SQL.
    Spark,
    /// Trino (and Presto, Athena).
    Trino,
    /// Google BigQuery.
    BigQuery,
}

impl Dialect {
    /// Parses `duckdb`, `spark`, `trino` or `bigquery`.
    pub fn parse(s: &str) -> Option<Dialect> {
        match s {
            "duckdb" => Some(Dialect::DuckDb),
            "spark" => Some(Dialect::Spark),
            "trino" => Some(Dialect::Trino),
            "bigquery" => Some(Dialect::BigQuery),
            _ => None,
        }
    }

    fn string_type(self) -> &'static str {
        match self {
            Dialect::DuckDb | Dialect::Trino => "VARCHAR",
            Dialect::Spark | Dialect::BigQuery => "STRING",
        }
    }

    fn float_type(self) -> &'static str {
        match self {
            Dialect::BigQuery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    fn quote(self, column: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Trino => format!("\"{}\"", column.replace('"', "\"\"")),
            Dialect::Spark | Dialect::BigQuery => format!("`{}`", column.replace('`', "")),
        }
    }
}

/// Which source column holds each field (the same choice the CSV reader makes).
#[derive(Debug, Clone)]
pub struct Columns {
    provider: Option<String>,
    fields: Vec<(&'static str, Option<String>)>,
}

impl Columns {
    /// The columns of a file with these headers (FOCUS or CUR 2.0).
    pub fn from_headers(headers: &[&str]) -> Columns {
        let chosen = focus::choose_columns(headers);
        let get = |f: &str| chosen.iter().find(|(k, _)| *k == f).and_then(|(_, v)| v.clone());
        Columns {
            provider: get("provider"),
            fields: ["account", "service", "usage_type", "operation", "region", "quantity", "unit", "cost", "period"]
                .into_iter()
                .map(|f| (f, get(f)))
                .collect(),
        }
    }

    fn get(&self, field: &str) -> Option<&str> {
        self.fields.iter().find(|(f, _)| *f == field).and_then(|(_, c)| c.as_deref())
    }
}

fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A glob as a LIKE test on an already lowercased expression.
fn like(expr: &str, glob: &str, d: Dialect) -> String {
    let needs_escape = glob.contains(['%', '_', '!', '\\']);
    let mut pattern = String::new();
    for c in glob.chars() {
        match c {
            '*' => pattern.push('%'),
            '%' | '_' | '!' | '\\' if needs_escape => {
                pattern.push(if d == Dialect::BigQuery { '\\' } else { '!' });
                pattern.push(c);
            }
            c => pattern.push(c),
        }
    }
    if !needs_escape {
        return format!("{expr} LIKE {}", literal(&pattern));
    }
    match d {
        // BigQuery has no ESCAPE clause: backslash escapes, doubled inside the literal.
        Dialect::BigQuery => format!("{expr} LIKE {}", literal(&pattern.replace('\\', "\\\\"))),
        _ => format!("{expr} LIKE {} ESCAPE '!'", literal(&pattern)),
    }
}

fn any_like(expr: &str, globs: &[crate::taxonomy::Glob], d: Dialect) -> Option<String> {
    if globs.is_empty() {
        return None;
    }
    Some(format!("({})", globs.iter().map(|g| like(expr, &g.source, d)).collect::<Vec<_>>().join(" OR ")))
}

/// The FOCUS columns the query reads when no billing file's header is given.
pub const FOCUS_COLUMNS: &[&str] = &[
    "ProviderName",
    "BillingAccountId",
    "SubAccountId",
    "ServiceName",
    "SkuId",
    "ChargeDescription",
    "RegionId",
    "ConsumedQuantity",
    "ConsumedUnit",
    "BilledCost",
    "ChargePeriodStart",
];

/// The aggregation query over `table`.
pub fn aggregate_query(taxonomy: &Taxonomy, columns: &Columns, table: &str, d: Dialect) -> String {
    let s = d.string_type();
    let text = |field: &str| match columns.get(field) {
        Some(c) => format!("COALESCE(CAST({} AS {s}), '')", d.quote(c)),
        None => "''".to_string(),
    };
    let number = |field: &str| match columns.get(field) {
        Some(c) => format!("COALESCE(CAST({} AS {}), 0)", d.quote(c), d.float_type()),
        None => "0".to_string(),
    };
    let provider = match &columns.provider {
        Some(c) => format!("LOWER(COALESCE(CAST({} AS {s}), ''))", d.quote(c)),
        // CUR 2.0 is AWS's own export.
        None => "'aws'".to_string(),
    };
    let mut rules = Vec::new();
    for r in taxonomy.rules() {
        let mut conds = Vec::new();
        if r.provider != "*" {
            conds.push(format!("prov = {}", literal(&r.provider)));
        }
        conds.extend(any_like("svc", &r.service, d));
        conds.extend(any_like("usg", &r.usage_type, d));
        if let Some(op) = any_like("op", &r.operation, d) {
            conds.push(format!("op <> '' AND {op}"));
        }
        rules.push(format!(
            "      WHEN {} THEN {}",
            conds.join(" AND "),
            literal(&taxonomy.capabilities()[r.capability].id)
        ));
    }
    let mut regions = Vec::new();
    for r in taxonomy.region_rules() {
        let mut conds = Vec::new();
        if r.provider != "*" {
            conds.push(format!("prov = {}", literal(&r.provider)));
        }
        conds.extend(any_like("reg", &r.patterns, d));
        regions.push(format!("      WHEN {} THEN {}", conds.join(" AND "), literal(r.class.as_str())));
    }
    let commercial = RegionClass::Commercial.as_str();
    format!(
        "-- candor usage aggregation ({d:?}); generated from candor's capability taxonomy, {n} rules.\n\
-- Date-times are read as text: run with the session time zone set to UTC.\n\
WITH lines AS (\n\
  SELECT\n\
    CASE WHEN p LIKE '%aws%' OR p LIKE '%amazon%' THEN 'aws'\n\
         WHEN p LIKE '%microsoft%' OR p LIKE '%azure%' THEN 'azure'\n\
         WHEN p LIKE '%google%' OR p = 'gcp' THEN 'gcp'\n\
         WHEN p LIKE '%oracle%' OR p = 'oci' THEN 'oci' ELSE 'other' END AS prov,\n\
    account, service, LOWER(service) AS svc, LOWER(usage_type) AS usg, LOWER(operation) AS op, LOWER(region) AS reg,\n\
    quantity, unit, cost, SUBSTR(period, 1, 7) AS month, SUBSTR(period, 1, 10) AS day\n\
  FROM (\n\
    SELECT {provider} AS p, {account} AS account, {service} AS service, {usage} AS usage_type,\n\
           {operation} AS operation, {region} AS region, {quantity} AS quantity, {unit} AS unit,\n\
           {cost} AS cost, {period} AS period\n\
    FROM {table}\n\
  ) src\n\
), classified AS (\n\
  SELECT account, month, day, service, unit, quantity, cost,\n\
    CASE\n{rules}\n      ELSE 'unmapped' END AS capability,\n\
    CASE\n{regions}\n      ELSE '{commercial}' END AS region_class\n\
  FROM lines\n\
)\n\
SELECT account, month, service, capability, region_class, unit,\n\
       SUM(quantity) AS quantity, SUM(cost) AS cost, COUNT(*) AS lines, MIN(day) AS first, MAX(day) AS last\n\
FROM classified\n\
GROUP BY account, month, service, capability, region_class, unit\n\
ORDER BY account, month, service, capability, region_class, unit\n",
        n = taxonomy.rules().len(),
        account = text("account"),
        service = text("service"),
        usage = text("usage_type"),
        operation = text("operation"),
        region = text("region"),
        quantity = number("quantity"),
        unit = text("unit"),
        cost = number("cost"),
        period = text("period"),
        rules = rules.join("\n"),
        regions = regions.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escapes_per_dialect() {
        assert_eq!(like("x", "face*", Dialect::DuckDb), "x LIKE 'face%'");
        assert_eq!(like("x", "block_storage", Dialect::Trino), "x LIKE 'block!_storage' ESCAPE '!'");
        assert_eq!(like("x", "block_storage", Dialect::BigQuery), "x LIKE 'block\\\\_storage'");
        assert_eq!(like("x", "o'brien", Dialect::Spark), "x LIKE 'o''brien'");
    }

    #[test]
    fn every_dialect_gets_a_query() {
        let t = Taxonomy::builtin().expect("taxonomy");
        let cols = Columns::from_headers(&[
            "ProviderName",
            "SubAccountId",
            "ServiceName",
            "SkuId",
            "RegionId",
            "ConsumedQuantity",
            "ConsumedUnit",
            "BilledCost",
            "ChargePeriodStart",
        ]);
        for d in [Dialect::DuckDb, Dialect::Spark, Dialect::Trino, Dialect::BigQuery] {
            let q = aggregate_query(&t, &cols, "focus", d);
            assert!(q.contains("GROUP BY account, month, service, capability, region_class, unit"));
            assert_eq!(
                q.matches(" THEN 'face_identification'").count(),
                t.rules().iter().filter(|r| t.capabilities()[r.capability].id == "face_identification").count()
            );
        }
    }
}
