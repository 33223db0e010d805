//! A believable demo jurisdiction modelled on 吉林经开区 (the source of DESIGN.md): its organisation tree,
//! departments, windows, staff and service items, and a deterministic stream of cases, evaluations and
//! complaints over a period.
//!
//! Pure: no I/O, no database, no clock. Randomness comes from a small seeded PRNG in this file, so one seed gives
//! the same data on every machine. The stream is generated day by day and kept in a small priority queue of
//! pending events (a few days' worth at most), so millions of events can be produced without holding them.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use hcp_core::calendar::WorkCalendar;
use hcp_core::channel::Channel;
use hcp_core::clock::shanghai;
use hcp_core::complaint::{ComplaintInput, ContactInput};
use hcp_core::evaluation::{EvaluationInput, EvaluatorInput};
use hcp_core::org::OrgKind;

/// The seed of the shipped demo (the date the source measures were issued).
pub const DEMO_SEED: u64 = 20_230_512;

// ---------------------------------------------------------------------------------------------------------------
// Public data shapes
// ---------------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrgUnit {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDepartment {
    pub code: String,
    pub name: String,
    pub org_unit_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoWindow {
    pub code: String,
    pub name: String,
    pub department_code: String,
    pub head_staff_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStaff {
    pub staff_no: String,
    pub name: String,
    pub window_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoItem {
    pub code: String,
    pub name: String,
    pub department_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCase {
    pub case_no: String,
    pub item_code: String,
    pub window_code: String,
    pub staff_no: String,
    pub accepted_at: DateTime<Utc>,
    /// `None` while the case is still in progress at the end of the period.
    pub finished_at: Option<DateTime<Utc>>,
}

/// One evaluation to submit. `received_at` is when the system receives it (for online channels equal to when it
/// was given; paper/box forms arrive 1–7 days later and carry `input.evaluated_at` as a "YYYY-MM-DD" date string).
#[derive(Debug, Clone)]
pub struct DemoEvaluation {
    pub input: EvaluationInput,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct DemoComplaint {
    pub input: ComplaintInput,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub org_units: Vec<DemoOrgUnit>,
    pub departments: Vec<DemoDepartment>,
    pub windows: Vec<DemoWindow>,
    pub staff: Vec<DemoStaff>,
    pub items: Vec<DemoItem>,
}

/// The window that the demo `staff` and `window_head` users belong to (so one window can be followed through
/// every role): its code, the head's staff_no, and one ordinary staff member's staff_no at that window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFocus {
    pub window_code: String,
    pub head_staff_no: String,
    pub staff_no: String,
    pub department_code: String,
    pub org_unit_code: String,
}

#[derive(Debug, Clone)]
pub enum DemoEvent {
    Case(DemoCase),
    Evaluation(DemoEvaluation),
    Complaint(DemoComplaint),
}

impl DemoEvent {
    /// The instant that orders the stream: `accepted_at` of a case, `received_at` otherwise.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            DemoEvent::Case(c) => c.accepted_at,
            DemoEvent::Evaluation(e) => e.received_at,
            DemoEvent::Complaint(c) => c.received_at,
        }
    }
}

/// The demo organisation: 1 center, 3 street centers with 3 community stations each, 1 online platform.
pub fn org() -> DemoOrg {
    let model = Model::build();
    DemoOrg {
        org_units: model
            .orgs
            .iter()
            .map(|o| DemoOrgUnit {
                code: o.code.clone(),
                name: o.name.clone(),
                kind: o.kind,
                parent_code: o.parent.map(|p| model.orgs[p].code.clone()),
            })
            .collect(),
        departments: model
            .depts
            .iter()
            .map(|d| DemoDepartment {
                code: d.code.clone(),
                name: d.name.clone(),
                org_unit_code: model.orgs[d.org].code.clone(),
            })
            .collect(),
        windows: model
            .windows
            .iter()
            .map(|w| DemoWindow {
                code: w.code.clone(),
                name: w.name.clone(),
                department_code: model.depts[w.dept].code.clone(),
                head_staff_no: w.staff.first().map(|&s| model.staff[s].no.clone()),
            })
            .collect(),
        staff: model
            .staff
            .iter()
            .map(|s| DemoStaff {
                staff_no: s.no.clone(),
                name: s.name.clone(),
                window_code: model.windows[s.window].code.clone(),
            })
            .collect(),
        items: model
            .items
            .iter()
            .map(|i| DemoItem {
                code: i.code.clone(),
                name: i.name.clone(),
                department_code: model.depts[i.dept].code.clone(),
            })
            .collect(),
    }
}

/// The focus window: 市场主体登记窗口 of 市场监督管理局 in the district center.
pub fn focus() -> DemoFocus {
    let model = Model::build();
    let w = &model.windows[model.focus_window()];
    DemoFocus {
        window_code: w.code.clone(),
        head_staff_no: model.staff[w.staff[0]].no.clone(),
        staff_no: model.staff[w.staff[FOCUS_STAFF_POS]].no.clone(),
        department_code: model.depts[w.dept].code.clone(),
        org_unit_code: model.orgs[w.org].code.clone(),
    }
}

/// The last ~3 full months up to `now`: from local midnight of the first day of the month three months before
/// the current one, to `now`.
pub fn default_period(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    period_of_months(now, 3)
}

/// The last `back` full months and the current one up to `now` (a large data set spans a year: 12).
pub fn period_of_months(now: DateTime<Utc>, back: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(&shanghai()).date_naive();
    let months = today.year() * 12 + today.month0() as i32 - back;
    let first = NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1).unwrap_or(today);
    (at_local(first, 0), now)
}

/// Cases, evaluations and complaints between `start` and `end` in non-decreasing time order, generated lazily.
///
/// `evaluations_target` is roughly how many evaluations to produce over the period; they fall in the working hours
/// of working days (Asia/Shanghai, State Council calendar), a little on Saturday mornings for the halls with
/// weekend service, none at night.
pub fn events(
    seed: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    evaluations_target: u64,
) -> impl Iterator<Item = DemoEvent> + Send {
    EventStream::new(seed, start, end, evaluations_target)
}

// ---------------------------------------------------------------------------------------------------------------
// PRNG: xoshiro256** seeded through SplitMix64
// ---------------------------------------------------------------------------------------------------------------

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[derive(Debug, Clone)]
struct Rng {
    s: [u64; 4],
}

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut state = seed;
        Rng { s: [splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state)] }
    }

    /// An independent stream for (seed, purpose, index).
    fn derive(seed: u64, purpose: u64, index: u64) -> Rng {
        let mut state = seed ^ purpose.wrapping_mul(0xA24B_AED4_963E_E407);
        let a = splitmix64(&mut state);
        let mut state = a ^ index.wrapping_mul(0x9FB2_1C65_1E98_DF25);
        Rng::new(splitmix64(&mut state))
    }

    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// Uniform in lo..=hi.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index drawn by weight.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// An index drawn from cumulative weights (binary search).
    fn cumulative(&mut self, cum: &[f64]) -> usize {
        let total = cum.last().copied().unwrap_or(0.0);
        let x = self.unit() * total;
        cum.partition_point(|&c| c <= x).min(cum.len().saturating_sub(1))
    }

    /// `x` rounded up or down at random so that the expectation is `x`.
    fn round(&mut self, x: f64) -> u64 {
        let floor = x.floor();
        floor as u64 + u64::from(self.chance(x - floor))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The organisation: static specification
// ---------------------------------------------------------------------------------------------------------------

/// (name, promised working days, 0 = 即办件; enterprise-oriented; position of the window of the department that
/// handles it, or [`ANY`])
type ItemSpec = (&'static str, u8, bool, u8);

/// An item any window of its department handles.
const ANY: u8 = u8::MAX;

struct DeptSpec {
    /// Code suffix, also the key of department-specific texts.
    key: &'static str,
    name: &'static str,
    /// (window name, number of staff)
    windows: &'static [(&'static str, usize)],
    items: &'static [ItemSpec],
    /// Relative traffic of each window of this department.
    weight: f64,
    /// Open on Saturday mornings (周六延时服务).
    saturday: bool,
}

