//! What evaluators and complainants write: levels, tags, comments, names and numbers, complaint texts.

use super::*;
/// ≈ 85 % level 5, 11 % level 4, 3.6 % level 3, 0.28 % bad (times `bad_mult`; ≈ 0.4 % overall).
pub(crate) fn pick_level(rng: &mut Rng, bad_mult: f64) -> u8 {
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

pub(crate) struct TextCtx<'a> {
    pub(crate) level: u8,
    pub(crate) channel: Channel,
    pub(crate) kind: OrgKind,
    pub(crate) dept_key: &'static str,
    pub(crate) item: &'a str,
    pub(crate) days: u8,
    pub(crate) staff: Option<&'a str>,
    pub(crate) window: &'a str,
    pub(crate) follow_up: bool,
    /// Level of the first evaluation, for a follow-up.
    pub(crate) first_level: u8,
    /// What went wrong, if the review is bad: tags and comment tell the same story.
    pub(crate) theme: &'static Theme,
}

/// What went wrong in a bad review: tags of level 2, tags of level 1, comments.
pub(crate) struct Theme {
    pub(crate) tags2: &'static [u16],
    pub(crate) tags1: &'static [u16],
    pub(crate) comments: &'static [&'static str],
    /// Fits an online case.
    pub(crate) online: bool,
    /// About a promised time: needs an item that is not 即办.
    pub(crate) slow: bool,
}

pub(crate) const THEMES: &[Theme] = &[
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

pub(crate) const MISSING: &[&str] = &[
    "户口本原件",
    "结婚证复印件",
    "单位开具的证明",
    "房产证复印件",
    "法定代表人身份证原件",
    "近期免冠照片",
    "银行流水",
    "租赁合同备案证明",
];

pub(crate) fn theme_for(rng: &mut Rng, kind: OrgKind, days: u8) -> &'static Theme {
    loop {
        let theme = rng.pick(THEMES);
        if (kind != OrgKind::OnlinePlatform || theme.online) && (days > 0 || !theme.slow) {
            return theme;
        }
    }
}

