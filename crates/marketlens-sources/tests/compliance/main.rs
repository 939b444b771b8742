//! The `Source` compliance suite: the rules every source kind must keep, checked on
//! each kind through the port only (`marketlens_core::ports::Source`), the way the
//! adapters' contract suites check every backend of theirs.
//!
//! Each source is built as the service builds it, from a `[[sources]]` entry through
//! [`marketlens_sources::build_source`]. The live kinds read the demo shop (the real
//! one, on a random local port), a shop that accepts connections and never answers,
//! and a shop serving hostile content; the `catalog` kind reads the built-in sample
//! and a catalogue written to a temporary directory; the `replay` kind, the catalogue's
//! answer frozen as `golden record` freezes it. `kinds.rs` says how each kind is
//! set up, `rules.rs` holds one function per rule, `hostile.rs` the hostile inputs.
//!
//! The macro below writes one test per rule per kind, named `<kind>::<rule>`, so a
//! failure says which rule broke on which kind. Every kind keeps the common rules; a
//! kind adds those that apply to it (the catalogue reads no network, so it has no
//! timeout to honour). A rule needing what a kind cannot give (a stalled shop,
//! hostile content) does not compile for it.

mod hostile;
mod kinds;
mod rules;

/// `compliance! { every kind: [rules]; kind: setup => [its own rules]; … }` writes
/// `mod kind { #[tokio::test] async fn rule() … }` for each rule of each kind.
macro_rules! compliance {
    (every kind: $every:tt; $($kind:ident: $setup:expr => [$($own:ident),* $(,)?];)+) => {
        $(compliance!(@kind $kind, $setup, $every, [$($own),*]);)+
    };
    (@kind $kind:ident, $setup:expr, [$($every:ident),+ $(,)?], [$($own:ident),*]) => {
        mod $kind {
            $(
                #[tokio::test]
                async fn $every() {
                    crate::rules::$every(&$setup).await;
                }
            )+
            $(
                #[tokio::test]
                async fn $own() {
                    crate::rules::$own(&$setup).await;
                }
            )*
        }
    };
}

compliance! {
    every kind: [
        name_and_kind_are_the_configured_ones,
        a_query_without_matches_is_an_empty_batch,
        products_carry_their_source_name,
        at_most_max_products,
        the_notice_comes_with_the_batch,
        hostile_query_text_never_breaks_a_search,
    ];
    // The built-in sample reads no network and takes no content from outside.
    catalog_builtin: crate::kinds::CatalogBuiltin => [];
    // A catalogue directory reads no network: there is no timeout to honour.
    catalog_directory: crate::kinds::CatalogDirectory => [hostile_content_never_panics];
    schema_org: crate::kinds::SchemaOrg => [
        hostile_content_never_panics,
        a_stalled_shop_is_a_timely_source_timeout,
    ];
    shopify: crate::kinds::Shopify => [
        hostile_content_never_panics,
        a_stalled_shop_is_a_timely_source_timeout,
    ];
    // Frozen catalogue records read from a directory: no network, no outside content.
    replay_catalog: crate::kinds::ReplayCatalog => [];
    woocommerce: crate::kinds::WooCommerce => [
        hostile_content_never_panics,
        a_stalled_shop_is_a_timely_source_timeout,
    ];
}