const CENTER_DEPTS: &[DeptSpec] = &[
    DeptSpec {
        key: "SCJG",
        name: "市场监督管理局",
        windows: &[("市场主体登记窗口", 4), ("食品药品许可窗口", 3), ("企业开办综合窗口", 3)],
        items: &[
            ("企业设立登记", 1, true, 2),
            ("企业变更登记", 1, true, 0),
            ("企业注销登记", 3, true, 0),
            ("个体工商户注册登记", 0, false, 0),
            ("食品经营许可", 5, true, 1),
            ("药品零售企业经营许可", 15, true, 1),
            ("营业执照遗失补领", 0, true, 2),
        ],
        weight: 1.3,
        saturday: false,
    },
    DeptSpec {
        key: "RSJ",
        name: "人力资源和社会保障局",
        windows: &[("社会保障卡服务窗口", 3), ("就业创业服务窗口", 3), ("养老保险窗口", 3)],
        items: &[
            ("社会保障卡申领", 0, false, 0),
            ("社会保障卡挂失与补换", 0, false, 0),
            ("失业保险金申领", 5, false, 1),
            ("就业失业登记", 0, false, 1),
            ("职工基本养老保险关系转移接续", 15, false, 2),
            ("单位职工参保登记", 0, true, 2),
            ("创业担保贷款申请", 10, false, 1),
        ],
        weight: 1.2,
        saturday: true,
    },
    DeptSpec {
        key: "BDC",
        name: "不动产登记中心",
        windows: &[("不动产转移登记窗口", 4), ("抵押登记窗口", 3), ("查询发证窗口", 2)],
        items: &[
            ("不动产转移登记", 5, false, 0),
            ("不动产抵押登记", 3, false, 1),
            ("抵押权注销登记", 1, false, 1),
            ("不动产首次登记", 10, true, 0),
            ("不动产变更登记", 5, false, 0),
            ("不动产登记资料查询", 0, false, 2),
            ("预告登记", 3, false, 1),
        ],
        weight: 1.4,
        saturday: false,
    },
    DeptSpec {
        key: "SW",
        name: "税务局",
        windows: &[("综合办税窗口", 4), ("发票办理窗口", 3), ("社保费缴纳窗口", 2)],
        items: &[
            ("新办纳税人涉税事项套餐", 0, true, 0),
            ("发票领用", 0, true, 1),
            ("增值税发票代开", 0, false, 1),
            ("个人所得税综合所得汇算清缴", 0, false, 0),
            ("城乡居民社会保险费缴纳", 0, false, 2),
            ("车辆购置税申报", 0, false, 0),
            ("契税申报", 0, false, 0),
        ],
        weight: 1.1,
        saturday: false,
    },
    DeptSpec {
        key: "GA",
        name: "公安分局（户政、出入境）",
        windows: &[("户政窗口", 3), ("出入境窗口", 3)],
        items: &[
            ("居民身份证换领", 20, false, 0),
            ("居民身份证挂失补领", 20, false, 0),
            ("户口迁移", 1, false, 0),
            ("出生登记（新生儿入户）", 0, false, 0),
            ("往来港澳通行证及签注", 7, false, 1),
            ("普通护照签发", 7, false, 1),
            ("临时居民身份证申领", 0, false, 0),
        ],
        weight: 1.3,
        saturday: true,
    },
    DeptSpec {
        key: "GJJ",
        name: "住房公积金管理中心",
        windows: &[("公积金提取窗口", 3), ("公积金贷款窗口", 2)],
        items: &[
            ("住房公积金提取（购房）", 1, false, 0),
            ("住房公积金提取（租房）", 0, false, 0),
            ("住房公积金提取（退休）", 0, false, 0),
            ("住房公积金个人住房贷款", 10, false, 1),
            ("单位住房公积金缴存登记", 0, true, 0),
            ("住房公积金缴存基数调整", 0, true, 0),
        ],
        weight: 1.0,
        saturday: false,
    },
    DeptSpec {
        key: "YB",
        name: "医疗保障局",
        windows: &[("医保参保登记窗口", 2), ("医保待遇窗口", 3)],
        items: &[
            ("医保异地就医备案", 0, false, 1),
            ("城乡居民基本医疗保险参保登记", 0, false, 0),
            ("门诊慢特病待遇认定", 10, false, 1),
            ("医疗费用手工报销", 15, false, 1),
            ("基本医疗保险关系转移接续", 10, false, 0),
            ("生育津贴申领", 10, false, 1),
        ],
        weight: 1.0,
        saturday: true,
    },
    DeptSpec {
        key: "SHSW",
        name: "社会事务局（民政、残联）",
        windows: &[("民政服务窗口", 3), ("残疾人服务窗口", 2), ("婚姻登记窗口", 2)],
        items: &[
            ("最低生活保障申请", 20, false, 0),
            ("临时救助申请", 5, false, 0),
            ("残疾人证新办", 15, false, 1),
            ("困难残疾人生活补贴申请", 15, false, 1),
            ("婚姻登记", 0, false, 2),
            ("高龄津贴申请", 10, false, 0),
            ("养老机构备案", 5, true, 0),
        ],
        weight: 0.6,
        saturday: false,
    },
    DeptSpec {
        key: "JSJ",
        name: "建设局（工程建设项目审批）",
        windows: &[("工程建设项目审批窗口", 3), ("施工许可窗口", 2)],
        items: &[
            ("建筑工程施工许可证核发", 5, true, 1),
            ("建设工程规划许可证核发", 10, true, 0),
            ("建设工程竣工验收备案", 5, true, 0),
            ("商品房预售许可", 10, true, 0),
            ("建设工程消防验收", 15, true, 0),
            ("城市建筑垃圾处置核准", 5, true, 1),
        ],
        weight: 0.35,
        saturday: false,
    },
    DeptSpec {
        key: "ZHSL",
        name: "综合受理（一窗受理）",
        windows: &[("综合受理一号窗口", 4), ("综合受理二号窗口", 3), ("综合受理三号窗口", 3), ("帮办代办窗口", 2)],
        items: &[
            ("高效办成一件事：企业开办", 1, true, ANY),
            ("高效办成一件事：开办餐饮店", 5, true, ANY),
            ("高效办成一件事：新生儿出生", 5, false, ANY),
            ("高效办成一件事：退休", 10, false, ANY),
            ("高效办成一件事：二手房转移登记及水电气过户", 5, false, ANY),
            ("帮办代办服务", 0, false, 3),
        ],
        weight: 1.5,
        saturday: true,
    },
];

const STREET_DEPTS: &[DeptSpec] = &[
    DeptSpec {
        key: "SBYB",
        name: "社保医保服务",
        windows: &[("社保医保窗口", 3)],
        items: &[
            ("城乡居民基本养老保险参保登记", 0, false, ANY),
            ("城乡居民基本医疗保险参保缴费", 0, false, ANY),
            ("灵活就业人员参保登记", 0, false, ANY),
            ("社会保障卡补换受理", 0, false, ANY),
            ("养老金领取资格认证", 0, false, ANY),
        ],
        weight: 0.6,
        saturday: false,
    },
    DeptSpec {
        key: "MZJZ",
        name: "民政救助服务",
        windows: &[("民政救助窗口", 2)],
        items: &[
            ("最低生活保障申请受理", 20, false, ANY),
            ("临时救助申请受理", 5, false, ANY),
            ("特困人员救助供养申请受理", 20, false, ANY),
            ("残疾人两项补贴申请受理", 15, false, ANY),
            ("高龄津贴申请受理", 10, false, ANY),
        ],
        weight: 0.35,
        saturday: false,
    },
    DeptSpec {
        key: "ZHSL",
        name: "综合受理",
        windows: &[("综合受理窗口", 3)],
        items: &[
            ("居住证申领受理", 10, false, ANY),
            ("老年人优待证申领", 0, false, ANY),
            ("就业困难人员认定", 5, false, ANY),
            ("独生子女父母奖励申请", 10, false, ANY),
            ("退役军人优待证申领受理", 10, false, ANY),
        ],
        weight: 0.5,
        saturday: false,
    },
];

const COMMUNITY_DEPT: DeptSpec = DeptSpec {
    key: "ZHFW",
    name: "综合服务",
    windows: &[("综合服务窗口", 2)],
    items: &[
        ("城乡居民医保参保登记代办", 0, false, ANY),
        ("高龄津贴申请代办", 0, false, ANY),
        ("养老金领取资格认证", 0, false, ANY),
        ("就业失业登记代办", 0, false, ANY),
        ("居家养老服务申请", 5, false, ANY),
    ],
    weight: 0.22,
    saturday: false,
};

const ONLINE_DEPT: DeptSpec = DeptSpec {
    key: "WBSH",
    name: "网办审核",
    windows: &[("网办审核窗口（企业事项）", 3), ("网办审核窗口（个人事项）", 3), ("远程帮办窗口", 2)],
    items: &[
        ("企业设立登记（全程网办）", 1, true, 0),
        ("企业变更登记（全程网办）", 1, true, 0),
        ("个体工商户注册（全程网办）", 1, false, 1),
        ("食品经营许可（网办）", 5, true, 0),
        ("发票领用（网办）", 1, true, 0),
        ("住房公积金提取（网办）", 1, false, 1),
        ("社会保障卡申领（网办）", 3, false, 1),
        ("失业保险金申领（网办）", 5, false, 1),
        ("医保异地就医备案（网办）", 0, false, 1),
        ("不动产登记资料查询（网办）", 0, false, 1),
        ("抵押权注销登记（网办）", 1, false, 1),
    ],
    weight: 1.6,
    saturday: false,
};

/// (code suffix, street name, [(community suffix, name of the community or village)])
type StreetSpec = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

