//! The grounding rules as a table: each line a text and what the check must say.

use chrono::NaiveDate;

use super::*;
use crate::testing;

/// A result's facts: prices in EUR (offers also priced in USD), a few counts,
/// percentages, ratings, names and the analysis date.
fn facts() -> Facts {
    let mut f = Facts::default();
    let eur = CurrencyCode::EUR;
    for v in [241.27, 99.0, 1999.0, 155.0] {
        f.add_amount(v, eur);
    }
    f.add_currency(CurrencyCode::USD);
    for v in [35.0, 7.3] {
        f.add_percent(v);
    }
    for n in [12, 3, 30] {
        f.add_count(n);
    }
    for v in [4.21, 0.42] {
        f.add_decimal(v);
    }
    for name in [
        "Acme Headphones 100",
        "Acme",
        "Zenith",
        "Alpha",
        "Beta Store",
        "battery",
        "HP-100",
        "iPhone 15 128GB",
    ] {
        f.add_name(name);
    }
    f.add_date(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    f.allow_ranks(3);
    f.add_decimal(5.0); // the star scale, as `Facts::from_input` adds it
    f
}

fn ungrounded(text: &str) -> Vec<(ClaimKind, String)> {
    facts().check_text(text).1
}

#[test]
fn grounded_texts_pass_whatever_their_rounding_units_and_language() {
    let table = [
        // Rounding: as written, to the last digit shown.
        "The median is 241.27 EUR.",
        "The median is 241.3 €.",
        "The median is €241.",
        "The median is about 240 euros.",
        "Le prix médian est d'environ 240 €.",
        "The median is ~241 EUR.",
        // Locales and grouping.
        "Prices run from 99,00 € to 1 999,00 €.",
        "Prices run from 99.00 to 1,999.00 EUR.",
        "Prices run from EUR 99 to EUR 1.999,00.",
        // Percentages: ±0.5 point, ±2.5 after "about".
        "35% of the reviews are negative.",
        "35.4 % of the reviews are negative.",
        "About 37% of the reviews are negative.",
        "35 percent are negative, 35 pour cent en français.",
        // Counts, in digits and in words (English and French).
        "12 offers from 3 sellers.",
        "Twelve offers from three sellers.",
        "Douze offres de trois vendeurs.",
        "thirty days",
        // Signs are not read; units beside figures.
        "Over the last 30 days prices fell 7.3%.",
        "Prices fell -7.26% over thirty days.",
        "Rated 4.2 stars, a mean text score of +0.42.",
        "Rated 4.2/5.",
        // Names, model codes, ordinals.
        "Acme Headphones 100 leads; Zenith follows and Alpha sells it for 99 EUR.",
        "The HP-100 model is sold by Beta Store.",
        "The 128GB iPhone 15 128GB is listed.",
        "The 1st and 3rd products are cheaper.",
        "One of the best: un produit neuf, one seller.",
        "Offers priced in USD were converted to EUR.",
        // Dates.
        "Computed on 1 November 2026.",
        "Computed on 2026-11-01.",
        "Computed on November 1, 2026.",
        "Computed on 01/11/2026.",
        "Calculé le 1 novembre 2026, in November 2026.",
        "Figures of 2026.",
        // Terms of the trade, sentence starts.
        "Rated by a Bayesian weight; the Pareto front and Spearman correlation.",
        "Overall, buyers like the battery. Prices vary.",
        // A capitalised first word: an ordinary word of the language, a word the
        // answer also writes in lower case, or a name of the result.
        "Interestingly, most buyers like the battery.",
        "Compare the offers. Reviewers like Zenith.",
        "Acme leads. Zenith follows.",
        "Headphones vary: these headphones sell from 99 EUR.",
        "High-end offers cost 1999 EUR.",
        "Globalement, les acheteurs aiment la battery.",
        "Comparez les offres. Privilégiez Acme.",
        "Les prix vont de 99 € à 1 999 €. Zenith domine.",
        "Notamment, douze offres de trois vendeurs.",
        // Whole answers as a model writes them.
        "Across 12 offers from 3 sellers, the median price is 241.27 EUR. \
         Budget-conscious shoppers can start at 99 EUR. Additionally, reviews lean \
         positive, though 35% are negative. Battery life is praised. Expect to pay \
         about 240 EUR. Price-wise, Acme leads.",
        "Sur 12 offres de 3 vendeurs, le prix médian est de 241,27 €. Attention : \
         35 % des avis sont négatifs. Côté autonomie, la battery plaît. \
         Attendez-vous à payer environ 240 €. Conseil : comparez Acme et Zenith.",
    ];
    for text in table {
        assert_eq!(ungrounded(text), vec![], "{text}");
    }
}

#[test]
fn every_invented_claim_is_caught_with_its_kind() {
    use ClaimKind::*;
    let table: &[(&str, ClaimKind, &str)] = &[
        // Prices: wrong figure, wrong rounding, too far for "about", wrong currency.
        ("The median is 250.00 EUR.", Price, "250.00 EUR"),
        ("Prices start at 89 €.", Price, "89 EUR"),
        ("The median is 241.2 EUR.", Price, "241.2 EUR"),
        ("The median is about 300 euros.", Price, "300 EUR"),
        ("The median is 241.27 GBP.", Currency, "241.27 GBP"),
        ("It costs 99 ¥.", Currency, "99 JPY"),
        ("Paid in CHF.", Currency, "CHF"),
        // Percentages.
        ("40% of the reviews are negative.", Percentage, "40%"),
        ("35.9% of the reviews are negative.", Percentage, "35.9%"),
        ("41 percent are negative.", Percentage, "41%"),
        // Counts are exact; numbers in words too.
        ("13 offers were compared.", Number, "13"),
        ("Thirteen offers were compared.", Number, "Thirteen"),
        ("Treize offres.", Number, "Treize"),
        ("twenty-one offers", Number, "twenty-one"),
        ("quatre-vingt-dix offres", Number, "quatre-vingt-dix"),
        ("The 5th product", Number, "5th"),
        ("In 2025 prices were lower.", Number, "2025"),
        // Names: brands, sellers, model codes absent from the result.
        ("Buy the Sony instead.", Name, "Sony"),
        ("Sony WH-1000XM5 costs less.", Name, "Sony"),
        ("The WH-1000XM5 costs less.", Name, "WH-1000XM5"),
        ("The 256GB version is cheaper.", Name, "256GB"),
        ("Also sold on Amazon.", Name, "Amazon"),
        // An invented brand or shop alone at the start of a sentence, in English and
        // in French, and a multi-word name there.
        ("Sennheiser offers the best value.", Name, "Sennheiser"),
        ("Prices vary. Amazon sells it for 99 EUR.", Name, "Amazon"),
        ("- Bose is the pick.", Name, "Bose"),
        ("Darty propose le meilleur prix.", Name, "Darty"),
        ("Les prix varient. Fnac vend douze offres.", Name, "Fnac"),
        ("Bose QuietComfort is cheaper.", Name, "QuietComfort"),
        // Dates.
        ("Computed on 2 November 2026.", Date, "2 November 2026"),
        ("Computed on 2026-10-30.", Date, "2026-10-30"),
        ("Prices of December 2026.", Date, "December 2026"),
    ];
    for (text, kind, claim) in table {
        let found = ungrounded(text);
        assert!(
            found.contains(&(*kind, (*claim).to_owned())),
            "{text}: expected {kind:?} {claim:?}, got {found:?}"
        );
    }
}

#[test]
fn numbers_are_read_in_every_common_locale() {
    let value = |raw: &str| read::number_values(raw);
    assert_eq!(value("241.27"), vec![(241.27, 2)]);
    assert_eq!(value("1,999.00"), vec![(1999.0, 2)]);
    assert_eq!(value("1.999,00"), vec![(1999.0, 2)]);
    assert_eq!(value("1 999,5"), vec![(1999.5, 1)]);
    assert_eq!(value("1'299"), vec![(1299.0, 0)]);
    assert_eq!(value("1,299"), vec![(1.299, 3), (1299.0, 0)]);
    assert_eq!(value("1.234.567"), vec![(1_234_567.0, 0)]);
}

#[test]
fn the_report_says_which_claims_failed_and_where() {
    let summary = crate::llm::GeneratedSummary {
        summary: vec!["The median is 241.27 EUR.".into(), "It costs 89 €.".into()],
        recommendations: vec![],
        key_points: vec!["Sold on Amazon.".into()],
    };
    let report = facts().check_summary(&summary);
    assert!(!report.passed());
    assert_eq!(report.ungrounded.len(), 2, "{report:?}");
    assert!(report.claims_checked >= 3);
    assert_eq!(report.ungrounded[0].field, "summary[1]");
    let reason = report.reason();
    assert!(
        reason.contains("price \u{201c}89 EUR\u{201d} in summary[1]"),
        "{reason}"
    );
    assert!(
        reason.contains("name \u{201c}Amazon\u{201d} in key_points[0]"),
        "{reason}"
    );
}

/// The deterministic narrative and recommendation details are built only from the
/// result's figures: the check must accept them (no false rejection of the truth).
#[test]
fn the_deterministic_texts_of_a_result_are_grounded_in_its_input() {
    let r = testing::result();
    let input = testing::summary_input(10);
    let facts = Facts::from_input(&input);
    // The input leaves out the count of stored price observations (it grows with
    // every analysis and would defeat the LLM cache), so the sentence saying there is
    // not enough history is the one the model cannot repeat.
    for text in r
        .narrative
        .iter()
        .filter(|p| !p.starts_with("Not enough price history"))
        .chain(r.recommendations.iter().map(|r| &r.detail))
    {
        assert_eq!(facts.check_text(text).1, vec![], "{text}");
    }
    // The French narrative of the same result too (its sentences open with French
    // words: « Sur », « Pour », « Aucun »…).
    let french = crate::report::narrative::narrative(
        crate::domain::Language::Fr,
        &r.query,
        &r.market,
        &r.sentiment,
        &r.recommendations,
    );
    for text in french
        .iter()
        .filter(|p| !p.starts_with("Pas encore assez d'historique"))
    {
        assert_eq!(facts.check_text(text).1, vec![], "{text}");
    }
    // And a figure that is not in this result is not.
    let (_, bad) = facts.check_text("Prices range from 12.34 EUR to 99.00 EUR.");
    assert_eq!(bad, vec![(ClaimKind::Price, "12.34 EUR".to_owned())]);
}
