//! A user's feedback on one analysis: a 1–5 rating, whether the analysis was useful, an
//! optional comment, and who gave it.
//!
//! [`FeedbackRequest`] is the body as received (API JSON or CLI flags); [`Feedback`] is
//! what it becomes once every field is checked, and the only form the store accepts.
//! The rating arrives as any JSON number so that `0`, `6` or `3.5` are refused as
//! out-of-range values (422) with the field named, not as a body that does not parse.

use serde::{Deserialize, Serialize};

use super::InvalidInput;

/// Longest accepted comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Longest accepted user id, in characters.
pub const MAX_USER_ID_CHARS: usize = 128;

/// The feedback body as received. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// 1 (poor) to 5 (excellent).
    #[schema(value_type = i64, minimum = 1, maximum = 5)]
    pub rating: serde_json::Number,
    /// Whether the analysis was useful; absent when the user did not say.
    #[serde(default)]
    pub useful: Option<bool>,
    /// At most 2,000 characters.
    #[serde(default)]
    pub comment: Option<String>,
    /// Who gives the feedback, until API keys carry a user: one feedback per user per
    /// analysis. Absent: anonymous, and each anonymous feedback is kept on its own.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// A star rating from 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct FeedbackRating(u8);

impl FeedbackRating {
    pub fn new(value: i64) -> Result<Self, InvalidInput> {
        match u8::try_from(value) {
            Ok(v @ 1..=5) => Ok(Self(v)),
            _ => Err(Self::out_of_range(&value.to_string())),
        }
    }

    /// A JSON number: only the whole numbers 1 to 5.
    pub fn from_number(n: &serde_json::Number) -> Result<Self, InvalidInput> {
        match n.as_i64() {
            Some(v) => Self::new(v),
            None => Err(Self::out_of_range(&n.to_string())),
        }
    }

    fn out_of_range(given: &str) -> InvalidInput {
        InvalidInput::parameter(
            "rating",
            format!("rating must be a whole number from 1 to 5, got {given}"),
        )
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

super::macros::checked_conversions!(FeedbackRating: i64 = new);

/// A free-text comment: at most [`MAX_COMMENT_CHARS`] characters, control characters
/// other than line breaks and tabs removed, never blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FeedbackComment(String);

impl FeedbackComment {
    /// `None` for a blank comment (nothing to keep).
    pub fn parse(input: &str) -> Result<Option<Self>, InvalidInput> {
        let chars = input.chars().count();
        if chars > MAX_COMMENT_CHARS {
            return Err(InvalidInput::parameter(
                "comment",
                format!("comment is {chars} characters long; at most {MAX_COMMENT_CHARS}"),
            ));
        }
        let text: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        Ok((!text.is_empty()).then_some(Self(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FeedbackComment {
    type Error = InvalidInput;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)?.ok_or_else(|| InvalidInput::parameter("comment", "comment is blank"))
    }
}

impl From<FeedbackComment> for String {
    fn from(c: FeedbackComment) -> String {
        c.0
    }
}

/// Who gave feedback: 1 to [`MAX_USER_ID_CHARS`] printable characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let id = input.trim();
        let chars = id.chars().count();
        if chars == 0 || chars > MAX_USER_ID_CHARS || id.chars().any(char::is_control) {
            return Err(InvalidInput::parameter(
                "user_id",
                format!(
                    "user_id must be 1 to {MAX_USER_ID_CHARS} printable characters, got {chars}"
                ),
            ));
        }
        Ok(Self(id.to_owned()))
    }
}

super::macros::checked_conversions!(UserId: String = parse);

/// Feedback whose every field is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Feedback {
    #[schema(value_type = i64, minimum = 1, maximum = 5)]
    pub rating: FeedbackRating,
    pub useful: Option<bool>,
    #[schema(value_type = Option<String>)]
    pub comment: Option<FeedbackComment>,
    #[schema(value_type = Option<String>)]
    pub user_id: Option<UserId>,
}

impl Feedback {
    /// Checks every field; the first invalid one (rating, comment, user id) is the error.
    pub fn parse(request: &FeedbackRequest) -> Result<Self, InvalidInput> {
        Ok(Self {
            rating: FeedbackRating::from_number(&request.rating)?,
            useful: request.useful,
            comment: request
                .comment
                .as_deref()
                .map(FeedbackComment::parse)
                .transpose()?
                .flatten(),
            user_id: request.user_id.as_deref().map(UserId::parse).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorType;

    fn request(body: serde_json::Value) -> FeedbackRequest {
        serde_json::from_value(body).expect("a well-formed body")
    }

    fn refused(body: serde_json::Value) -> InvalidInput {
        Feedback::parse(&request(body)).expect_err("should be refused")
    }

    #[test]
    fn a_full_feedback_parses() {
        let f = Feedback::parse(&request(serde_json::json!({
            "rating": 4, "useful": true, "comment": "  clear report\n", "user_id": " u-1 "
        })))
        .unwrap();
        assert_eq!(f.rating.get(), 4);
        assert_eq!(f.useful, Some(true));
        assert_eq!(f.comment.unwrap().as_str(), "clear report");
        assert_eq!(f.user_id.unwrap().as_str(), "u-1");
    }

    #[test]
    fn ratings_outside_one_to_five_or_not_whole_are_refused_naming_the_field() {
        for rating in [
            serde_json::json!(0),
            serde_json::json!(6),
            serde_json::json!(-1),
            serde_json::json!(3.5),
            serde_json::json!(1e300),
        ] {
            let e = refused(serde_json::json!({ "rating": rating }));
            assert_eq!(
                (e.error_type, e.field),
                (ErrorType::InvalidParameter, "rating")
            );
            assert!(e.message.contains("1 to 5"), "{}", e.message);
        }
        for rating in 1..=5 {
            assert!(Feedback::parse(&request(serde_json::json!({ "rating": rating }))).is_ok());
        }
    }

    #[test]
    fn a_comment_over_2000_characters_is_refused_and_2000_accepted() {
        let e = refused(serde_json::json!({ "rating": 3, "comment": "é".repeat(2_001) }));
        assert_eq!(e.field, "comment");
        assert!(e.message.contains("2001"), "{}", e.message);
        let ok = Feedback::parse(&request(
            serde_json::json!({ "rating": 3, "comment": "é".repeat(2_000) }),
        ))
        .unwrap();
        assert_eq!(ok.comment.unwrap().as_str().chars().count(), 2_000);
    }

    #[test]
    fn a_blank_comment_is_no_comment_and_control_characters_are_dropped() {
        let f = Feedback::parse(&request(
            serde_json::json!({ "rating": 2, "comment": " \t " }),
        ))
        .unwrap();
        assert_eq!(f.comment, None);
        let f = Feedback::parse(&request(
            serde_json::json!({ "rating": 2, "comment": "a\u{0}b\nc" }),
        ))
        .unwrap();
        assert_eq!(f.comment.unwrap().as_str(), "ab\nc");
    }

    #[test]
    fn blank_long_or_control_user_ids_are_refused() {
        for id in ["", "   ", "a\u{7}b", &"x".repeat(129)] {
            let e = refused(serde_json::json!({ "rating": 5, "user_id": id }));
            assert_eq!(e.field, "user_id", "{id:?}");
        }
    }

    #[test]
    fn unknown_fields_and_a_missing_rating_do_not_deserialize() {
        assert!(serde_json::from_str::<FeedbackRequest>(r#"{"rating": 3, "stars": 2}"#).is_err());
        assert!(serde_json::from_str::<FeedbackRequest>(r#"{"useful": true}"#).is_err());
    }
}
