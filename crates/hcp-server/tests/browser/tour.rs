//! A tour of the demo (`hcp serve --demo`): each demo user signs in on the sign-in page with the password it
//! lists and opens every page of their menu at desk size; every page is screenshot (`tour-<role>-<n>.png`) so
//! people can look at them, and none overflows a phone's width.

use fantoccini::Locator;
use hcp_core::role::Role;
use hcp_server::app::demo::{self, DemoOptions};
use hcp_server::web::layout::menu;

use crate::harness::{body_text, click, fill, shoot, sign_out, start_browser};
use hcp_testkit::{Backend, Options, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "browser: needs chromedriver; run with HCP_BROWSER_TESTS=1 and --ignored"]
async fn every_demo_user_finds_their_pages() {
    let (_driver, client) = start_browser().await;
    // Sixteen sign-ins from one address: above the default per-minute limit, which is not under test here.
    let mut config = hcp_server::Config::default();
    config.rate_limit.logins_per_minute = 100;
    let app = TestApp::spawn_with(Backend::Sqlite, Options { seed: false, demo_clock: true, config }).await;
    let options =
        DemoOptions { now: hcp_testkit::start(), evaluations: 1500, create_users: true, bulk: false, months: 3 };
    demo::load(app.state.store(), app.state.key(), &app.state.rules(), &options, |_| {}).await.unwrap();

    client.set_window_size(1280, 900).await.unwrap();
    client.goto(&app.url("/login")).await.unwrap();
    client.wait().for_element(Locator::Id("demo-users")).await.unwrap();
    shoot(&client, "tour-0-login").await;
    for role in Role::ALL.into_iter().filter(|r| r.may_sign_in()) {
        client.goto(&app.url("/login")).await.unwrap();
        fill(&client, "username", role.code()).await;
        fill(&client, "password", &format!("{}-demo", role.code())).await;
        click(&client, "form[action='/login'] button[type=submit]").await;
        let shown = client.wait().for_element(Locator::Id("who-role")).await.unwrap().text().await.unwrap();
        assert_eq!(shown, role.label());
        for (n, &(href, label)) in menu(role).iter().enumerate() {
            client.goto(&app.url(href)).await.unwrap();
            let body = body_text(&client).await;
            assert!(!body.contains("错误代码"), "{role:?} {href} ({label}): {body}");
            shoot(&client, &format!("tour-{}-{n}", role.code())).await;
        }
        sign_out(&client).await;
    }
    // Work pages keep to a phone's width too.
    client.set_window_size(360, 740).await.unwrap();
    for role in Role::ALL.into_iter().filter(|r| r.may_sign_in()) {
        client.goto(&app.url("/login")).await.unwrap();
        fill(&client, "username", role.code()).await;
        fill(&client, "password", &format!("{}-demo", role.code())).await;
        click(&client, "form[action='/login'] button[type=submit]").await;
        if client.wait().for_element(Locator::Id("who-role")).await.is_err() {
            panic!("{role:?} not signed in: {}", body_text(&client).await);
        }
        for &(href, _) in menu(role) {
            client.goto(&app.url(href)).await.unwrap();
            let width = client.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap();
            assert!(width.as_i64().unwrap() <= 360, "{role:?} {href} is {width} px wide at 360 px");
        }
        shoot(&client, &format!("tour-phone-{}", role.code())).await;
        sign_out(&client).await;
    }
    client.close().await.unwrap();
    app.stop().await;
}
