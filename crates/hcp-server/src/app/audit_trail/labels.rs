//! How the auditor reads the log: every action code written anywhere in hcp with its Chinese name, grouped for
//! the filter's select; the actor as people read it; the details' common keys in Chinese.

/// The action codes by group: (group name, [(code, label)]). One table for the API, the pages and the export;
/// an action not listed here shows its code.
pub const GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "登录与会话",
        &[
            ("session.create", "登录成功"),
            ("session.refused", "登录失败"),
            ("session.delete", "退出登录"),
            ("session.end", "结束会话"),
        ],
    ),
    ("账号锁定", &[("account.lock", "账号锁定"), ("account.unlock", "账号解锁")]),
    (
        "账号管理",
        &[
            ("user.create", "创建账号"),
            ("user.update", "修改账号"),
            ("user.deactivate", "停用账号"),
            ("user.reactivate", "启用账号"),
            ("user.password.change", "修改密码"),
            ("user.password.reset", "重置密码"),
        ],
    ),
    (
        "双因素认证",
        &[
            ("second_factor.enrol", "开启双因素认证"),
            ("second_factor.disable", "关闭双因素认证"),
            ("second_factor.admin_reset", "管理员重置双因素认证"),
            ("second_factor.enrol_failed", "开启双因素认证失败"),
            ("second_factor.disable_failed", "关闭双因素认证失败"),
            ("second_factor.sign_in_failed", "双因素验证失败"),
            ("second_factor.recovery_code_used", "使用恢复码"),
        ],
    ),
    ("接口令牌", &[("token.create", "签发令牌"), ("token.revoke", "吊销令牌")]),
    (
        "被拒绝的请求",
        &[
            ("request.refused", "请求被拒绝"),
            ("request.refused_reads", "读取被拒绝（按小时汇总）"),
            ("request.refused_anonymous", "未登录请求被拒绝（按小时汇总）"),
        ],
    ),
    (
        "审计",
        &[
            ("audit.export", "导出审计日志"),
            ("audit.verification.start", "开始完整性校验"),
            ("audit.verification.finish", "完整性校验完成"),
            ("audit.segment", "审计链换钥分段"),
        ],
    ),
    (
        "评价与投诉",
        &[
            ("evaluation.create", "登记评价"),
            ("evaluation.reveal_contact", "查看评价人联系方式"),
            ("complaint.create", "登记投诉"),
            ("misconduct_report.create", "登记举报"),
            ("attachment.upload", "上传附件"),
            ("fraud_flag.raise", "标记疑似异常评价"),
            ("fraud_flag.confirmed", "认定异常评价"),
            ("fraud_flag.dismissed", "排除异常评价"),
        ],
    ),
    (
        "工单",
        &[
            ("ticket.create", "生成工单"),
            ("ticket.dispatch", "分派工单"),
            ("ticket.verify", "核实"),
            ("ticket.rectify", "整改"),
            ("ticket.feedback", "反馈"),
            ("ticket.appeal", "提出申诉"),
            ("ticket.decide", "申诉复核决定"),
            ("ticket.revisit", "回访"),
            ("ticket.close", "办结"),
            ("ticket.conclude", "查处结论"),
            ("ticket.overdue", "逾期督办"),
            ("ticket.reminder", "到期提醒"),
            ("ticket.recompute", "期限重算"),
            ("ticket.reveal_contact", "查看群众联系方式"),
        ],
    ),
    (
        "督查督办",
        &[
            ("supervision.issue", "下发督办"),
            ("supervision.report", "提交整改报告"),
            ("supervision.assess", "整改评估"),
            ("supervision.outcome", "记录处理结果"),
            ("supervision.overdue", "督办逾期"),
            ("supervision.staff_move", "落实责令更换"),
        ],
    ),
    ("数据上报", &[("upward.enqueue", "上报数据")]),
    (
        "组织机构与事项",
        &[
            ("org_unit.create", "新增机构"),
            ("org_unit.update", "修改机构"),
            ("department.create", "新增部门"),
            ("department.update", "修改部门"),
            ("window.create", "新增窗口"),
            ("window.update", "修改窗口"),
            ("window.add_network", "登记窗口网络"),
            ("staff.create", "新增工作人员"),
            ("staff.update", "修改工作人员"),
            ("staff.move", "责令更换调岗"),
            ("service_item.create", "新增事项"),
            ("service_item.update", "修改事项"),
            ("case.create", "登记办件"),
        ],
    ),
    (
        "日历与设置",
        &[
            ("calendar.add_year", "导入年度日历"),
            ("calendar.replace_year", "替换年度日历"),
            ("calendar.set_local_day", "设置本地调休日"),
            ("calendar.remove_local_day", "删除本地调休日"),
            ("settings.update", "修改参数设置"),
        ],
    ),
    ("演示", &[("demo.org", "生成演示机构"), ("demo.bulk_load", "载入演示数据"), ("demo.clock", "调整训练时钟")]),
];

