//! The ledgers people print and file, read back as a spreadsheet program reads them (calamine for XLSX, the
//! CSV text): Chinese labels instead of codes, people by name and staff number, the feedback, revisit, appeal
//! and decision columns, real dates with a date format, columns as wide as their content.

use std::io::Read;

use calamine::{Data, Range, Reader, Xlsx};
use chrono::Duration;
use hcp_testkit::{Backend, BadReview, TestApp};
use reqwest::StatusCode;
use serde_json::json;

hcp_store::on_both_backends!(ledgers_speak_chinese_with_names_reasons_and_dates);

const PERIOD: &str = "from=2026-10-01&to=2026-11-30";

async fn download(app: &TestApp, cookie: &str, kind: &str, format: &str) -> Vec<u8> {
    let path = format!("/api/v1/ledgers/{kind}?format={format}&{PERIOD}");
    let response = app.client.get(app.url(&path)).header("cookie", cookie).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.unwrap().to_vec()
}

/// The ledger's only worksheet, as calamine reads it, with its header row.
struct Sheet {
    range: Range<Data>,
    header: Vec<String>,
    xml: String,
}

impl Sheet {
    fn open(bytes: Vec<u8>, title: &str) -> Sheet {
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
        let range = workbook.worksheet_range(title).unwrap();
        let header = (0..range.width()).map(|c| range.get((0, c)).unwrap().to_string()).collect();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
        Sheet { range, header, xml }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}: {:?}", self.header))
    }

    fn cell(&self, row: usize, name: &str) -> &Data {
        self.range.get((row, self.col(name))).unwrap_or_else(|| panic!("no cell {name} in row {row}"))
    }

    fn text(&self, row: usize, name: &str) -> String {
        self.cell(row, name).to_string()
    }

    /// The cell is a date (a number with a date format), at this Beijing time.
    fn assert_time(&self, row: usize, name: &str, expected: (u16, u8, u8, u8, u8, u8)) {
        match self.cell(row, name) {
            Data::DateTime(at) => {
                assert!(at.is_datetime(), "{name}: {at:?}");
                let (y, mo, d, h, mi, s, _) = at.to_ymd_hms_milli();
                assert_eq!((y, mo, d, h, mi, s), expected, "{name}");
            }
            other => panic!("{name} is not a date cell: {other:?}"),
        }
    }

    /// The width the worksheet gives the column: `<col min=".." max=".." width="..">`, neighbours of the same
    /// width sharing one element.
    fn width(&self, name: &str) -> f64 {
        let n = self.col(name) + 1;
        let attribute = |col: &str, key: &str| -> f64 {
            let start = col.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
            col[start..].split('"').next().unwrap().parse().unwrap()
        };
        self.xml
            .split("<col ")
            .skip(1)
            .find(|col| (attribute(col, "min")..=attribute(col, "max")).contains(&(n as f64)))
            .map(|col| attribute(col, "width"))
            .unwrap_or_else(|| panic!("no width for {name}"))
    }
}

/// The CSV ledger as rows of cells (after the BOM).
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

fn csv_cell<'a>(rows: &'a [Vec<String>], row: usize, name: &str) -> &'a str {
    let col = rows[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    &rows[row][col]
}

