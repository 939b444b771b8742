//! Tax markers in price text: `TTC`, `incl. VAT`, `inkl. MwSt.` include tax; `HT`,
//! `excl. VAT`, `+ VAT`, `zzgl. MwSt.` exclude it.

use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;

use super::tokens::fold;

/// Whether the shop said the price includes or excludes tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxMarker {
    Included,
    Excluded,
}

const TAX_INCLUDED: &[&str] = &[
    "ttc",
    "tvac",
    "incl vat",
    "inc vat",
    "including vat",
    "vat included",
    "vat incl",
    "incl tax",
    "inc tax",
    "including tax",
    "tax incl",
    "tax included",
    "taxes included",
    "tax inc",
    "inkl mwst",
    "incl mwst",
    "inkl ust",
    "inkl mehrwertsteuer",
    "tva incluse",
    "tva comprise",
    "toutes taxes comprises",
    "iva inclusa",
    "iva incluida",
    "iva incluido",
    "iva incl",
    "con iva",
    "inc gst",
    "incl gst",
    "gst inclusive",
    "s dph",
    "brutto",
    "incl btw",
    "inkl moms",
];

const TAX_EXCLUDED: &[&str] = &[
    "ht",
    "hors taxe",
    "hors taxes",
    "hors tva",
    "sans tva",
    "excl vat",
    "ex vat",
    "exc vat",
    "excluding vat",
    "plus vat",
    "+ vat",
    "vat excluded",
    "excl tax",
    "tax excl",
    "ex tax",
    "excluding tax",
    "excluding sales tax",
    "plus tax",
    "+ tax",
    "zzgl mwst",
    "exkl mwst",
    "zzgl ust",
    "netto",
    "+ iva",
    "mas iva",
    "iva esclusa",
    "sin iva",
    "bez dph",
    "ex gst",
    "excl gst",
    "+ gst",
    "plus gst",
    "excl btw",
    "exkl moms",
    "χωρις φπα",
    "bez podatku",
];

/// Tax marker nearest after the amount (else nearest before it). `span`: the amount's
/// characters, if any.
pub(super) fn tax_marker(chars: &[char], span: Option<(usize, usize)>) -> Option<TaxMarker> {
    // Words (folded) and `+`, with their start positions.
    let mut words: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphanumeric() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || is_combining_mark(chars[i])) {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            words.push((fold(&w), start));
        } else {
            if chars[i] == '+' {
                words.push(("+".to_owned(), i));
            }
            i += 1;
        }
    }
    let mut found: Vec<(usize, TaxMarker)> = Vec::new();
    for (list, marker) in [
        (TAX_INCLUDED, TaxMarker::Included),
        (TAX_EXCLUDED, TaxMarker::Excluded),
    ] {
        for phrase in list {
            let p: Vec<&str> = phrase.split(' ').collect();
            for (k, w) in words.windows(p.len()).enumerate() {
                if w.iter().zip(&p).all(|((a, _), b)| a == b) {
                    found.push((words[k].1, marker));
                }
            }
        }
    }
    let (start, end) = span.unwrap_or((0, 0));
    found
        .iter()
        .filter(|(pos, _)| *pos >= end)
        .min_by_key(|(pos, _)| *pos)
        .or_else(|| {
            found
                .iter()
                .filter(|(pos, _)| *pos < start)
                .max_by_key(|(pos, _)| *pos)
        })
        .map(|(_, m)| *m)
}
