//! Rows, whatever the format: the layout found in the header, each row as an evaluation input with its fingerprint.

use super::*;

/// A cell as text, or why it cannot be read (Excel error values, numbers Excel already truncated).
pub(crate) type CellText = Result<String, String>;

pub(crate) struct SheetRow {
    pub(crate) row_no: usize,
    pub(crate) cells: Vec<CellText>,
}

pub(crate) fn is_blank(cells: &[CellText]) -> bool {
    cells.iter().all(|cell| matches!(cell, Ok(text) if text.trim().is_empty()))
}

pub(crate) struct Layout {
    pub(crate) columns: Vec<Option<Column>>,
    /// Absolute index of the first column, for Excel letters in messages.
    pub(crate) first_col: usize,
}

impl Layout {
    pub(crate) fn from_header(cells: &[CellText], first_col: usize) -> Result<Layout, FileError> {
        let mut columns = Vec::with_capacity(cells.len());
        let mut unknown = Vec::new();
        let mut duplicate = Vec::new();
        for cell in cells {
            let text = cell.as_deref().unwrap_or("").trim().trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                columns.push(None);
                continue;
            }
            match Column::from_header(text) {
                Some(column) if columns.contains(&Some(column)) => {
                    duplicate.push(text.to_owned());
                    columns.push(None);
                }
                Some(column) => columns.push(Some(column)),
                None => {
                    unknown.push(text.to_owned());
                    columns.push(None);
                }
            }
        }
        let has = |column: Column| columns.contains(&Some(column));
        let mut missing: Vec<String> = [Column::Channel, Column::Level]
            .into_iter()
            .filter(|&column| !has(column))
            .map(|column| column.header().to_owned())
            .collect();
        if !has(Column::CaseNo) && !has(Column::WindowCode) {
            missing.push(format!("{}或{}", Column::CaseNo.header(), Column::WindowCode.header()));
        }
        if !missing.is_empty() {
            return Err(FileError::MissingColumns { missing, unknown });
        }
        if !unknown.is_empty() {
            return Err(FileError::UnknownColumns(unknown));
        }
        if !duplicate.is_empty() {
            return Err(FileError::DuplicateColumns(duplicate));
        }
        Ok(Layout { columns, first_col })
    }

    /// The row's input and its identity (its normalised values, hashed into the fingerprint), or why it is unreadable.
    pub(crate) fn read_row(&self, row: &SheetRow) -> Result<(EvaluationInput, String), Vec<RowProblem>> {
        let row_no = row.row_no;
        let mut problems = Vec::new();
        let mut problem = |field: &str, message: String| {
            problems.push(RowProblem { row_no, field: field.to_owned(), message });
        };
        let mut values: [Option<String>; Column::ALL.len()] = Default::default();
        let mut stray_reported = false;
        for (i, cell) in row.cells.iter().enumerate() {
            let column = self.columns.get(i).copied().flatten();
            match (column, cell) {
                (_, Ok(text)) if text.trim().is_empty() => {}
                (Some(column), Ok(text)) if text.chars().count() > MAX_CELL_CHARS => {
                    problem(column.field(), format!("{}超过{MAX_CELL_CHARS}个字符，无法导入", column.header()))
                }
                (None, _) => {
                    // Data without a header is usually a shifted row (an unquoted comma): importing it would guess.
                    if !stray_reported {
                        stray_reported = true;
                        let letter = column_letter(self.first_col + i);
                        problem("row", format!("{letter}列没有列名，其中的内容无法导入；请删除该内容或补上列名"));
                    }
                }
                (Some(column), Err(message)) => problem(column.field(), format!("{}：{message}", column.header())),
                (Some(column), Ok(text)) => values[column.index()] = Some(text.trim().to_owned()),
            }
        }
        let take = |column: Column| values[column.index()].clone();

        for column in Column::ALL.into_iter().filter(|c| c.holds_code()) {
            if let Some(text) = &values[column.index()]
                && looks_scientific(text)
            {
                problem(
                    column.field(),
                    format!(
                        "{}“{text}”被Excel显示成了科学计数法，数字已丢失；请把该列设为文本格式，重新填写后再导入",
                        column.header()
                    ),
                );
            }
        }

        let channel = take(Column::Channel)
            .map(|text| Channel::parse(&text).map(|channel| channel.code().to_owned()).unwrap_or(text));

        let level = match take(Column::Level) {
            None => None,
            Some(text) => match Level::parse(&text) {
                Some(level) => Some(level.code()),
                None => {
                    problem(
                        Column::Level.field(),
                        format!("评价等级“{text}”无法识别，应填写1至5，或非常满意、满意、基本满意、不满意、非常不满意"),
                    );
                    None
                }
            },
        };

        let tags: Vec<serde_json::Value> = take(Column::Tags)
            .map(|text| {
                text.split(|c: char| matches!(c, ',' | '，' | ';' | '；' | '、') || c.is_whitespace())
                    .filter(|tag| !tag.is_empty())
                    .map(|tag| serde_json::Value::String(tag.to_owned()))
                    .collect()
            })
            .unwrap_or_default();

        let follow_up = match take(Column::FollowUp) {
            None => false,
            Some(text) => match parse_yes_no(&text) {
                Some(value) => value,
                None => {
                    problem(Column::FollowUp.field(), format!("追评“{text}”无法识别，应填写“是”或“否”"));
                    false
                }
            },
        };

        let evaluator = EvaluatorInput {
            name: take(Column::EvaluatorName),
            phone: take(Column::EvaluatorPhone),
            id_no: take(Column::EvaluatorIdNo),
            kind: take(Column::EvaluatorKind)
                .map(|text| EvaluatorKind::parse(&text).map(|kind| kind.code().to_owned()).unwrap_or(text)),
        };
        let has_evaluator = evaluator.name.is_some()
            || evaluator.phone.is_some()
            || evaluator.id_no.is_some()
            || evaluator.kind.is_some();

        if !problems.is_empty() {
            return Err(problems);
        }

        let input = EvaluationInput {
            channel,
            case_no: take(Column::CaseNo),
            window_code: take(Column::WindowCode),
            staff_no: take(Column::StaffNo),
            level,
            tags,
            comment: take(Column::Comment),
            evaluator: has_evaluator.then_some(evaluator),
            evaluated_at: take(Column::EvaluatedAt).map(|text| normalize_when(&text)),
            follow_up,
        };
        let identity = identity(&input, take(Column::FormNo).as_deref());
        Ok((input, identity))
    }
}

