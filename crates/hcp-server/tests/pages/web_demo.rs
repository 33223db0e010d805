//! "Done means" of the web application: on the demo data (`hcp serve --demo`), every demo user signs in through
//! the page with the password the sign-in page shows and opens every entry of their menu without an error.

use hcp_core::role::Role;
use hcp_server::app::demo::{self, DemoOptions};
use hcp_server::web::layout::menu;
use hcp_testkit::pages::Browser;
use hcp_testkit::{Backend, Options, TestApp};
use reqwest::StatusCode;

hcp_store::on_both_backends!(every_demo_user_opens_every_page_of_their_menu);

async fn every_demo_user_opens_every_page_of_their_menu(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { seed: false, demo_clock: true, ..Default::default() }).await;
    let options =
        DemoOptions { now: hcp_testkit::start(), evaluations: 1500, create_users: true, bulk: false, months: 3 };
    demo::load(app.state.store(), app.state.key(), &app.state.rules(), &options, |_| {}).await.unwrap();

    let mut anonymous = Browser::default();
    let login = anonymous.get(&app, "/login").await;
    assert!(login.html.contains("演示账号"), "demo mode lists the demo users");
    for role in Role::ALL {
        assert!(login.html.contains(&format!("{}-demo", role.code())), "{role:?}");
        let mut browser = Browser::default();
        browser.sign_in_with(&app, role.code(), &format!("{}-demo", role.code())).await;
        for &(href, label) in menu(role) {
            let page = browser.get(&app, href).await;
            assert_eq!(page.status, StatusCode::OK, "{role:?} {href} ({label}): {}", page.html);
            assert!(page.html.contains(role.label()), "{role:?} {href}: the header names the role");
            assert!(page.html.contains("aria-current=\"page\""), "{role:?} {href}: the menu marks the page");
        }
    }
    app.stop().await;
}
