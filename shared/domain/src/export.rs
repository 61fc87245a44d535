//! The member CSV export, safe against spreadsheet formula injection.

/// Cells a spreadsheet would read as a formula get a leading apostrophe.
pub fn neutralize_formula(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// Writes a header and rows as CSV, quoting as needed and neutralizing formulas.
pub fn write_csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    writer.write_record(header).expect("write to memory");
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralize_formula(cell)))
            .expect("write to memory");
    }
    String::from_utf8(writer.into_inner().expect("flush to memory")).expect("csv of UTF-8 cells is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralized_and_quotes_escaped() {
        let csv = write_csv(
            &["name"],
            vec![
                vec!["=HYPERLINK(\"http://x\")".to_string()],
                vec!["-1+2".to_string()],
                vec!["Ada".to_string()],
            ],
        );
        assert_eq!(csv, "name\n\"'=HYPERLINK(\"\"http://x\"\")\"\n'-1+2\nAda\n");
    }
}
