//! The extractor on the repository's page corpus (`data/extract-corpus`): pages in the
//! styles of common shop platforms, in English, French and German, with structured
//! data, only meta tags, only script state or only visible text, and what a person
//! reads on each. The fallbacks must carry the fields structured data alone misses.

use std::path::PathBuf;

use marketlens_sources::extract::score::{Counts, JUDGED, best_using, load_corpus};
use marketlens_sources::extract::{FieldName, Syntax, extract, extract_thorough};

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/extract-corpus")
}

fn f1(field: FieldName, methods: Option<&[Syntax]>) -> f64 {
    let pages = load_corpus(&corpus_dir()).expect("corpus");
    let mut c = Counts::default();
    for p in &pages {
        let best = match methods {
            Some(m) => best_using(&extract_thorough(&p.html, None).candidates, m),
            None => extract(&p.html, None).best,
        };
        if let Some(expected) = p.expected(field) {
            c.add(field, expected, best.get(field).map(|b| b.value.as_str()));
        }
    }
    c.f1()
}

#[test]
fn corpus_is_varied() {
    let pages = load_corpus(&corpus_dir()).expect("corpus");
    assert!(pages.len() >= 40, "{} pages", pages.len());
    for style in ["json-ld", "microdata", "meta", "script-state", "text"] {
        assert!(pages.iter().any(|p| p.style == style), "{style}");
    }
    for lang in ["en", "fr", "de"] {
        assert!(
            pages.iter().filter(|p| p.lang == lang).count() >= 8,
            "{lang}"
        );
    }
    for p in &pages {
        for f in [FieldName::Price, FieldName::Sku, FieldName::Availability] {
            assert!(p.expected(f).is_some(), "{} lacks {}", p.page, f.as_str());
        }
    }
}

#[test]
fn fallbacks_reach_the_targets_where_structured_data_alone_does_not() {
    let structured = [Syntax::JsonLd, Syntax::Microdata, Syntax::Opengraph];
    for (field, target) in [
        (FieldName::Price, 0.9),
        (FieldName::Sku, 0.8),
        (FieldName::Availability, 0.9),
    ] {
        let all = f1(field, None);
        let alone = f1(field, Some(&structured));
        assert!(all >= target, "{}: {all:.3} < {target}", field.as_str());
        assert!(all > alone, "{}: {all:.3} vs {alone:.3}", field.as_str());
    }
}

#[test]
fn every_judged_field_is_scored_and_struck_prices_are_not_prices() {
    let pages = load_corpus(&corpus_dir()).expect("corpus");
    for p in &pages {
        let x = extract(&p.html, None);
        if let (Some(Some(prev)), Some(price)) =
            (p.expected(FieldName::PreviousPrice), x.best.price.as_ref())
        {
            assert!(
                !marketlens_sources::extract::score::same(FieldName::Price, prev, &price.value),
                "{}: the previous price {prev} was taken as the price",
                p.page
            );
        }
    }
    assert_eq!(JUDGED.len(), 6);
}

#[test]
fn cut_and_spliced_corpus_pages_never_panic() {
    let pages = load_corpus(&corpus_dir()).expect("corpus");
    for (i, p) in pages.iter().enumerate() {
        let cuts: Vec<usize> = p.html.char_indices().map(|(j, _)| j).collect();
        for k in [3, 2] {
            let at = cuts[cuts.len() / k];
            let _ = extract(&p.html[..at], None);
            // Another page's tail after this page's head: unclosed scripts,
            // attributes and JSON cut mid-way.
            let other = &pages[(i + 1) % pages.len()].html;
            let tail = other
                .char_indices()
                .map(|(j, _)| j)
                .nth(other.chars().count() / 2)
                .unwrap_or(0);
            let _ = extract(&format!("{}{}", &p.html[..at], &other[tail..]), None);
        }
    }
}

#[test]
fn skipping_page_text_that_structured_data_settled_changes_no_judged_field() {
    for p in load_corpus(&corpus_dir()).expect("corpus") {
        let (fast, every) = (extract(&p.html, None), extract_thorough(&p.html, None));
        for f in [
            FieldName::Price,
            FieldName::Sku,
            FieldName::Availability,
            FieldName::PreviousPrice,
        ] {
            assert_eq!(
                fast.best.get(f).map(|b| &b.value),
                every.best.get(f).map(|b| &b.value),
                "{} {}",
                p.page,
                f.as_str()
            );
        }
    }
}
