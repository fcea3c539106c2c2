//! A write transaction on one pooled connection: `BEGIN` and the writer lock at the start,
//! `COMMIT` in [`Tx::commit`], `ROLLBACK` when dropped uncommitted.
//!
//! It keeps round trips few, because on a network a round trip costs far more than the work
//! of a row: lookups of organisations are answered from [`Known`] (read once, under the
//! writer lock), and writes nobody reads back wait in [`Pending`] and go in batches. Anything
//! the database must answer (a link's latest event, an inserted id) first sends what waits.
//! A batch the database refuses fails the whole transaction, as a single refused row does.

use std::collections::HashMap;

use pg::{Conn, Row, Statement, ToSql};

use super::known::Known;
use super::pending::{FLUSH_AT, Pending, ProposalRow};
use super::{WRITE_LOCK, link_from_row};
use crate::error::{Error, Result};
use crate::model::{Account, Kind, LinkCandidate, LinkEvent, NewOrganisation, Relationship, Role, Scheme, Status, now};
use crate::store::Tx;

pub(super) struct PgTx {
    conn: Conn,
    statements: HashMap<&'static str, Statement>,
    open: bool,
    pending: Pending,
    known: Option<Known>,
}

impl PgTx {
    /// Begins a transaction and takes the writer lock.
    pub(super) fn begin(mut conn: Conn) -> Result<PgTx> {
        conn.batch_execute("BEGIN")?;
        let mut tx = PgTx { conn, statements: HashMap::new(), open: true, pending: Pending::default(), known: None };
        tx.exec("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        Ok(tx)
    }

    fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.conn.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    /// Runs a query after sending every waiting write, so it sees them.
    fn rows(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        self.send()?;
        let st = self.statement(sql)?;
        Ok(self.conn.query(&st, params)?)
    }

    fn exec(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.send()?;
        let st = self.statement(sql)?;
        Ok(self.conn.execute(&st, params)?)
    }

    fn id(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<i64> {
        let rows = self.rows(sql, params)?;
        rows.first().map(|r| r.get(0)).ok_or_else(|| Error::Invalid("insert returned no id".into()))
    }

    fn send(&mut self) -> Result<()> {
        self.pending.send(&mut self.conn)
    }

    /// Sends waiting writes once there are many of them.
    fn waited(&mut self) -> Result<()> {
        if self.pending.len() >= FLUSH_AT { self.send() } else { Ok(()) }
    }

    /// The registry's organisations, read on first use.
    fn known(&mut self) -> Result<&Known> {
        if self.known.is_none() {
            self.send()?;
            self.known = Some(Known::load(&mut self.conn)?);
        }
        Ok(self.known.get_or_insert_with(Known::default))
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if self.open {
            // A connection whose rollback fails is broken; the pool tests connections before
            // handing them out again.
            let _ = self.conn.batch_execute("ROLLBACK");
        }
    }
}

impl Tx for PgTx {
    fn organisation_by_key(&mut self, key: &str) -> Result<Option<i64>> {
        Ok(self.known()?.by_key(key))
    }

    fn organisation_by_identifier(&mut self, scheme: Scheme, value: &str) -> Result<Option<i64>> {
        Ok(self.known()?.by_identifier(scheme, value))
    }

    fn organisations_by_name(&mut self, name: &str, state: Option<&str>) -> Result<Vec<i64>> {
        let norm = crate::names::normalize(name).sorted_key();
        Ok(self.known()?.by_norm(&norm, Some(state)).into_iter().map(|(id, _)| id).collect())
    }

    fn organisations_by_norm(&mut self, name: &str) -> Result<Vec<(i64, Kind)>> {
        let norm = crate::names::normalize(name).sorted_key();
        Ok(self.known()?.by_norm(&norm, None))
    }

    fn identifiers_of(&mut self, org: i64) -> Result<Vec<(Scheme, String)>> {
        Ok(self.known()?.identifiers_of(org))
    }

    fn insert_organisation(&mut self, o: &NewOrganisation) -> Result<i64> {
        let j = &o.jurisdiction;
        // No waiting write touches what this insert reads or checks (keys), so nothing is sent
        // first: an import that creates many organisations still sends its rows in batches.
        let st = self.statement(
            "INSERT INTO organisations (key, name, kind, country, state, county, city) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )?;
        let row =
            self.conn.query_one(&st, &[&o.key, &o.name, &o.kind.as_str(), &j.country, &j.state, &j.county, &j.city])?;
        let id: i64 = row.get(0);
        if let Some(k) = &mut self.known {
            k.organisation(id, &o.key, j.state.as_deref(), o.kind);
        }
        Ok(id)
    }

    fn add_alias(&mut self, org: i64, alias: &str) -> Result<()> {
        let norm = crate::names::normalize(alias).sorted_key();
        if let Some(k) = &mut self.known {
            k.alias(org, &norm);
        }
        self.pending.alias(org, alias, norm);
        self.waited()
    }

    fn add_identifier(&mut self, org: i64, scheme: Scheme, value: &str) -> Result<()> {
        // Known: only a new identifier is sent. Not known: the database ignores a held one.
        if self.known.as_mut().is_none_or(|k| k.identifier(org, scheme, value)) {
            self.pending.identifier(org, scheme.as_str(), value);
        }
        self.waited()
    }

    fn set_parent(&mut self, child: i64, parent: i64) -> Result<()> {
        if child != parent {
            self.pending.parent(child, parent);
        }
        self.waited()
    }

    fn add_relationship(&mut self, r: &Relationship) -> Result<()> {
        self.pending.relationship(r, crate::columns::relationship_fact(r));
        self.waited()
    }

    fn upsert_account(&mut self, a: &Account) -> Result<()> {
        self.pending.account(a);
        self.waited()
    }

    fn append_link(
        &mut self,
        account_id: &str,
        org: i64,
        status: Status,
        score: Option<f64>,
        reason: &str,
        actor: &str,
    ) -> Result<i64> {
        self.id(
            "INSERT INTO link_events (account_id, org_id, status, score, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[&account_id, &org, &status.as_str(), &score, &reason, &actor, &now()],
        )
    }

    fn append_proposal(
        &mut self,
        account_id: &str,
        org: i64,
        score: f64,
        reason: &str,
        actor: &str,
        candidates: &[LinkCandidate],
        evidence: Option<&str>,
    ) -> Result<()> {
        self.pending.proposal(ProposalRow {
            account_id: account_id.to_string(),
            org,
            score,
            reason: reason.to_string(),
            actor: actor.to_string(),
            at: now(),
            candidates: crate::columns::candidates_column(candidates)?,
            evidence: evidence.map(str::to_string),
        });
        self.waited()
    }

    fn append_classification(&mut self, org: i64, role: Role, status: Status, reason: &str, actor: &str) -> Result<()> {
        if let Some(k) = &mut self.known {
            k.classified(org, role, status);
        }
        self.pending.classification(org, role, status, reason, actor, now());
        self.waited()
    }

    fn latest_classification(&mut self, org: i64) -> Result<Option<(Role, Status)>> {
        Ok(self.known()?.classification(org))
    }

    fn latest_link(&mut self, account_id: &str, org: i64) -> Result<Option<LinkEvent>> {
        let rows = self.rows(
            "SELECT id, account_id, org_id, status, score, reason, actor, at, candidates FROM link_events \
             WHERE account_id = $1 AND org_id = $2 ORDER BY id DESC LIMIT 1",
            &[&account_id, &org],
        )?;
        Ok(rows.first().map(link_from_row))
    }

    fn import_seen(&mut self, sha256: &str) -> Result<bool> {
        Ok(!self.rows("SELECT 1 FROM imports WHERE sha256 = $1", &[&sha256])?.is_empty())
    }

    fn record_import(&mut self, sha256: &str, file: &str, kind: &str, rows: u64) -> Result<()> {
        self.exec(
            "INSERT INTO imports (sha256, file, kind, rows, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&sha256, &file, &kind, &(rows as i64), &now()],
        )?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<()> {
        self.send()?;
        self.open = false;
        self.conn.batch_execute("COMMIT")?;
        Ok(())
    }
}
