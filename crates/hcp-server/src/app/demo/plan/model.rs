//! The organisation built from the specification: units, departments, windows, staff and items with their weights.

use super::*;

#[derive(Debug, Clone)]
pub(crate) struct OrgDef {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: OrgKind,
    pub(crate) parent: Option<usize>,
    /// Case-number prefix: the code without separators.
    pub(crate) case_prefix: String,
}

#[derive(Debug, Clone)]
pub(crate) struct DeptDef {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) key: &'static str,
    pub(crate) org: usize,
    pub(crate) items: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct WinDef {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) dept: usize,
    pub(crate) org: usize,
    pub(crate) kind: OrgKind,
    /// Staff indexes; the first is the head.
    pub(crate) staff: Vec<usize>,
    /// The items this window handles.
    pub(crate) items: Vec<usize>,
    pub(crate) weight: f64,
    pub(crate) saturday: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct StaffDef {
    pub(crate) no: String,
    pub(crate) name: String,
    pub(crate) window: usize,
    /// Multiplier of the bad-review probability (a few staff draw more complaints: the supervision demo needs
    /// concentrations).
    pub(crate) bad_mult: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct ItemDef {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) dept: usize,
    pub(crate) days: u8,
    pub(crate) enterprise: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) orgs: Vec<OrgDef>,
    pub(crate) depts: Vec<DeptDef>,
    pub(crate) windows: Vec<WinDef>,
    pub(crate) staff: Vec<StaffDef>,
    pub(crate) items: Vec<ItemDef>,
}

pub(crate) struct Builder {
    pub(crate) model: Model,
    pub(crate) rng: Rng,
    pub(crate) names: HashSet<String>,
}

impl Builder {
    pub(crate) fn org(&mut self, code: String, name: String, kind: OrgKind, parent: Option<usize>) -> usize {
        let case_prefix = code.replace('-', "");
        self.model.orgs.push(OrgDef { code, name, kind, parent, case_prefix });
        self.model.orgs.len() - 1
    }

    pub(crate) fn person_name(&mut self) -> String {
        loop {
            let surname = *self.rng.pick(SURNAMES);
            let name = if self.rng.chance(0.3) {
                format!("{surname}{}", self.rng.pick(GIVEN_SECOND))
            } else {
                format!("{surname}{}{}", self.rng.pick(GIVEN_FIRST), self.rng.pick(GIVEN_SECOND))
            };
            if self.names.insert(name.clone()) {
                return name;
            }
        }
    }

    /// A department with its windows, staff and items. `name_prefix` distinguishes the same department kind in
    /// several street centers or stations.
    pub(crate) fn dept(&mut self, org: usize, spec: &DeptSpec, name_prefix: &str) {
        let org_code = self.model.orgs[org].code.clone();
        let kind = self.model.orgs[org].kind;
        let code = format!("{org_code}-{}", spec.key);
        let dept = self.model.depts.len();
        let mut items = Vec::new();
        for (i, &(name, days, enterprise, _)) in spec.items.iter().enumerate() {
            items.push(self.model.items.len());
            self.model.items.push(ItemDef {
                code: format!("{code}-SX{:03}", i + 1),
                name: name.to_owned(),
                dept,
                days,
                enterprise,
            });
        }
        self.model.depts.push(DeptDef {
            code: code.clone(),
            name: format!("{name_prefix}{}", spec.name),
            key: spec.key,
            org,
            items: items.clone(),
        });
        for (i, &(window_name, staff_count)) in spec.windows.iter().enumerate() {
            let window = self.model.windows.len();
            let mut staff = Vec::new();
            for _ in 0..staff_count {
                staff.push(self.model.staff.len());
                let name = self.person_name();
                self.model.staff.push(StaffDef {
                    no: format!("S{}", 1001 + self.model.staff.len()),
                    name,
                    window,
                    bad_mult: 1.0,
                });
            }
            let own: Vec<usize> = (0..spec.items.len())
                .filter(|&k| spec.items[k].3 == ANY || usize::from(spec.items[k].3) == i)
                .map(|k| items[k])
                .collect();
            self.model.windows.push(WinDef {
                items: if own.is_empty() { items.clone() } else { own },
                code: format!("{code}-{:02}", i + 1),
                name: format!("{name_prefix}{window_name}"),
                dept,
                org,
                kind,
                staff,
                weight: spec.weight,
                saturday: spec.saturday,
            });
        }
    }
}

impl Model {
    pub(crate) fn build() -> Model {
        let mut b = Builder {
            model: Model { orgs: vec![], depts: vec![], windows: vec![], staff: vec![], items: vec![] },
            rng: Rng::derive(ORG_SEED, 1, 0),
            names: HashSet::new(),
        };
        let center = b.org(CENTER_CODE.into(), "吉林经开区政务服务中心".into(), OrgKind::Center, None);
        for spec in CENTER_DEPTS {
            b.dept(center, spec, "");
        }
        for &(street_code, street_name, communities) in STREETS {
            let street = b.org(
                format!("{CENTER_CODE}-{street_code}"),
                format!("{street_name}便民服务中心"),
                OrgKind::StreetCenter,
                Some(center),
            );
            for spec in STREET_DEPTS {
                b.dept(street, spec, street_name);
            }
            for &(suffix, community) in communities {
                let station = b.org(
                    format!("{CENTER_CODE}-{street_code}-{suffix}"),
                    format!("{community}便民服务站"),
                    OrgKind::CommunityStation,
                    Some(street),
                );
                b.dept(station, &COMMUNITY_DEPT, community);
            }
        }
        let online = b.org(
            format!("{CENTER_CODE}-WB"),
            "吉林经开区网上政务服务平台（吉事办）".into(),
            OrgKind::OnlinePlatform,
            Some(center),
        );
        b.dept(online, &ONLINE_DEPT, "");

        let mut model = b.model;
        // Where bad reviews concentrate: the focus staff (so the staff and window-head demo users have tickets),
        // one staff at 不动产转移登记 and one at a street center.
        let focus = model.focus_window();
        let focus_staff = model.windows[focus].staff[FOCUS_STAFF_POS];
        model.staff[focus_staff].bad_mult = 6.0;
        for (window_code, pos, mult) in [("JK-BDC-01", 2, 8.0), ("JK-SJ-ZHSL-01", 1, 6.0)] {
            if let Some(w) = model.windows.iter().find(|w| w.code == window_code) {
                let s = w.staff[pos];
                model.staff[s].bad_mult = mult;
            }
        }
        model
    }

    pub(crate) fn focus_window(&self) -> usize {
        self.windows.iter().position(|w| w.code == FOCUS_WINDOW).expect("the focus window is part of the model")
    }
}
