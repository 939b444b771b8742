//! Checks shared by the settings of every source kind, and the error they give.
//!
//! A source validates its settings in `build()`, before it sends anything, so a bad
//! configuration is reported at start-up with the setting's name as the user wrote it
//! (`max_pages`, `http.max_retries`, …). Values that have a domain type are parsed
//! into it here, once (a `base_url` becomes a [`Url`]), not re-checked later.

use marketlens_core::ErrorType;
use url::Url;

/// A source setting that cannot be used. Always a configuration problem:
/// [`ErrorType::InvalidConfig`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// A number outside the range the setting allows.
    #[error("{setting} = {value} is outside {allowed}")]
    OutOfRange {
        setting: &'static str,
        value: String,
        allowed: String,
    },
    /// A value of the right type that does not mean anything usable.
    #[error("{setting}: {reason}")]
    Invalid {
        setting: &'static str,
        reason: String,
    },
    /// None of the settings that give a source something to read is set.
    #[error("set {0}")]
    Missing(&'static str),
}

impl SettingError {
    pub fn error_type(&self) -> ErrorType {
        ErrorType::InvalidConfig
    }

    pub(crate) fn invalid(setting: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            setting,
            reason: reason.into(),
        }
    }
}

/// Checks a numeric setting against its allowed range.
pub(crate) fn check_range<T>(
    setting: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<(), SettingError>
where
    T: PartialOrd + std::fmt::Display,
{
    if range.contains(&value) {
        Ok(())
    } else {
        Err(SettingError::OutOfRange {
            setting,
            value: value.to_string(),
            allowed: format!("{}..={}", range.start(), range.end()),
        })
    }
}

/// A shop URL setting: absolute and http(s).
pub(crate) fn http_url(setting: &'static str, value: &str) -> Result<Url, SettingError> {
    let url =
        Url::parse(value).map_err(|e| SettingError::invalid(setting, format!("{value:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(SettingError::invalid(
            setting,
            format!("{value:?} is not http(s)"),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_outside_its_range_names_the_setting_and_the_range() {
        assert_eq!(check_range("max_pages", 3u32, 1..=50), Ok(()));
        let err = check_range("max_pages", 0u32, 1..=50).unwrap_err();
        assert_eq!(err.to_string(), "max_pages = 0 is outside 1..=50");
        assert_eq!(err.error_type(), ErrorType::InvalidConfig);
    }

    #[test]
    fn shop_urls_must_be_absolute_http() {
        let url = http_url("base_url", "https://shop.example/").unwrap();
        assert_eq!(url.host_str(), Some("shop.example"));
        let err = http_url("base_url", "gopher://x").unwrap_err();
        assert_eq!(err.to_string(), "base_url: \"gopher://x\" is not http(s)");
        assert!(http_url("base_url", "/relative").is_err());
    }
}
