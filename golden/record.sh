#!/usr/bin/env bash
# Records the golden set from live runs: the sample catalogue and the demo shop read
# as schema_org, shopify and woocommerce sources (golden/record-agent.toml). Each
# case's frozen data goes under golden/cases/<id>/sources/, its expectations are
# proposed in golden/cases/<id>/case.toml (review them before committing).
#
#   cargo build --bin marketlens && golden/record.sh
#
# Replaces every case. The demo shop runs on 127.0.0.1:8090 while recording; the
# fallback cases are recorded against a demo shop that answers every request 503.
set -euo pipefail
cd "$(dirname "$0")/.."

ML="${MARKETLENS:-target/debug/marketlens}"
CONFIG=golden/record-agent.toml
SHOP_PID=""

start_shop() {
  "$ML" demo-shop --port 8090 "$@" >/dev/null 2>&1 &
  SHOP_PID=$!
  for _ in $(seq 1 50); do
    curl -sf -o /dev/null http://127.0.0.1:8090/robots.txt && return 0
    sleep 0.1
  done
  echo "demo shop did not start" >&2
  exit 1
}
stop_shop() {
  if [ -n "$SHOP_PID" ]; then
    kill "$SHOP_PID" 2>/dev/null || true
    wait "$SHOP_PID" 2>/dev/null || true
    SHOP_PID=""
  fi
}
trap stop_shop EXIT

rec() {
  local id=$1 category=$2 description=$3
  shift 3
  "$ML" golden record "$id" "$@" --config "$CONFIG" --category "$category" \
    --description "$description" --force
}

start_shop

# English, one case per sample category, from the catalogue.
rec en-headphones headphones "Wireless headphones, the largest category, in EUR" \
  "wireless headphones" --source catalog --tag en
rec en-earbuds earbuds "Noise-cancelling earbuds in EUR" \
  "noise cancelling earbuds" --source catalog --tag en
rec en-apple-watch smartwatches "A brand's watches: few products, many offers" \
  "apple watch" --source catalog --tag en
rec en-laptops laptops "Laptops, every brand" \
  "laptop" --source catalog --tag en
rec en-robot-vacuum robot-vacuums "Robot vacuums in EUR" \
  "robot vacuum" --source catalog --tag en
rec en-espresso espresso-machines "Espresso machines asked in English" \
  "espresso machine" --source catalog --tag en
rec en-iphone-usd smartphones "A phone model in USD for the US market (US shelf prices exclude tax)" \
  "iphone 15 128gb" --currency USD --market US --source catalog --tag en --tag mixed-currencies
# Filters.
rec en-iphone-refurbished smartphones "Refurbished phones under 900 USD (README example)" \
  "iphone 15 128gb" --currency USD --market US --condition refurbished --max-price 900 \
  --source catalog --tag en --tag refurbished --tag price-range
rec en-headphones-range headphones "Headphones between 100 and 300 EUR" \
  "headphones" --min-price 100 --max-price 300 --source catalog --tag en --tag price-range
rec en-laptops-used laptops "Used laptops only" \
  "laptop" --condition used --source catalog --tag en --tag used
rec en-sony-gbp headphones "Sony headphones converted to GBP from EUR, USD, GBP and CAD offers" \
  "sony headphones" --currency GBP --market GB --source catalog --tag en --tag mixed-currencies
rec en-macbook-air laptops "One product, a handful of offers: too few for statistics" \
  "macbook air" --source catalog --tag en --tag few-offers
# Edge: nothing found.
rec en-nothing-found none "A query no source knows: the analysis fails with no_data" \
  "zzzz unknown gadget" --source catalog --tag en --tag nothing-found
# Live sources (the demo shop), replayed from their recorded HTTP answers.
rec en-one-offer headphones "One product with one offer (the WooCommerce API lists each product's lowest offer)" \
  "WH-1000XM5" --source demo-woo --tag en --tag one-offer --tag live
rec en-shopify-smartwatch smartwatches "Smartwatches from a Shopify feed (a marketplace: sellers and conditions as options)" \
  "smartwatch" --source demo-shopify --tag en --tag live
rec en-scraped-espresso espresso-machines "Espresso machines scraped from the shop's pages (JSON-LD, microdata, OpenGraph)" \
  "espresso machine" --source demo-shop --tag en --tag live

# French.
rec fr-machine-cafe espresso-machines "Machines à café expresso (README example)" \
  "machine à café expresso" --market FR --source catalog --tag fr
rec fr-casque headphones "Casques sans fil" \
  "casque sans fil" --source catalog --tag fr
rec fr-ecouteurs earbuds "Écouteurs sans fil" \
  "écouteurs sans fil" --source catalog --tag fr
rec fr-aspirateur robot-vacuums "Aspirateurs robots" \
  "aspirateur robot" --language fr --source catalog --tag fr
rec fr-montre smartwatches "Montres connectées" \
  "montre connectée" --source catalog --tag fr
rec fr-portable-plafond laptops "Ordinateurs portables à moins de 1 500 EUR" \
  "ordinateur portable" --max-price 1500 --language fr --source catalog --tag fr --tag price-range
rec fr-smartphone-reconditionne smartphones "Smartphones reconditionnés, avis en français" \
  "smartphone" --condition refurbished --language fr --source catalog \
  --tag fr --tag refurbished
rec fr-rien-trouve none "Une requête qu'aucune source ne connaît : no_data" \
  "chaussures de randonnée" --source catalog --tag fr --tag nothing-found
rec fr-woo-cafe espresso-machines "Machines à café d'une boutique WooCommerce, avec ses avis" \
  "machine à café" --source demo-woo --tag fr --tag live

stop_shop
# A live source with a fallback: the shop answers 503 to everything.
start_shop --error-rate 1
rec en-fallback robot-vacuums "The shop is down: its fallback, the catalogue, answers" \
  "robot vacuum" --source demo-shop --tag en --tag live --tag fallback
rec fr-fallback headphones "La boutique Shopify est en panne : le catalogue répond à sa place" \
  "casque sans fil" --source demo-shopify --tag fr --tag live --tag fallback
stop_shop
