//! Price observations: appended, counted, read back by product and time, oldest first,
//! amounts exact.

use chrono::TimeDelta;
use marketlens_core::domain::CurrencyCode;
use marketlens_core::ports::{PriceObservation, Store};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{StoreFixture, fresh_product, observation, scalar};
use crate::contract::now_us;

pub async fn price_observations_are_counted_per_product(store: &dyn Store) {
    let product = fresh_product();
    let q = Uuid::new_v4();
    assert_eq!(store.count_price_observations(&product).await.unwrap(), 0);
    store
        .append_price_observations(&[])
        .await
        .expect("appending nothing");
    store
        .append_price_observations(&[
            observation(q, &product, "o1", 1999),
            observation(q, &product, "o2", 2450),
            observation(q, &product, "o3", 100_000),
        ])
        .await
        .expect("append_price_observations");
    store
        .append_price_observations(&[observation(q, &product, "o1", 1899)])
        .await
        .unwrap();
    assert_eq!(store.count_price_observations(&product).await.unwrap(), 4);
    assert_eq!(
        store
            .count_price_observations(&fresh_product())
            .await
            .unwrap(),
        0
    );
}

/// Observations of a fresh product 40, 10 and 20 days ago, in that order, in USD.
async fn old_observations(store: &dyn Store) -> [PriceObservation; 3] {
    let product = fresh_product();
    let q = Uuid::new_v4();
    let old = |offer: &str, cents: i64, days_ago: i64| PriceObservation {
        currency: CurrencyCode::USD,
        observed_at: now_us() - TimeDelta::days(days_ago),
        ..observation(q, &product, offer, cents)
    };
    let observations = [
        old("h1", 12_345, 40),
        old("h2", 10_001, 10),
        old("h3", 9_999, 20),
    ];
    store
        .append_price_observations(&observations)
        .await
        .unwrap();
    observations
}

pub async fn price_history_is_oldest_first_since_a_time(store: &dyn Store) {
    let be = store.backend();
    let [_, h2, h3] = old_observations(store).await;
    let since_30 = store
        .price_history(
            std::slice::from_ref(&h2.product_id),
            now_us() - TimeDelta::days(30),
        )
        .await
        .expect("price_history");
    assert_eq!(
        since_30,
        [h3, h2],
        "[{be}] observations since a time, oldest first, every field kept"
    );
}

pub async fn price_history_reads_several_products_at_once(store: &dyn Store) {
    let be = store.backend();
    let [h1, h2, h3] = old_observations(store).await;
    let recent = fresh_product();
    let q = Uuid::new_v4();
    store
        .append_price_observations(&[
            observation(q, &recent, "o1", 1999),
            observation(q, &recent, "o2", 2450),
        ])
        .await
        .unwrap();
    let both = store
        .price_history(
            &[h1.product_id.clone(), recent.clone()],
            now_us() - TimeDelta::days(365),
        )
        .await
        .unwrap();
    assert_eq!(both.len(), 5, "[{be}] several products at once");
    assert_eq!(both[..3], [h1, h3, h2]);
    assert!(
        both.windows(2)
            .all(|w| w[0].observed_at <= w[1].observed_at),
        "[{be}] oldest first across products"
    );
}

pub async fn price_history_of_no_or_unknown_products_is_empty(store: &dyn Store) {
    let be = store.backend();
    old_observations(store).await;
    let long_ago = now_us() - TimeDelta::days(365);
    assert!(
        store.price_history(&[], long_ago).await.unwrap().is_empty(),
        "[{be}] no ids, no observations"
    );
    assert!(
        store
            .price_history(&[fresh_product()], long_ago)
            .await
            .unwrap()
            .is_empty(),
        "[{be}] an unknown product has no observations"
    );
}

/// Many observations at one instant (an analysis records hundreds of offers at once):
/// the history gives them back in the order they were appended, every field intact.
pub async fn price_ties_keep_their_insertion_order(store: &dyn Store) {
    let be = store.backend();
    let at = now_us() - TimeDelta::hours(1);
    let products: Vec<String> = (0..7).map(|_| fresh_product()).collect();
    let observations: Vec<PriceObservation> = (0..2000)
        .map(|i| PriceObservation {
            observed_at: at,
            currency: CurrencyCode::USD,
            ..observation(
                Uuid::new_v4(),
                &products[i % products.len()],
                &format!("o{i}"),
                i as i64,
            )
        })
        .collect();
    store
        .append_price_observations(&observations)
        .await
        .unwrap();
    let back = store.price_history(&products, at).await.unwrap();
    let offers = |v: &[PriceObservation]| v.iter().map(|o| o.offer_id.clone()).collect::<Vec<_>>();
    assert_eq!(
        offers(&back),
        offers(&observations),
        "[{be}] ties in insertion order"
    );
    assert!(back == observations, "[{be}] every field round-trips");
}

/// Amounts are kept exactly, digit for digit, as the store's own SQL reads them.
pub async fn prices_are_stored_exactly(f: &StoreFixture) {
    let store = &*f.store;
    let be = store.backend();
    let product = fresh_product();
    let obs = PriceObservation {
        amount: Decimal::new(1_234_567_890_123_456_789, 9),
        ..observation(Uuid::new_v4(), &product, "o", 0)
    };
    store
        .append_price_observations(std::slice::from_ref(&obs))
        .await
        .unwrap();
    let row = format!("FROM price_observations WHERE product_id = '{product}'");
    assert_eq!(
        scalar::<String>(f, &format!("SELECT CAST(amount AS TEXT) {row}")).await,
        "1234567890.123456789",
        "[{be}] the amount is stored exactly"
    );
    assert_eq!(
        scalar::<String>(f, &format!("SELECT currency {row}")).await,
        "EUR"
    );
    let back = store
        .price_history(&[product], obs.observed_at)
        .await
        .unwrap();
    assert_eq!(
        back[0].amount.to_string(),
        "1234567890.123456789",
        "[{be}] and read back exactly"
    );
}
