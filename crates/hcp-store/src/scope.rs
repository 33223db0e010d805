//! Scoping every query to the caller's part of the organisation tree.

use hcp_core::role::Scope;

use crate::sql::{Sql, like_prefix};

/// Appends ` AND <condition>` restricting rows of `alias` (which carries org_path, department_id, window_id,
/// staff_id) to `scope`.
pub fn restrict(sql: &mut Sql, alias: &str, scope: &Scope) {
    match scope {
        Scope::OrgUnit { path, .. } => {
            sql.push(&format!(" AND {alias}.org_path LIKE ")).bind(like_prefix(path)).push(" ESCAPE '\\'");
        }
        Scope::Department { id, .. } => {
            sql.push(&format!(" AND {alias}.department_id = ")).bind(*id);
        }
        Scope::Window { id, .. } => {
            sql.push(&format!(" AND {alias}.window_id = ")).bind(*id);
        }
        Scope::Staff { id, .. } => {
            sql.push(&format!(" AND {alias}.staff_id = ")).bind(*id);
        }
    }
}