/// The Chinese name of an action code; an unknown code is shown as it is.
pub fn action_label(code: &str) -> String {
    GROUPS
        .iter()
        .flat_map(|(_, actions)| actions.iter())
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, label)| (*label).to_owned())
}

/// Whether the code is in the table.
pub fn is_known(code: &str) -> bool {
    GROUPS.iter().flat_map(|(_, actions)| actions.iter()).any(|(c, _)| *c == code)
}

/// The actor of an entry that is no user account: the citizen, the command line, the system's own jobs.
pub fn actor_fallback(actor: &str) -> String {
    match actor {
        "citizen" => "群众".into(),
        _ if actor.starts_with("cli:") => format!("命令行（{}）", &actor[4..]),
        _ if actor.starts_with("系统") => actor.to_owned(),
        _ if actor.is_ascii() => "系统".into(),
        other => other.to_owned(),
    }
}

/// The Chinese name of a details key the log commonly carries; others show as they are.
pub fn key_label(key: &str) -> &str {
    match key {
        "address" => "地址",
        "user_agent" => "浏览器",
        "session" => "会话编号",
        "sessions_ended" => "结束的会话",
        "first_at" => "首次时间",
        "method" => "请求方法",
        "path" => "路径",
        "status" => "状态",
        "code" => "编码",
        "count" => "次数",
        "hour" => "时段",
        "sample_path" => "示例路径",
        "token" => "令牌",
        "name" => "名称",
        "for" => "账号",
        "expires_at" => "到期时间",
        "changes" => "变更",
        "role" => "角色",
        "scope" => "管辖范围",
        "display_name" => "姓名",
        "email" => "电子邮箱",
        "username" => "用户名",
        "reason" => "原因",
        "sessions" => "结束的会话",
        "tokens" => "吊销的令牌",
        "entries" => "条数",
        "clean" => "完整",
        "findings" => "问题",
        "filter" => "筛选条件",
        "rows" => "行数",
        "format" => "格式",
        "actor" => "操作人",
        "action" => "操作",
        "target" => "对象",
        "from" => "从",
        "to" => "至",
        "staff" => "工作人员",
        "deadlines" => "期限",
        "evaluation" => "评价",
        "ticket" => "工单",
        "appeal_by" => "申诉期限",
        "review_by" => "复核期限",
        "feedback_by" => "反馈期限",
        "order" => "督办",
        "kind" => "类型",
        "period" => "期间",
        "rule" => "规则",
        "id" => "编号",
        "move" => "调岗",
        "evidence" => "依据",
        "flag" => "标记",
        "evaluations" => "评价",
        "windows" => "窗口",
        "window_id" => "窗口",
        "days" => "天数",
        "wording" => "文字",
        "comment" => "留言",
        "year" => "年份",
        "date" => "日期",
        "confirm" => "认定",
        "decision" => "结论",
        "state" => "状态",
        "verification" => "校验编号",
        "until" => "截止",
        "failures" => "失败次数",
        "before" => "修改前",
        "after" => "修改后",
        "note" => "说明",
        "level" => "等级",
        "channel" => "渠道",
        "window" => "窗口",
        "deadline" => "期限",
        "deadline_kind" => "期限类型",
        other => other,
    }
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "（无）".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "是".to_owned(),
        serde_json::Value::Bool(false) => "否".to_owned(),
        serde_json::Value::Array(items) if items.len() == 2 && items.iter().all(|v| !v.is_object()) => {
            format!("{} → {}", value_text(&items[0]), value_text(&items[1]))
        }
        serde_json::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("、"),
        serde_json::Value::Object(map) => {
            map.iter().map(|(k, v)| format!("{} {}", key_label(k), value_text(v))).collect::<Vec<_>>().join("；")
        }
        other => other.to_string(),
    }
}

