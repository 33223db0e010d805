//! The five evaluation levels in the platform interface coding (5 best … 1 worst).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum Level {
    VeryDissatisfied = 1,
    Dissatisfied = 2,
    Basic = 3,
    Satisfied = 4,
    VerySatisfied = 5,
}

impl Level {
    pub const ALL: [Level; 5] =
        [Level::VerySatisfied, Level::Satisfied, Level::Basic, Level::Dissatisfied, Level::VeryDissatisfied];

    pub fn from_code(code: i64) -> Option<Level> {
        Some(match code {
            1 => Level::VeryDissatisfied,
            2 => Level::Dissatisfied,
            3 => Level::Basic,
            4 => Level::Satisfied,
            5 => Level::VerySatisfied,
            _ => return None,
        })
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    /// Levels 1–2 are 差评 and start a ticket.
    pub fn is_bad(self) -> bool {
        self <= Level::Dissatisfied
    }

    /// Score of DESIGN §6: 10/8/6/3/0.
    pub fn score(self) -> i64 {
        match self {
            Level::VerySatisfied => 10,
            Level::Satisfied => 8,
            Level::Basic => 6,
            Level::Dissatisfied => 3,
            Level::VeryDissatisfied => 0,
        }
    }

    /// GB/T 39046 numbers the levels the other way round (1 = 非常满意).
    pub fn gbt39046_code(self) -> i64 {
        6 - self.code()
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::VerySatisfied => "非常满意",
            Level::Satisfied => "满意",
            Level::Basic => "基本满意",
            Level::Dissatisfied => "不满意",
            Level::VeryDissatisfied => "非常不满意",
        }
    }

    /// Parses a code ("2") or a label ("不满意"), as written on paper forms.
    pub fn parse(text: &str) -> Option<Level> {
        let text = text.trim();
        if let Ok(code) = text.parse::<i64>() {
            return Level::from_code(code);
        }
        Level::ALL.into_iter().find(|level| level.label() == text)
    }
}

impl TryFrom<i64> for Level {
    type Error = String;
    fn try_from(code: i64) -> Result<Self, Self::Error> {
        Level::from_code(code).ok_or_else(|| format!("评价等级应为1至5，收到{code}"))
    }
}

impl From<Level> for i64 {
    fn from(level: Level) -> i64 {
        level.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_bad_levels_are_one_and_two() {
        for level in Level::ALL {
            assert_eq!(Level::from_code(level.code()), Some(level));
            assert_eq!(Level::parse(level.label()), Some(level));
            assert_eq!(level.is_bad(), level.code() <= 2);
        }
        assert_eq!(Level::from_code(0), None);
        assert_eq!(Level::from_code(6), None);
        assert_eq!(Level::VerySatisfied.gbt39046_code(), 1);
        assert_eq!(Level::VeryDissatisfied.gbt39046_code(), 5);
        let scores: Vec<i64> = Level::ALL.iter().map(|l| l.score()).collect();
        assert_eq!(scores, vec![10, 8, 6, 3, 0]);
    }
}