const STREETS: &[StreetSpec] = &[
    ("JZ", "九站街道", &[("01", "九站社区"), ("02", "宏伟社区"), ("03", "西九站村")]),
    ("SJ", "双吉街道", &[("01", "双吉社区"), ("02", "东兴社区"), ("03", "孟家村")]),
    ("JB", "江北街道", &[("01", "江北社区"), ("02", "龙华社区"), ("03", "沙河子村")]),
];

const CENTER_CODE: &str = "JK";
const FOCUS_WINDOW: &str = "JK-SCJG-01";
/// Position of the focus staff member in the focus window's staff list (0 is the head).
const FOCUS_STAFF_POS: usize = 1;
/// Seed of the organisation (names): fixed, so `org()` is the same whatever seed the events use.
const ORG_SEED: u64 = 0x4A4B_2023_0512;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "孙", "于", "徐", "马", "姜", "高", "周", "吴", "郭", "林", "何", "郑",
    "冯", "韩", "曹", "宋", "董", "邵", "金", "崔", "朴", "曲", "吕", "常", "田", "丁", "贾", "付", "潘", "任", "姚",
    "谭", "石", "白", "侯", "邢", "尹", "范", "孟", "宫", "隋", "鲁", "蒋", "梁", "韦", "程", "唐",
];
/// First characters of two-character given names.
const GIVEN_FIRST: &[&str] = &[
    "晓", "春", "秋", "海", "文", "雅", "思", "佳", "子", "雨", "明", "志", "建", "国", "立", "宏", "晨", "梦", "一",
    "天", "博", "嘉", "俊", "家", "美", "丽", "红", "玉", "欣", "新", "永", "长", "凤", "桂", "雪", "冬",
];
const GIVEN_SECOND: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇",
    "浩", "凯", "健", "帆", "旭", "宁", "龙", "林", "阳", "东", "亮", "峰", "博", "芳", "娜", "敏", "静", "丽", "艳",
    "娟", "霞", "玲", "婷", "雪", "颖", "慧", "莉", "萍", "红", "琳", "洁", "佳", "悦", "欣", "彤", "琪", "瑶", "璐",
    "倩", "晶", "蕾", "薇", "丹", "岩", "爽", "妍", "梅", "岚", "楠",
];

// ---------------------------------------------------------------------------------------------------------------
// The organisation: built model
// ---------------------------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct OrgDef {
    code: String,
    name: String,
    kind: OrgKind,
    parent: Option<usize>,
    /// Case-number prefix: the code without separators.
    case_prefix: String,
}

#[derive(Debug, Clone)]
struct DeptDef {
    code: String,
    name: String,
    key: &'static str,
    org: usize,
    items: Vec<usize>,
}

#[derive(Debug, Clone)]
struct WinDef {
    code: String,
    name: String,
    dept: usize,
    org: usize,
    kind: OrgKind,
    /// Staff indexes; the first is the head.
    staff: Vec<usize>,
    /// The items this window handles.
    items: Vec<usize>,
    weight: f64,
    saturday: bool,
}

#[derive(Debug, Clone)]
struct StaffDef {
    no: String,
    name: String,
    window: usize,
    /// Multiplier of the bad-review probability (a few staff draw more complaints: the supervision demo needs
    /// concentrations).
    bad_mult: f64,
}

#[derive(Debug, Clone)]
struct ItemDef {
    code: String,
    name: String,
    dept: usize,
    days: u8,
    enterprise: bool,
}

#[derive(Debug, Clone)]
struct Model {
    orgs: Vec<OrgDef>,
    depts: Vec<DeptDef>,
    windows: Vec<WinDef>,
    staff: Vec<StaffDef>,
    items: Vec<ItemDef>,
}

struct Builder {
    model: Model,
    rng: Rng,
    names: HashSet<String>,
}

impl Builder {
    fn org(&mut self, code: String, name: String, kind: OrgKind, parent: Option<usize>) -> usize {
        let case_prefix = code.replace('-', "");
        self.model.orgs.push(OrgDef { code, name, kind, parent, case_prefix });
        self.model.orgs.len() - 1
    }

