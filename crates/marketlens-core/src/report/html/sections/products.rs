//! Section `products`: every product with its offers (price as written, original and
//! converted amounts, rate, condition, availability, link) and review figures. Offer
//! URLs become links only when they are `http://` or `https://` URLs.

use crate::analysis::sentiment::SentimentSummary;
use crate::domain::{Availability, Product};
use crate::report::html::format::{fmt_money_exact, fmt_signed, with_condition};
use crate::report::html::view::{OfferRow, ProductView, product_anchor};

pub fn product_view(p: &Product, s: &SentimentSummary, currency: &str) -> ProductView {
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".to_owned());
    ProductView {
        anchor: product_anchor(&p.id),
        id: p.id.clone(),
        title: p.title.clone(),
        brand: dash(&p.brand),
        model: dash(&p.model),
        gtin: dash(&p.gtin),
        offer_count: p.offers.len(),
        lowest: p.lowest_offer().map_or_else(
            || "no priced offer".to_owned(),
            |o| with_condition(fmt_money_exact(&o.converted.money), o.condition),
        ),
        mean_stars: p
            .mean_rating()
            .map_or_else(|| "—".to_owned(), |m| format!("{m:.1} ★")),
        review_count: p.reviews.len(),
        text_sentiment: if p.reviews.is_empty() {
            "no review text".to_owned()
        } else {
            s.per_product
                .iter()
                .find(|g| g.key == p.id)
                .map_or_else(|| "—".to_owned(), |g| fmt_signed(g.mean_score))
        },
        offers: p
            .offers
            .iter()
            .map(|o| {
                let url = o.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
                let href = url.filter(|u| is_web_url(u)).map(str::to_owned);
                OfferRow {
                    seller: o.seller.clone(),
                    source: o.source.clone(),
                    price_text: o.price_text.clone(),
                    original: fmt_money_exact(&o.price),
                    converted: fmt_money_exact(&o.converted.money),
                    rate: if o.price.currency == o.converted.money.currency {
                        "no conversion".to_owned()
                    } else {
                        format!(
                            "1 {} = {} {currency}",
                            o.price.currency,
                            o.converted.rate.normalize()
                        )
                    },
                    rate_date: o.converted.rate_date.to_string(),
                    condition: o.condition.as_str(),
                    availability: availability_label(o.availability),
                    link_text: href.as_deref().map(link_text).unwrap_or_default(),
                    url_text: url.filter(|u| !is_web_url(u)).map(str::to_owned),
                    href,
                }
            })
            .collect(),
    }
}

/// Whether a URL may become a link: only `http://` and `https://` URLs.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Short text for a link: the URL's host.
fn link_text(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if host.is_empty() {
        "link".to_owned()
    } else {
        host.to_owned()
    }
}

fn availability_label(a: Availability) -> &'static str {
    match a {
        Availability::InStock => "in stock",
        Availability::OutOfStock => "out of stock",
        Availability::PreOrder => "pre-order",
        Availability::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_show_their_host() {
        assert_eq!(link_text("https://shop.example/x?y"), "shop.example");
        assert_eq!(link_text("https:///x"), "link");
    }
}
