//! Words that open an ordinary sentence, in English and French: what a capitalised
//! first word may be without being a name. A first word outside these lists, outside
//! the words of the input, and never written in lower case in the answer itself, is
//! read as a name and must be one of the result's ("Sennheiser offers the best
//! value." names a brand the result may not hold).
//!
//! Each list is one text of lower-case words separated by spaces. They are small on
//! purpose: function words, the adverbs and verbs that open a summary or a key
//! point, and the nouns and adjectives of a market report. A missing ordinary word
//! costs a rejected answer (the large model, then the deterministic narrative); a
//! missing check costs an invented brand shown as fact.

const ENGLISH: &str = "\
    a an the this that these those there here it its they their them we our you your one \
    some most many more much less fewer few several all both each every any no none \
    nothing other others another such same either neither and but or nor so yet for from \
    in on at by of to with without within among across after before between over under \
    above below around about along despite per beyond unlike like against through during \
    since until as if when where while whereas although though because unless whether \
    once than into toward towards upon what which who whose why how not only just also \
    however overall still even then thus therefore hence instead otherwise meanwhile \
    moreover furthermore indeed together again first second third next last finally \
    lastly above below now today currently generally typically notably roughly nearly \
    almost around approximately about well too very quite rather often rarely always \
    never briefly altogether compared comparing given based considering looking buying \
    shopping according is are was were be been being has have had do does can could \
    should would will may might must compare consider check choose look buy avoid expect \
    watch note keep wait prefer focus pick use see read mind favour favor skip beware \
    shop go get aim start stick try think remember reviewers shoppers price prices \
    pricing offer offers product products seller sellers shop shops store stores brand \
    brands model models market median mean average range spread half quarter share \
    review reviews rating ratings sentiment opinion opinions buyer buyers customer \
    customers user users value quality budget premium best top cheapest cheaper lowest \
    lower highest higher good great strong weak positive negative neutral mixed typical \
    recent current similar different fair clear key main big small large high low few \
    discount discounts deal deals trend trends history outlier outliers listing listings \
    choice choices option options recommendation recommendations summary conclusion \
    figure figures data analysis correlation currency currencies cost costs savings \
    entry-level mid-range high-end stars star sold bought built made seen found given \
    shown known held kept left led paid set spent taken written chosen pay conscious \
    sensitive friendly wise design sound comfort battery build noise performance \
    durability delivery shipping warranty returns support features size weight screen \
    display camera storage style";

const FRENCH: &str = "\
    le la les un une des du de ce cet cette ces cela ceci ça il ils elle elles on nous \
    vous leur leurs son sa ses notre nos votre vos tous tout toute toutes chaque \
    plusieurs certains certaines quelques aucun aucune autre autres même mêmes celui \
    celle ceux celles y en et ou mais donc or ni car dans sur sous pour par avec sans \
    entre parmi chez vers selon malgré après avant depuis pendant dès au aux à comme si \
    quand lorsque puisque bien contrairement face hors jusqu que qui quoi quel quelle \
    quels quelles où pourquoi comment combien dont ne pas non plus moins très trop peu \
    beaucoup assez aussi ainsi alors puis ensuite enfin pourtant cependant toutefois \
    néanmoins globalement notamment seulement seul seule seuls seules environ près \
    presque quant côté voici voilà aujourd actuellement généralement premier première \
    deuxième troisième dernier dernière bref déjà encore toujours jamais souvent \
    rarement surtout également compte comparé comparés comparées est sont était étaient \
    a ont avait peut peuvent doit comparez comparer vérifiez vérifier choisissez choisir \
    privilégiez privilégier évitez éviter attendez surveillez notez gardez pensez \
    consultez regardez préférez comptez misez optez tenez lisez visez acheter achetez \
    prix tarif tarifs offre offres produit produits vendeur vendeurs boutique boutiques \
    magasin magasins marque marques modèle modèles marché médiane moyenne moitié quart \
    part avis note notes évaluation évaluations sentiment opinion opinions acheteur \
    acheteurs client clients utilisateur utilisateurs rapport qualité budget haut bas \
    meilleur meilleure meilleurs meilleures moins bon bonne bons bonnes fort forte \
    faible faibles positif positifs positive positives négatif négatifs négative \
    négatives neutre neutres mitigé mitigés mitigée mitigées principal principale \
    principaux récent récents actuel actuels similaire différent différents clair gamme \
    entrée remise remises promotion promotions tendance tendances historique valeur \
    valeurs aberrante aberrantes choix option options recommandation recommandations \
    résumé conclusion chiffre chiffres données analyse corrélation devise devises coût \
    coûts économies étoile étoiles écart fourchette \
    attention conseil mieux sachez retenez confort batterie autonomie livraison \
    garantie écran poids taille";

/// Whether `lowered` (a lower-cased word) opens an ordinary sentence in English or
/// French: one of the lists or the plural of one, an adverb (`-ly`, `-ment`), a past
/// participle (`-ed`; `-é`, `-ée`, `-és`, `-ées`), or a hyphenated word whose every
/// part is such a word.
pub(super) fn is_sentence_word(lowered: &str) -> bool {
    let listed = |w: &str| {
        ENGLISH.split_whitespace().any(|l| l == w) || FRENCH.split_whitespace().any(|l| l == w)
    };
    if listed(lowered) || lowered.strip_suffix('s').is_some_and(listed) {
        return true;
    }
    let letters = lowered.chars().count();
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| lowered.ends_with(s));
    if letters > 4 && ends(&["ly", "ed", "é", "ée", "és", "ées"]) {
        return true;
    }
    if letters > 6 && lowered.ends_with("ment") {
        return true;
    }
    lowered.contains('-')
        && lowered
            .split('-')
            .all(|part| !part.is_empty() && is_sentence_word(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_openings_are_words_and_brand_like_words_are_not() {
        for w in [
            "the",
            "overall",
            "prices",
            "compare",
            "interestingly",
            "globalement",
            "les",
            "privilégiez",
            "high-quality",
            "mid-range",
            "rated",
            "sold",
            "calculées",
            "sellers",
        ] {
            assert!(is_sentence_word(w), "{w}");
        }
        for w in [
            "sennheiser",
            "sony",
            "bose",
            "amazon",
            "fnac",
            "darty",
            "zalando",
        ] {
            assert!(!is_sentence_word(w), "{w}");
        }
    }
}