    fn person_name(&mut self) -> String {
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
    fn dept(&mut self, org: usize, spec: &DeptSpec, name_prefix: &str) {
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
    fn build() -> Model {
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

    fn focus_window(&self) -> usize {
        self.windows.iter().position(|w| w.code == FOCUS_WINDOW).expect("the focus window is part of the model")
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Time helpers (Asia/Shanghai is UTC+8 without daylight saving)
// ---------------------------------------------------------------------------------------------------------------

/// The instant `secs` seconds after local midnight of `date`.
fn at_local(date: NaiveDate, secs: i64) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    Utc.from_utc_datetime(&midnight) + Duration::seconds(secs - 8 * 3600)
}

fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

fn local_secs(t: DateTime<Utc>) -> i64 {
    (t.timestamp() + 8 * 3600).rem_euclid(86_400)
}

/// (start minute, end minute, weight) segments of a day.
type Segments = &'static [(i64, i64, f64)];

/// Hall hours 08:30–11:30, 13:00–17:00, busiest mid-morning and mid-afternoon.
const HALL_HOURS: Segments = &[
    (510, 540, 0.6),
    (540, 600, 1.3),
    (600, 660, 1.3),
    (660, 690, 0.8),
    (780, 840, 0.8),
    (840, 900, 1.2),
    (900, 960, 1.1),
    (960, 1020, 0.7),
];
/// Saturday service 09:00–12:00.
const SATURDAY_HOURS: Segments = &[(540, 600, 1.0), (600, 660, 1.2), (660, 720, 0.8)];
/// Registrars enter forms in the afternoon.
const REGISTRAR_HOURS: Segments = &[(840, 900, 1.0), (900, 960, 1.2), (960, 1020, 0.8)];
/// Citizens on their phone or the hotline: 08:00–20:00.
const DAYTIME: Segments =
    &[(480, 540, 0.6), (540, 720, 1.2), (720, 780, 0.8), (780, 1020, 1.1), (1020, 1080, 0.8), (1080, 1200, 0.6)];
const DAY_BEGIN: i64 = 8 * 3600;
const DAY_END: i64 = 20 * 3600;

fn sample_secs(rng: &mut Rng, segments: Segments) -> i64 {
    let weights: Vec<f64> = segments.iter().map(|s| s.2 * (s.1 - s.0) as f64).collect();
    let (from, to, _) = segments[rng.weighted(&weights)];
    from * 60 + rng.range(0, (to - from) * 60 - 1)
}

fn next_workday(cal: &WorkCalendar, mut date: NaiveDate) -> NaiveDate {
    for _ in 0..40 {
        date = date.succ_opt().unwrap_or(date);
        if cal.is_workday(date) {
            break;
        }
    }
    date
}

/// The working day on which a registrar enters a form written on `date`: about `delay` days later, at most 7 days
/// later when a working day lies within that week (the first one after a long holiday otherwise).
fn registrar_day(cal: &WorkCalendar, date: NaiveDate, delay: i64) -> NaiveDate {
    let planned = date + Duration::days(delay);
    if cal.is_workday(planned) {
        return planned;
    }
    let next = next_workday(cal, planned);
    if (next - date).num_days() <= 7 {
        return next;
    }
    // Earlier in the same week, if the registrar worked then.
    (1..delay).rev().map(|d| date + Duration::days(d)).find(|d| cal.is_workday(*d)).unwrap_or(next)
}

/// An instant of a citizen's own choosing, `delay` (minutes, from..=to) after `base`, moved into the daytime
/// (08:00–20:00); most of what would fall on a rest day moves to the next working day.
fn daytime(cal: &WorkCalendar, rng: &mut Rng, base: DateTime<Utc>, delay: (i64, i64)) -> DateTime<Utc> {
    let t = base + Duration::minutes(rng.range(delay.0, delay.1));
    let mut date = local_date(t);
    let mut secs = local_secs(t);
    if secs < DAY_BEGIN {
        secs = DAY_BEGIN + rng.range(0, 7200);
    } else if secs >= DAY_END {
        date = date.succ_opt().unwrap_or(date);
        secs = DAY_BEGIN + rng.range(0, 3 * 3600);
    }
    if !cal.is_workday(date) && rng.chance(0.7) {
        date = next_workday(cal, date);
    }
    at_local(date, secs)
}

// ---------------------------------------------------------------------------------------------------------------
// The event stream
// ---------------------------------------------------------------------------------------------------------------

/// Share of evaluations that are first evaluations of a case (一事一评); the rest are window evaluations
/// (一次一评) and a few follow-ups.
const CASE_SHARE: f64 = 0.5;
const WINDOW_SHARE: f64 = 0.49;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayKind {
    Work,
    /// A rest-day Saturday that is no holiday: weekend service in a few halls.
    Saturday,
    Off,
}

#[derive(Debug, Clone, Copy)]
struct CaseRef {
    date: NaiveDate,
    seq: u32,
    item: u16,
    window: u16,
    staff: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ComplaintChannel {
    Phone,
    Box,
    Online,
}

#[derive(Debug, Clone)]
enum Payload {
    Case { case: CaseRef, finished: Option<DateTime<Utc>> },
    CaseEval { case: CaseRef, channel: Channel, level: u8, follow_up: bool, first_level: u8, seed: u64 },
    WindowEval { window: u16, staff: Option<u16>, channel: Channel, level: u8, form_date: Option<NaiveDate>, seed: u64 },
    Complaint { channel: ComplaintChannel, written: NaiveDate, seed: u64 },
}

#[derive(Debug, Clone)]
struct Pending {
    at: DateTime<Utc>,
    seq: u64,
    payload: Payload,
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

struct EventStream {
    model: Model,
    cal: WorkCalendar,
    seed: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    next_day: NaiveDate,
    last_day: NaiveDate,
    /// Evaluations per unit of day weight.
    per_weight: f64,
    heap: BinaryHeap<Pending>,
    seq: u64,
    /// Cumulative window weights: cases on working days, on Saturdays; window evaluations likewise (halls only).
    case_cum: Vec<f64>,
    case_cum_sat: Vec<f64>,
    eval_cum: Vec<f64>,
    eval_cum_sat: Vec<f64>,
    /// Windows by org unit kind, for complaints.
    online_windows: Vec<usize>,
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

impl EventStream {
    fn new(seed: u64, start: DateTime<Utc>, end: DateTime<Utc>, target: u64) -> EventStream {
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

    fn day_weight(&self, date: NaiveDate) -> (DayKind, f64) {
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

    fn push(&mut self, at: DateTime<Utc>, payload: Payload) {
        if at >= self.start && at < self.end {
            self.seq += 1;
            self.heap.push(Pending { at, seq: self.seq, payload });
        }
    }

    fn in_period(&self, at: DateTime<Utc>) -> bool {
        at >= self.start && at < self.end
    }

    #[cfg(test)]
    fn pending_len(&self) -> usize {
        self.heap.len()
    }

    fn generate_day(&mut self, date: NaiveDate) {
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

    fn pick_staff(&self, rng: &mut Rng, window: usize) -> usize {
        let staff = &self.model.windows[window].staff;
        // The head serves less at the counter.
        let weights: Vec<f64> = (0..staff.len()).map(|i| if i == 0 { 0.6 } else { 1.0 }).collect();
        staff[rng.weighted(&weights)]
    }

    fn schedule_case(&mut self, rng: &mut Rng, date: NaiveDate, seq: u32, accepted: DateTime<Utc>, window: usize) {
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

    fn schedule_window_eval(&mut self, rng: &mut Rng, date: NaiveDate, hours: Segments, window: usize) {
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

    fn schedule_complaint(&mut self, rng: &mut Rng, date: NaiveDate) {
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

    fn case_no(&self, case: &CaseRef) -> String {
        let org = self.model.windows[case.window as usize].org;
        format!("{}{}{:06}", self.model.orgs[org].case_prefix, case.date.format("%Y%m%d"), case.seq)
    }

    fn materialize(&self, p: Pending) -> DemoEvent {
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

    fn complaint(&self, channel: ComplaintChannel, written: NaiveDate, seed: u64, at: DateTime<Utc>) -> DemoComplaint {
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

fn day_index(date: NaiveDate) -> u64 {
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

// ---------------------------------------------------------------------------------------------------------------
// Levels, tags, comments, evaluators
// ---------------------------------------------------------------------------------------------------------------

/// ≈ 85 % level 5, 11 % level 4, 3.6 % level 3, 0.28 % bad (times `bad_mult`; ≈ 0.4 % overall).
fn pick_level(rng: &mut Rng, bad_mult: f64) -> u8 {
    let x = rng.unit();
    let p1 = 0.0008 * bad_mult;
    let p2 = p1 + 0.0020 * bad_mult;
    let p3 = p2 + 0.036;
    let p4 = p3 + 0.11;
    if x < p1 {
        1
    } else if x < p2 {
        2
    } else if x < p3 {
        3
    } else if x < p4 {
        4
    } else {
        5
    }
}

struct TextCtx<'a> {
    level: u8,
    channel: Channel,
    kind: OrgKind,
    dept_key: &'static str,
    item: &'a str,
    days: u8,
    staff: Option<&'a str>,
    window: &'a str,
    follow_up: bool,
    /// Level of the first evaluation, for a follow-up.
    first_level: u8,
    /// What went wrong, if the review is bad: tags and comment tell the same story.
    theme: &'static Theme,
}

/// What went wrong in a bad review: tags of level 2, tags of level 1, comments.
struct Theme {
    tags2: &'static [u16],
    tags1: &'static [u16],
    comments: &'static [&'static str],
    /// Fits an online case.
    online: bool,
    /// About a promised time: needs an item that is not 即办.
    slow: bool,
}

const THEMES: &[Theme] = &[
    Theme {
        tags2: &[208, 210],
        tags1: &[109, 113],
        comments: &[
            "办理{item}时材料清单没有一次性告知，跑了{n}趟",
            "第一次来说缺{missing}，补齐了再来又说还要别的材料，为什么不能一次说清楚",
            "窗口让回去补材料，前后跑了{n}趟才受理",
        ],
        online: false,
        slow: false,
    },
    Theme {
        tags2: &[214],
        tags1: &[115],
        comments: &[
            "工作人员态度生硬，问了两遍就不耐烦了",
            "咨询{item}需要什么材料，工作人员头都不抬，说话很冲",
            "离下班还有二十分钟就说不办了，让明天再来，态度很差",
        ],
        online: false,
        slow: false,
    },
    Theme {
        tags2: &[209],
        tags1: &[110],
        comments: &["{item}承诺{days}个工作日办结，到现在还没有结果", "超过承诺时间好几天了，打电话问进度也没人说得清"],
        online: true,
        slow: true,
    },
    Theme {
        tags2: &[211, 212],
        tags1: &[112],
        comments: &[
            "网上说可以全程网办，上传材料一直提示失败，最后还是跑了大厅",
            "网上预约了还要到大厅重新取号排队，预约等于白约",
        ],
        online: true,
        slow: false,
    },
    Theme {
        tags2: &[213],
        tags1: &[113, 114],
        comments: &[
            "窗口人员对{item}业务不熟，问什么都要去问别人，等了一个多小时",
            "被指到好几个窗口来回跑，没人说得清该去哪办",
        ],
        online: false,
        slow: false,
    },
    Theme {
        tags2: &[207],
        tags1: &[111],
        comments: &["没有提供填表样本，表格填错了好几次", "办事指南上的样表是旧版的，照着填被退回来了"],
        online: true,
        slow: false,
    },
    Theme {
        tags2: &[210],
        tags1: &[108, 109],
        comments: &[
            "要求提供办事指南上没有的{missing}，否则不给受理",
            "同样的身份证复印件让交了两次，系统里明明能查到",
        ],
        online: true,
        slow: false,
    },
];

const MISSING: &[&str] = &[
    "户口本原件",
    "结婚证复印件",
    "单位开具的证明",
    "房产证复印件",
    "法定代表人身份证原件",
    "近期免冠照片",
    "银行流水",
    "租赁合同备案证明",
];

fn theme_for(rng: &mut Rng, kind: OrgKind, days: u8) -> &'static Theme {
    loop {
        let theme = rng.pick(THEMES);
        if (kind != OrgKind::OnlinePlatform || theme.online) && (days > 0 || !theme.slow) {
            return theme;
        }
    }
}

fn tags_for(rng: &mut Rng, ctx: &TextCtx) -> Vec<serde_json::Value> {
    let hall = ctx.kind != OrgKind::OnlinePlatform;
    let instant = ctx.days == 0;
    // (tag, weight) candidates that make sense here.
    let candidates: Vec<(u16, f64)> = match ctx.level {
        5 => vec![
            (510, if hall && instant { 2.0 } else { 0.0 }),
            (511, if hall { 0.5 } else { 0.0 }),
            (512, 0.8),
            (513, if hall { 0.0 } else { 2.0 }),
            (514, if !hall || ctx.channel == Channel::Mobile { 1.5 } else { 0.0 }),
            (515, if matches!(ctx.kind, OrgKind::StreetCenter | OrgKind::CommunityStation) { 2.0 } else { 0.0 }),
            (516, 0.3),
            (517, if hall { 3.0 } else { 1.0 }),
        ],
        4 => vec![
            (406, 1.0),
            (407, if hall { 0.5 } else { 1.5 }),
            (408, if hall { 1.2 } else { 0.3 }),
            (409, 0.4),
            (410, if hall { 0.8 } else { 0.0 }),
            (411, if hall { 1.2 } else { 0.0 }),
            (412, if ctx.channel == Channel::HallTerminal { 3.0 } else { 0.0 }),
            (413, if hall { 2.0 } else { 0.5 }),
        ],
        3 => vec![
            (307, 1.0),
            (308, 0.6),
            (309, 1.0),
            (310, 0.8),
            (311, 0.8),
            (312, if instant { 0.0 } else { 0.5 }),
            (313, if hall { 0.6 } else { 0.0 }),
            (314, if hall { 1.2 } else { 0.0 }),
        ],
        level => {
            let tags = if level == 2 { ctx.theme.tags2 } else { ctx.theme.tags1 };
            let n = 1 + rng.index(tags.len());
            return tags[..n].iter().map(|&t| serde_json::Value::from(u64::from(t))).collect();
        }
    };
    let n = [0usize, 1, 2, 3][rng.weighted(&[0.3, 0.4, 0.2, 0.1])];
    let mut pool = candidates;
    let mut chosen = Vec::new();
    for _ in 0..n {
        let weights: Vec<f64> = pool.iter().map(|c| c.1).collect();
        if weights.iter().sum::<f64>() <= 0.0 {
            break;
        }
        let i = rng.weighted(&weights);
        chosen.push(serde_json::Value::from(u64::from(pool[i].0)));
        pool[i].1 = 0.0;
    }
    chosen
}

const PRAISE: &[&str] = &[
    "办事效率高，工作人员很耐心",
    "服务热情周到，一次就办好了",
    "不用来回跑，手续简单",
    "工作人员讲解很细致",
    "流程清晰，速度很快",
    "态度好，效率高",
    "比预想的快多了",
    "材料准备得不全，工作人员主动帮忙想办法",
    "排队时间很短，叫号很有秩序",
    "{staff}老师很耐心，帮我把表都填好了",
    "{staff}老师业务很熟，几分钟就办完了",
];
const PRAISE_ONLINE: &[&str] = &[
    "在手机上就办完了，一次都没跑",
    "网上提交材料，审核很快",
    "全程网办，足不出户就办好了",
    "在吉事办上提交后第二天就审核通过了",
    "退回补正时说明写得很清楚，改一次就通过了",
];
const PRAISE_STREET: &[&str] =
    &["家门口就能办，不用跑到区里了", "工作人员很热心，帮老人把手续都办好了", "在街道就能办，方便多了"];
const PRAISE_COMMUNITY: &[&str] =
    &["在社区就能办，方便多了", "网格员上门帮老人办理，很贴心", "社区工作人员很热心，一次就办好了"];
const PRAISE_DEPT: &[(&str, &[&str])] = &[
    ("SCJG", &["营业执照当天就拿到了，效率真高", "企业开办半天就办完了，还免费刻了公章"]),
    ("RSJ", &["社保卡立等可取，很方便", "失业金申请很顺利，工作人员讲得很清楚"]),
    ("BDC", &["不动产证当天就领到了", "交易、缴税、登记一个窗口就办完了"]),
    ("SW", &["发票申领很方便，工作人员还教我用电子税务局", "办税服务很专业，耐心解答问题"]),
    ("GA", &["身份证换领很快，还能邮寄到家", "出入境证件办理很顺利，照相也在大厅里"]),
    ("GJJ", &["公积金提取当天就到账了", "贷款材料一次告知，审批很快"]),
    ("YB", &["异地就医备案几分钟就办好了", "报销材料工作人员帮忙一张张核对，很细心"]),
    ("SHSW", &["工作人员帮老人办理很耐心", "婚姻登记处环境好，服务热情"]),
    ("JSJ", &["施工许可提前办结，给企业节省了很多时间", "项目审批有专人帮办，少跑了很多腿"]),
    ("ZHSL", &["一窗受理真方便，不用到处跑", "一件事一次办，省心省力"]),
];
const GOOD: &[&str] = &[
    "整体挺好，就是等的时间稍微长一点",
    "服务不错，材料一次就过了",
    "工作人员挺热情的，就是人有点多",
    "流程比以前简化了不少",
    "办得挺顺利，希望自助机再多几台",
];
const GOOD_ONLINE: &[&str] = &["网上就能办，挺方便的", "审核挺快，就是上传材料的页面有点卡"];
const BASIC: &[&str] = &[
    "排队时间比较长，希望多开几个窗口",
    "大厅停车不太方便",
    "整体还可以，就是等的时间有点长",
    "办事指南写得不够清楚，问了才知道要带什么",
    "叫号屏幕看不清，差点过号",
    "基本满意，希望办理速度再快一些",
    "中午不能办理，上班族不太方便",
];
const BASIC_ONLINE: &[&str] = &["网站有点卡，提交了好几次才成功", "审核速度一般，等了两天才有结果"];
/// Follow-ups after a mediocre or bad first evaluation that was put right.
const FOLLOW_UP_GOOD: &[&str] = &[
    "追评：问题已经解决了，感谢工作人员主动回访",
    "追评：后来工作人员主动打电话联系，问题解决了",
    "追评：窗口负责人专门打电话道歉，材料也帮忙补齐了",
];
/// Follow-ups after a good first evaluation.
const FOLLOW_UP_DONE: &[&str] =
    &["追评：证件已经收到，很满意", "追评：{item}已办结，结果很满意", "追评：比承诺时间提前办完了，再次感谢"];
const FOLLOW_UP_BAD: &[&str] = &["追评：反映的问题到现在也没有解决", "追评：说好的回复一直没有等到"];

fn comment_for(rng: &mut Rng, ctx: &TextCtx) -> Option<String> {
    let online = ctx.kind == OrgKind::OnlinePlatform;
    let p = match (ctx.level, ctx.channel) {
        _ if ctx.follow_up => 0.8,
        (1 | 2, _) => 0.85,
        (_, Channel::Box) => 0.8,
        (_, Channel::Paper) => 0.45,
        (3, _) => 0.4,
        (4, _) => 0.25,
        _ => 0.18,
    };
    if !rng.chance(p) {
        return None;
    }
    let (body, ending): (&str, &[&str]) = if ctx.follow_up {
        let pool = match (ctx.first_level, ctx.level) {
            (4..=5, 4..=5) => FOLLOW_UP_DONE,
            (_, 4..=5) => FOLLOW_UP_GOOD,
            _ => FOLLOW_UP_BAD,
        };
        (*rng.pick(pool), &["。", ""])
    } else {
        match ctx.level {
            5 => {
                let dept = PRAISE_DEPT.iter().find(|d| d.0 == ctx.dept_key).map(|d| d.1);
                let body = match rng.weighted(&[3.0, 1.5, 1.0]) {
                    _ if online && rng.chance(0.6) => *rng.pick(PRAISE_ONLINE),
                    _ if matches!(ctx.kind, OrgKind::StreetCenter | OrgKind::CommunityStation) && rng.chance(0.4) => {
                        *rng.pick(if ctx.kind == OrgKind::StreetCenter { PRAISE_STREET } else { PRAISE_COMMUNITY })
                    }
                    1 if dept.is_some() => *rng.pick(dept.unwrap_or(PRAISE)),
                    _ => loop {
                        let body = *rng.pick(PRAISE);
                        if ctx.staff.is_some() || !body.contains("{staff}") {
                            break body;
                        }
                    },
                };
                (body, &["。", "！", "，点赞！", "，谢谢！", "，为你们点赞。", ""])
            }
            4 => (*rng.pick(if online { GOOD_ONLINE } else { GOOD }), &["。", "", "，总体满意。"]),
            3 => (*rng.pick(if online { BASIC_ONLINE } else { BASIC }), &["。", ""]),
            _ => (*rng.pick(ctx.theme.comments), &["。", "，希望改进。", "，希望有关部门重视。", "！"]),
        }
    };
    let surname: String = ctx.staff.and_then(|s| s.chars().next()).map(String::from).unwrap_or_default();
    // Written at the window the same day.
    let on_site = matches!(ctx.channel, Channel::HallTablet | Channel::HallTerminal | Channel::Qrcode | Channel::Paper);
    let prefix = if !ctx.follow_up && ctx.level >= 4 && on_site && rng.chance(0.15) {
        format!("今天在{}办理{}，", ctx.window, ctx.item)
    } else {
        String::new()
    };
    let times = *rng.pick(&["两", "三", "好几"]);
    let missing = *rng.pick(MISSING);
    let text = body
        .replace("{item}", ctx.item)
        .replace("{staff}", &surname)
        .replace("{n}", times)
        .replace("{missing}", missing)
        .replace("{days}", &ctx.days.to_string());
    Some(format!("{prefix}{text}{}", rng.pick(ending)))
}

const COMPANY_WORDS: &[&str] = &[
    "恒达", "鑫源", "华宇", "瑞丰", "宏图", "金诚", "北方", "松江", "江城", "九鼎", "万通", "众鑫", "天泽", "兴业",
    "博远", "嘉禾", "隆泰", "吉顺", "长白", "德润",
];
const COMPANY_TRADES: &[&str] =
    &["商贸", "化工", "建筑工程", "物流", "机械制造", "餐饮管理", "新材料科技", "房地产开发", "汽车服务", "电子科技"];
/// 吉林市 county-level divisions: 市辖区, 昌邑区, 龙潭区, 船营区, 丰满区, 永吉县, 蛟河市, 桦甸市, 舒兰市, 磐石市.
const REGIONS: &[&str] =
    &["220201", "220202", "220203", "220204", "220211", "220221", "220281", "220282", "220283", "220284"];

fn citizen_name(rng: &mut Rng) -> String {
    let surname = rng.pick(SURNAMES);
    if rng.chance(0.3) {
        format!("{surname}{}", rng.pick(GIVEN_SECOND))
    } else {
        format!("{surname}{}{}", rng.pick(GIVEN_FIRST), rng.pick(GIVEN_SECOND))
    }
}

fn company_name(rng: &mut Rng) -> String {
    let form = if rng.chance(0.8) { "有限公司" } else { "有限责任公司" };
    format!("吉林市{}{}{form}", rng.pick(COMPANY_WORDS), rng.pick(COMPANY_TRADES))
}

/// An 11-digit mobile number starting 13x, 15x or 18x.
fn mobile_number(rng: &mut Rng) -> String {
    let second = *rng.pick(&["3", "5", "8"]);
    let third = match second {
        "5" => *rng.pick(&["0", "1", "2", "3", "5", "6", "7", "8", "9"]),
        _ => *rng.pick(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]),
    };
    format!("1{second}{third}{:08}", rng.below(100_000_000))
}

/// A resident ID (GB 11643) of 吉林市 with a correct check character.
fn resident_id(rng: &mut Rng) -> String {
    let birth = NaiveDate::from_ymd_opt(1955, 1, 1).unwrap_or_default() + Duration::days(rng.range(0, 48 * 365));
    let body = format!("{}{}{:03}", rng.pick(REGIONS), birth.format("%Y%m%d"), rng.range(1, 999));
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    format!("{body}{}", CHECK[(sum % 11) as usize])
}

const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A unified social credit code (GB 32100) of a 吉林市 enterprise, with correct check characters (the organisation
/// code's GB 11714 check and the overall one).
fn credit_code(rng: &mut Rng) -> String {
    let org_body: Vec<u8> = (0..8).map(|_| CREDIT_ALPHABET[rng.index(CREDIT_ALPHABET.len())]).collect();
    const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    // GB 11714 values letters A=10 … Z=35.
    let value = |c: u8| if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') + 10 };
    let sum: u32 = org_body.iter().zip(ORG_WEIGHTS).map(|(&c, w)| value(c) * w).sum();
    let org_check = match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        n => b'0' + n as u8,
    };
    let mut code = format!("91{}", rng.pick(REGIONS)).into_bytes();
    code.extend_from_slice(&org_body);
    code.push(org_check);
    code.push(credit_check(&code));
    String::from_utf8(code).unwrap_or_default()
}

/// The 18th character of a unified social credit code from its first 17.
fn credit_check(first17: &[u8]) -> u8 {
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| CREDIT_ALPHABET.iter().position(|a| a == c).unwrap_or(0) as u32 * w)
        .sum();
    CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]
}

fn evaluator_for(rng: &mut Rng, channel: Channel, level: u8, enterprise: bool) -> Option<EvaluatorInput> {
    let p = match channel {
        Channel::Pc => 0.8,
        Channel::Mobile => 0.7,
        Channel::Sms | Channel::Phone => 1.0,
        Channel::Qrcode => 0.3,
        Channel::HallTablet => 0.1,
        Channel::HallTerminal => 0.15,
        Channel::Paper => 0.5,
        Channel::Box => 0.2,
    };
    // Bad reviews are more often real-name: the citizen wants an answer.
    let p = if level <= 2 { (p + 0.3_f64).min(1.0) } else { p };
    if !rng.chance(p) {
        return None;
    }
    let phone_known = matches!(channel, Channel::Sms | Channel::Phone);
    let legal = enterprise && matches!(channel, Channel::Pc | Channel::Mobile | Channel::Paper) && rng.chance(0.6);
    if legal {
        return Some(EvaluatorInput {
            name: Some(company_name(rng)),
            phone: Some(mobile_number(rng)),
            id_no: rng.chance(0.1).then(|| credit_code(rng)),
            kind: Some("legal".into()),
        });
    }
    let p_name = match channel {
        Channel::Sms => 0.3,
        Channel::Phone => 0.6,
        _ => 0.8,
    };
    let name = rng.chance(p_name).then(|| citizen_name(rng));
    let phone = (phone_known || name.is_none() || rng.chance(0.85)).then(|| mobile_number(rng));
    let p_id = if channel == Channel::HallTerminal { 0.25 } else { 0.02 };
    let id_no = (name.is_some() && rng.chance(p_id)).then(|| resident_id(rng));
    Some(EvaluatorInput { name, phone, id_no, kind: Some("personal".into()) })
}

// ---------------------------------------------------------------------------------------------------------------
// Complaint texts
// ---------------------------------------------------------------------------------------------------------------

const COMPLAINT_STAFF: &[&str] = &[
    "{date}我到{org}{window}办理{item}，工作人员{staff}态度很不好，问两句就不耐烦，还让我“自己看指南”，希望对该工作人员批评教育。",
    "{date}上午在{window}办理{item}，工作人员{staff}办理过程中一直接打私人电话，让我在窗口等了二十多分钟。",
    "{date}在{window}办完{item}后，工作人员{staff}一直让我在平板上点“非常满意”，不点不让走，这样的评价还有什么意义？",
    "{date}在{window}办理{item}，工作人员{staff}说材料不全，又说不清楚缺什么，让我来回跑了三趟。",
];
const COMPLAINT_WINDOW: &[&str] = &[
    "{date}在{org}{window}办理{item}，窗口说材料不全让我回去补，补完再去又说还缺{missing}，前后跑了三趟，为什么不能一次性告知？",
    "{date}到{window}办理{item}，承诺{days}个工作日办结，现在已经超期了，打电话问一直说在审核，希望尽快给个答复。",
    "{date}中午到{org}{window}，没有人值守，等了一个多小时也没人办理，上班族请假来的，希望安排错时服务。",
    "{date}在{window}排队，叫号系统跳号，排了一个半小时，现场也没有人解释。",
];
const COMPLAINT_ONLINE: &[&str] = &[
    "{date}在网上申请{item}，提交一周了还显示“待受理”，打电话也没人接，希望尽快处理。",
    "网上办理{item}被退回了三次，每次退回理由都不一样，不能一次说清楚吗？",
];
const COMPLAINT_DEPT: &[&str] = &[
    "{dept}的办事指南和窗口要求的材料不一致，指南上没有要求{missing}，窗口非要提供，否则不给受理。",
    "在{dept}办理{item}，网上说可以全程网办，结果提交后被退回，还是要求到大厅现场提交纸质材料。",
    "{dept}的咨询电话一直打不通，想问一下{item}需要什么材料都问不到。",
];
const COMPLAINT_ORG: &[&str] = &[
    "{org}停车位太少，每次来办事都要在路边找半天车位，希望协调解决。",
    "{org}自助服务区的打印机经常故障，材料打印不了只能去外面复印店。",
    "{org}周末不开放，上班族办事只能请假，建议推行周末延时服务。",
];
const COMPLAINT_GENERAL: &[&str] = &[
    "我在政务服务评价后第二天接到陌生电话，对方知道我办了什么业务，怀疑评价信息被泄露，请查明情况。",
    "建议在政务大厅增加老年人帮办服务，老人不会用自助机和手机，办事很困难。",
    "办事大厅的指引标识不清楚，第一次来找不到要去哪个窗口。",
];

// ---------------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use hcp_core::complaint::NewComplaint;
    use hcp_core::evaluation::{NewEvaluation, is_valid_credit_code, is_valid_resident_id};
    use hcp_core::org::Code;

    use super::*;

    fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        at_local(NaiveDate::from_ymd_opt(y, m, d).unwrap(), 0)
    }

    /// A 3-month run of about 20 000 evaluations (cached per test process: several tests look at it).
    fn three_months() -> &'static Vec<DemoEvent> {
        static RUN: std::sync::OnceLock<Vec<DemoEvent>> = std::sync::OnceLock::new();
        RUN.get_or_init(|| events(DEMO_SEED, utc(2025, 9, 1), utc(2025, 12, 1), 20_000).collect())
    }

    #[test]
    fn org_is_a_consistent_tree_of_the_source_jurisdiction() {
        let org = org();
        assert_eq!(org.org_units.len(), 14);
        let kinds: Vec<_> = org.org_units.iter().map(|o| o.kind).collect();
        for kind in OrgKind::ALL {
            assert!(kinds.contains(&kind), "{kind}");
        }
        let units: HashMap<_, _> = org.org_units.iter().map(|o| (o.code.as_str(), o)).collect();
        assert_eq!(units.len(), org.org_units.len(), "unique org codes");
        for o in &org.org_units {
            match o.kind {
                OrgKind::Center => assert!(o.parent_code.is_none()),
                OrgKind::StreetCenter | OrgKind::OnlinePlatform => {
                    assert_eq!(units[o.parent_code.as_deref().unwrap()].kind, OrgKind::Center)
                }
                OrgKind::CommunityStation => {
                    assert_eq!(units[o.parent_code.as_deref().unwrap()].kind, OrgKind::StreetCenter)
                }
            }
        }
        let streets = org.org_units.iter().filter(|o| o.kind == OrgKind::StreetCenter).count();
        assert!((3..=4).contains(&streets));
        for street in org.org_units.iter().filter(|o| o.kind == OrgKind::StreetCenter) {
            let stations = org.org_units.iter().filter(|o| o.parent_code.as_ref() == Some(&street.code)).count();
            assert!((2..=3).contains(&stations), "{}", street.name);
        }
        assert!(org.org_units.iter().any(|o| o.name.contains("九站街道")));
        assert!(org.org_units.iter().any(|o| o.name.contains("双吉街道")));

        let depts: HashMap<_, _> = org.departments.iter().map(|d| (d.code.as_str(), d)).collect();
        assert_eq!(depts.len(), org.departments.len(), "unique department codes");
        for d in &org.departments {
            assert!(units.contains_key(d.org_unit_code.as_str()));
        }
        let center_depts: Vec<_> = org.departments.iter().filter(|d| d.org_unit_code == "JK").collect();
        for name in [
            "市场监督管理局",
            "人力资源和社会保障局",
            "不动产登记中心",
            "税务局",
            "公安分局",
            "住房公积金管理中心",
            "医疗保障局",
            "社会事务局",
            "建设局",
            "综合受理",
        ] {
            assert!(center_depts.iter().any(|d| d.name.contains(name)), "{name}");
        }

        let windows: HashMap<_, _> = org.windows.iter().map(|w| (w.code.as_str(), w)).collect();
        assert_eq!(windows.len(), org.windows.len(), "unique window codes");
        let staff: HashMap<_, _> = org.staff.iter().map(|s| (s.staff_no.as_str(), s)).collect();
        assert_eq!(staff.len(), org.staff.len(), "unique staff numbers");
        let names: HashSet<_> = org.staff.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.len(), org.staff.len(), "unique staff names");
        for w in &org.windows {
            assert!(depts.contains_key(w.department_code.as_str()));
            let head = w.head_staff_no.as_deref().expect("every window has a head");
            assert_eq!(staff[head].window_code, w.code);
            let n = org.staff.iter().filter(|s| s.window_code == w.code).count();
            assert!((2..=4).contains(&n), "{}: {n} staff", w.code);
        }
        for d in &org.departments {
            assert!(org.windows.iter().any(|w| w.department_code == d.code), "{} has a window", d.code);
            assert!(org.items.iter().any(|i| i.department_code == d.code), "{} has items", d.code);
        }
        let items: HashSet<_> = org.items.iter().map(|i| i.code.as_str()).collect();
        assert_eq!(items.len(), org.items.len(), "unique item codes");
        for s in &org.staff {
            assert!(windows.contains_key(s.window_code.as_str()));
            let chars = s.name.chars().count();
            assert!((2..=3).contains(&chars), "{}", s.name);
        }
        let codes = org
            .org_units
            .iter()
            .map(|o| &o.code)
            .chain(org.departments.iter().map(|d| &d.code))
            .chain(org.windows.iter().map(|w| &w.code))
            .chain(org.staff.iter().map(|s| &s.staff_no))
            .chain(org.items.iter().map(|i| &i.code));
        for code in codes {
            assert_eq!(Code::parse(code).map(|c| c.as_str().to_owned()), Ok(code.clone()), "{code}");
        }
        assert_eq!(org, super::org(), "org() is deterministic");
    }

    #[test]
    fn focus_window_exists_with_its_head_and_staff() {
        let org = org();
        let f = focus();
        let w = org.windows.iter().find(|w| w.code == f.window_code).expect("focus window");
        assert_eq!(w.head_staff_no.as_deref(), Some(f.head_staff_no.as_str()));
        assert_eq!(w.department_code, f.department_code);
        assert_ne!(f.staff_no, f.head_staff_no);
        let s = org.staff.iter().find(|s| s.staff_no == f.staff_no).expect("focus staff");
        assert_eq!(s.window_code, f.window_code);
        let d = org.departments.iter().find(|d| d.code == f.department_code).unwrap();
        assert_eq!(d.org_unit_code, f.org_unit_code);
        assert!(org.org_units.iter().any(|o| o.code == f.org_unit_code && o.kind == OrgKind::Center));
    }

    #[test]
    fn same_seed_same_events_other_seed_other_events() {
        let run = |seed| -> Vec<String> {
            events(seed, utc(2026, 3, 1), utc(2026, 6, 1), 20_000).take(3000).map(|e| format!("{e:?}")).collect()
        };
        let a = run(DEMO_SEED);
        assert_eq!(a.len(), 3000);
        assert_eq!(a, run(DEMO_SEED));
        assert_ne!(a, run(DEMO_SEED + 1));
    }

    #[test]
    fn events_come_in_time_order_within_the_period_and_in_daytime() {
        let (start, end) = (utc(2025, 9, 1), utc(2025, 12, 1));
        let cal = WorkCalendar::shipped();
        let mut last = start;
        for e in three_months() {
            let at = e.at();
            assert!(at >= last, "{e:?} after {last}");
            assert!(at < end);
            last = at;
            let secs = local_secs(at);
            assert!((DAY_BEGIN..DAY_END).contains(&secs), "at night: {e:?}");
            if let DemoEvent::Case(c) = e {
                let day = local_date(c.accepted_at);
                assert!(cal.is_workday(day) || day.weekday() == Weekday::Sat, "{c:?}");
                if let Some(f) = c.finished_at {
                    assert!(f > c.accepted_at && f < end);
                }
            }
        }
        assert!(last > utc(2025, 11, 25), "the stream covers the whole period");
    }

    #[test]
    fn every_reference_resolves() {
        let org = org();
        let units: HashSet<_> = org.org_units.iter().map(|o| o.code.as_str()).collect();
        let depts: HashMap<_, _> =
            org.departments.iter().map(|d| (d.code.as_str(), d.org_unit_code.as_str())).collect();
        let windows: HashMap<_, _> =
            org.windows.iter().map(|w| (w.code.as_str(), w.department_code.as_str())).collect();
        let staff: HashMap<_, _> = org.staff.iter().map(|s| (s.staff_no.as_str(), s.window_code.as_str())).collect();
        let items: HashSet<_> = org.items.iter().map(|i| i.code.as_str()).collect();
        let item_dept: HashMap<_, _> =
            org.items.iter().map(|i| (i.code.as_str(), i.department_code.as_str())).collect();

        // case_no → (window, staff, accepted, first evaluated?, followed up?)
        let mut cases: HashMap<String, (String, String, DateTime<Utc>, bool, bool)> = HashMap::new();
        for e in three_months() {
            match e {
                DemoEvent::Case(c) => {
                    assert!(items.contains(c.item_code.as_str()), "{c:?}");
                    assert_eq!(
                        item_dept[c.item_code.as_str()],
                        windows[c.window_code.as_str()],
                        "item of the window's department"
                    );
                    assert_eq!(staff[c.staff_no.as_str()], c.window_code, "{c:?}");
                    assert!(Code::parse(&c.case_no).is_ok());
                    let old = cases.insert(
                        c.case_no.clone(),
                        (c.window_code.clone(), c.staff_no.clone(), c.accepted_at, false, false),
                    );
                    assert!(old.is_none(), "duplicate case_no {}", c.case_no);
                }
                DemoEvent::Evaluation(ev) => {
                    let i = &ev.input;
                    if let Some(no) = &i.case_no {
                        let case = cases.get_mut(no).unwrap_or_else(|| panic!("unknown case {no}"));
                        assert!(ev.received_at > case.2);
                        if let Some(w) = &i.window_code {
                            assert_eq!(w, &case.0);
                        }
                        if let Some(s) = &i.staff_no {
                            assert_eq!(s, &case.1);
                        }
                        if i.follow_up {
                            assert!(case.3 && !case.4, "follow-up after exactly one first evaluation: {no}");
                            case.4 = true;
                        } else {
                            assert!(!case.3, "second first evaluation of {no}");
                            case.3 = true;
                        }
                    } else {
                        let w = i.window_code.as_deref().expect("window evaluation names a window");
                        assert!(windows.contains_key(w));
                        if let Some(s) = &i.staff_no {
                            assert_eq!(staff[s.as_str()], w);
                        }
                        assert!(!i.follow_up);
                    }
                }
                DemoEvent::Complaint(c) => {
                    let i = &c.input;
                    if let Some(s) = &i.staff_no {
                        assert_eq!(Some(staff[s.as_str()]), i.window_code.as_deref());
                    }
                    if let Some(w) = &i.window_code {
                        assert_eq!(Some(windows[w.as_str()]), i.department_code.as_deref());
                    }
                    if let Some(d) = &i.department_code {
                        assert_eq!(Some(depts[d.as_str()]), i.org_code.as_deref());
                    }
                    if let Some(o) = &i.org_code {
                        assert!(units.contains(o.as_str()));
                    }
                }
            }
        }
    }

    #[test]
    fn mix_of_channels_levels_and_kinds_is_believable() {
        let (start, end) = (utc(2025, 9, 1), utc(2025, 12, 1));
        let mut channels: HashMap<String, u64> = HashMap::new();
        let mut levels = [0u64; 6];
        let (mut evaluations, mut follow_ups, mut cases, mut commented, mut with_evaluator) =
            (0u64, 0u64, 0u64, 0u64, 0u64);
        let (mut complaints, mut complaint_channels) = (0u64, HashSet::new());
        let mut evaluated_cases = HashSet::new();
        let mut early_cases = Vec::new();
        let cutoff = start + (end - start) * 2 / 3;
        let focus = focus();
        let (mut focus_bad, mut focus_window_bad) = (0, 0);
        let mut case_staff: HashMap<&str, &str> = HashMap::new();
        let mut bad_by_staff: HashMap<&str, u64> = HashMap::new();
        for e in three_months() {
            match e {
                DemoEvent::Case(c) => {
                    cases += 1;
                    case_staff.insert(&c.case_no, &c.staff_no);
                    if c.accepted_at < cutoff && c.finished_at.is_some() {
                        early_cases.push(c.case_no.clone());
                    }
                }
                DemoEvent::Evaluation(ev) => {
                    evaluations += 1;
                    *channels.entry(ev.input.channel.clone().unwrap()).or_default() += 1;
                    let level = ev.input.level.unwrap();
                    levels[level as usize] += 1;
                    follow_ups += u64::from(ev.input.follow_up);
                    commented += u64::from(ev.input.comment.is_some());
                    with_evaluator += u64::from(ev.input.evaluator.is_some());
                    if let Some(no) = &ev.input.case_no {
                        evaluated_cases.insert(no.clone());
                    }
                    let staff = match &ev.input.case_no {
                        Some(no) => Some(case_staff[no.as_str()]),
                        None => ev.input.staff_no.as_deref(),
                    };
                    if level <= 2 {
                        if let Some(staff) = staff {
                            *bad_by_staff.entry(staff).or_default() += 1;
                        }
                        focus_bad += u64::from(staff == Some(focus.staff_no.as_str()));
                        focus_window_bad += u64::from(ev.input.window_code.as_deref() == Some(&focus.window_code));
                    }
                }
                DemoEvent::Complaint(c) => {
                    complaints += 1;
                    complaint_channels.insert(c.input.channel.clone().unwrap());
                }
            }
        }
        let share = |n: u64| n as f64 / evaluations as f64;
        println!(
            "evaluations {evaluations}, cases {cases}, follow-ups {follow_ups}, complaints {complaints}, levels {levels:?}, channels {channels:?}, commented {:.3}, evaluator {:.3}, bad reviews of the focus staff {focus_bad} (window-bound at the focus window {focus_window_bad}), staff with most bad reviews {:?}",
            share(commented),
            share(with_evaluator),
            {
                let mut top: Vec<_> = bad_by_staff.iter().collect();
                top.sort_by_key(|(s, n)| (std::cmp::Reverse(**n), **s));
                top.into_iter().take(5).collect::<Vec<_>>()
            }
        );
        assert!(focus_bad >= 2, "the focus staff has bad reviews to follow: {focus_bad}");
        assert!((17_000..=23_000).contains(&evaluations), "{evaluations}");
        for channel in Channel::ALL {
            assert!(channels.get(channel.code()).copied().unwrap_or(0) > 50, "{channel:?}: {channels:?}");
        }
        let bad = share(levels[1] + levels[2]);
        assert!(bad > 0.0015 && bad < 0.01, "bad share {bad}");
        assert!((0.80..0.90).contains(&share(levels[5])), "{levels:?}");
        assert!((0.08..0.14).contains(&share(levels[4])), "{levels:?}");
        assert!((0.02..0.06).contains(&share(levels[3])), "{levels:?}");
        assert!(follow_ups > 20 && share(follow_ups) < 0.03, "{follow_ups}");
        let rate =
            early_cases.iter().filter(|c| evaluated_cases.contains(*c)).count() as f64 / early_cases.len() as f64;
        assert!((0.70..=0.85).contains(&rate), "case evaluation rate {rate}");
        assert!((6..=60).contains(&complaints), "{complaints}");
        assert_eq!(complaint_channels.len(), 3, "{complaint_channels:?}");
    }

    #[test]
    fn every_input_parses() {
        let mut ids = 0;
        for e in three_months() {
            match e {
                DemoEvent::Evaluation(ev) => {
                    let parsed =
                        NewEvaluation::parse(&ev.input, ev.received_at).unwrap_or_else(|err| panic!("{err}: {ev:?}"));
                    if parsed.channel.is_online() {
                        assert!(ev.input.evaluated_at.is_none());
                    }
                    if matches!(parsed.channel, Channel::Paper | Channel::Box) {
                        let date =
                            NaiveDate::parse_from_str(ev.input.evaluated_at.as_deref().unwrap(), "%Y-%m-%d").unwrap();
                        let late = (local_date(ev.received_at) - date).num_days();
                        assert!((1..=12).contains(&late), "{late} days: {ev:?}");
                    }
                    if parsed.level.is_bad() {
                        assert!(!parsed.tags.is_empty() || !parsed.comment.is_empty());
                    }
                    assert!(parsed.tags.len() <= 3);
                    if let Some(evaluator) = &ev.input.evaluator {
                        if let Some(phone) = &evaluator.phone {
                            assert!(phone.len() == 11 && ["13", "15", "18"].contains(&&phone[..2]), "{phone}");
                        }
                        if let Some(id) = &evaluator.id_no {
                            ids += 1;
                            if evaluator.kind.as_deref() == Some("legal") {
                                assert!(is_valid_credit_code(id));
                            } else {
                                assert!(is_valid_resident_id(id) && id.starts_with("2202"), "{id}");
                            }
                        }
                    }
                }
                DemoEvent::Complaint(c) => {
                    NewComplaint::parse(&c.input).unwrap_or_else(|err| panic!("{err}: {c:?}"));
                }
                DemoEvent::Case(_) => {}
            }
        }
        assert!(ids > 0, "a few evaluators give an ID number");
    }

    #[test]
    fn id_numbers_carry_correct_check_characters() {
        let mut rng = Rng::new(7);
        for _ in 0..1000 {
            assert!(is_valid_resident_id(&resident_id(&mut rng)));
            let code = credit_code(&mut rng);
            assert!(is_valid_credit_code(&code), "{code}");
            assert_eq!(credit_check(&code.as_bytes()[..17]), code.as_bytes()[17]);
        }
        // A published code (北京小米科技有限责任公司).
        assert_eq!(credit_check(b"91110108551385082"), b'Q');
    }

    #[test]
    fn a_large_run_streams_without_collecting() {
        let mut stream = EventStream::new(DEMO_SEED, utc(2025, 1, 1), utc(2026, 1, 1), 2_000_000);
        let mut max_pending = 0;
        let mut count = 0u64;
        while count < 200_000 {
            if stream.next().is_none() {
                break;
            }
            count += 1;
            max_pending = max_pending.max(stream.pending_len());
        }
        assert_eq!(count, 200_000);
        // About 8 000 evaluations a working day: the queue holds a few days, never the year.
        assert!(max_pending < 100_000, "{max_pending}");
    }

    #[test]
    fn empty_or_inverted_periods_give_nothing() {
        assert_eq!(events(1, utc(2026, 1, 5), utc(2026, 1, 5), 1000).count(), 0);
        assert_eq!(events(1, utc(2026, 1, 6), utc(2026, 1, 5), 1000).count(), 0);
        assert_eq!(
            events(1, utc(2026, 1, 5), utc(2026, 2, 5), 0).filter(|e| !matches!(e, DemoEvent::Complaint(_))).count(),
            0
        );
    }

    #[test]
    fn default_period_is_the_last_three_months() {
        let now = Utc.with_ymd_and_hms(2026, 2, 14, 3, 0, 0).unwrap();
        assert_eq!(default_period(now), (utc(2025, 11, 1), now));
        let now = Utc.with_ymd_and_hms(2026, 5, 31, 17, 0, 0).unwrap(); // 06-01 01:00 local
        assert_eq!(default_period(now), (utc(2026, 3, 1), now));
        assert_eq!(period_of_months(now, 12), (utc(2025, 6, 1), now));
    }
}
