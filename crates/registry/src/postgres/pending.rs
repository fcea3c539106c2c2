//! Writes a transaction has made but not yet sent: held in memory and sent as one statement
//! per table (arrays through `unnest`), so an import costs a few round trips per thousand
//! rows instead of several per row. Only writes whose outcome nobody reads wait here; the
//! transaction sends them before anything that could see them (a read, a dependent insert,
//! the commit).

use std::collections::{HashMap, HashSet};

use pg::Conn;

use crate::error::Result;
use crate::model::{Account, Relationship, Role, Status};

/// How many waiting rows make the transaction send them at once (memory stays bounded on a
/// file of millions of rows).
pub(super) const FLUSH_AT: usize = 8192;

/// A relationship with its deduplicating fact, waiting.
struct RelationshipRow {
    rel: Relationship,
    fact: String,
}

/// Waiting writes, per table, in the order they were made.
#[derive(Default)]
pub(super) struct Pending {
    identifiers: Vec<(i64, &'static str, String)>,
    aliases: Vec<(i64, String, String)>,
    /// (child, parent): the first parent given for a child wins, as one statement at a time
    /// would have it ("set if none is set yet").
    parents: Vec<(i64, i64)>,
    parent_of: HashSet<i64>,
    relationships: Vec<RelationshipRow>,
    /// The last version of each account wins, as one upsert at a time would have it (one
    /// `ON CONFLICT DO UPDATE` may not touch a row twice).
    accounts: Vec<Account>,
    account_at: HashMap<String, usize>,
    classifications: Vec<(i64, Role, Status, String, String, String)>,
    proposals: Vec<ProposalRow>,
}

/// A proposed link, waiting (sent after the accounts it may name).
pub(super) struct ProposalRow {
    pub(super) account_id: String,
    pub(super) org: i64,
    pub(super) score: f64,
    pub(super) reason: String,
    pub(super) actor: String,
    pub(super) at: String,
    /// The ambiguous proposal's candidates, as JSON.
    pub(super) candidates: Option<String>,
    /// What the screening saw, as JSON.
    pub(super) evidence: Option<String>,
}

impl Pending {
    /// Rows waiting.
    pub(super) fn len(&self) -> usize {
        self.identifiers.len()
            + self.aliases.len()
            + self.parents.len()
            + self.relationships.len()
            + self.accounts.len()
            + self.classifications.len()
            + self.proposals.len()
    }

    pub(super) fn identifier(&mut self, org: i64, scheme: &'static str, value: &str) {
        self.identifiers.push((org, scheme, value.to_string()));
    }

    pub(super) fn alias(&mut self, org: i64, alias: &str, norm: String) {
        self.aliases.push((org, alias.to_string(), norm));
    }

    /// A parent for a child (never itself: the transaction checks).
    pub(super) fn parent(&mut self, child: i64, parent: i64) {
        if self.parent_of.insert(child) {
            self.parents.push((child, parent));
        }
    }

    pub(super) fn relationship(&mut self, rel: &Relationship, fact: String) {
        self.relationships.push(RelationshipRow { rel: rel.clone(), fact });
    }

    pub(super) fn account(&mut self, account: &Account) {
        match self.account_at.get(&account.account_id) {
            Some(&i) => self.accounts[i] = account.clone(),
            None => {
                self.account_at.insert(account.account_id.clone(), self.accounts.len());
                self.accounts.push(account.clone());
            }
        }
    }

    pub(super) fn classification(
        &mut self,
        org: i64,
        role: Role,
        status: Status,
        reason: &str,
        actor: &str,
        at: String,
    ) {
        self.classifications.push((org, role, status, reason.to_string(), actor.to_string(), at));
    }

    pub(super) fn proposal(&mut self, row: ProposalRow) {
        self.proposals.push(row);
    }

