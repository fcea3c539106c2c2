//! Each billing line's capability and region class as string ids, worked out once per
//! distinct combination of the reader's ids, so classifying costs a line two lookups in small
//! tables and the taxonomy runs only on what is new.

use rustc_hash::FxHashMap;

use crate::fold::UNMAPPED;
use crate::groups::Interner;
use crate::taxonomy::{Line, RegionClass, Taxonomy};

/// The capability and region class of lines as string ids, each worked out once per distinct
/// combination of the ids it depends on, so a line costs two lookups in small tables. The ids
/// a line is given are its reader's (dictionary ids in Parquet, interned ids in CSV); call
/// [`LineClasses::forget`] when they change meaning.
#[derive(Clone)]
pub(crate) struct LineClasses<'t> {
    taxonomy: &'t Taxonomy,
    /// String id per capability index, then `unmapped`'s.
    capability_ids: Vec<u32>,
    /// String ids of `commercial`, `government`, `secret`.
    class_ids: [u32; 3],
    capabilities: FxHashMap<[u32; 4], u32>,
    classes: FxHashMap<[u32; 2], u32>,
}

impl<'t> LineClasses<'t> {
    /// Interns every capability id, `unmapped` and every region class.
    pub(crate) fn new(taxonomy: &'t Taxonomy, strings: &mut Interner) -> LineClasses<'t> {
        let mut capability_ids: Vec<u32> = taxonomy.capabilities().iter().map(|c| strings.id(&c.id)).collect();
        capability_ids.push(strings.id(UNMAPPED));
        let class_ids =
            [RegionClass::Commercial, RegionClass::Government, RegionClass::Secret].map(|c| strings.id(c.as_str()));
        LineClasses {
            taxonomy,
            capability_ids,
            class_ids,
            capabilities: FxHashMap::default(),
            classes: FxHashMap::default(),
        }
    }

    /// Forgets what ids meant (a new row group's dictionaries).
    pub(crate) fn forget(&mut self) {
        self.capabilities.clear();
        self.classes.clear();
    }

    /// The capability's string id for a line with these (provider, service, usage type,
    /// operation) ids; `line` gives their text the first time.
    #[inline]
    pub(crate) fn capability<'l>(&mut self, ids: [u32; 4], line: impl FnOnce() -> Line<'l>) -> u32 {
        if let Some(&id) = self.capabilities.get(&ids) {
            return id;
        }
        let taxonomy = self.taxonomy;
        let index =
            taxonomy.rule_for(&line()).map_or(taxonomy.capabilities().len(), |r| taxonomy.rules()[r].capability);
        let id = self.capability_ids[index];
        self.capabilities.insert(ids, id);
        id
    }

    /// The region class's string id for these (provider, region) ids; `text` gives their text
    /// the first time.
    #[inline]
    pub(crate) fn region_class<'l>(&mut self, ids: [u32; 2], text: impl FnOnce() -> (&'l str, &'l str)) -> u32 {
        if let Some(&id) = self.classes.get(&ids) {
            return id;
        }
        let (provider, region) = text();
        let id = match self.taxonomy.region_class(provider, region) {
            RegionClass::Commercial => self.class_ids[0],
            RegionClass::Government => self.class_ids[1],
            RegionClass::Secret => self.class_ids[2],
        };
        self.classes.insert(ids, id);
        id
    }
}
