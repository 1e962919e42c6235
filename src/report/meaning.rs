//! What a result code means per the run's contract, in words: the one place a report
//! explains a code, so the explanation always comes from the contract the run certified.

use crate::contract::Contract;

/// What `code`, answered on `endpoint`, means per the catalogue.
pub fn code_meaning(contract: &Contract, endpoint: &str, code: &str) -> String {
    let catalogue = &contract.catalogue;
    if let Some(row) = catalogue.documented_code(endpoint, code) {
        return format!(
            "{code} is the documented code for \"{}\" ({})",
            row.message, row.meaning
        );
    }
    if let Some((e, row)) = catalogue
        .endpoints
        .iter()
        .find_map(|e| e.responses.iter().find(|r| r.code == code).map(|r| (e, r)))
    {
        return format!(
            "{code} is documented only for {} (\"{}\": {}), not for this endpoint",
            e.id, row.message, row.meaning
        );
    }
    if let Some(c) = catalogue
        .conventions
        .iter()
        .find(|c| c.code == code && (c.endpoint == endpoint || c.endpoint == "*"))
    {
        return format!(
            "{code} is not in the docs; this project's convention uses it for {} ({})",
            c.key, c.meaning
        );
    }
    format!("{code} is not a code the docs define")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_explained_from_the_catalogue() {
        let c = Contract::shared().unwrap();
        let m = code_meaning(c, "bank-account-valid", "002_007");
        assert!(
            m.starts_with("002_007 is the documented code for \"Bank account is not found.\""),
            "{m}"
        );
        assert!(code_meaning(c, "card-info", "002_007").contains("documented only for"));
        assert!(code_meaning(c, "card-info", "902_001").contains("convention"));
        assert_eq!(
            code_meaning(c, "card-info", "123_456"),
            "123_456 is not a code the docs define"
        );
    }
}