/// The details as readable lines: "地址：203.0.113.7".
pub fn describe(details: &serde_json::Value) -> Vec<(String, String)> {
    match details.as_object() {
        Some(map) => map.iter().map(|(k, v)| (key_label(k).to_owned(), value_text(v))).collect(),
        None if details.is_null() => Vec::new(),
        None => vec![("内容".to_owned(), value_text(details))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_once_and_unknown_ones_show_as_they_are() {
        let mut codes: Vec<&str> = GROUPS.iter().flat_map(|(_, a)| a.iter().map(|(c, _)| *c)).collect();
        let all = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all, "an action listed twice");
        assert_eq!(action_label("session.refused"), "登录失败");
        assert_eq!(action_label("something.new"), "something.new");
        assert_eq!(actor_fallback("citizen"), "群众");
        assert_eq!(actor_fallback("system"), "系统");
        assert_eq!(actor_fallback("系统调度"), "系统调度");
        assert_eq!(actor_fallback("cli:root"), "命令行（root）");
    }

    /// The action codes given as literals to the audit's append functions anywhere in the workspace's sources.
    fn written_codes() -> Vec<String> {
        fn is_code(text: &str) -> bool {
            text.contains('.')
                && !text.starts_with('.')
                && !text.ends_with('.')
                && text
                    .split('.')
                    .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        }
        fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, files);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut files = Vec::new();
        for krate in std::fs::read_dir(crates).unwrap().flatten() {
            let src = krate.path().join("src");
            if src.is_dir() {
                walk(&src, &mut files);
            }
        }
        let mut codes = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for call in ["audit::append(", "append_with(", "append_keyed(", "audited("] {
                for (at, _) in text.match_indices(call) {
                    let rest = &text[at + call.len()..];
                    let end = rest.find(".await").or_else(|| rest.find(';')).unwrap_or(rest.len()).min(600);
                    let args = &rest[..end];
                    codes.extend(args.split('"').skip(1).step_by(2).filter(|t| is_code(t)).map(str::to_owned));
                }
            }
        }
        codes
    }

    #[test]
    fn every_action_written_anywhere_has_its_chinese_name() {
        let written = written_codes();
        assert!(written.iter().any(|c| c == "session.create") && written.len() > 30, "{written:?}");
        let unknown: Vec<&String> = written.iter().filter(|c| !is_known(c)).collect();
        assert!(unknown.is_empty(), "written to the audit log without a label: {unknown:?}");
        // Codes put together at run time: the ticket's actions and alerts, the fraud flags' decisions.
        let ticket_actions = ["dispatch", "verify", "rectify", "feedback", "appeal", "decide", "revisit", "close"];
        for code in ticket_actions.iter().chain(&["conclude", "overdue", "reminder", "recompute"]) {
            assert!(is_known(&format!("ticket.{code}")), "ticket.{code}");
        }
        for status in [hcp_core::integrity::FlagStatus::Confirmed, hcp_core::integrity::FlagStatus::Dismissed] {
            assert!(is_known(&format!("fraud_flag.{}", status.code())), "{status:?}");
        }
    }

    #[test]
    fn details_read_as_key_value_pairs() {
        let details = serde_json::json!({"address": "203.0.113.7", "changes": {"role": ["staff", "window_head"]}});
        assert_eq!(
            describe(&details),
            vec![
                ("地址".to_owned(), "203.0.113.7".to_owned()),
                ("变更".to_owned(), "角色 staff → window_head".to_owned())
            ]
        );
    }
}
