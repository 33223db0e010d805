//! A window worker mistypes the password five times on /login (on a phone): the fifth answer says the account is
//! locked for 30 minutes, and even the right password is then refused with the same words; the administrator
//! unlocks the account from the users page and the worker signs in.

use fantoccini::{Client, Locator};

use crate::harness::{click, fill, shoot, sign_in, sign_out, start_browser};
use crate::ticket::wait_for_text;
use hcp_testkit::{Backend, TestApp};

const LOCKED: &str = "账户已锁定，请 30 分钟后再试或联系管理员";

async fn try_password(client: &Client, app: &TestApp, password: &str) -> String {
    client.goto(&app.url("/login")).await.unwrap();
    fill(client, "username", "staff").await;
    fill(client, "password", password).await;
    click(client, "form[action='/login'] button[type=submit]").await;
    client.wait().for_element(Locator::Css("p.alert")).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn a_locked_out_worker_sees_why_and_the_administrator_unlocks_the_account() {
    let (_driver, client) = start_browser().await;
    let app = TestApp::spawn(Backend::Sqlite).await;
    client.set_window_size(390, 900).await.unwrap();
    for attempt in 0..4 {
        assert_eq!(try_password(&client, &app, "wrong-password").await, "用户名或密码错误", "attempt {attempt}");
    }
    assert_eq!(try_password(&client, &app, "wrong-password").await, LOCKED);
    assert_eq!(try_password(&client, &app, hcp_testkit::PASSWORD).await, LOCKED, "the right password waits too");
    shoot(&client, "lockout-1-login-locked").await;

    client.set_window_size(1280, 900).await.unwrap();
    sign_in(&client, &app, "security_admin").await;
    client.goto(&app.url("/admin/users")).await.unwrap();
    wait_for_text(&client, "已锁定 至10月12日 10:30").await;
    shoot(&client, "lockout-2-admin-sees-the-lock").await;
    client.set_window_size(390, 900).await.unwrap();
    client.execute("document.getElementById('unlock-staff').scrollIntoView({block: 'center'})", vec![]).await.unwrap();
    shoot(&client, "lockout-2-admin-sees-the-lock-phone").await;
    click(&client, "#unlock-staff").await;
    wait_for_text(&client, "账号 staff 已解除锁定，可以重新登录。").await;
    shoot(&client, "lockout-3-unlocked").await;
    sign_out(&client).await;

    sign_in(&client, &app, "staff").await;
    app.stop().await;
}
