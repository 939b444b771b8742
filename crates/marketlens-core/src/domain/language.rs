use serde::{Deserialize, Serialize};

use super::InvalidInput;

/// Languages whose review text marketlens can score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Fr,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
        }
    }

    /// Accepts `en`, `fr`, and regional tags such as `fr-CA` or `en_GB`.
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let primary = s
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Ok(Language::En),
            "fr" => Ok(Language::Fr),
            _ => Err(InvalidInput::parameter(
                "language",
                format!("unsupported language {s:?}: expected one of en, fr"),
            )),
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_regional_tags() {
        assert_eq!(Language::parse("fr-CA").unwrap(), Language::Fr);
        assert_eq!(Language::parse(" EN_gb ").unwrap(), Language::En);
        assert!(Language::parse("de").is_err());
        assert!(Language::parse("").is_err());
    }
}
