//! The summary in French: decimal comma, a space before `%`, `:` and `;`, French
//! quotation marks, and the built-in aspect names translated.

use super::phrases::{
    CorrelationFigures, Direction, LeadWords, Mood, Noun, Phrases, Relation, TopAspects,
    TrendFigures,
};
use crate::analysis::history::{MissingHistory, ShortSpan, short_span};
use crate::domain::{Condition, Language};

pub struct French;

/// No-break space: French puts one before `%`, `:`, `;` and inside « ».
const NBSP: char = '\u{a0}';

/// The built-in aspects' names in French; discovered aspects are review words and
/// stay as written.
pub(super) fn aspect_name(name: &str) -> &str {
    match name {
        "battery" => "batterie",
        "sound" => "son",
        "comfort" => "confort",
        "build quality" => "qualité de fabrication",
        "price" => "prix",
        "delivery" => "livraison",
        "customer service" => "service client",
        "noise cancelling" => "réduction de bruit",
        "screen" => "écran",
        "camera" => "appareil photo",
        "coffee" => "café",
        "milk frother" => "mousseur à lait",
        "cleaning" => "nettoyage",
        "suction" => "aspiration",
        "app" => "application",
        "size and weight" => "taille et poids",
        "connectivity" => "connectivité",
        other => other,
    }
}

impl Phrases for French {
    fn language(&self) -> Language {
        Language::Fr
    }

    fn noun(&self, noun: Noun) -> (&'static str, &'static str) {
        match noun {
            Noun::Offer => ("offre", "offres"),
            Noun::Product => ("produit", "produits"),
            Noun::Seller => ("vendeur", "vendeurs"),
            Noun::Review => ("avis", "avis"),
            Noun::RatedProduct => ("produit noté", "produits notés"),
            Noun::Observation => ("observation", "observations"),
            Noun::Day => ("jour", "jours"),
            Noun::Mention => ("mention", "mentions"),
        }
    }

    fn number(&self, v: f64, decimals: usize) -> String {
        format!("{v:.decimals$}").replace('.', ",")
    }

    fn percent(&self, v: f64, decimals: usize) -> String {
        format!("{}{NBSP}%", self.number(v, decimals))
    }