    /// Sends every waiting row, table by table, and forgets them. Rows are inserted in the
    /// order they were made (`WITH ORDINALITY`), so identity columns and "first one wins"
    /// conflicts come out as they would one statement at a time.
    pub(super) fn send(&mut self, conn: &mut Conn) -> Result<()> {
        let p = std::mem::take(self);
        if !p.identifiers.is_empty() {
            let (orgs, schemes, values) = unzip3(p.identifiers);
            conn.execute(
                "INSERT INTO identifiers (org_id, scheme, value) \
                 SELECT o, s, v FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS u(o, s, v, n) \
                 ORDER BY n ON CONFLICT DO NOTHING",
                &[&orgs, &schemes, &values],
            )?;
        }
        if !p.aliases.is_empty() {
            let (orgs, aliases, norms) = unzip3(p.aliases);
            conn.execute(
                "INSERT INTO aliases (org_id, alias, norm) \
                 SELECT o, a, m FROM unnest($1::bigint[], $2::text[], $3::text[]) WITH ORDINALITY AS u(o, a, m, n) \
                 ORDER BY n ON CONFLICT DO NOTHING",
                &[&orgs, &aliases, &norms],
            )?;
        }
        if !p.parents.is_empty() {
            let (children, parents): (Vec<i64>, Vec<i64>) = p.parents.into_iter().unzip();
            conn.execute(
                "UPDATE organisations o SET parent_id = u.parent \
                 FROM unnest($1::bigint[], $2::bigint[]) AS u(child, parent) \
                 WHERE o.id = u.child AND o.parent_id IS NULL",
                &[&children, &parents],
            )?;
        }
        if !p.relationships.is_empty() {
            send_relationships(conn, p.relationships)?;
        }
        if !p.accounts.is_empty() {
            send_accounts(conn, p.accounts)?;
        }
        if !p.classifications.is_empty() {
            let n = p.classifications.len();
            let (mut orgs, mut roles, mut statuses) =
                (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
            let (mut reasons, mut actors, mut ats) =
                (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
            for (org, role, status, reason, actor, at) in p.classifications {
                orgs.push(org);
                roles.push(role.as_str());
                statuses.push(status.as_str());
                reasons.push(reason);
                actors.push(actor);
                ats.push(at);
            }
            conn.execute(
                "INSERT INTO classification_events (org_id, role, status, reason, actor, at) \
                 SELECT o, r, s, w, a, t FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], \
                 $6::text[]) WITH ORDINALITY AS u(o, r, s, w, a, t, n) ORDER BY n",
                &[&orgs, &roles, &statuses, &reasons, &actors, &ats],
            )?;
        }
        if !p.proposals.is_empty() {
            send_proposals(conn, p.proposals)?;
        }
        Ok(())
    }
}

fn send_proposals(conn: &mut Conn, rows: Vec<ProposalRow>) -> Result<()> {
    let n = rows.len();
    let (mut account, mut org, mut score) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut reason, mut actor) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut at, mut candidates, mut evidence) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for r in rows {
        account.push(r.account_id);
        org.push(r.org);
        score.push(r.score);
        reason.push(r.reason);
        actor.push(r.actor);
        at.push(r.at);
        candidates.push(r.candidates);
        evidence.push(r.evidence);
    }
    conn.execute(
        "INSERT INTO link_events (account_id, org_id, status, score, reason, actor, at, candidates, evidence) \
         SELECT a, o, 'proposed', s, r, w, t, c, e FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], \
         $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS u(a, o, s, r, w, t, c, e, n) ORDER BY n",
        &[&account, &org, &score, &reason, &actor, &at, &candidates, &evidence],
    )?;
    Ok(())
}

fn unzip3<A, B, C>(rows: Vec<(A, B, C)>) -> (Vec<A>, Vec<B>, Vec<C>) {
    let mut out = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
    for (a, b, c) in rows {
        out.0.push(a);
        out.1.push(b);
        out.2.push(c);
    }
    out
}

fn send_relationships(conn: &mut Conn, rows: Vec<RelationshipRow>) -> Result<()> {
    let n = rows.len();
    let mut kind = Vec::with_capacity(n);
    let (mut from, mut to) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut agency, mut funding) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut award, mut amount) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut start, mut end, mut action) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut permalink, mut file, mut line) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut fact, mut technology, mut citation) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for RelationshipRow { rel, fact: f } in rows {
        kind.push(rel.kind.as_str());
        from.push(rel.from);
        to.push(rel.to);
        agency.push(rel.agency);
        funding.push(rel.funding_agency);
        award.push(rel.award_id);
        amount.push(rel.amount);
        start.push(rel.start_date);
        end.push(rel.end_date);
        action.push(rel.action_date);
        permalink.push(rel.permalink);
        file.push(rel.source.file);
        line.push(rel.source.line as i64);
        fact.push(f);
        technology.push(rel.technology);
        citation.push(rel.citation);
    }
    conn.execute(
        "INSERT INTO relationships (kind, from_org, to_org, agency, funding_agency, award_id, amount, start_date, \
         end_date, action_date, permalink, source_file, source_line, fact, technology, citation) \
         SELECT k, f, t, a, fa, aw, am, sd, ed, ad, pl, sf, sl, fc, te, ci FROM unnest($1::text[], $2::bigint[], \
         $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::float8[], $8::text[], $9::text[], $10::text[], \
         $11::text[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[]) WITH ORDINALITY \
         AS u(k, f, t, a, fa, aw, am, sd, ed, ad, pl, sf, sl, fc, te, ci, n) ORDER BY n ON CONFLICT DO NOTHING",
        &[
            &kind,
            &from,
            &to,
            &agency,
            &funding,
            &award,
            &amount,
            &start,
            &end,
            &action,
            &permalink,
            &file,
            &line,
            &fact,
            &technology,
            &citation,
        ],
    )?;
    Ok(())
}

fn send_accounts(conn: &mut Conn, rows: Vec<Account>) -> Result<()> {
    let n = rows.len();
    let (mut id, mut name, mut country) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut state, mut city, mut uei, mut domain) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for a in rows {
        id.push(a.account_id);
        name.push(a.legal_name);
        country.push(a.country);
        state.push(a.state);
        city.push(a.city);
        uei.push(a.uei);
        domain.push(a.domain);
    }
    conn.execute(
        "INSERT INTO accounts (account_id, legal_name, country, state, city, uei, domain) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
         ON CONFLICT (account_id) DO UPDATE SET legal_name = excluded.legal_name, country = excluded.country, \
         state = excluded.state, city = excluded.city, uei = excluded.uei, domain = excluded.domain \
         WHERE (accounts.legal_name, accounts.country, accounts.state, accounts.city, accounts.uei, accounts.domain) \
         IS DISTINCT FROM (excluded.legal_name, excluded.country, excluded.state, excluded.city, excluded.uei, \
         excluded.domain)",
        &[&id, &name, &country, &state, &city, &uei, &domain],
    )?;
    Ok(())
}