/// Canonical text of what the row says, in a fixed field order, so column order and cell spelling
/// (满意 vs 4, 纸质评价表 vs paper, 2026/3/5 vs an Excel date) do not matter.
pub(crate) fn identity(input: &EvaluationInput, form_no: Option<&str>) -> String {
    let evaluator = input.evaluator.clone().unwrap_or_default();
    serde_json::json!([
        FINGERPRINT_VERSION,
        input.channel,
        input.case_no,
        input.window_code,
        input.staff_no,
        input.level,
        input.tags,
        input.comment,
        evaluator.name,
        evaluator.phone,
        evaluator.id_no,
        evaluator.kind,
        input.evaluated_at,
        form_no,
        input.follow_up,
    ])
    .to_string()
}

/// Tab and line feed are text a cell may hold; every other control character (NUL, ESC, DEL, C1 …) is refused.
pub(crate) fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\t' && c != '\n')
}

/// Columns up to the last non-empty cell.
fn used_width(cells: &[CellText]) -> usize {
    cells.iter().rposition(|cell| !matches!(cell, Ok(text) if text.is_empty())).map_or(0, |i| i + 1)
}

/// Cells of a row holding control characters, collected over the whole file so the refusal lists them all.
#[derive(Default)]
struct ControlCells {
    cells: Vec<ControlCell>,
    total: usize,
}

impl ControlCells {
    fn scan(&mut self, row: &SheetRow, layout: Option<&Layout>, first_col: usize) {
        for (i, cell) in row.cells.iter().enumerate() {
            if let Ok(text) = cell
                && has_control(text)
            {
                self.total += 1;
                if self.cells.len() < LISTED_CONTROL_CELLS {
                    let field = layout.and_then(|l| l.columns.get(i).copied().flatten()).map_or("", Column::field);
                    self.cells.push(ControlCell {
                        row_no: row.row_no,
                        column: column_letter(first_col + i),
                        field: field.to_owned(),
                    });
                }
            }
        }
    }

    fn refusal(self) -> Option<FileError> {
        (self.total > 0).then_some(FileError::ControlCharacters { cells: self.cells, total: self.total })
    }
}

pub(crate) fn parse_rows<I>(mut rows: I, first_col: usize) -> Result<ParsedFile, FileError>
where
    I: Iterator<Item = Result<SheetRow, FileError>>,
{
    let header = loop {
        match rows.next() {
            None => return Err(FileError::Empty),
            Some(row) => {
                let row = row?;
                if used_width(&row.cells) > MAX_COLUMNS {
                    return Err(FileError::TooManyColumns { limit: MAX_COLUMNS });
                }
                if !is_blank(&row.cells) {
                    break row;
                }
            }
        }
    };
    let mut controls = ControlCells::default();
    controls.scan(&header, None, first_col);
    if let Some(refusal) = controls.refusal() {
        return Err(refusal);
    }
    let layout = Layout::from_header(&header.cells, first_col)?;
    let mut controls = ControlCells::default();

    let mut parsed = ParsedFile::default();
    let mut count = 0usize;
    for row in rows {
        let row = row?;
        if used_width(&row.cells) > MAX_COLUMNS {
            return Err(FileError::TooManyColumns { limit: MAX_COLUMNS });
        }
        if is_blank(&row.cells) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(FileError::TooManyRows { limit: MAX_ROWS });
        }
        controls.scan(&row, Some(&layout), first_col);
        match layout.read_row(&row) {
            Ok((input, identity)) => {
                let fingerprint = hex::encode(Sha256::digest(identity.as_bytes()));
                parsed.rows.push(ImportRow { row_no: row.row_no, input, import_ref: String::new(), fingerprint });
            }
            Err(problems) => parsed.problems.extend(problems),
        }
    }
    if let Some(refusal) = controls.refusal() {
        return Err(refusal);
    }
    if count == 0 {
        return Err(FileError::NoRows);
    }
    Ok(parsed)
}
