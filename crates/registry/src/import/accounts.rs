//! Customer accounts from CSV: `account_id, legal_name, country, state, city, uei, domain`
//! (the last five optional).

use std::path::Path;

use crate::error::Result;
use crate::import::{ImportOptions, ImportReport, Progress, bad, run_csv};
use crate::model::Account;
use crate::names::normalize_identifier;
use crate::store::Store;

/// Imports customer accounts; an account id seen again updates that account.
pub fn import_accounts(
    store: &mut dyn Store,
    path: &Path,
    opts: ImportOptions,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    run_csv(store, path, "customer accounts", &["account_id", "legal_name"], opts, progress, |tx, row| {
        row.one_line()?;
        let account_id = row.require("account_id")?;
        if account_id.len() > 128 {
            return Err(bad("account_id", "is longer than 128 characters"));
        }
        let legal_name = row.require("legal_name")?;
        let uei = row.get("uei").map(normalize_identifier);
        if let Some(u) = &uei
            && u.len() != 12
        {
            return Err(bad("uei", format!("{u:?} is not a 12-character UEI")));
        }
        tx.upsert_account(&Account {
            account_id: account_id.to_string(),
            legal_name: legal_name.to_string(),
            country: row.get("country").map(str::to_string),
            state: row.get("state").map(str::to_string),
            city: row.get("city").map(str::to_string),
            uei,
            domain: row.get("domain").map(|d| d.to_ascii_lowercase()),
        })?;
        Ok(())
    })
}
