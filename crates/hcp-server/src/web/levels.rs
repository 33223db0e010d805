//! The five levels and the national tags of each, as the evaluation forms show them (the citizen's QR-code and
//! case forms, the follow-up on `/track`, the operators' entry form).

use hcp_core::level::Level;

use super::form_view::FormView;

pub struct LevelOption {
    pub code: i64,
    pub label: &'static str,
    pub bad: bool,
    pub checked: bool,
}

pub struct TagOption {
    pub code: u16,
    pub label: &'static str,
    pub checked: bool,
}

pub struct TagGroup {
    pub level: i64,
    pub label: &'static str,
    pub tags: Vec<TagOption>,
}

pub fn level_options(chosen: Option<i64>) -> Vec<LevelOption> {
    Level::ALL
        .iter()
        .map(|l| LevelOption { code: l.code(), label: l.label(), bad: l.is_bad(), checked: chosen == Some(l.code()) })
        .collect()
}

pub fn tag_groups(chosen: &[u16]) -> Vec<TagGroup> {
    Level::ALL
        .iter()
        .map(|&l| TagGroup {
            level: l.code(),
            label: l.label(),
            tags: hcp_core::tags::for_level(l)
                .map(|t| TagOption { code: t.code, label: t.label, checked: chosen.contains(&t.code) })
                .collect(),
        })
        .collect()
}

/// The level and tag choices of a re-shown form whose fields are named `level` and `tags`.
pub fn form_choices(form: &FormView) -> (Vec<LevelOption>, Vec<TagGroup>) {
    let level = form.v("level").trim().parse().ok();
    let tags: Vec<u16> = form.all("tags").iter().filter_map(|t| t.parse().ok()).collect();
    (level_options(level), tag_groups(&tags))
}
