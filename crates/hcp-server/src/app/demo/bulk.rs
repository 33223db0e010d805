//! The demo's bulk path for large data sets (`hcp demo --evaluations 10000000`): cases and good first
//! evaluations are buffered and written with multi-row statements, and their statistics are summed in memory and
//! added to the aggregate with the same flush, in the same transaction. Rows are built by the intake's own
//! [`evaluation_record`] and counted by the statistics' own [`contribution`], so a bulk load gives the same
//! aggregate as the one-by-one path. Bad reviews, follow-ups and complaints still go through intake (tickets,
//! dispatch, audit per record); bulk rows skip the intake integrity rules — the periodic sweep still sees them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use hcp_core::evaluation::Adoption;
use hcp_core::evaluation::{NewEvaluation, Target};
use hcp_core::stats::{Counters, case_contribution};
use hcp_store::crypto::DataKey;
use hcp_store::org::{self, Case, NewCase, Placement};
use hcp_store::stats::{EvaluationRow, StatKey, apply_many, case_key};
use hcp_store::{AnyConnection, audit, evaluations, ms};

use super::DemoError;
use crate::app::intake::{Attributed, Submitter, evaluation_record};
use crate::app::stats::contribution;

/// The demo organisation, by the codes the event stream uses.
pub(super) struct Directory {
    /// window code → where it sits.
    pub windows: HashMap<String, Placement>,
    /// staff_no → (staff id, window id).
    pub staff: HashMap<String, (i64, Option<i64>)>,
    /// item code → item id.
    pub items: HashMap<String, i64>,
}

struct BufferedCase {
    case_no: String,
    item_id: i64,
    window_id: i64,
    staff_id: Option<i64>,
    accepted_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
}

pub(super) struct Bulk<'a> {
    key: &'a DataKey,
    directory: &'a Directory,
    places: HashMap<i64, Placement>,
    cases: Vec<BufferedCase>,
    evaluations: Vec<(NewEvaluation, DateTime<Utc>)>,
    /// Case numbers in the buffers: a one-by-one event about one of them must wait for a flush.
    case_nos: HashSet<String>,
    submitter: Submitter,
}

