//! The bulk-onboarding CSV: its template and row-by-row reading (SPEC §3).

use crate::codes::ErrorCode;
use crate::error::DomainError;

pub const TEMPLATE_COLUMNS: [&str; 7] = ["email", "first_name", "last_name", "phone", "department", "position", "role"];

/// The downloadable template: the header and one example row.
pub fn template() -> String {
    format!(
        "{}\nada@example.com,Ada,Lovelace,+15550100100,Cardiology,Nurse,member\n",
        TEMPLATE_COLUMNS.join(",")
    )
}

/// One data row as written in the file; checked later, row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CsvRow {
    /// 1-based line number of the row in the file, counting the header as line 1.
    pub row: usize,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub department: String,
    pub position: String,
    pub role: String,
}

/// Reads an uploaded file into rows. Only the file as a whole can fail (not UTF-8, no
/// `email` column, unreadable CSV); a bad row is returned like any other.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<CsvRow>, DomainError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        DomainError::invalid(
            "file",
            ErrorCode::InvalidUtf8,
            format!("the file is not UTF-8 text (bad byte at offset {})", e.valid_up_to()),
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| DomainError::invalid("file", ErrorCode::InvalidCsv, e.to_string()))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let Some(email_column) = column("email") else {
        return Err(DomainError::invalid(
            "file",
            ErrorCode::MissingColumn,
            "the header must have an 'email' column",
        ));
    };
    let columns = [
        column("first_name"),
        column("last_name"),
        column("phone"),
        column("department"),
        column("position"),
        column("role"),
    ];
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| DomainError::invalid("file", ErrorCode::InvalidCsv, e.to_string()))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |c: Option<usize>| c.and_then(|i| record.get(i)).unwrap_or("").to_string();
        rows.push(CsvRow {
            row: index + 2,
            email: cell(Some(email_column)),
            first_name: cell(columns[0]),
            last_name: cell(columns[1]),
            phone: cell(columns[2]),
            department: cell(columns[3]),
            position: cell(columns[4]),
            role: cell(columns[5]),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_reads_back() {
        let rows = read_rows(template().as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].email, "ada@example.com");
        assert_eq!(rows[0].role, "member");
        assert_eq!(rows[0].row, 2);
    }

    #[test]
    fn broken_utf8_is_refused_as_a_whole() {
        let err = read_rows(b"email\n\xff\xfe@x.org\n").unwrap_err();
        assert_eq!(
            err,
            DomainError::invalid("file", ErrorCode::InvalidUtf8, "the file is not UTF-8 text (bad byte at offset 6)")
        );
    }

    #[test]
    fn columns_may_come_in_any_order_and_short_rows_are_kept() {
        let rows = read_rows(b"Role,Email\nmember,a@x.org\n,\nb@x.org\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].email, "a@x.org");
        assert_eq!(rows[1].role, "b@x.org");
        assert_eq!(rows[1].row, 4);
    }
}
