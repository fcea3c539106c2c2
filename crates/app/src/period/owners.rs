//! Who owns an account, as the usage report names it: accounts become organisations through
//! confirmed links only.

use anyhow::Result;
use std::collections::HashMap;

use crate::stores::{Stores, lock};

/// Account id → organisation name, for every confirmed link in the registry of `stores` (empty
/// when there is no registry yet).
pub fn confirmed_owners(stores: &Stores) -> Result<HashMap<String, String>> {
    if !stores.has_registry() {
        return Ok(HashMap::new());
    }
    let registry = stores.registry()?;
    let registry = lock(&registry);
    confirmed_owners_in(&**registry)
}

/// [`confirmed_owners`] of a registry already open.
pub fn confirmed_owners_in(registry: &dyn registry::Store) -> Result<HashMap<String, String>> {
    let mut owners = HashMap::new();
    for l in registry::review::confirmed(registry)? {
        owners.insert(l.latest.account_id.clone(), l.org_name.clone());
    }
    Ok(owners)
}
