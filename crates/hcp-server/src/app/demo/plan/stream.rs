//! The event stream: cases, evaluations, follow-ups and complaints day by day, with pending events in a small priority queue.

use super::*;
/// Share of evaluations that are first evaluations of a case (一事一评); the rest are window evaluations
/// (一次一评) and a few follow-ups.
pub(crate) const CASE_SHARE: f64 = 0.5;
pub(crate) const WINDOW_SHARE: f64 = 0.49;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayKind {
    Work,
    /// A rest-day Saturday that is no holiday: weekend service in a few halls.
    Saturday,
    Off,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CaseRef {
    pub(crate) date: NaiveDate,
    pub(crate) seq: u32,
    pub(crate) item: u16,
    pub(crate) window: u16,
    pub(crate) staff: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ComplaintChannel {
    Phone,
    Box,
    Online,
}

#[derive(Debug, Clone)]
pub(crate) enum Payload {
    Case { case: CaseRef, finished: Option<DateTime<Utc>> },
    CaseEval { case: CaseRef, channel: Channel, level: u8, follow_up: bool, first_level: u8, seed: u64 },
    WindowEval { window: u16, staff: Option<u16>, channel: Channel, level: u8, form_date: Option<NaiveDate>, seed: u64 },
    Complaint { channel: ComplaintChannel, written: NaiveDate, seed: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) at: DateTime<Utc>,
    pub(crate) seq: u64,
    pub(crate) payload: Payload,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed: `BinaryHeap` is a max-heap and the earliest (then first scheduled) must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}

pub(crate) struct EventStream {
    pub(crate) model: Model,
    pub(crate) cal: WorkCalendar,
    pub(crate) seed: u64,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) next_day: NaiveDate,
    pub(crate) last_day: NaiveDate,
    /// Evaluations per unit of day weight.
    pub(crate) per_weight: f64,
    pub(crate) heap: BinaryHeap<Pending>,
    pub(crate) seq: u64,
    /// Cumulative window weights: cases on working days, on Saturdays; window evaluations likewise (halls only).
    pub(crate) case_cum: Vec<f64>,
    pub(crate) case_cum_sat: Vec<f64>,
    pub(crate) eval_cum: Vec<f64>,
    pub(crate) eval_cum_sat: Vec<f64>,
    /// Windows by org unit kind, for complaints.
    pub(crate) online_windows: Vec<usize>,
}

pub(crate) fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

impl EventStream {
    pub(crate) fn new(seed: u64, start: DateTime<Utc>, end: DateTime<Utc>, target: u64) -> EventStream {
        let model = Model::build();
        let cal = WorkCalendar::shipped();
        let first_day = local_date(start);
        let last_day = if end > start { local_date(end) } else { first_day.pred_opt().unwrap_or(first_day) };
        let mut stream = EventStream {
            case_cum: cumulative(model.windows.iter().map(|w| w.weight)),
            case_cum_sat: cumulative(model.windows.iter().map(|w| if w.saturday { w.weight } else { 0.0 })),
            eval_cum: cumulative(
                model.windows.iter().map(|w| if w.kind == OrgKind::OnlinePlatform { 0.0 } else { w.weight }),
            ),
            eval_cum_sat: cumulative(
                model
                    .windows
                    .iter()
                    .map(|w| if w.saturday && w.kind != OrgKind::OnlinePlatform { w.weight } else { 0.0 }),
            ),
            online_windows: (0..model.windows.len())
                .filter(|&w| model.windows[w].kind == OrgKind::OnlinePlatform)
                .collect(),
            model,
            cal,
            seed,
            start,
            end,
            next_day: first_day,
            last_day,
            per_weight: 0.0,
            heap: BinaryHeap::new(),
            seq: 0,
        };
        let mut total = 0.0;
        let mut day = first_day;
        while day <= last_day {
            total += stream.day_weight(day).1;
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        stream.per_weight = if total > 0.0 { target as f64 / total } else { 0.0 };
        stream
    }

    pub(crate) fn day_weight(&self, date: NaiveDate) -> (DayKind, f64) {
        let noise = 0.85 + 0.3 * Rng::derive(self.seed, 2, day_index(date)).unit();
        if self.cal.is_workday(date) {
            let weekday = match date.weekday() {
                Weekday::Mon => 1.15,
                Weekday::Tue => 1.05,
                Weekday::Wed => 1.0,
                Weekday::Thu => 0.97,
                Weekday::Fri => 0.88,
                // 调休上班 on a weekend.
                Weekday::Sat | Weekday::Sun => 0.9,
            };
            (DayKind::Work, weekday * noise)
        } else if date.weekday() == Weekday::Sat && self.cal.day(date).name.is_none() {
            (DayKind::Saturday, 0.1 * noise)
        } else {
            (DayKind::Off, 0.0)
        }
    }

    pub(crate) fn push(&mut self, at: DateTime<Utc>, payload: Payload) {
        if at >= self.start && at < self.end {
            self.seq += 1;
            self.heap.push(Pending { at, seq: self.seq, payload });
        }
    }

    pub(crate) fn in_period(&self, at: DateTime<Utc>) -> bool {
        at >= self.start && at < self.end
    }

    #[cfg(test)]
    pub(crate) fn pending_len(&self) -> usize {
        self.heap.len()
    }

    pub(crate) fn generate_day(&mut self, date: NaiveDate) {
        let (kind, weight) = self.day_weight(date);
        if kind == DayKind::Off || weight <= 0.0 {
            return;
        }
        let mut rng = Rng::derive(self.seed, 3, day_index(date));
        let expected = self.per_weight * weight;
        let saturday = kind == DayKind::Saturday;
        let hours = if saturday { SATURDAY_HOURS } else { HALL_HOURS };

        // Cases, numbered per org unit in order of acceptance.
        let n_cases = rng.round(expected * CASE_SHARE / 0.78);
        let mut cases: Vec<(DateTime<Utc>, usize)> = (0..n_cases)
            .map(|_| {
                let window = rng.cumulative(if saturday { &self.case_cum_sat } else { &self.case_cum });
                (at_local(date, sample_secs(&mut rng, hours)), window)
            })
            .collect();
        cases.sort_by_key(|c| c.0);
        let mut counters = vec![0u32; self.model.orgs.len()];
        for (accepted, window) in cases {
            let org = self.model.windows[window].org;
            counters[org] += 1;
            let seq = counters[org];
            self.schedule_case(&mut rng, date, seq, accepted, window);
        }

        // Window evaluations (一次一评).
        let n_window = rng.round(expected * WINDOW_SHARE);
        for _ in 0..n_window {
            let window = rng.cumulative(if saturday { &self.eval_cum_sat } else { &self.eval_cum });
            self.schedule_window_eval(&mut rng, date, hours, window);
        }

        // Complaints: a few a month (slowly growing with the volume), on working days.
        if kind == DayKind::Work {
            let n = rng.round(0.35 * (expected / 320.0).max(0.0).sqrt());
            for _ in 0..n {
                self.schedule_complaint(&mut rng, date);
            }
        }
    }

    pub(crate) fn pick_staff(&self, rng: &mut Rng, window: usize) -> usize {
        let staff = &self.model.windows[window].staff;
        // The head serves less at the counter.
        let weights: Vec<f64> = (0..staff.len()).map(|i| if i == 0 { 0.6 } else { 1.0 }).collect();
        staff[rng.weighted(&weights)]
    }

    pub(crate) fn schedule_case(
        &mut self,
        rng: &mut Rng,
        date: NaiveDate,
        seq: u32,
        accepted: DateTime<Utc>,
        window: usize,
    ) {
        let staff = self.pick_staff(rng, window);
        let w = &self.model.windows[window];
        let item = w.items[rng.index(w.items.len())];
        let days = self.model.items[item].days;
        let kind = w.kind;
        let finished = if days == 0 {
            accepted + Duration::seconds(rng.range(5 * 60, 45 * 60))
        } else {
            // Most cases finish well within the promised time (承诺时限).
            let k = 1 + (rng.below(u64::from(days)) * rng.below(u64::from(days))) / u64::from(days);
            let (day, _) = self.cal.add_working_days(date, k as u32);
            at_local(day, sample_secs(rng, HALL_HOURS))
        };
        let case = CaseRef { date, seq, item: item as u16, window: window as u16, staff: staff as u16 };
        if !self.in_period(accepted) {
            return;
        }
        let finished = (finished < self.end).then_some(finished);
        self.push(accepted, Payload::Case { case, finished });
        let Some(finished) = finished else { return };

        let p_eval = match kind {
            OrgKind::OnlinePlatform => 0.82,
            OrgKind::Center => 0.80,
            OrgKind::StreetCenter => 0.75,
            OrgKind::CommunityStation => 0.72,
        };
        if !rng.chance(p_eval) {
            return;
        }
        let channel = if kind == OrgKind::OnlinePlatform {
            [Channel::Pc, Channel::Mobile, Channel::Sms][rng.weighted(&[0.4, 0.45, 0.15])]
        } else if days == 0 {
            [Channel::HallTablet, Channel::Sms, Channel::Mobile, Channel::Pc][rng.weighted(&[0.3, 0.3, 0.28, 0.12])]
        } else {
            [Channel::Sms, Channel::Mobile, Channel::Pc][rng.weighted(&[0.42, 0.4, 0.18])]
        };
        let at = match channel {
            Channel::HallTablet => finished + Duration::seconds(rng.range(10, 180)),
            Channel::Sms => daytime(&self.cal, rng, finished, (10, 30 * 60)),
            Channel::Mobile => daytime(&self.cal, rng, finished, (20, 72 * 60)),
            _ => daytime(&self.cal, rng, finished, (60, 96 * 60)),
        };
        if !self.in_period(at) {
            return;
        }
        let level = pick_level(rng, self.model.staff[staff].bad_mult);
        let seed = rng.next_u64();
        self.push(at, Payload::CaseEval { case, channel, level, follow_up: false, first_level: 0, seed });

        // 追评: more likely after a mediocre or bad experience.
        let p_follow = match level {
            5 => 0.008,
            4 => 0.03,
            3 => 0.12,
            _ => 0.3,
        };
        if rng.chance(p_follow) {
            let later = daytime(&self.cal, rng, at, (2 * 24 * 60, 15 * 24 * 60));
            let first_level = level;
            let level = match level {
                1 | 2 if rng.chance(0.6) => [5, 4][rng.weighted(&[0.6, 0.4])],
                1 | 2 => level,
                3 => [5, 4, 3, 2][rng.weighted(&[0.4, 0.3, 0.25, 0.05])],
                _ => pick_level(rng, 1.0).max(3),
            };
            let channel = if channel == Channel::Pc && rng.chance(0.6) { Channel::Pc } else { Channel::Mobile };
            let seed = rng.next_u64();
            self.push(later, Payload::CaseEval { case, channel, level, follow_up: true, first_level, seed });
        }
    }

    pub(crate) fn schedule_window_eval(&mut self, rng: &mut Rng, date: NaiveDate, hours: Segments, window: usize) {
        let w = &self.model.windows[window];
        let weights: &[f64] = match w.kind {
            OrgKind::Center => &[0.46, 0.2, 0.15, 0.08, 0.06, 0.05],
            OrgKind::StreetCenter => &[0.45, 0.25, 0.05, 0.13, 0.06, 0.06],
            _ => &[0.3, 0.35, 0.0, 0.25, 0.05, 0.05],
        };
        let channel =
            [Channel::HallTablet, Channel::Qrcode, Channel::HallTerminal, Channel::Paper, Channel::Phone, Channel::Box]
                [rng.weighted(weights)];
        let p_staff = match channel {
            Channel::HallTablet => 0.95,
            Channel::Qrcode => 0.85,
            Channel::HallTerminal => 0.6,
            Channel::Paper => 0.5,
            Channel::Phone => 0.4,
            _ => 0.3,
        };
        let staff = rng.chance(p_staff).then(|| self.pick_staff(rng, window));
        let given = at_local(date, sample_secs(rng, hours));
        let (received, form_date) = match channel {
            Channel::Phone => (at_local(date, sample_secs(rng, DAYTIME)), None),
            Channel::Paper | Channel::Box => {
                // Paper forms are entered within days; the box is opened about weekly.
                let max = if channel == Channel::Paper { 4 } else { 7 };
                let day = registrar_day(&self.cal, date, rng.range(1, max));
                (at_local(day, sample_secs(rng, REGISTRAR_HOURS)), Some(date))
            }
            _ => (given, None),
        };
        let mult = staff.map_or(1.0, |s| self.model.staff[s].bad_mult)
            * match channel {
                // Those who take the trouble to call or write are the unhappier ones.
                Channel::Phone => 4.0,
                Channel::Box => 3.0,
                Channel::Paper => 2.0,
                _ => 1.0,
            };
        let level = pick_level(rng, mult);
        let seed = rng.next_u64();
        self.push(
            received,
            Payload::WindowEval {
                window: window as u16,
                staff: staff.map(|s| s as u16),
                channel,
                level,
                form_date,
                seed,
            },
        );
    }

    pub(crate) fn schedule_complaint(&mut self, rng: &mut Rng, date: NaiveDate) {
        let channel = [ComplaintChannel::Phone, ComplaintChannel::Box, ComplaintChannel::Online]
            [rng.weighted(&[0.55, 0.3, 0.15])];
        let (written, received) = match channel {
            ComplaintChannel::Box => {
                let day = registrar_day(&self.cal, date, rng.range(1, 7));
                (date, at_local(day, sample_secs(rng, REGISTRAR_HOURS)))
            }
            _ => (date, at_local(date, sample_secs(rng, DAYTIME))),
        };
        let seed = rng.next_u64();
        self.push(received, Payload::Complaint { channel, written, seed });
    }

    // --- materialisation ------------------------------------------------------------------------------------

    pub(crate) fn case_no(&self, case: &CaseRef) -> String {
        let org = self.model.windows[case.window as usize].org;
        format!("{}{}{:06}", self.model.orgs[org].case_prefix, case.date.format("%Y%m%d"), case.seq)
    }

    pub(crate) fn materialize(&self, p: Pending) -> DemoEvent {
        match p.payload {
            Payload::Case { case, finished } => DemoEvent::Case(DemoCase {
                case_no: self.case_no(&case),
                item_code: self.model.items[case.item as usize].code.clone(),
                window_code: self.model.windows[case.window as usize].code.clone(),
                staff_no: self.model.staff[case.staff as usize].no.clone(),
                accepted_at: p.at,
                finished_at: finished,
            }),
            Payload::CaseEval { case, channel, level, follow_up, first_level, seed } => {
                let mut rng = Rng::new(seed);
                let window = &self.model.windows[case.window as usize];
                let item = &self.model.items[case.item as usize];
                let ctx = TextCtx {
                    level,
                    channel,
                    kind: window.kind,
                    dept_key: self.model.depts[window.dept].key,
                    item: &item.name,
                    days: item.days,
                    staff: Some(&self.model.staff[case.staff as usize].name),
                    window: &window.name,
                    follow_up,
                    first_level,
                    theme: theme_for(&mut rng, window.kind, item.days),
                };
                // The hall tablet shows the case just handled, with its window and staff.
                let at_window = channel == Channel::HallTablet;
                DemoEvent::Evaluation(DemoEvaluation {
                    input: EvaluationInput {
                        channel: Some(channel.code().to_owned()),
                        case_no: Some(self.case_no(&case)),
                        window_code: at_window.then(|| window.code.clone()),
                        staff_no: at_window.then(|| self.model.staff[case.staff as usize].no.clone()),
                        level: Some(i64::from(level)),
                        tags: tags_for(&mut rng, &ctx),
                        comment: comment_for(&mut rng, &ctx),
                        evaluator: evaluator_for(&mut rng, channel, level, item.enterprise),
                        evaluated_at: None,
                        follow_up,
                    },
                    received_at: p.at,
                })
            }
            Payload::WindowEval { window, staff, channel, level, form_date, seed } => {
                let mut rng = Rng::new(seed);
                let w = &self.model.windows[window as usize];
                let dept = &self.model.depts[w.dept];
                let item = &self.model.items[w.items[rng.index(w.items.len())]];
                let ctx = TextCtx {
                    level,
                    channel,
                    kind: w.kind,
                    dept_key: dept.key,
                    item: &item.name,
                    days: item.days,
                    staff: staff.map(|s| self.model.staff[s as usize].name.as_str()),
                    window: &w.name,
                    follow_up: false,
                    first_level: 0,
                    theme: theme_for(&mut rng, w.kind, item.days),
                };
                DemoEvent::Evaluation(DemoEvaluation {
                    input: EvaluationInput {
                        channel: Some(channel.code().to_owned()),
                        case_no: None,
                        window_code: Some(w.code.clone()),
                        staff_no: staff.map(|s| self.model.staff[s as usize].no.clone()),
                        level: Some(i64::from(level)),
                        tags: tags_for(&mut rng, &ctx),
                        comment: comment_for(&mut rng, &ctx),
                        evaluator: evaluator_for(&mut rng, channel, level, item.enterprise),
                        evaluated_at: form_date.map(|d| d.format("%Y-%m-%d").to_string()),
                        follow_up: false,
                    },
                    received_at: p.at,
                })
            }
            Payload::Complaint { channel, written, seed } => {
                DemoEvent::Complaint(self.complaint(channel, written, seed, p.at))
            }
        }
    }

    pub(crate) fn complaint(
        &self,
        channel: ComplaintChannel,
        written: NaiveDate,
        seed: u64,
        at: DateTime<Utc>,
    ) -> DemoComplaint {
        let mut rng = Rng::new(seed);
        let m = &self.model;
        let target = rng.weighted(&[0.35, 0.25, 0.2, 0.1, 0.1]);
        let window = if channel == ComplaintChannel::Online && rng.chance(0.5) {
            *rng.pick(&self.online_windows)
        } else {
            rng.cumulative(&self.eval_cum)
        };
        let w = &m.windows[window];
        let dept = &m.depts[w.dept];
        let org = &m.orgs[w.org];
        let named_window = matches!(target, 0 | 1);
        let pool = if named_window { &w.items } else { &dept.items };
        let item = &m.items[pool[rng.index(pool.len())]];
        let staff = &m.staff[self.pick_staff(&mut rng, window)];
        // The day of the visit: a working day, a few days before writing.
        let mut visit = written - Duration::days(rng.range(0, 5));
        for _ in 0..20 {
            if self.cal.is_workday(visit) {
                break;
            }
            visit = visit.pred_opt().unwrap_or(visit);
        }
        let staff_text = if rng.chance(0.5) { staff.name.clone() } else { format!("（工号{}）", staff.no) };
        let template = loop {
            let template = match (target, w.kind) {
                (0 | 1, OrgKind::OnlinePlatform) => *rng.pick(COMPLAINT_ONLINE),
                (0, _) => *rng.pick(COMPLAINT_STAFF),
                (1, _) => *rng.pick(COMPLAINT_WINDOW),
                (2, _) => *rng.pick(COMPLAINT_DEPT),
                (3, _) => *rng.pick(COMPLAINT_ORG),
                _ => *rng.pick(COMPLAINT_GENERAL),
            };
            // An overdue complaint needs an item with a promised time.
            if item.days > 0 || !template.contains("{days}") {
                break template;
            }
        };
        // Street and community window names already say where they are.
        let place = if w.kind == OrgKind::Center { format!("{}{}", org.name, w.name) } else { w.name.clone() };
        let missing = *rng.pick(MISSING);
        let body = template
            .replace("{date}", &format!("{}月{}日", visit.month(), visit.day()))
            .replace("{org}{window}", &place)
            .replace("{org}", &org.name)
            .replace("{window}", &w.name)
            .replace("{dept}", &dept.name)
            .replace("{item}", &item.name)
            .replace("{staff}", &staff_text)
            .replace("{missing}", missing)
            .replace("{days}", &item.days.to_string());
        let content = match channel {
            ComplaintChannel::Phone => format!("市民来电反映：{body}"),
            _ => body,
        };
        let contact = match channel {
            ComplaintChannel::Phone => Some((rng.chance(0.6), true)),
            ComplaintChannel::Box => rng.chance(0.35).then(|| (rng.chance(0.7), true)),
            ComplaintChannel::Online => Some((rng.chance(0.8), true)),
        }
        .map(|(with_name, with_phone)| ContactInput {
            name: with_name.then(|| citizen_name(&mut rng)),
            phone: with_phone.then(|| mobile_number(&mut rng)),
        });
        DemoComplaint {
            input: ComplaintInput {
                channel: Some(
                    match channel {
                        ComplaintChannel::Phone => "phone",
                        ComplaintChannel::Box => "box",
                        ComplaintChannel::Online => "online",
                    }
                    .to_owned(),
                ),
                org_code: (target <= 3).then(|| org.code.clone()),
                department_code: (target <= 2).then(|| dept.code.clone()),
                window_code: named_window.then(|| w.code.clone()),
                staff_no: (target == 0 && w.kind != OrgKind::OnlinePlatform).then(|| staff.no.clone()),
                content: Some(content),
                contact,
            },
            received_at: at,
        }
    }
}

pub(crate) fn day_index(date: NaiveDate) -> u64 {
    date.num_days_from_ce() as u64
}

impl Iterator for EventStream {
    type Item = DemoEvent;

    fn next(&mut self) -> Option<DemoEvent> {
        // Generate days until nothing generated later can precede the earliest pending event.
        while self.next_day <= self.last_day && self.heap.peek().is_none_or(|p| p.at >= at_local(self.next_day, 0)) {
            let day = self.next_day;
            self.next_day = day.succ_opt()?;
            self.generate_day(day);
        }
        let pending = self.heap.pop()?;
        Some(self.materialize(pending))
    }
}