pub(crate) fn tags_for(rng: &mut Rng, ctx: &TextCtx) -> Vec<serde_json::Value> {
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

pub(crate) const PRAISE: &[&str] = &[
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
pub(crate) const PRAISE_ONLINE: &[&str] = &[
    "在手机上就办完了，一次都没跑",
    "网上提交材料，审核很快",
    "全程网办，足不出户就办好了",
    "在吉事办上提交后第二天就审核通过了",
    "退回补正时说明写得很清楚，改一次就通过了",
];
pub(crate) const PRAISE_STREET: &[&str] =
    &["家门口就能办，不用跑到区里了", "工作人员很热心，帮老人把手续都办好了", "在街道就能办，方便多了"];
pub(crate) const PRAISE_COMMUNITY: &[&str] =
    &["在社区就能办，方便多了", "网格员上门帮老人办理，很贴心", "社区工作人员很热心，一次就办好了"];
pub(crate) const PRAISE_DEPT: &[(&str, &[&str])] = &[
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
pub(crate) const GOOD: &[&str] = &[
    "整体挺好，就是等的时间稍微长一点",
    "服务不错，材料一次就过了",
    "工作人员挺热情的，就是人有点多",
    "流程比以前简化了不少",
    "办得挺顺利，希望自助机再多几台",
];
pub(crate) const GOOD_ONLINE: &[&str] = &["网上就能办，挺方便的", "审核挺快，就是上传材料的页面有点卡"];
pub(crate) const BASIC: &[&str] = &[
    "排队时间比较长，希望多开几个窗口",
    "大厅停车不太方便",
    "整体还可以，就是等的时间有点长",
    "办事指南写得不够清楚，问了才知道要带什么",
    "叫号屏幕看不清，差点过号",
    "基本满意，希望办理速度再快一些",
    "中午不能办理，上班族不太方便",
];
pub(crate) const BASIC_ONLINE: &[&str] = &["网站有点卡，提交了好几次才成功", "审核速度一般，等了两天才有结果"];
/// Follow-ups after a mediocre or bad first evaluation that was put right.
pub(crate) const FOLLOW_UP_GOOD: &[&str] = &[
    "追评：问题已经解决了，感谢工作人员主动回访",
    "追评：后来工作人员主动打电话联系，问题解决了",
    "追评：窗口负责人专门打电话道歉，材料也帮忙补齐了",
];
/// Follow-ups after a good first evaluation.
pub(crate) const FOLLOW_UP_DONE: &[&str] =
    &["追评：证件已经收到，很满意", "追评：{item}已办结，结果很满意", "追评：比承诺时间提前办完了，再次感谢"];
pub(crate) const FOLLOW_UP_BAD: &[&str] = &["追评：反映的问题到现在也没有解决", "追评：说好的回复一直没有等到"];

pub(crate) fn comment_for(rng: &mut Rng, ctx: &TextCtx) -> Option<String> {
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

pub(crate) const COMPANY_WORDS: &[&str] = &[
    "恒达", "鑫源", "华宇", "瑞丰", "宏图", "金诚", "北方", "松江", "江城", "九鼎", "万通", "众鑫", "天泽", "兴业",
    "博远", "嘉禾", "隆泰", "吉顺", "长白", "德润",
];
pub(crate) const COMPANY_TRADES: &[&str] =
    &["商贸", "化工", "建筑工程", "物流", "机械制造", "餐饮管理", "新材料科技", "房地产开发", "汽车服务", "电子科技"];
/// 吉林市 county-level divisions: 市辖区, 昌邑区, 龙潭区, 船营区, 丰满区, 永吉县, 蛟河市, 桦甸市, 舒兰市, 磐石市.
pub(crate) const REGIONS: &[&str] =
    &["220201", "220202", "220203", "220204", "220211", "220221", "220281", "220282", "220283", "220284"];

pub(crate) fn citizen_name(rng: &mut Rng) -> String {
    let surname = rng.pick(SURNAMES);
    if rng.chance(0.3) {
        format!("{surname}{}", rng.pick(GIVEN_SECOND))
    } else {
        format!("{surname}{}{}", rng.pick(GIVEN_FIRST), rng.pick(GIVEN_SECOND))
    }
}

pub(crate) fn company_name(rng: &mut Rng) -> String {
    let form = if rng.chance(0.8) { "有限公司" } else { "有限责任公司" };
    format!("吉林市{}{}{form}", rng.pick(COMPANY_WORDS), rng.pick(COMPANY_TRADES))
}

/// An 11-digit mobile number starting 13x, 15x or 18x.
pub(crate) fn mobile_number(rng: &mut Rng) -> String {
    let second = *rng.pick(&["3", "5", "8"]);
    let third = match second {
        "5" => *rng.pick(&["0", "1", "2", "3", "5", "6", "7", "8", "9"]),
        _ => *rng.pick(&["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]),
    };
    format!("1{second}{third}{:08}", rng.below(100_000_000))
}

/// A resident ID (GB 11643) of 吉林市 with a correct check character.
pub(crate) fn resident_id(rng: &mut Rng) -> String {
    let birth = NaiveDate::from_ymd_opt(1955, 1, 1).unwrap_or_default() + Duration::days(rng.range(0, 48 * 365));
    let body = format!("{}{}{:03}", rng.pick(REGIONS), birth.format("%Y%m%d"), rng.range(1, 999));
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = body.chars().zip(WEIGHTS).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    format!("{body}{}", CHECK[(sum % 11) as usize])
}

pub(crate) const CREDIT_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A unified social credit code (GB 32100) of a 吉林市 enterprise, with correct check characters (the organisation
/// code's GB 11714 check and the overall one).
pub(crate) fn credit_code(rng: &mut Rng) -> String {
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
pub(crate) fn credit_check(first17: &[u8]) -> u8 {
    const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| CREDIT_ALPHABET.iter().position(|a| a == c).unwrap_or(0) as u32 * w)
        .sum();
    CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize]
}

pub(crate) fn evaluator_for(rng: &mut Rng, channel: Channel, level: u8, enterprise: bool) -> Option<EvaluatorInput> {
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

pub(crate) const COMPLAINT_STAFF: &[&str] = &[
    "{date}我到{org}{window}办理{item}，工作人员{staff}态度很不好，问两句就不耐烦，还让我“自己看指南”，希望对该工作人员批评教育。",
    "{date}上午在{window}办理{item}，工作人员{staff}办理过程中一直接打私人电话，让我在窗口等了二十多分钟。",
    "{date}在{window}办完{item}后，工作人员{staff}一直让我在平板上点“非常满意”，不点不让走，这样的评价还有什么意义？",
    "{date}在{window}办理{item}，工作人员{staff}说材料不全，又说不清楚缺什么，让我来回跑了三趟。",
];
pub(crate) const COMPLAINT_WINDOW: &[&str] = &[
    "{date}在{org}{window}办理{item}，窗口说材料不全让我回去补，补完再去又说还缺{missing}，前后跑了三趟，为什么不能一次性告知？",
    "{date}到{window}办理{item}，承诺{days}个工作日办结，现在已经超期了，打电话问一直说在审核，希望尽快给个答复。",
    "{date}中午到{org}{window}，没有人值守，等了一个多小时也没人办理，上班族请假来的，希望安排错时服务。",
    "{date}在{window}排队，叫号系统跳号，排了一个半小时，现场也没有人解释。",
];
pub(crate) const COMPLAINT_ONLINE: &[&str] = &[
    "{date}在网上申请{item}，提交一周了还显示“待受理”，打电话也没人接，希望尽快处理。",
    "网上办理{item}被退回了三次，每次退回理由都不一样，不能一次说清楚吗？",
];
pub(crate) const COMPLAINT_DEPT: &[&str] = &[
    "{dept}的办事指南和窗口要求的材料不一致，指南上没有要求{missing}，窗口非要提供，否则不给受理。",
    "在{dept}办理{item}，网上说可以全程网办，结果提交后被退回，还是要求到大厅现场提交纸质材料。",
    "{dept}的咨询电话一直打不通，想问一下{item}需要什么材料都问不到。",
];
pub(crate) const COMPLAINT_ORG: &[&str] = &[
    "{org}停车位太少，每次来办事都要在路边找半天车位，希望协调解决。",
    "{org}自助服务区的打印机经常故障，材料打印不了只能去外面复印店。",
    "{org}周末不开放，上班族办事只能请假，建议推行周末延时服务。",
];
pub(crate) const COMPLAINT_GENERAL: &[&str] = &[
    "我在政务服务评价后第二天接到陌生电话，对方知道我办了什么业务，怀疑评价信息被泄露，请查明情况。",
    "建议在政务大厅增加老年人帮办服务，老人不会用自助机和手机，办事很困难。",
    "办事大厅的指引标识不清楚，第一次来找不到要去哪个窗口。",
];
