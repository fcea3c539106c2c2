//! A SQLite usage store read in key order without holding it: the rows from before chunks (one
//! sorted query) and each file's chunks (a file's rows are stored sorted), merged. Only one
//! chunk per file is open at a time, so reading costs memory per file, not per row.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, VecDeque};

use rusqlite::Connection;

use super::packed::{ChunkRows, SliceRow};
use crate::aggregate::Error;
use crate::fold::{Key, Sums};

/// Where rows come from: the rows from before chunks, or one file's chunks.
enum Source {
    Rows(std::vec::IntoIter<SliceRow>),
    Chunks {
        sha: String,
        /// Chunks not yet opened, in the order stored.
        ids: VecDeque<i64>,
        open: Option<(i64, ChunkRows)>,
        /// The file's slices a later file replaced.
        replaced: Vec<(String, String)>,
    },
}

impl Source {
    fn next(&mut self, conn: &Connection, month: &dyn Fn(&str) -> bool) -> Result<Option<SliceRow>, Error> {
        let Source::Chunks { sha, ids, open, replaced } = self else {
            let Source::Rows(rows) = self else { return Ok(None) };
            return Ok(rows.next());
        };
        let keep = |a: &str, p: &str| !replaced.iter().any(|(x, y)| x == a && y == p);
        loop {
            if let Some((id, rows)) = open {
                let damaged =
                    |message: String| Error::Stored { what: format!("usage chunk {id} of file {sha}"), message };
                match rows.next(&keep, month).map_err(damaged)? {
                    Some(row) => return Ok(Some(row)),
                    None => *open = None,
                }
            }
            let Some(id) = ids.pop_front() else { return Ok(None) };
            let blob: Vec<u8> =
                conn.prepare_cached("SELECT data FROM usage_chunks WHERE id = ?1")?.query_row([id], |r| r.get(0))?;
            let rows = ChunkRows::new(blob)
                .map_err(|message| Error::Stored { what: format!("usage chunk {id} of file {sha}"), message })?;
            *open = Some((id, rows));
        }
    }
}

/// The next row of each source, ordered by key, then slice, then source (the rows from
/// before chunks first, then files in the order stored), so rows of one key and slice are
/// added in the order they were ingested.
struct Head {
    row: SliceRow,
    source: usize,
}

impl Head {
    fn order(&self) -> (&Key, &(String, String), usize) {
        (&self.row.0, &self.row.1, self.source)
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Head) -> bool {
        self.order() == other.order()
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Head) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Head) -> Ordering {
        self.order().cmp(&other.order())
    }
}

/// Every stored row in force, one per key and slice, in key order, passed to `each`.
pub(super) fn for_each_slice_row(
    conn: &Connection,
    month: &dyn Fn(&str) -> bool,
    each: &mut dyn FnMut(Key, Sums),
) -> Result<(), Error> {
    let before: Vec<SliceRow> = rows_before_chunks(conn)?.into_iter().filter(|r| month(&r.0.month)).collect();
    let mut sources = vec![Source::Rows(before.into_iter())];
    let mut replaced = replaced_slices(conn)?;
    let mut file_of: HashMap<String, usize> = HashMap::new();
    let mut st = conn.prepare("SELECT id, sha256 FROM usage_chunks ORDER BY id")?;
    for row in st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (id, sha) = row?;
        let at = *file_of.entry(sha.clone()).or_insert_with(|| {
            let replaced = replaced.remove(&sha).unwrap_or_default();
            sources.push(Source::Chunks { sha, ids: VecDeque::new(), open: None, replaced });
            sources.len() - 1
        });
        if let Source::Chunks { ids, .. } = &mut sources[at] {
            ids.push_back(id);
        }
    }
    let mut heads = BinaryHeap::with_capacity(sources.len());
    for (source, s) in sources.iter_mut().enumerate() {
        if let Some(row) = s.next(conn, month)? {
            heads.push(Reverse(Head { row, source }));
        }
    }
    while let Some(Reverse(Head { row, source })) = heads.pop() {
        let (key, _, sums) = row;
        each(key, sums);
        if let Some(row) = sources[source].next(conn, month)? {
            heads.push(Reverse(Head { row, source }));
        }
    }
    Ok(())
}

/// Per file, its slices a later file replaced (filtered out of its chunks when read).
pub(super) fn replaced_slices(conn: &Connection) -> Result<HashMap<String, Vec<(String, String)>>, Error> {
    let mut replaced: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut st =
        conn.prepare("SELECT sha256, billing_account, billing_period FROM ingested_slices WHERE in_force = 0")?;
    for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))? {
        let (sha, slice) = row?;
        replaced.entry(sha).or_default().push(slice);
    }
    Ok(replaced)
}

/// The rows of a store made before chunks (schema version 4 or older), sorted.
pub(super) fn rows_before_chunks(conn: &Connection) -> Result<Vec<SliceRow>, Error> {
    let mut st = conn.prepare(
        "SELECT account, month, service, capability, region_class, unit, quantity, cost, lines, first, last, \
         billing_account, billing_period FROM usage \
         ORDER BY account, month, service, capability, region_class, unit, billing_account, billing_period",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            Key {
                account: r.get(0)?,
                month: r.get(1)?,
                service: r.get(2)?,
                capability: r.get(3)?,
                region_class: r.get(4)?,
                unit: r.get(5)?,
            },
            (r.get(11)?, r.get(12)?),
            Sums {
                quantity: r.get(6)?,
                cost: r.get(7)?,
                lines: r.get::<_, i64>(8)? as u64,
                first: r.get(9)?,
                last: r.get(10)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
