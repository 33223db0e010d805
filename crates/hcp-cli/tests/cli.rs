//! The `hcp` binary as an operator runs it, on a real SQLite data directory.

use std::process::{Command, Output};

use hcp_store::testing::tempfile_guard::TempDir;

fn hcp(dir: &TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hcp"))
        .args(args)
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("HCP_DATABASE_URL")
        .env_remove("HCP_DATA_KEY")
        .env_remove("HCP_AUDIT_KEY")
        .env_remove("HCP_AUDIT_KEY_FILE")
        .output()
        .expect("run hcp")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn calendar_deadline_follows_the_official_calendar() {
    let dir = TempDir::new();
    let out = hcp(&dir, &["calendar", "deadline", "2024-09-27T15:00:00+08:00", "2"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).trim(), "2024-09-30T23:59:59+08:00");
    let out = hcp(&dir, &["calendar", "deadline", "2026-02-13T09:00:00+08:00", "2"]);
    assert_eq!(stdout(&out).trim(), "2026-02-24T23:59:59+08:00");
    let out = hcp(&dir, &["calendar", "deadline", "yesterday", "2"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

#[test]
fn calendar_import_adds_a_year_and_is_audited() {
    let dir = TempDir::new();
    let file = dir.path().join("2027.json");
    std::fs::write(
        &file,
        r#"{"year":2027,"papers":["https://www.gov.cn/zhengce/content/2027-notice.htm"],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"元旦","date":"2027-01-04","isOffDay":true}]}"#,
    )
    .unwrap();
    let before = hcp(&dir, &["calendar", "deadline", "2026-12-31T10:00:00+08:00", "2"]);
    assert_eq!(stdout(&before).trim(), "2027-01-04T23:59:59+08:00");
    let out = hcp(&dir, &["calendar", "import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("2027"));
    assert!(stdout(&out).contains("0 件在办工单的期限已重新计算"), "{}", stdout(&out));
    let after = hcp(&dir, &["calendar", "deadline", "2026-12-31T10:00:00+08:00", "2"]);
    assert_eq!(stdout(&after).trim(), "2027-01-06T23:59:59+08:00");
    let verify = hcp(&dir, &["audit", "verify"]);
    assert!(verify.status.success(), "{verify:?}");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"year\": 2027").unwrap();
    assert!(!hcp(&dir, &["calendar", "import", bad.to_str().unwrap()]).status.success());
}

#[test]
fn audit_verify_names_the_first_tampered_entry() {
    let dir = TempDir::new();
    // The keyed segment's first entry, then calendar seeding's four audited entries.
    assert!(hcp(&dir, &["calendar", "deadline", "2024-09-27T15:00:00+08:00", "1"]).status.success());
    let ok = hcp(&dir, &["audit", "verify"]);
    assert!(ok.status.success());
    assert!(stdout(&ok).contains("共 5 条"), "{}", stdout(&ok));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = hcp_store::Store::open_sqlite_dir(dir.path()).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        hcp_store::sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    });
    let broken = hcp(&dir, &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(stdout(&broken).contains("#2"), "{}", stdout(&broken));

    runtime.block_on(async {
        let store = hcp_store::Store::open_sqlite_dir(dir.path()).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        hcp_store::sqlx::query("DELETE FROM audit_log WHERE seq = 2").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
    });
    let removed = hcp(&dir, &["audit", "verify"]);
    assert_eq!(removed.status.code(), Some(1));
    assert!(stdout(&removed).contains("#3"), "{}", stdout(&removed));
}

/// Copies a data directory as an operator would for an offline check (the SQLite file, keys, checkpoints).
fn copy_dir(from: &TempDir) -> TempDir {
    let to = TempDir::new();
    for entry in std::fs::read_dir(from.path()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.path().join(entry.file_name())).unwrap();
        }
    }
    to
}

fn tamper(dir: &TempDir, statements: &[&str]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = hcp_store::Store::open_sqlite_dir(dir.path()).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        for statement in statements {
            hcp_store::sqlx::query(hcp_store::sqlx::AssertSqlSafe(*statement)).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        store.close().await;
    });
}

#[test]
fn audit_verify_on_a_copied_demo_names_edited_records_and_needs_the_audit_key() {
    let dir = TempDir::new();
    assert!(hcp(&dir, &["demo", "--evaluations", "300"]).status.success());
    let copy = copy_dir(&dir);
    let clean = hcp(&copy, &["audit", "verify"]);
    assert!(clean.status.success(), "an untouched demo verifies clean: {}", stdout(&clean));
    assert!(stdout(&clean).contains("已写入新检查点"), "{}", stdout(&clean));

    // (a) an evaluation's level and (b) a ticket's state edited in the database.
    tamper(
        &copy,
        &[
            "UPDATE evaluations SET level = 1 WHERE id = 7",
            "UPDATE tickets SET state = 'closed' WHERE id = (SELECT MIN(id) FROM tickets)",
        ],
    );
    let out = hcp(&copy, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("评价 #7 的内容与最后一次审计写入"), "{text}");
    assert!(text.contains("工单 #") && text.contains("的内容与最后一次审计写入"), "{text}");

    // (d) the chain recomputed without the key disagrees with the checkpoint the clean run wrote.
    tamper(&copy, &["UPDATE audit_log SET alg = 'sha256', key_id = ''"]);
    let out = hcp(&copy, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));

    // The audit key is looked for beside the data, or given by path; without it verification stops clearly.
    let key = copy.path().join("audit.key");
    let elsewhere = TempDir::new();
    let moved = elsewhere.path().join("audit.key");
    std::fs::rename(&key, &moved).unwrap();
    let out = hcp(&copy, &["audit", "verify"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("找不到审计密钥"), "{out:?}");
    let out = hcp(&dir, &["audit", "verify", "--audit-key", moved.to_str().unwrap()]);
    assert!(out.status.success(), "the original verifies with the key given by path: {out:?}");
    // A wrong key is named, not mistaken for tampering of every entry.
    std::fs::write(&key, "hmac-sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n").unwrap();
    let out = hcp(&dir, &["audit", "verify", "--audit-key", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("但审计密钥文件中没有该密钥"), "{}", stdout(&out));
}

#[test]
fn demo_users_need_the_demo_flag_and_user_add_prints_a_password() {
    let dir = TempDir::new();
    let out = hcp(&dir, &["demo", "--evaluations", "300"]);
    assert!(out.status.success(), "{out:?}");
    assert!(!stdout(&out).contains("supervisor-demo"), "no well-known passwords without --demo");
    let again = hcp(&dir, &["demo", "--evaluations", "300", "--demo"]);
    assert!(again.status.success());
    assert!(stdout(&again).contains("已有数据"), "demo data only goes into an empty database");

    let out = hcp(&dir, &["user", "add", "--username", "zhang.wei", "--role", "supervisor"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let password = text.rsplit('：').next().unwrap().trim();
    assert_eq!(password.len(), 16, "{text}");
    let out = hcp(&dir, &["user", "add", "--username", "zhang.wei", "--role", "supervisor"]);
    assert!(!out.status.success());
    let out = hcp(&dir, &["user", "add", "--username", "x1", "--role", "staff"]);
    assert!(!out.status.success(), "staff need a staff number and usernames need three characters");
    // Tokens are for integration accounts only (issue 16), within `[security.tokens] max_days`.
    let out = hcp(&dir, &["user", "token", "--username", "zhang.wei", "--name", "热线对接"]);
    assert!(!out.status.success(), "a person keeps no token");
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是系统对接账号"), "{out:?}");
    assert!(hcp(&dir, &["user", "add", "--username", "hotline.sys", "--role", "integration"]).status.success());
    let out = hcp(&dir, &["user", "token", "--username", "hotline.sys", "--name", "热线对接", "--days", "400"]);
    assert!(!out.status.success(), "more than the maximum");
    let out = hcp(&dir, &["user", "token", "--username", "hotline.sys", "--name", "热线对接", "--days", "90"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).trim().len(), 64, "only the token on stdout");
    assert!(hcp(&dir, &["audit", "verify"]).status.success());
}

#[test]
fn import_evaluations_reports_rows_and_adds_nothing_the_second_time() {
    let dir = TempDir::new();
    assert!(hcp(&dir, &["demo", "--evaluations", "200"]).status.success());
    let file = dir.path().join("forms.csv");
    std::fs::write(
        &file,
        "channel,window_code,level,tags,comment,evaluated_at\n\
         paper,JK-SCJG-01,5,517,,2026-01-05\n\
         box,JK-SCJG-01,1,115,排队两小时,2026-01-05\n\
         paper,NO-SUCH-WINDOW,5,,,2026-01-05\n",
    )
    .unwrap();
    let first = hcp(&dir, &["import", "evaluations", file.to_str().unwrap()]);
    assert_eq!(first.status.code(), Some(2), "rows with errors make a non-zero exit: {first:?}");
    let text = stdout(&first);
    assert!(text.contains("导入 2 条") && text.contains("第 4 行"), "{text}");
    let second = hcp(&dir, &["import", "evaluations", file.to_str().unwrap()]);
    assert!(stdout(&second).contains("导入 0 条") && stdout(&second).contains("已导入过 2 条"), "{}", stdout(&second));
}

#[test]
fn the_training_clock_is_refused_outside_the_demo() {
    let dir = TempDir::new();
    let out = hcp(&dir, &["serve", "--listen", "127.0.0.1:0", "--demo-clock", "2024-09-27T09:00:00+08:00"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--demo"), "{out:?}");
    let out = hcp(&dir, &["serve", "--listen", "127.0.0.1:0", "--demo", "--demo-clock", "next friday"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"), "{out:?}");
}

#[test]
fn the_statistics_aggregate_can_be_rebuilt() {
    let dir = TempDir::new();
    let out = hcp(&dir, &["stats", "rebuild"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("统计汇总已重建：0 行"), "{}", stdout(&out));
}

fn corpus(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hcp-server/tests/corpus").join(path)
}

/// Issue 12: hostile import files are refused with their reason (no abort, nothing stored).
#[test]
fn hostile_import_files_are_refused_with_their_reason() {
    let dir = TempDir::new();
    for (file, needle) in [
        ("xlsx/xfd1048576.xlsx", "XFD1048576"),
        ("xlsx/xfd1048576-no-dimension.xlsx", "XFD1048576"),
        ("xlsx/truncated.xlsx", "无法读取"),
        ("csv/nul-row.csv", "第7行D列"),
        ("csv/invalid-utf8.csv", "UTF-8"),
    ] {
        let out = hcp(&dir, &["import", "evaluations", corpus(file).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{file}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{file}: {stderr}");
    }
    let verify = hcp(&dir, &["audit", "verify"]);
    assert!(verify.status.success(), "{verify:?}");
}

/// Issue 11: holiday-cn's placeholder for a year not yet announced is refused, and the answer says the year
/// stays provisional; other broken files are refused with their reason.
#[test]
fn placeholder_and_broken_holiday_files_are_refused_and_the_year_stays_provisional() {
    let dir = TempDir::new();
    let before = hcp(&dir, &["calendar", "deadline", "2027-09-30T10:00:00+08:00", "3"]);
    for (file, needle) in [
        ("holiday/2027-placeholder.json", "暂定"),
        ("holiday/no-source.json", "papers 为空"),
        ("holiday/wrong-year.json", "不属于 2027 年"),
        ("holiday/duplicate-dates.json", "重复出现"),
        ("holiday/bad-date.json", "格式错误"),
        ("holiday/year-out-of-range.json", "超出允许范围"),
        ("holiday/nul-name.json", "控制字符"),
    ] {
        let out = hcp(&dir, &["calendar", "import", corpus(file).to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{file}: {out:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle), "{file}: {out:?}");
    }
    let after = hcp(&dir, &["calendar", "deadline", "2027-09-30T10:00:00+08:00", "3"]);
    assert_eq!(stdout(&after), stdout(&before));
}

/// Broken configuration files: a clear refusal, never a panic (exit code 101).
#[test]
fn broken_config_files_are_refused_not_panicked_on() {
    let dir = TempDir::new();
    for entry in std::fs::read_dir(corpus("config")).unwrap() {
        let path = entry.unwrap().path();
        let out = hcp(&dir, &["migrate", "--config", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{}: {out:?}", path.display());
        assert!(String::from_utf8_lossy(&out.stderr).contains("配置文件"), "{}: {out:?}", path.display());
    }
}

#[test]
fn migrate_says_how_to_create_the_missing_security_and_audit_administrators() {
    let dir = TempDir::new();
    let out = hcp(&dir, &["migrate"]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let security = "尚无安全管理员（三员分立）：hcp user add --role security_admin --username <用户名> [--name <姓名>]";
    let audit = "尚无审计管理员（三员分立）：hcp user add --role auditor --username <用户名> [--name <姓名>]";
    assert!(stderr.contains(security) && stderr.contains(audit), "{stderr}");

    // The command the line names works, and the line goes once such an administrator exists.
    let out = hcp(&dir, &["user", "add", "--role", "security_admin", "--username", "anquan", "--name", "安全员"]);
    assert!(out.status.success(), "{out:?}");
    let out = hcp(&dir, &["migrate"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("尚无安全管理员") && stderr.contains(audit), "{stderr}");

    // An integration account is created without a password to hand over.
    let out = hcp(&dir, &["user", "add", "--role", "integration", "--username", "hotline-sys"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("系统对接账号不能登录，访问令牌由系统管理员签发"), "{out:?}");
    assert!(!stdout(&out).contains("临时密码"), "{out:?}");
}