    fn condition(&self, c: Condition) -> &'static str {
        match c {
            Condition::New => "neuf",
            Condition::Used => "d'occasion",
            Condition::Refurbished => "reconditionné",
            Condition::Unknown => "état inconnu",
        }
    }

    fn no_priced_offer(&self, query: &str) -> String {
        format!("Pour «{NBSP}{query}{NBSP}», aucune offre avec un prix n'a été trouvée.")
    }

    fn covers(&self, query: &str, [offers, products, sellers]: [String; 3], c: &str) -> String {
        format!(
            "Pour «{NBSP}{query}{NBSP}», la comparaison porte sur {offers} pour {products} de {sellers}, en {c}."
        )
    }

    fn price_spread(
        &self,
        [min, max]: [String; 2],
        [median, q1, q3]: [String; 3],
        c: &str,
    ) -> String {
        format!(
            "Les prix vont de {min} à {max} {c}, avec une médiane de {median} {c}{NBSP}; la moitié des offres se situe entre {q1} et {q3} {c}."
        )
    }

    fn price_range_only(
        &self,
        [min, max]: [String; 2],
        offers: u32,
        needed: u32,
        c: &str,
    ) -> String {
        format!(
            "Les prix vont de {min} à {max} {c}{NBSP}; {} ne {} pas pour une médiane, des quartiles ou une dispersion (au moins {needed} nécessaires).",
            self.count(offers.into(), Noun::Offer),
            if self.language().is_plural(offers.into()) {
                "suffisent"
            } else {
                "suffit"
            },
        )
    }

    fn leading_brands(&self, lead: &LeadWords, c: &str) -> String {
        let LeadWords {
            brands,
            each,
            total,
            share,
            ..
        } = lead;
        let median = |m: &String| {
            if lead.tied {
                format!(", avec des prix médians de {m} {c} respectivement")
            } else {
                format!(", pour un prix médian de {m} {c}")
            }
        };
        let at = lead.medians.as_ref().map(median).unwrap_or_default();
        if lead.tied {
            format!(
                "{brands} sont à égalité pour le plus d'offres ({each} chacune sur {total}, {share} chacune){at}."
            )
        } else {
            format!("{brands} a le plus d'offres ({each} sur {total}, {share}){at}.")
        }
    }

    fn no_brand_leads(&self, brands: usize, each: u32, total: u32) -> String {
        format!(
            "Aucune marque ne domine{NBSP}: chacune des {brands} marques a {} sur {total}.",
            self.count(each.into(), Noun::Offer),
        )
    }

    fn trend(&self, t: &TrendFigures, c: &str) -> String {
        let direction = match t.direction {
            Direction::Rose => "ont augmenté",
            Direction::Fell => "ont baissé",
            Direction::HeldSteady => "sont restés stables",
        };
        format!(
            "Sur {} de prix enregistrés, les prix des mêmes produits {direction} ({}, {} {c} par jour{NBSP}; {}, {} vue{} plus d'une fois, entre {} et {} {c}).",
            self.count(t.days, Noun::Day),
            self.signed_percent(t.percent_change, 1),
            self.signed(t.slope_per_day, 2),
            self.count(t.observations.into(), Noun::Observation),
            self.count(t.offers_seen_twice.into(), Noun::Offer),
            if self.language().is_plural(t.offers_seen_twice.into()) {
                "s"
            } else {
                ""
            },
            self.number(t.min, 2),
            self.number(t.max, 2),
        )
    }

    fn not_enough_history(&self, missing: &[MissingHistory]) -> String {
        let parts: Vec<String> = missing
            .iter()
            .map(|m| match *m {
                MissingHistory::Days { covered, needed } if covered <= 0.0 => format!(
                    "tous les prix ont été relevés au même moment (une tendance demande au moins {} entre le premier et le dernier relevé)",
                    self.count(needed.into(), Noun::Day)
                ),
                MissingHistory::Days { covered, needed } => format!(
                    "les prix {} (au moins {needed} jours nécessaires)",
                    match short_span(covered) {
                        ShortSpan::UnderAnHour => "couvrent moins d'une heure".to_owned(),
                        ShortSpan::Hours(h) => format!(
                            "ne couvrent que {}",
                            self.language().count(h, "heure", "heures")
                        ),
                        ShortSpan::Days(d) => {
                            format!("ne couvrent que {} jours", self.number(d, 1))
                        }
                    }
                ),
                MissingHistory::RepeatedOffer => {
                    "aucune offre n'a été vue à deux moments différents".to_owned()
                }
                MissingHistory::Observations { have, needed } => format!(
                    "il n'y a que {} (au moins {needed} nécessaires)",
                    self.count(have.into(), Noun::Observation)
                ),
            })
            .collect();
        format!(
            "Pas encore assez d'historique de prix pour une tendance{NBSP}: {}.",
            self.language().join_list(&parts)
        )
    }

    fn no_history(&self) -> String {
        "Aucun historique de prix n'a été lu pour ces produits.".to_owned()
    }

    fn correlation(&self, rc: &CorrelationFigures) -> String {
        let (products, rho, significant) = (rc.products, rc.rho, rc.significant);
        let relation = match rc.relation {
            Relation::DearerRatedBetter => "les produits plus chers tendent à être mieux notés",
            Relation::CheaperRatedBetter => "les produits moins chers tendent à être mieux notés",
            Relation::Little => "le prix dit peu de chose de la note",
        };
        format!(
            "Sur {products} produits notés, {relation} (corrélation de rang de Spearman entre le prix et la note pondérée{NBSP}: {}{}).",
            self.signed(rho, 2),
            if significant {
                ""
            } else {
                ", non significative"
            }
        )
    }

    fn correlation_too_little(&self, products: u32, needed: u32) -> String {
        format!(
            "Avec {}, il y a trop peu de données pour relier le prix et la note (au moins {needed} nécessaires).",
            self.count(products.into(), Noun::RatedProduct)
        )
    }

    fn outliers(&self, offers: u32) -> String {
        if self.language().is_plural(offers.into()) {
            format!(
                "{offers} offres ont un prix très éloigné des autres offres du même produit (erreurs de prix ou bonnes affaires possibles)."
            )
        } else {
            format!(
                "{offers} offre a un prix très éloigné des autres offres du même produit (erreur de prix ou bonne affaire possible)."
            )
        }
    }

    fn sentiment(&self, reviews: u32, mood: Mood, mean: f64, shares: [f64; 3]) -> String {
        let mood = match mood {
            Mood::ClearlyPositive => "nettement positif",
            Mood::MildlyPositive => "plutôt positif",
            Mood::Mixed => "partagé",
            Mood::Negative => "négatif",
        };
        let [positive, neutral, negative] = shares.map(|s| self.percent(s * 100.0, 0));
        format!(
            "Sur {}, ce qu'écrivent les clients est {mood} (score moyen du texte{NBSP}: {}){NBSP}: {positive} positifs, {neutral} neutres, {negative} négatifs.",
            self.count(reviews.into(), Noun::Review),
            self.signed(mean, 2),
        )
    }

    fn sentiment_too_little(&self, reviews: u32, needed: u32) -> String {
        format!(
            "Avec {}, il y a trop peu de données pour dire ce qu'écrivent les clients (au moins {needed} nécessaires).",
            self.count(reviews.into(), Noun::Review)
        )
    }

    fn aspects(&self, [praised, criticised]: [Option<&TopAspects>; 2]) -> Option<String> {
        let phrase = |a: &TopAspects, single: &str, plural: &str| {
            let names: Vec<&str> = a.names.iter().map(|n| aspect_name(n)).collect();
            let count = self.count(a.mentions.into(), Noun::Mention);
            if names.len() > 1 {
                format!(
                    "{plural} sont {} ({count} chacun)",
                    self.language().join_list(&names)
                )
            } else {
                format!(
                    "{single} est {} ({count})",
                    self.language().join_list(&names)
                )
            }
        };
        let praised = praised.map(|a| {
            phrase(
                a,
                "l'aspect le plus apprécié",
                "les aspects les plus appréciés",
            )
        });
        let criticised = criticised.map(|a| {
            phrase(
                a,
                "l'aspect le plus critiqué",
                "les aspects les plus critiqués",
            )
        });
        let sentence = match (praised, criticised) {
            (Some(p), Some(n)) => format!("{p}{NBSP}; {n}."),
            (Some(one), None) | (None, Some(one)) => format!("{one}."),
            (None, None) => return None,
        };
        let mut chars = sentence.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
    }

    fn no_reviews(&self) -> String {
        "Aucun texte d'avis n'était disponible pour l'analyse.".to_owned()
    }

    fn best_value(&self, titles: &[&str], compared: Option<Condition>) -> String {
        let among = match compared {
            Some(Condition::Used) => {
                " (parmi les offres d'occasion\u{a0}: aucune offre n'est neuve)"
            }
            Some(Condition::Refurbished) => {
                " (parmi les offres reconditionnées\u{a0}: aucune offre n'est neuve)"
            }
            Some(Condition::Unknown) => {
                " (parmi les offres d'état inconnu\u{a0}: aucune n'est indiquée neuve)"
            }
            Some(Condition::New) | None => "",
        };
        let separator = format!("{NBSP}; ");
        format!(
            "Meilleur rapport qualité-prix{among}{NBSP}: {}.",
            titles.join(&separator)
        )
    }
}
