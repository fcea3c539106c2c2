//! Who owns an account, as the usage report names it: accounts become organisations through
//! confirmed links only.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};

/// Account id → organisation name, for every confirmed link in the registry at `db` (empty when
/// there is no registry yet).
pub fn confirmed_owners(db: &Path) -> Result<HashMap<String, String>> {
    let mut owners = HashMap::new();
    if registry::exists(db) {
        let registry = registry::open(db).with_context(|| format!("opening {}", registry::describe(db)))?;
        owners = confirmed_owners_in(&*registry)?;
    }
    Ok(owners)
}

/// [`confirmed_owners`] of a registry already open.
pub fn confirmed_owners_in(registry: &dyn registry::Store) -> Result<HashMap<String, String>> {
    let mut owners = HashMap::new();
    for l in registry::review::confirmed(registry)? {
        owners.insert(l.latest.account_id.clone(), l.org_name.clone());
    }
    Ok(owners)
}