impl<'a> Bulk<'a> {
    pub fn new(key: &'a DataKey, directory: &'a Directory) -> Bulk<'a> {
        let places = directory.windows.values().map(|p| (p.window_id, p.clone())).collect();
        Bulk {
            key,
            directory,
            places,
            cases: Vec::new(),
            evaluations: Vec::new(),
            case_nos: HashSet::new(),
            submitter: Submitter {
                user_id: None,
                actor: "demo".into(),
                scope_path: None,
                client_index: None,
                client_ip: None,
            },
        }
    }

    pub fn len(&self) -> usize {
        self.cases.len() + self.evaluations.len()
    }

    /// Whether an evaluation can take the bulk path: a good first evaluation (no ticket, no earlier record).
    pub fn takes(e: &NewEvaluation) -> bool {
        !e.level.is_bad() && !e.follow_up
    }

    /// Whether the buffers hold this case or an evaluation of it.
    pub fn holds(&self, case_no: &str) -> bool {
        self.case_nos.contains(case_no)
    }

    pub fn push_case(&mut self, case: &super::plan::DemoCase) -> Result<(), DemoError> {
        let place = self.directory.windows.get(&case.window_code).ok_or_else(|| invalid(&case.window_code))?;
        let item_id = *self.directory.items.get(&case.item_code).ok_or_else(|| invalid(&case.item_code))?;
        self.case_nos.insert(case.case_no.clone());
        self.cases.push(BufferedCase {
            case_no: case.case_no.clone(),
            item_id,
            window_id: place.window_id,
            staff_id: self.directory.staff.get(&case.staff_no).map(|s| s.0),
            accepted_at: case.accepted_at,
            finished_at: case.finished_at,
        });
        Ok(())
    }

    pub fn push_evaluation(&mut self, e: NewEvaluation, received_at: DateTime<Utc>) {
        if let Target::Case { case_no, .. } = &e.target {
            self.case_nos.insert(case_no.as_str().to_owned());
        }
        self.evaluations.push((e, received_at));
    }

    /// Writes the buffers on `conn` (inside the caller's transaction) and adds their statistics.
    pub async fn flush(&mut self, conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<u64, DemoError> {
        if self.len() == 0 {
            return Ok(0);
        }
        let mut sums: HashMap<StatKey, Counters> = HashMap::new();
        let mut known: HashMap<String, Case> = HashMap::new();

        let new_cases: Vec<NewCase<'_>> = self
            .cases
            .iter()
            .map(|c| NewCase {
                case_no: &c.case_no,
                item_id: c.item_id,
                window_id: c.window_id,
                staff_id: c.staff_id,
                accepted_at: c.accepted_at,
                finished_at: c.finished_at,
            })
            .collect();
        let ids: HashMap<String, i64> = org::insert_cases(conn, &new_cases, now).await?.into_iter().collect();
        for c in &self.cases {
            let id = *ids.get(&c.case_no).ok_or_else(|| invalid(&c.case_no))?;
            if let Some(finished) = c.finished_at {
                let place = &self.places[&c.window_id];
                sums.entry(case_key(place, c.staff_id, c.item_id, ms(finished))?)
                    .or_default()
                    .add(&case_contribution());
            }
            known.insert(
                c.case_no.clone(),
                Case {
                    id,
                    case_no: c.case_no.clone(),
                    item_id: c.item_id,
                    window_id: c.window_id,
                    staff_id: c.staff_id,
                    accepted_at: ms(c.accepted_at),
                    finished_at: c.finished_at.map(ms),
                },
            );
        }
        let missing: Vec<String> = self
            .evaluations
            .iter()
            .filter_map(|(e, _)| match &e.target {
                Target::Case { case_no, .. } if !known.contains_key(case_no.as_str()) => {
                    Some(case_no.as_str().to_owned())
                }
                _ => None,
            })
            .collect();
        for case in org::cases_by_no(conn, &missing).await? {
            known.insert(case.case_no.clone(), case);
        }

        let mut records = Vec::with_capacity(self.evaluations.len());
        for (e, received_at) in &self.evaluations {
            let (case, staff_id, place) = match &e.target {
                Target::Case { case_no, .. } => {
                    let case = known.get(case_no.as_str()).ok_or_else(|| invalid(case_no.as_str()))?;
                    (Some(case), case.staff_id, &self.places[&case.window_id])
                }
                Target::Window { window_code, staff_no } => {
                    let place = self
                        .directory
                        .windows
                        .get(window_code.as_str())
                        .ok_or_else(|| invalid(window_code.as_str()))?;
                    let staff_id = match staff_no {
                        None => None,
                        Some(no) => match self.directory.staff.get(no.as_str()) {
                            Some((id, window)) if *window == Some(place.window_id) => Some(*id),
                            _ => return Err(invalid(no.as_str())),
                        },
                    };
                    (None, staff_id, place)
                }
            };
            let attributed = Attributed { case, staff_id, place, first_evaluation_id: None };
            let (record, _password) = evaluation_record(self.key, e, &attributed, &self.submitter, *received_at, None);
            let counted = contribution(&EvaluationRow {
                level: record.level,
                adoption: Adoption::Adopted,
                channel: record.channel,
                evaluator_kind: record.evaluator_kind,
                evaluated_at: record.evaluated_at,
                org_path: record.org_path.clone(),
                org_unit_id: record.org_unit_id,
                department_id: record.department_id,
                window_id: record.window_id,
                staff_id: record.staff_id,
                item_id: record.item_id,
                facts: None,
            })?;
            sums.entry(counted.key).or_default().add(&counted.counters);
            records.push(record);
        }
        let evaluation_ids = evaluations::insert_many(conn, &records).await?;
        let sums: Vec<(StatKey, Counters)> = sums.into_iter().collect();
        apply_many(conn, &sums).await?;
        // One audit entry per flush, recording every evaluation's digest, so the chain covers each record.
        let written: Vec<(audit::Kind, i64)> = evaluation_ids.iter().map(|id| (audit::Kind::Evaluation, *id)).collect();
        audit::append_with(
            conn,
            now,
            "demo",
            "demo.bulk_load",
            "demo:bulk",
            &serde_json::json!({
                "cases": self.cases.len(),
                "evaluations": records.len(),
                "first_evaluation": evaluation_ids.iter().min(),
                "last_evaluation": evaluation_ids.iter().max(),
            }),
            &written,
        )
        .await?;
        let written = records.len() as u64;
        self.cases.clear();
        self.evaluations.clear();
        self.case_nos.clear();
        Ok(written)
    }
}

fn invalid(what: &str) -> DemoError {
    DemoError::Invalid(format!("“{what}”无法对应到演示机构"))
}
