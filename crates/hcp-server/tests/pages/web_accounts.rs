//! The security administrator's pages (issue 16): `/admin/users` lists and filters accounts and creates them
//! (integration accounts without a password), `/admin/users/{username}` edits, deactivates, reactivates, resets
//! and shows the history of one. The system administrator has neither page.

use hcp_testkit::pages::{Browser, Page, between, form_csrf};
use hcp_testkit::{Backend, TestApp};
use reqwest::StatusCode;

hcp_store::on_both_backends!(
    the_security_administrator_lists_and_filters_accounts_and_the_system_administrator_is_refused,
    an_account_is_edited_deactivated_reactivated_and_reset_from_its_page,
    an_integration_account_is_created_without_a_password,
);

/// Gets `page`, then posts `fields` to the form at `action` with its token.
async fn submit(browser: &mut Browser, app: &TestApp, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    let shown = browser.get(app, page).await;
    assert_eq!(shown.status, StatusCode::OK, "{page}: {}", shown.html);
    let token = form_csrf(&shown.html, action);
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    browser.post(app, action, &form).await
}

async fn the_security_administrator_lists_and_filters_accounts_and_the_system_administrator_is_refused(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let mut keeper = app.browser_as("security_admin").await;
    let home = keeper.get(&app, "/").await;
    assert!(home.html.contains("当前没有被锁定的账号"), "the workbench says whether anyone is locked");
    let page = keeper.get(&app, "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let nav = between(&page.html, "<nav class=\"menu\"", "</nav>").expect("menu");
    assert!(nav.contains("href=\"/admin/users\"") && nav.contains("用户与账号"), "{nav}");
    assert!(page.html.contains("href=\"/admin/users/staff\""), "each account links to its page");
    // The creation form offers no administrator role.
    let form = between(&page.html, "id=\"add-user\"", "</form>").unwrap();
    assert!(form.contains("value=\"registrar\"") && form.contains("value=\"integration\""));
    for role in ["admin", "security_admin", "auditor"] {
        assert!(!form.contains(&format!("value=\"{role}\"")), "{role} offered");
    }

    let filtered = keeper.get(&app, "/admin/users?role=staff").await;
    let rows = between(&filtered.html, "<tbody>", "</tbody>").unwrap();
    assert!(rows.contains("/admin/users/staff\"") && !rows.contains("/admin/users/supervisor\""), "{rows}");
    let none = keeper.get(&app, "/admin/users?status=deactivated").await;
    assert!(none.html.contains("没有符合条件的账号"), "{}", none.html);
    let odd = keeper.get(&app, "/admin/users?role=nonsense&status=x").await;
    assert_eq!(odd.status, StatusCode::OK, "an unknown filter shows everything");

    let mut admin = app.browser_as("admin").await;
    for path in ["/admin/users", "/admin/users/staff"] {
        let page = admin.get(&app, path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    let home = admin.get(&app, "/").await;
    let nav = between(&home.html, "<nav class=\"menu\"", "</nav>").expect("menu");
    assert!(!nav.contains("/admin/users") && !nav.contains("用户与角色"), "{nav}");
    // A form of the users page posted by the system administrator changes nothing.
    let token = form_csrf(&keeper.get(&app, "/admin/users/staff").await.html, "/admin/users/staff/deactivate");
    let page = admin.post(&app, "/admin/users/staff/deactivate", &[("csrf_token", &token)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE disabled <> 0").await, 0);
    app.stop().await;
}

async fn an_account_is_edited_deactivated_reactivated_and_reset_from_its_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut keeper = app.browser_as("security_admin").await;
    let page = keeper.get(&app, "/admin/users/staff").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("窗口工作人员") && page.html.contains("正常"), "{}", page.html);
    assert!(page.html.contains("value=\"S002\""), "the edit form holds the account's values");
    assert_eq!(keeper.get(&app, "/admin/users/nobody-here").await.status, StatusCode::NOT_FOUND);

    // Mistakes come back on the form in Chinese, values kept, nothing stored.
    let path = "/admin/users/staff";
    let fields = [("display_name", "李娜"), ("email", "bad address"), ("role", "dept_head"), ("staff_no", "S002")];
    let page = submit(&mut keeper, &app, path, "/admin/users/staff/edit", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("部门负责人账号须填写部门编码"), "{}", page.html);
    assert!(page.html.contains("邮箱地址格式不正确"));
    assert!(page.html.contains("value=\"李娜\""), "typed values kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE display_name = '李娜'").await, 0);

    let fields = [("display_name", "李娜"), ("email", "lina@example.com"), ("role", "staff"), ("staff_no", "S002")];
    let done = submit(&mut keeper, &app, path, "/admin/users/staff/edit", &fields).await;
    assert_eq!(done.location.as_deref(), Some("/admin/users/staff?done=edited"));
    let page = keeper.get(&app, "/admin/users/staff?done=edited").await;
    assert!(page.html.contains("已保存修改"));
    let history = between(&page.html, "id=\"history\"", "</section>").unwrap();
    assert!(history.contains("修改账号") && history.contains("姓名：") && history.contains("李娜"), "{history}");
    assert!(history.contains("l***@example.com"), "the e-mail is masked in the history: {history}");

    let mut worker = app.browser_as("staff").await;
    assert_eq!(worker.get(&app, "/work/tickets").await.status, StatusCode::OK);
    let done = submit(&mut keeper, &app, path, "/admin/users/staff/deactivate", &[]).await;
    assert_eq!(done.location.as_deref(), Some("/admin/users/staff?done=deactivated"));
    let page = keeper.get(&app, "/admin/users/staff?done=deactivated").await;
    assert!(page.html.contains("已停用") && page.html.contains("id=\"reactivate\""), "{}", page.html);
    assert_eq!(worker.get(&app, "/work/tickets").await.status, StatusCode::SEE_OTHER, "signed out at once");
    let listed = keeper.get(&app, "/admin/users?status=deactivated").await;
    assert!(between(&listed.html, "<tbody>", "</tbody>").unwrap().contains("/admin/users/staff\""));
    let done = submit(&mut keeper, &app, path, "/admin/users/staff/reactivate", &[]).await;
    assert_eq!(done.location.as_deref(), Some("/admin/users/staff?done=reactivated"));

    // The temporary password is on the answer to the form only, never in an address.
    let page = submit(&mut keeper, &app, path, "/admin/users/staff/password-reset", &[]).await;
    assert_eq!((page.status, page.location.as_deref()), (StatusCode::OK, None), "{}", page.html);
    let password = between(&page.html, "<code id=\"temporary-password\">", "</code>").expect("shown once");
    assert!(password.len() >= 8);
    let again = keeper.get(&app, path).await;
    assert!(!again.html.contains(&password), "shown only once");
    let history = between(&again.html, "id=\"history\"", "</section>").unwrap();
    assert!(history.contains("创建账号") && !history.contains("所在窗口："), "no row ids: {history}");
    for action in ["停用账号", "启用账号", "重置密码"] {
        assert!(history.contains(action), "{action}: {history}");
    }
    // Nothing to reset or unlock: those forms are not offered.
    assert!(!again.html.contains("id=\"second-factor-reset\"") && !again.html.contains("id=\"unlock\""));

    // One's own account: no forms, a word on where to go.
    let own = keeper.get(&app, "/admin/users/security_admin").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.html.contains("这是您本人的账号") && !own.html.contains("id=\"edit\""), "{}", own.html);
    // The last auditor: the refusal is shown on the page, in Chinese.
    let page = submit(&mut keeper, &app, "/admin/users/auditor", "/admin/users/auditor/deactivate", &[]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.html.contains("最后一个在用的审计管理员账号"), "{}", page.html);
    app.stop().await;
}

async fn an_integration_account_is_created_without_a_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut keeper = app.browser_as("security_admin").await;
    let fields = [
        ("username", "bjs-sys"),
        ("display_name", "行政审批系统"),
        ("role", "integration"),
        ("org_code", "JK"),
        ("staff_no", ""),
        ("window_code", ""),
        ("department_code", ""),
        ("password", ""),
        ("email", ""),
    ];
    let page = submit(&mut keeper, &app, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("系统对接账号不能登录，访问令牌由系统管理员签发"), "{}", page.html);
    assert!(!page.html.contains("id=\"new-password\""), "no password shown");
    let detail = keeper.get(&app, "/admin/users/bjs-sys").await;
    assert!(detail.html.contains("系统对接账号不能登录"));
    assert!(!detail.html.contains("id=\"password-reset\""), "no password to reset");
    // An administrator role typed into the form is refused on the field.
    let fields = [("username", "aud2"), ("role", "auditor"), ("password", "")];
    let page = submit(&mut keeper, &app, "/admin/users", "/admin/users", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("命令行"), "{}", page.html);
    app.stop().await;
}
