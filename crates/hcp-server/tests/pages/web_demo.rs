//! "Done means" of the web application: on the demo data (`hcp serve --demo`), every demo user signs in through
//! the page with the password the sign-in page shows and opens every entry of their menu without an error.

use hcp_core::role::Role;
use hcp_server::app::demo::{self, DemoOptions};
use hcp_server::web::layout::menu;
use hcp_testkit::pages::{Browser, between, csrf};
use hcp_testkit::{Backend, Options, TestApp};
use reqwest::StatusCode;

hcp_store::on_both_backends!(
    every_demo_user_opens_every_page_of_their_menu,
    the_training_clock_is_on_every_page_and_moving_it_keeps_sessions,
);

async fn every_demo_user_opens_every_page_of_their_menu(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { seed: false, demo_clock: true, ..Default::default() }).await;
    let options =
        DemoOptions { now: hcp_testkit::start(), evaluations: 1500, create_users: true, bulk: false, months: 3 };
    demo::load(app.state.store(), app.state.key(), &app.state.rules(), &options, |_| {}).await.unwrap();

    let mut anonymous = Browser::default();
    let login = anonymous.get(&app, "/login").await;
    assert!(login.html.contains("演示账号"), "demo mode lists the demo users");
    for role in Role::ALL.into_iter().filter(|r| r.may_sign_in()) {
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

/// The banner's text on a page, if it has one.
fn training_banner(html: &str) -> Option<String> {
    between(html, "id=\"training-clock\" role=\"note\">", "</p>")
}

async fn the_training_clock_is_on_every_page_and_moving_it_keeps_sessions(backend: Backend) {
    let app = TestApp::spawn_with(backend, Options { demo_clock: true, ..Default::default() }).await;
    let mut supervisor = app.browser_as("supervisor").await;
    let home = supervisor.get(&app, "/").await;
    let banner = training_banner(&home.html).expect("signed-in pages show the training clock");
    assert!(banner.contains("培训时钟") && banner.contains("2026年10月12日 10:00"), "{banner}");
    // Citizens' pages and error pages too.
    let mut citizen = Browser::default();
    for path in ["/e/W-SC-01", "/track", "/no-such-page"] {
        let page = citizen.get(&app, path).await;
        assert!(training_banner(&page.html).is_some_and(|b| b.contains("2026年10月12日 10:00")), "{path}");
    }
    let logout_token = csrf(&home.html);

    // An administrator moves the training clock 30 days on (longer than any session lives).
    let admin = app.login("admin").await;
    let (status, body) =
        app.post("/api/v1/demo/clock", Some(&admin), &serde_json::json!({"now": "2026-11-11T10:00:00+08:00"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The session opened before still works, and the banner shows the new time.
    let page = supervisor.get(&app, "/work/tickets").await;
    assert_eq!(page.status, StatusCode::OK, "still signed in: {}", page.html);
    let banner = training_banner(&page.html).expect("banner");
    assert!(banner.contains("2026年11月11日 10:00"), "{banner}");
    assert!(training_banner(&citizen.get(&app, "/track").await.html).unwrap().contains("2026年11月11日 10:00"));
    // A form opened before the move still submits (its token ages on the real clock).
    let page = supervisor.post(&app, "/logout", &[("csrf_token", &logout_token)]).await;
    assert_eq!((page.status, page.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")), "{}", page.html);

    // Sessions still end on the real clock: 13 real hours later (the lifetime is 12) the session is over.
    let mut staff = app.browser_as("staff").await;
    assert_eq!(staff.get(&app, "/work/tickets").await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::hours(13));
    let page = staff.get(&app, "/work/tickets").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "the session has ended");

    // Off the training clock there is no banner.
    let plain = TestApp::spawn(backend).await;
    assert!(training_banner(&Browser::default().get(&plain, "/e/W-SC-01").await.html).is_none());
    plain.stop().await;
    app.stop().await;
}
