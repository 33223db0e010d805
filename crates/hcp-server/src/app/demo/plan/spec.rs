//! The organisation as specified: the departments of each kind of hall, their windows and service items, the streets, names.

/// (name, promised working days, 0 = 即办件; enterprise-oriented; position of the window of the department that
/// handles it, or [`ANY`])
pub(crate) type ItemSpec = (&'static str, u8, bool, u8);

/// An item any window of its department handles.
pub(crate) const ANY: u8 = u8::MAX;

pub(crate) struct DeptSpec {
    /// Code suffix, also the key of department-specific texts.
    pub(crate) key: &'static str,
    pub(crate) name: &'static str,
    /// (window name, number of staff)
    pub(crate) windows: &'static [(&'static str, usize)],
    pub(crate) items: &'static [ItemSpec],
    /// Relative traffic of each window of this department.
    pub(crate) weight: f64,
    /// Open on Saturday mornings (周六延时服务).
    pub(crate) saturday: bool,
}

pub(crate) const CENTER_DEPTS: &[DeptSpec] = &[
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

pub(crate) const STREET_DEPTS: &[DeptSpec] = &[
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

pub(crate) const COMMUNITY_DEPT: DeptSpec = DeptSpec {
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

pub(crate) const ONLINE_DEPT: DeptSpec = DeptSpec {
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
pub(crate) type StreetSpec = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

pub(crate) const STREETS: &[StreetSpec] = &[
    ("JZ", "九站街道", &[("01", "九站社区"), ("02", "宏伟社区"), ("03", "西九站村")]),
    ("SJ", "双吉街道", &[("01", "双吉社区"), ("02", "东兴社区"), ("03", "孟家村")]),
    ("JB", "江北街道", &[("01", "江北社区"), ("02", "龙华社区"), ("03", "沙河子村")]),
];

pub(crate) const CENTER_CODE: &str = "JK";
pub(crate) const FOCUS_WINDOW: &str = "JK-SCJG-01";
/// Position of the focus staff member in the focus window's staff list (0 is the head).
pub(crate) const FOCUS_STAFF_POS: usize = 1;
/// Seed of the organisation (names): fixed, so `org()` is the same whatever seed the events use.
pub(crate) const ORG_SEED: u64 = 0x4A4B_2023_0512;

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "孙", "于", "徐", "马", "姜", "高", "周", "吴", "郭", "林", "何", "郑",
    "冯", "韩", "曹", "宋", "董", "邵", "金", "崔", "朴", "曲", "吕", "常", "田", "丁", "贾", "付", "潘", "任", "姚",
    "谭", "石", "白", "侯", "邢", "尹", "范", "孟", "宫", "隋", "鲁", "蒋", "梁", "韦", "程", "唐",
];
/// First characters of two-character given names.
pub(crate) const GIVEN_FIRST: &[&str] = &[
    "晓", "春", "秋", "海", "文", "雅", "思", "佳", "子", "雨", "明", "志", "建", "国", "立", "宏", "晨", "梦", "一",
    "天", "博", "嘉", "俊", "家", "美", "丽", "红", "玉", "欣", "新", "永", "长", "凤", "桂", "雪", "冬",
];
pub(crate) const GIVEN_SECOND: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇",
    "浩", "凯", "健", "帆", "旭", "宁", "龙", "林", "阳", "东", "亮", "峰", "博", "芳", "娜", "敏", "静", "丽", "艳",
    "娟", "霞", "玲", "婷", "雪", "颖", "慧", "莉", "萍", "红", "琳", "洁", "佳", "悦", "欣", "彤", "琪", "瑶", "璐",
    "倩", "晶", "蕾", "薇", "丹", "岩", "爽", "妍", "梅", "岚", "楠",
];