async fn ledgers_speak_chinese_with_names_reasons_and_dates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Mon 2026-10-12 10:00 (Beijing): a bad review on the hall tablet, rectified, answered and revisited.
    let handled = app.bad_review(BadReview::default().channel("hall_tablet").comment("材料清单与窗口要求不一致")).await;
    let path = format!("/api/v1/tickets/{}", handled.ticket);
    app.clock.advance(Duration::minutes(30));
    let head = app.login("window_head").await;
    let verify = json!({"classification": "complex", "finding": "清单未随法规更新"});
    assert_eq!(app.post(&format!("{path}/verify"), Some(&head), &verify).await.0, StatusCode::OK);
    let rectify = json!({"measures": "修订一次性告知单并张贴"});
    assert_eq!(app.post(&format!("{path}/rectify"), Some(&head), &rectify).await.0, StatusCode::OK);
    app.clock.advance(Duration::hours(2));
    // Signed in again: two hours unused end a session (the idle timeout).
    let head = app.login("window_head").await;
    let feedback = json!({"text": "已修订告知单，今后一次告知到位"});
    assert_eq!(app.post(&format!("{path}/feedback"), Some(&head), &feedback).await.0, StatusCode::OK);
    app.clock.advance(Duration::days(1));
    let operator = app.login("hotline_operator").await;
    let revisit = json!({"satisfaction": "basically_satisfied", "note": "群众表示认可"});
    let (status, t) = app.post(&format!("{path}/revisit"), Some(&operator), &revisit).await;
    assert_eq!(status, StatusCode::OK, "{t}");

    // Tue 2026-10-13 12:30: another bad review, appealed by the staff member and overturned.
    let appealed = app.bad_review(BadReview::default().level(2)).await;
    let path = format!("/api/v1/tickets/{}", appealed.ticket);
    let staff = app.login("staff").await;
    app.clock.advance(Duration::minutes(15));
    let appeal = json!({"reason": "malicious", "statement": "该群众当日未到本窗口办理业务"});
    assert_eq!(app.post(&format!("{path}/appeal"), Some(&staff), &appeal).await.0, StatusCode::OK);
    app.clock.advance(Duration::hours(1));
    let supervisor = app.login("supervisor").await;
    let decision = json!({"outcome": "overturned", "reason": "malicious", "explanation": "经调取叫号记录核实"});
    let (status, t) = app.post(&format!("{path}/appeal/decision"), Some(&supervisor), &decision).await;
    assert_eq!(status, StatusCode::OK, "{t}");

    // Fri 2026-11-06: a rectification order to the window, reported by its head.
    app.clock.advance(Duration::days(24));
    let supervisor = app.login("supervisor").await;
    let issued = app.issue_window_order("10月差评集中").await;
    let head = app.login("window_head").await;
    let report = json!({"report": "已组织业务培训"});
    let (status, _) =
        app.post(&format!("/api/v1/supervision/orders/{}/report", issued["id"]), Some(&head), &report).await;
    assert_eq!(status, StatusCode::OK);

    // 差评整改台账: labels, names with staff numbers, the feedback and revisit, dates as dates.
    let tickets = Sheet::open(download(&app, &supervisor, "tickets", "xlsx").await, "差评整改台账");
    assert_eq!(tickets.range.height(), 3, "header and two tickets");
    assert_eq!(tickets.text(1, "类型"), "差评");
    assert_eq!(tickets.text(1, "状态"), "已办结");
    assert_eq!(tickets.text(1, "工作人员"), "李强（S002）");
    assert_eq!(tickets.text(1, "评价标签"), "多头跑窗口和部门");
    assert_eq!(tickets.text(1, "评价或投诉内容"), "材料清单与窗口要求不一致");
    assert_eq!(tickets.text(1, "核实分类"), "情况复杂，限期整改");
    assert_eq!(tickets.text(1, "核实情况"), "清单未随法规更新");
    assert_eq!(tickets.text(1, "整改措施"), "修订一次性告知单并张贴");
    assert_eq!(tickets.text(1, "反馈内容"), "已修订告知单，今后一次告知到位");
    assert_eq!(tickets.text(1, "反馈人"), "王芳（S001）");
    assert_eq!(tickets.text(1, "回访满意度"), "基本满意");
    assert_eq!(tickets.text(1, "回访意见"), "群众表示认可");
    assert_eq!(tickets.text(1, "回访人"), "12345热线话务员");
    assert_eq!(tickets.text(1, "是否逾期"), "否");
    assert_eq!(tickets.cell(1, "工单编号"), &Data::Float(handled.ticket as f64));
    tickets.assert_time(1, "登记时间", (2026, 10, 12, 10, 0, 0));
    tickets.assert_time(1, "反馈时间", (2026, 10, 12, 12, 30, 0));
    tickets.assert_time(1, "回访时间", (2026, 10, 13, 12, 30, 0));
    assert_eq!(tickets.text(2, "状态"), "已改判");
    assert_eq!(tickets.text(2, "反馈内容"), "");
    assert!(tickets.xml.contains("<pane"), "the header row is frozen");
    // Widths follow the content: a yes/no column is narrow, a date fits, the answer is wider.
    assert!(tickets.width("是否逾期") < 12.0, "{}", tickets.width("是否逾期"));
    assert!((19.0..30.0).contains(&tickets.width("登记时间")), "{}", tickets.width("登记时间"));
    assert!(tickets.width("反馈内容") > 30.0, "{}", tickets.width("反馈内容"));

    let csv = csv_rows(&download(&app, &supervisor, "tickets", "csv").await);
    assert_eq!(csv_cell(&csv, 1, "工作人员"), "李强（S002）");
    assert_eq!(csv_cell(&csv, 1, "核实分类"), "情况复杂，限期整改");
    assert_eq!(csv_cell(&csv, 1, "登记时间"), "2026-10-12 10:00:00");
    assert_eq!(csv_cell(&csv, 1, "回访时间"), "2026-10-13 12:30:00");
    assert_eq!(csv_cell(&csv, 1, "回访满意度"), "基本满意");

    // 申诉复核台账: who asked and who decided, by name; the reasons and statements.
    let appeals = Sheet::open(download(&app, &supervisor, "appeals", "xlsx").await, "申诉复核台账");
    assert_eq!(appeals.range.height(), 2);
    assert_eq!(appeals.text(1, "申请人"), "李强（S002）");
    assert_eq!(appeals.text(1, "申诉理由"), "恶意差评");
    assert_eq!(appeals.text(1, "申诉陈述"), "该群众当日未到本窗口办理业务");
    assert_eq!(appeals.text(1, "复核人"), "政务服务局督查人员");
    assert_eq!(appeals.text(1, "复核结论"), "改判，不予采纳");
    assert_eq!(appeals.text(1, "改判理由"), "恶意差评");
    assert_eq!(appeals.text(1, "复核说明"), "经调取叫号记录核实");
    assert_eq!(appeals.text(1, "状态"), "已改判");
    appeals.assert_time(1, "申请时间", (2026, 10, 13, 12, 45, 0));
    appeals.assert_time(1, "复核决定时间", (2026, 10, 13, 13, 45, 0));
    let csv = csv_rows(&download(&app, &supervisor, "appeals", "csv").await);
    assert_eq!(csv_cell(&csv, 1, "复核人"), "政务服务局督查人员");
    assert_eq!(csv_cell(&csv, 1, "申请时间"), "2026-10-13 12:45:00");

    // 督查台账: the ladder's words, not its codes.
    let orders = Sheet::open(download(&app, &supervisor, "orders", "xlsx").await, "督查台账");
    assert_eq!(orders.text(1, "类型"), "整改通知");
    assert_eq!(orders.text(1, "对象类别"), "窗口");
    assert_eq!(orders.text(1, "状态"), "已报告整改，待评估");
    assert_eq!(orders.text(1, "下发人"), "政务服务局督查人员");
    assert_eq!(orders.text(1, "报告人"), "王芳（S001）");
    assert_eq!(orders.text(1, "整改报告"), "已组织业务培训");
    orders.assert_time(1, "整改报告期限", (2026, 11, 13, 23, 59, 59));

    // 评价明细: channel, tags and adoption by their labels.
    let evaluations = Sheet::open(download(&app, &supervisor, "evaluations", "xlsx").await, "评价明细");
    assert_eq!(evaluations.range.height(), 3);
    assert_eq!(evaluations.text(1, "渠道"), "政务大厅平板");
    assert_eq!(evaluations.text(1, "采纳状态"), "采纳");
    assert_eq!(evaluations.text(2, "评价标签"), "服务态度生硬");
    assert_eq!(evaluations.text(2, "采纳状态"), "不予采纳");
    assert_eq!(evaluations.text(2, "不予采纳原因"), "恶意差评");
    evaluations.assert_time(1, "评价时间", (2026, 10, 12, 10, 0, 0));
    let csv = csv_rows(&download(&app, &supervisor, "evaluations", "csv").await);
    assert_eq!(csv_cell(&csv, 1, "渠道"), "政务大厅平板");
    assert_eq!(csv_cell(&csv, 2, "评价标签"), "服务态度生硬");
    assert_eq!(csv_cell(&csv, 1, "评价时间"), "2026-10-12 10:00:00");
}
