#!/usr/bin/env python3
"""Generate the bundled marketlens SAMPLE catalogue.

Everything written by this script is fictional sample data made up by the
marketlens project for demonstration and offline use: the shops, their
domains (all under the reserved .example TLD), prices, offers, reviewers and
review texts are invented. Brands and model names are real products so that
queries such as "wireless headphones" look realistic, but no price, stock
level, GTIN or review here describes the real market.

Usage:  python3 data/sample-catalog/generate.py [--out DIR]

Standard library only. The RNG is seeded and no set/hash ordering is relied
upon, so re-running produces byte-identical output files next to this script
(or in DIR): catalog.toml, products.jsonl, offers.csv, reviews.jsonl. CI
regenerates them into a temporary directory and fails if the committed files
differ.
"""

import argparse
import csv
import datetime
import json
import os
import random

SEED = 20250117
OUT_DIR = os.path.dirname(os.path.abspath(__file__))

# Boutique Nordet (fr-CA) writes prices the way a fr-CA locale formatter does:
# U+00A0 NO-BREAK SPACE as the thousands separator and before the "$" sign.
# Set to " " to make it a plain ASCII space instead.
NORDET_SPACE = "\u00a0"

# ---------------------------------------------------------------------------
# Shops
# ---------------------------------------------------------------------------
# key: (display name, country, currency, review language, domain)
SHOPS = {
    "voltaire": ("Voltaire Électronique", "FR", "EUR", "fr", "www.voltaire-electronique.example"),
    "rheinwerk": ("Rheinwerk Technik", "DE", "EUR", "en", "www.rheinwerk-technik.example"),
    "brightline": ("Brightline Electronics", "US", "USD", "en", "www.brightline-electronics.example"),
    "harbour": ("Harbour & Finch", "GB", "GBP", "en", "www.harbourandfinch.example"),
    "maple": ("Maple Circuit", "CA", "CAD", "en", "www.maplecircuit.example"),
    "tamarack": ("Tamarack Electronics", "CA", "CAD", "en", "shop.tamarack-electronics.example"),
    "nordet": ("Boutique Nordet", "CA", "CAD", "fr", "www.boutiquenordet.example"),
    "renew": ("ReNew Market", "FR", "EUR", "fr", "www.renew-market.example"),
    "tassin": ("Maison Tassin", "FR", "EUR", "fr", "www.maison-tassin.example"),
}
SHOP_ORDER = list(SHOPS.keys())
# Maison Tassin is a home & coffee specialist.
SHOP_CATEGORIES = {"tassin": ("espresso-machines", "robot-vacuums")}

# Conversion from the catalogue's reference street price (EUR) to each
# currency's typical shelf price, and a per-shop positioning factor.
CURRENCY_FACTOR = {"EUR": 1.0, "USD": 1.06, "GBP": 0.86, "CAD": 1.50}
SHOP_FACTOR = {
    "voltaire": 1.00, "rheinwerk": 0.97, "brightline": 1.00, "harbour": 1.02,
    "maple": 1.00, "tamarack": 0.98, "nordet": 1.03, "renew": 1.00, "tassin": 1.04,
}
# Which cent endings each shop likes: (ending, weight)
SHOP_ENDINGS = {
    "voltaire": [("99", 60), ("00", 25), ("90", 15)],
    "rheinwerk": [("99", 50), ("00", 35), ("95", 15)],
    "brightline": [("99", 80), ("95", 10), ("00", 10)],
    "harbour": [("00", 50), ("99", 40), ("95", 10)],
    "maple": [("99", 85), ("00", 15)],
    "tamarack": [("99", 70), ("95", 15), ("00", 15)],
    "nordet": [("99", 80), ("00", 20)],
    "renew": [("any", 50), ("99", 30), ("00", 20)],
    "tassin": [("99", 50), ("90", 30), ("00", 20)],
}
CONDITION_TEXT = {
    "voltaire": {"new": ["Neuf"], "used": ["Occasion - très bon état"], "refurbished": ["Reconditionné"]},
    "rheinwerk": {"new": ["https://schema.org/NewCondition"], "used": ["https://schema.org/UsedCondition"],
                  "refurbished": ["https://schema.org/RefurbishedCondition"]},
    "brightline": {"new": ["New"], "used": ["Used"], "refurbished": ["Renewed"]},
    "harbour": {"new": ["new"], "used": ["used"], "refurbished": ["refurbished"]},
    "maple": {"new": ["New"], "used": ["Used"], "refurbished": ["Refurbished"]},
    "tamarack": {"new": ["new"], "used": ["used"], "refurbished": ["Renewed"]},
    "nordet": {"new": ["Neuf"], "used": ["Occasion - très bon état"], "refurbished": ["Reconditionné"]},
    "renew": {"new": ["Neuf"],
              "used": ["https://schema.org/UsedCondition", "Occasion - très bon état"],
              "refurbished": ["https://schema.org/RefurbishedCondition", "Reconditionné"]},
    "tassin": {"new": ["Neuf"], "used": ["Occasion - très bon état"], "refurbished": ["Reconditionné"]},
}
SCHEMA_AVAILABILITY_SHOPS = ("rheinwerk", "tamarack", "renew")
AVAILABILITY_TEXT = {
    "in_stock": ("in_stock", "https://schema.org/InStock"),
    "out_of_stock": ("out_of_stock", "https://schema.org/OutOfStock"),
    "preorder": ("preorder", "https://schema.org/PreOrder"),
}
CATEGORY_FR_PATH = {
    "headphones": "casques", "earbuds": "ecouteurs", "espresso-machines": "machines-expresso",
    "smartphones": "smartphones", "laptops": "ordinateurs-portables",
    "robot-vacuums": "aspirateurs-robots", "smartwatches": "montres-connectees",
}

# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------
CATEGORY_KEYWORDS = {
    "headphones": ["wireless headphones", "bluetooth headphones", "headphones",
                   "casque sans fil", "casque bluetooth", "casque audio"],
    "headphones+anc": ["noise cancelling headphones", "casque à réduction de bruit"],
    "headphones+overear": ["over-ear headphones", "casque circum-auriculaire"],
    "headphones+onear": ["on-ear headphones", "casque supra-auriculaire"],
    "headphones+wired": ["wired headphones", "studio headphones", "headphones",
                         "casque filaire", "casque audio", "casque de studio"],
    "earbuds": ["wireless earbuds", "true wireless earbuds", "bluetooth earbuds",
                "écouteurs sans fil", "écouteurs bluetooth", "écouteurs intra-auriculaires"],
    "earbuds+anc": ["noise cancelling earbuds", "écouteurs à réduction de bruit"],
    "espresso-machines": ["espresso machine", "coffee machine", "machine à café expresso",
                          "machine expresso", "machine à café"],
    "espresso-machines+grinder": ["bean to cup coffee machine", "espresso machine with grinder",
                                  "machine à café à grain", "expresso broyeur"],
    "espresso-machines+capsule": ["capsule coffee machine", "machine à capsules"],
    "smartphones": ["smartphone", "mobile phone", "téléphone portable", "smartphone débloqué"],
    "laptops": ["laptop", "notebook", "ordinateur portable", "pc portable"],
    "laptops+gaming": ["gaming laptop", "pc portable gamer"],
    "robot-vacuums": ["robot vacuum", "robot vacuum cleaner", "aspirateur robot", "robot aspirateur"],
    "robot-vacuums+mop": ["robot vacuum and mop", "aspirateur robot laveur"],
    "robot-vacuums+dock": ["self-emptying robot vacuum", "aspirateur robot avec station de vidange"],
    "smartwatches": ["smartwatch", "smart watch", "montre connectée", "montre intelligente"],
    "smartwatches+gps": ["gps running watch", "montre gps", "montre de running"],
}

# Aspects a product does not have (used to keep review sentences plausible).
NO_ASPECTS = {
    "noanc": ["anc"],
    "wired": [],
    "capsule": ["milk", "grinder"],
    "nogrinder": ["grinder"],
    "nodock": ["dock"],
    "nomop": ["mop"],
    "noapp": ["app"],
}

PRODUCTS = []


def P(pid, cat, brand, model, title, short, eur, desc, kw=(), mpn=None, flags="", pop=1.0, q=0.0):
    PRODUCTS.append({
        "id": pid, "cat": cat, "brand": brand, "model": model, "title": title, "short": short,
        "eur": eur, "desc": desc, "kw": list(kw), "mpn": mpn,
        "flags": [f for f in flags.split() if f], "pop": pop, "q": q,
    })


# --- headphones (wireless) ---
P("sony-wh-1000xm5", "headphones", "Sony", "WH-1000XM5",
  "Sony WH-1000XM5 Wireless Noise Cancelling Headphones - Black", "WH-1000XM5", 329,
  "Over-ear Bluetooth headphones with Sony's adaptive noise cancelling, eight microphones and up to 30 hours of battery life. Lightweight design with soft-fit leather ear pads.",
  ["sony wh-1000xm5", "wh-1000xm5", "sony xm5", "casque sony"], "WH1000XM5B.CE7", "anc overear", 2.2, 0.3)
P("sony-wh-1000xm4", "headphones", "Sony", "WH-1000XM4",
  "Sony WH-1000XM4 Wireless Noise Cancelling Over-Ear Headphones, Black", "WH-1000XM4", 229,
  "Previous-generation Sony flagship with industry-leading noise cancelling, Speak-to-Chat and a 30-hour battery. Folds into a compact carry case.",
  ["sony wh-1000xm4", "wh-1000xm4", "sony xm4"], "WH1000XM4B.CE7", "anc overear", 1.5, 0.2)
P("sony-wh-ch720n", "headphones", "Sony", "WH-CH720N",
  "Sony WH-CH720N Wireless Noise Cancelling Headphones - Black", "WH-CH720N", 99,
  "Lightweight everyday Bluetooth headphones with noise cancelling and up to 35 hours of playback.",
  ["sony wh-ch720n", "wh-ch720n"], "WHCH720NB.CE7", "anc overear", 1.0, 0.0)
P("bose-quietcomfort-ultra-headphones", "headphones", "Bose", "QuietComfort Ultra Headphones",
  "Bose QuietComfort Ultra Wireless Noise Cancelling Headphones with Spatial Audio, Black", "QC Ultra", 429,
  "Bose's flagship over-ear headphones with CustomTune noise cancelling and Immersive Audio. Up to 24 hours of battery life.",
  ["bose quietcomfort ultra", "bose qc ultra headphones", "casque bose"], "880066-0100", "anc overear", 1.8, 0.2)
P("bose-quietcomfort-45", "headphones", "Bose", "QuietComfort 45",
  "Bose QuietComfort 45 Bluetooth Wireless Noise Cancelling Headphones - Triple Black", "QC45", 229,
  "Comfortable over-ear headphones with Quiet and Aware modes and up to 24 hours of battery life.",
  ["bose quietcomfort 45", "bose qc45", "qc45"], "866724-0100", "anc overear", 1.2, 0.1)
P("sennheiser-momentum-4-wireless", "headphones", "Sennheiser", "MOMENTUM 4 Wireless",
  "Sennheiser MOMENTUM 4 Wireless Headphones with Adaptive Noise Cancellation, Black", "Momentum 4", 279,
  "Audiophile-tuned wireless headphones with adaptive noise cancellation and an exceptional 60-hour battery life.",
  ["sennheiser momentum 4", "momentum 4 wireless", "casque sennheiser"], "509266", "anc overear", 1.5, 0.2)
P("sennheiser-accentum-wireless", "headphones", "Sennheiser", "ACCENTUM Wireless",
  "Sennheiser ACCENTUM Wireless Bluetooth Headphones with Hybrid ANC - White", "Accentum", 139,
  "Hybrid noise cancelling and up to 50 hours of battery in a lightweight over-ear design.",
  ["sennheiser accentum", "accentum wireless"], None, "anc overear", 0.8, 0.0)
P("apple-airpods-max-usb-c", "headphones", "Apple", "A2096",
  "Apple AirPods Max Wireless Over-Ear Headphones (USB-C) - Midnight", "AirPods Max", 549,
  "Apple's over-ear headphones with computational audio, Active Noise Cancellation and Personalised Spatial Audio. Aluminium ear cups and a knit-mesh canopy.",
  ["airpods max", "apple airpods max", "casque apple"], "MWW43ZM/A", "anc overear", 1.4, -0.1)
P("beats-studio-pro", "headphones", "Beats", "Studio Pro",
  "Beats Studio Pro Wireless Bluetooth Noise Cancelling Headphones - Black", "Studio Pro", 279,
  "Over-ear headphones with fully adaptive noise cancelling, lossless audio over USB-C and up to 40 hours of battery.",
  ["beats studio pro", "casque beats"], "MQTP3", "anc overear", 1.0, -0.2)
P("jbl-tune-770nc", "headphones", "JBL", "Tune 770NC",
  "JBL Tune 770NC Wireless Over-Ear Headphones with Adaptive Noise Cancelling, Black", "Tune 770NC", 89,
  "Affordable over-ear headphones with JBL Pure Bass sound, adaptive noise cancelling and up to 70 hours of battery life.",
  ["jbl tune 770nc", "casque jbl"], "JBLT770NCBLK", "anc overear", 1.0, 0.0)
P("jbl-tune-520bt", "headphones", "JBL", "Tune 520BT",
  "JBL Tune 520BT Wireless On-Ear Headphones - Black", "Tune 520BT", 45,
  "Lightweight on-ear Bluetooth headphones with JBL Pure Bass sound and up to 57 hours of playback.",
  ["jbl tune 520bt", "casque jbl pas cher"], "JBLT520BTBLKEU", "onear noanc", 1.2, -0.3)
P("marshall-major-v", "headphones", "Marshall", "Major V",
  "Marshall Major V Wireless On-Ear Bluetooth Headphones - Black", "Major V", 139,
  "Iconic on-ear design with over 100 hours of wireless playtime, a customisable M-button and wireless charging.",
  ["marshall major v", "marshall major 5", "casque marshall"], None, "onear noanc", 1.0, 0.1)
P("audio-technica-ath-m50xbt2", "headphones", "Audio-Technica", "ATH-M50xBT2",
  "Audio-Technica ATH-M50xBT2 Wireless Over-Ear Headphones, Black", "M50xBT2", 179,
  "The studio-favourite M50x sound in a Bluetooth version, with LDAC support and up to 50 hours of battery.",
  ["ath-m50xbt2", "audio technica m50x bluetooth"], "ATH-M50XBT2", "overear noanc", 0.8, 0.1)
P("soundcore-space-one", "headphones", "Soundcore", "A3035",
  "Soundcore by Anker Space One Wireless Noise Cancelling Headphones - Jet Black", "Space One", 89,
  "Budget-friendly adaptive ANC headphones with LDAC, 40 hours of playback and a comfortable, lightweight build.",
  ["soundcore space one", "anker space one"], "A3035011", "anc overear", 1.0, 0.0)
P("bang-olufsen-beoplay-h95", "headphones", "Bang & Olufsen", "Beoplay H95",
  "Bang & Olufsen Beoplay H95 Premium Wireless Noise Cancelling Headphones - Black", "H95", 849,
  "Luxury over-ear headphones with aluminium and lambskin construction, adaptive ANC and up to 38 hours of battery.",
  ["beoplay h95", "bang olufsen h95"], None, "anc overear", 0.7, 0.0)
P("shure-aonic-50-gen-2", "headphones", "Shure", "AONIC 50 Gen 2",
  "Shure AONIC 50 Gen 2 Wireless Noise Cancelling Headphones, Black", "AONIC 50", 299,
  "Studio-grade wireless headphones with adjustable noise cancellation, a spatializer and up to 45 hours of battery.",
  ["shure aonic 50", "aonic 50 gen 2"], "SBH50G2-BK", "anc overear", 0.7, 0.1)
# --- headphones (wired: titles/keywords deliberately never say "wireless") ---
P("sennheiser-hd-600", "headphones", "Sennheiser", "HD 600",
  "Sennheiser HD 600 Open-Back Audiophile Reference Headphones", "HD 600", 299,
  "Legendary open-back reference headphones for critical listening and mixing, with a detachable cable. 300 ohm impedance.",
  ["sennheiser hd 600", "hd600", "open-back headphones", "casque ouvert"], "508824", "wired", 1.0, 0.3)
P("audio-technica-ath-m50x", "headphones", "Audio-Technica", "ATH-M50x",
  "Audio-Technica ATH-M50x Professional Studio Monitor Headphones - Black", "M50x", 139,
  "Closed-back studio monitor headphones with 45 mm drivers, swivelling ear cups and three detachable cables.",
  ["ath-m50x", "audio technica m50x"], "ATH-M50X", "wired", 1.0, 0.2)
P("beyerdynamic-dt-770-pro-80", "headphones", "beyerdynamic", "DT 770 PRO 80 Ohm",
  "beyerdynamic DT 770 PRO 80 Ohm Closed-Back Studio Headphones", "DT 770 PRO", 129,
  "Closed-back studio headphones made in Germany, with soft velour ear pads and a rugged spring-steel headband.",
  ["beyerdynamic dt 770 pro", "dt770"], "459038", "wired", 0.9, 0.2)
P("sony-mdr-7506", "headphones", "Sony", "MDR-7506",
  "Sony MDR-7506 Professional Large Diaphragm Studio Headphones", "MDR-7506", 95,
  "A broadcast and studio classic with a closed-back design, coiled cable and folding construction.",
  ["sony mdr-7506", "mdr7506"], "MDR7506", "wired", 0.8, 0.1)

# --- earbuds ---
P("apple-airpods-pro-2-usb-c", "earbuds", "Apple", "A3047",
  "Apple AirPods Pro (2nd Generation) Wireless Earbuds with MagSafe Charging Case (USB-C)", "AirPods Pro 2", 249,
  "Active Noise Cancellation, Adaptive Audio and Personalised Spatial Audio in Apple's in-ear design. The USB-C MagSafe case adds Find My and a built-in speaker.",
  ["airpods pro 2", "airpods pro", "apple airpods pro 2", "écouteurs apple"], "MTJV3ZM/A", "anc", 2.2, 0.2)
P("apple-airpods-4-anc", "earbuds", "Apple", "A3056",
  "Apple AirPods 4 Wireless Earbuds with Active Noise Cancellation, USB-C Charging Case", "AirPods 4", 189,
  "Open-fit AirPods with Active Noise Cancellation, Transparency mode and a smaller USB-C case that supports wireless charging.",
  ["airpods 4", "airpods 4 anc", "apple airpods 4"], "MXP93ZM/A", "anc", 1.4, 0.0)
P("sony-wf-1000xm5", "earbuds", "Sony", "WF-1000XM5",
  "Sony WF-1000XM5 Truly Wireless Noise Cancelling Earbuds - Black", "WF-1000XM5", 249,
  "Sony's smallest flagship earbuds with industry-leading noise cancelling, LDAC and up to 24 hours with the case.",
  ["sony wf-1000xm5", "wf-1000xm5", "écouteurs sony"], "WF1000XM5B.CE7", "anc", 1.6, 0.2)
P("samsung-galaxy-buds3-pro", "earbuds", "Samsung", "SM-R630",
  "Samsung Galaxy Buds3 Pro Wireless Earbuds with Intelligent ANC - Silver", "Galaxy Buds3 Pro", 219,
  "Blade-design earbuds with adaptive noise control, 24-bit Hi-Fi audio on Galaxy phones and real-time interpreter features.",
  ["galaxy buds3 pro", "galaxy buds 3 pro", "samsung buds"], "SM-R630NZAAEUB", "anc", 1.2, 0.0)
P("google-pixel-buds-pro-2", "earbuds", "Google", "GA05761",
  "Google Pixel Buds Pro 2 Wireless Earbuds with Active Noise Cancellation - Porcelain", "Pixel Buds Pro 2", 229,
  "Small, comfortable earbuds powered by Google's Tensor A1 chip, with Silent Seal ANC and up to 30 hours with the case.",
  ["pixel buds pro 2", "google pixel buds"], None, "anc", 1.0, 0.1)
P("bose-quietcomfort-ultra-earbuds", "earbuds", "Bose", "QuietComfort Ultra Earbuds",
  "Bose QuietComfort Ultra Wireless Noise Cancelling Earbuds, Black", "QC Ultra Earbuds", 279,
  "Bose's strongest noise cancelling in an earbud, with Immersive Audio and CustomTune calibration.",
  ["bose qc ultra earbuds", "bose quietcomfort ultra earbuds", "écouteurs bose"], "882826-0010", "anc", 1.3, 0.1)
P("jabra-elite-8-active-gen-2", "earbuds", "Jabra", "Elite 8 Active Gen 2",
  "Jabra Elite 8 Active (Gen 2) True Wireless Sports Earbuds - Black", "Elite 8 Active", 199,
  "Military-grade durable sports earbuds with ShakeGrip fit, adaptive ANC and IP68 water and dust resistance.",
  ["jabra elite 8 active", "sport earbuds", "écouteurs sport"], None, "anc", 0.9, 0.0)
P("nothing-ear-a", "earbuds", "Nothing", "B162",
  "Nothing Ear (a) Wireless Earbuds with ANC - Yellow", "Ear (a)", 89,
  "Transparent-design earbuds with up to 45 dB active noise cancellation and 42 hours of playback with the case.",
  ["nothing ear a", "nothing ear (a)"], None, "anc", 1.1, 0.0)
P("sennheiser-momentum-true-wireless-4", "earbuds", "Sennheiser", "MOMENTUM True Wireless 4",
  "Sennheiser MOMENTUM True Wireless 4 Earbuds with Adaptive ANC - Black Graphite", "MTW4", 269,
  "Hi-fi earbuds with Snapdragon Sound, aptX Lossless and adaptive noise cancellation.",
  ["momentum true wireless 4", "sennheiser mtw4"], "700365", "anc", 0.8, 0.1)
P("beats-fit-pro", "earbuds", "Beats", "Fit Pro",
  "Beats Fit Pro True Wireless Noise Cancelling Earbuds - Beats Black", "Fit Pro", 179,
  "Secure-fit wingtip earbuds for workouts with Active Noise Cancelling and the Apple H1 chip.",
  ["beats fit pro", "écouteurs beats"], "MK2F3", "anc", 1.0, 0.0)
P("soundcore-liberty-4-nc", "earbuds", "Soundcore", "A3947",
  "Soundcore by Anker Liberty 4 NC Wireless Noise Cancelling Earbuds - Black", "Liberty 4 NC", 79,
  "Adaptive noise cancelling on a budget with 50 hours of total playtime and LDAC support.",
  ["soundcore liberty 4 nc", "anker liberty 4 nc"], "A3947011", "anc", 1.2, -0.1)
P("jbl-live-beam-3", "earbuds", "JBL", "Live Beam 3",
  "JBL Live Beam 3 True Wireless Noise Cancelling Earbuds with Smart Charging Case", "Live Beam 3", 169,
  "Stick-style earbuds with a touchscreen charging case, adaptive ANC and up to 48 hours of battery.",
  ["jbl live beam 3", "écouteurs jbl"], "JBLLIVEBEAM3BLK", "anc", 0.8, -0.1)

# --- espresso machines ---
P("delonghi-dedica-ec685m", "espresso-machines", "De'Longhi", "EC685.M",
  "De'Longhi Dedica Style EC685.M Pump Espresso Machine - Metal", "Dedica", 169,
  "Slim 15 cm wide pump espresso machine with a manual milk frother and Thermoblock heating that is ready in 40 seconds.",
  ["delonghi dedica", "dedica ec685", "de'longhi ec685.m"], "0132106140", "nogrinder", 1.8, 0.1)
P("delonghi-dedica-arte-ec885gy", "espresso-machines", "De'Longhi", "EC885.GY",
  "De'Longhi Dedica Arte EC885.GY Espresso Machine with Professional Steam Wand - Grey", "Dedica Arte", 229,
  "The compact Dedica with a barista-style steam wand for latte art and three filter baskets.",
  ["delonghi dedica arte", "ec885"], None, "nogrinder", 1.0, 0.1)
P("delonghi-magnifica-s-ecam22110b", "espresso-machines", "De'Longhi", "ECAM22.110.B",
  "De'Longhi Magnifica S ECAM 22.110.B Bean to Cup Coffee Machine - Black", "Magnifica S", 299,
  "Fully automatic bean-to-cup machine with an integrated burr grinder, adjustable strength and a manual milk frother.",
  ["delonghi magnifica s", "ecam 22.110.b", "machine à grain delonghi"], "0132213014", "grinder", 1.5, 0.1)
P("delonghi-la-specialista-arte-ec9155mb", "espresso-machines", "De'Longhi", "EC9155.MB",
  "De'Longhi La Specialista Arte EC9155.MB Espresso Machine with Grinder - Metal/Black", "La Specialista Arte", 499,
  "Manual espresso machine with a built-in conical burr grinder, tamping station and My LatteArt steam wand.",
  ["la specialista arte", "ec9155"], None, "grinder", 0.9, 0.1)
P("breville-barista-express-bes870", "espresso-machines", "Breville", "BES870XL",
  "Breville Barista Express BES870XL Espresso Machine with Integrated Grinder - Brushed Stainless Steel", "Barista Express", 599,
  "All-in-one espresso machine with an integrated conical burr grinder, digital temperature control and a powerful steam wand.",
  ["breville barista express", "bes870", "bes870xl"], "BES870XL", "grinder", 1.6, 0.2)
P("breville-bambino-plus-bes500", "espresso-machines", "Breville", "BES500BSS",
  "Breville Bambino Plus BES500BSS Espresso Machine with Automatic Milk Frothing", "Bambino Plus", 399,
  "Compact espresso machine with a 3-second heat-up and automatic hands-free microfoam milk texturing.",
  ["breville bambino plus", "bes500"], "BES500BSS", "nogrinder", 1.0, 0.1)
P("sage-the-bambino-ses450", "espresso-machines", "Sage", "SES450BSS",
  "Sage the Bambino SES450 Espresso Machine - Brushed Stainless Steel", "Bambino", 249,
  "Compact espresso maker with 3-second ThermoJet heat-up and a manual steam wand for café-quality microfoam.",
  ["sage bambino", "ses450"], "SES450BSS4EEU1", "nogrinder", 1.0, 0.1)
P("gaggia-classic-evo-pro", "espresso-machines", "Gaggia", "RI9380/46",
  "Gaggia Classic Evo Pro RI9380/46 Manual Espresso Machine - Stainless Steel", "Classic Evo Pro", 429,
  "Italian-made manual espresso machine with a commercial 58 mm portafilter, solenoid valve and professional steam wand.",
  ["gaggia classic", "gaggia classic evo pro", "ri9380"], "RI9380/46", "nogrinder", 0.9, 0.1)
P("rancilio-silvia-v6", "espresso-machines", "Rancilio", "Silvia V6 E",
  "Rancilio Silvia V6 E Espresso Machine - Stainless Steel", "Silvia", 849,
  "Robust single-boiler espresso machine with a commercial-grade group head and steam wand, built to last for decades.",
  ["rancilio silvia", "silvia v6"], None, "nogrinder", 0.7, 0.1)
P("philips-3200-lattego-ep3246", "espresso-machines", "Philips", "EP3246/70",
  "Philips Series 3200 LatteGo EP3246/70 Fully Automatic Espresso Machine", "LatteGo", 449,
  "Bean-to-cup machine with the two-part LatteGo milk system that rinses clean in 15 seconds, and five coffee drinks at the touch of a button.",
  ["philips lattego", "philips 3200", "ep3246"], "EP3246/70", "grinder", 1.2, 0.0)
P("krups-evidence-one-ea895n", "espresso-machines", "Krups", "EA895N",
  "Krups Evidence One EA895N Bean to Cup Coffee Machine - Metal", "Evidence One", 549,
  "Fully automatic coffee machine with 12 drink recipes, an OLED display and a one-touch cappuccino system.",
  ["krups evidence one", "ea895n"], "EA895N10", "grinder", 0.8, -0.2)
P("jura-e8", "espresso-machines", "Jura", "E8",
  "Jura E8 Automatic Coffee Machine - Piano Black", "E8", 999,
  "Swiss fully automatic coffee machine with the pulse extraction process, an Aroma G3 grinder and a fine-foam milk system.",
  ["jura e8", "machine jura"], None, "grinder", 0.8, 0.2)
P("nespresso-essenza-mini-xn1108", "espresso-machines", "Nespresso", "XN1108",
  "Nespresso Essenza Mini XN1108 Capsule Espresso Machine by Krups - Pure White", "Essenza Mini", 89,
  "Ultra-compact Nespresso Original capsule machine with two programmable cup sizes and a 19-bar pump.",
  ["nespresso essenza mini", "machine nespresso", "xn1108"], "XN1108", "capsule", 1.4, 0.2)

# --- smartphones ---
IPHONE_DESC = "6.1-inch Super Retina XDR display with Dynamic Island, a 48MP main camera, USB-C and the A16 Bionic chip."
P("apple-iphone-15-128gb-black", "smartphones", "Apple", "A3090",
  "Apple iPhone 15 128GB - Black", "iPhone 15", 769, IPHONE_DESC,
  ["iphone 15", "iphone 15 128gb", "apple iphone 15", "iphone 15 black", "iphone 15 noir"], "MTP03ZD/A", "", 2.0, 0.2)
P("apple-iphone-15-128gb-blue", "smartphones", "Apple", "A3090",
  "Apple iPhone 15 (128 GB) - Blue", "iPhone 15", 769, IPHONE_DESC,
  ["iphone 15", "iphone 15 128gb", "apple iphone 15", "iphone 15 blue", "iphone 15 bleu"], "MTP43ZD/A", "", 1.3, 0.2)
P("apple-iphone-15-256gb-black", "smartphones", "Apple", "A3090",
  "Apple iPhone 15 256GB Black", "iPhone 15", 889, IPHONE_DESC,
  ["iphone 15", "iphone 15 256gb", "apple iphone 15 256 go", "iphone 15 noir"], "MTP63ZD/A", "", 1.2, 0.2)
P("apple-iphone-15-256gb-pink", "smartphones", "Apple", "A3090",
  "Apple iPhone 15 256 GB Pink - Unlocked", "iPhone 15", 889, IPHONE_DESC,
  ["iphone 15", "iphone 15 256gb", "iphone 15 pink", "iphone 15 rose"], "MTP73ZD/A", "", 1.0, 0.2)
P("apple-iphone-15-pro-128gb-natural-titanium", "smartphones", "Apple", "A3102",
  "Apple iPhone 15 Pro 128GB - Natural Titanium", "iPhone 15 Pro", 999,
  "Titanium design, the A17 Pro chip, a 48MP main camera with 3x telephoto and the customisable Action button.",
  ["iphone 15 pro", "iphone 15 pro 128gb", "apple iphone 15 pro"], "MTUX3ZD/A", "", 1.5, 0.2)
P("google-pixel-8-128gb-obsidian", "smartphones", "Google", "GKWS6",
  "Google Pixel 8 128GB Obsidian - Unlocked Android Smartphone", "Pixel 8", 549,
  "Google Tensor G3, a 6.2-inch Actua display and a 50MP camera with Magic Editor. Seven years of OS updates.",
  ["pixel 8", "google pixel 8", "pixel 8 128gb"], "GA04803-GB", "", 1.2, 0.0)
P("google-pixel-8a-128gb", "smartphones", "Google", "G6GPR",
  "Google Pixel 8a 5G 128GB Bay", "Pixel 8a", 429,
  "Mid-range Pixel with Tensor G3, a 120Hz display and Google's AI camera features at a lower price.",
  ["pixel 8a", "google pixel 8a"], None, "", 1.1, 0.1)
P("google-pixel-9-128gb-obsidian", "smartphones", "Google", "GUR25",
  "Google Pixel 9 128GB Obsidian Smartphone", "Pixel 9", 799,
  "Tensor G4, a 6.3-inch Actua display and a 50MP main plus 48MP ultrawide camera with Add Me and Best Take.",
  ["pixel 9", "google pixel 9", "pixel 9 128gb"], None, "", 1.2, 0.1)
P("samsung-galaxy-s24-128gb", "smartphones", "Samsung", "SM-S921B",
  "Samsung Galaxy S24 5G 128GB Onyx Black (SM-S921B)", "Galaxy S24", 699,
  "Compact 6.2-inch flagship with Galaxy AI features, a 50MP triple camera and seven years of updates.",
  ["galaxy s24", "samsung galaxy s24", "galaxy s24 128gb"], "SM-S921BZKDEUB", "", 1.4, 0.1)
P("samsung-galaxy-s24-ultra-256gb", "smartphones", "Samsung", "SM-S928B",
  "Samsung Galaxy S24 Ultra 256GB Titanium Gray with S Pen", "Galaxy S24 Ultra", 1149,
  "Titanium-framed flagship with a built-in S Pen, a 200MP camera and a 6.8-inch anti-reflective display.",
  ["galaxy s24 ultra", "samsung s24 ultra", "s24 ultra 256gb"], "SM-S928BZTEEUB", "", 1.3, 0.2)
P("samsung-galaxy-a55-5g-128gb", "smartphones", "Samsung", "SM-A556B",
  "Samsung Galaxy A55 5G 128GB Awesome Navy Dual SIM", "Galaxy A55", 379,
  "Mid-range Galaxy with a metal frame, a 120Hz Super AMOLED display and IP67 water resistance.",
  ["galaxy a55", "samsung a55", "galaxy a55 5g"], "SM-A556BZKAEUB", "", 1.2, 0.0)
P("oneplus-12-256gb", "smartphones", "OnePlus", "CPH2581",
  "OnePlus 12 5G 12GB RAM 256GB Flowy Emerald", "OnePlus 12", 749,
  "Snapdragon 8 Gen 3, a bright 2K 120Hz display, a Hasselblad-tuned camera and 80W fast charging.",
  ["oneplus 12", "one plus 12"], None, "", 0.9, 0.1)
P("fairphone-5-256gb", "smartphones", "Fairphone", "FP5",
  "Fairphone 5 5G 256GB Matte Black - Modular, Repairable", "Fairphone 5", 599,
  "Repairable, modular smartphone made with fairer materials, with a promise of long-term software support.",
  ["fairphone 5", "fairphone", "téléphone réparable"], None, "", 0.9, -0.2)
P("nothing-phone-2a-128gb", "smartphones", "Nothing", "A142",
  "Nothing Phone (2a) 8GB/128GB Black", "Phone (2a)", 329,
  "Distinctive transparent design with Glyph lights, a 6.7-inch AMOLED display and a 50MP dual camera.",
  ["nothing phone 2a", "nothing phone (2a)"], None, "", 1.0, 0.0)

# --- laptops ---
P("apple-macbook-air-13-m3", "laptops", "Apple", "A3113",
  "Apple MacBook Air 13-inch M3 chip 8GB RAM 256GB SSD - Midnight", "MacBook Air", 1149,
  "Fanless 13.6-inch laptop with the Apple M3 chip, a Liquid Retina display and up to 18 hours of battery life.",
  ["macbook air", "macbook air m3", "macbook air 13"], "MRXN3FN/A", "", 1.8, 0.2)
P("apple-macbook-pro-14-m3", "laptops", "Apple", "A2918",
  "Apple MacBook Pro 14\" M3 8-Core CPU 10-Core GPU 8GB 512GB SSD - Space Grey", "MacBook Pro", 1799,
  "14.2-inch Liquid Retina XDR display, the M3 chip and up to 22 hours of battery in an aluminium unibody.",
  ["macbook pro", "macbook pro 14", "macbook pro m3"], "MTL73FN/A", "", 1.2, 0.2)
P("dell-xps-13-9340", "laptops", "Dell", "XPS 13 9340",
  "Dell XPS 13 9340 13.4\" FHD+ Laptop, Intel Core Ultra 7 155H, 16GB, 512GB SSD", "XPS 13", 1349,
  "Ultra-thin 13.4-inch laptop with an Intel Core Ultra processor, a zero-lattice keyboard and a seamless glass touchpad.",
  ["dell xps 13", "xps 13 9340"], None, "", 1.1, 0.0)
P("lenovo-thinkpad-x1-carbon-gen-12", "laptops", "Lenovo", "21KC",
  "Lenovo ThinkPad X1 Carbon Gen 12 14\" Intel Core Ultra 7 32GB 1TB", "X1 Carbon", 1899,
  "Business ultrabook weighing just over a kilogram, with Intel Core Ultra, a 2.8K OLED option and the ThinkPad keyboard.",
  ["thinkpad x1 carbon", "x1 carbon gen 12", "lenovo thinkpad"], "21KC0053FR", "", 0.9, 0.2)
P("lenovo-ideapad-slim-5-14", "laptops", "Lenovo", "83DA",
  "Lenovo IdeaPad Slim 5 14IMH9 14\" WUXGA OLED, Core Ultra 5 125H, 16GB, 512GB", "IdeaPad Slim 5", 749,
  "Slim everyday laptop with a 14-inch OLED screen, Intel Core Ultra 5 and an aluminium lid.",
  ["ideapad slim 5", "lenovo ideapad"], None, "", 1.1, 0.0)
P("hp-envy-x360-14", "laptops", "HP", "14-fc0000",
  "HP ENVY x360 14-fc0000 2-in-1 Touch Laptop, Intel Core Ultra 5, 16GB RAM, 512GB SSD", "ENVY x360", 949,
  "Convertible 14-inch 2-in-1 with a 2.8K OLED touchscreen, pen support and a 5MP webcam.",
  ["hp envy x360", "2 in 1 laptop", "pc portable 2 en 1"], None, "", 0.9, -0.1)
P("asus-zenbook-14-oled-ux3405ma", "laptops", "ASUS", "UX3405MA",
  "ASUS Zenbook 14 OLED UX3405MA 14\" 3K 120Hz, Intel Core Ultra 7, 16GB, 1TB SSD", "Zenbook 14", 1049,
  "Lightweight 1.2 kg laptop with a 3K 120Hz OLED display and an Intel Core Ultra processor.",
  ["asus zenbook 14", "zenbook 14 oled", "ux3405ma"], "90NB11R1-M00ZJ0", "", 1.0, 0.1)
P("asus-rog-zephyrus-g14-ga403uv", "laptops", "ASUS", "GA403UV",
  "ASUS ROG Zephyrus G14 (2024) GA403UV Gaming Laptop, Ryzen 9 8945HS, RTX 4060, 16GB, 1TB", "Zephyrus G14", 1799,
  "Compact 14-inch gaming laptop with a 3K 120Hz OLED display, AMD Ryzen 9 and an NVIDIA GeForce RTX 4060.",
  ["zephyrus g14", "rog zephyrus", "asus rog"], None, "gaming", 0.9, 0.0)
P("acer-swift-go-14-sfg14-72", "laptops", "Acer", "SFG14-72",
  "Acer Swift Go 14 SFG14-72 OLED Laptop, Intel Core Ultra 7 155H, 16GB, 1TB SSD", "Swift Go 14", 899,
  "Thin and light 14-inch OLED laptop with Intel Core Ultra and a generous selection of ports.",
  ["acer swift go 14", "swift go"], "NX.KP0EF.001", "", 0.8, 0.0)
P("microsoft-surface-laptop-7-13", "laptops", "Microsoft", "2036",
  "Microsoft Surface Laptop, 7th Edition 13.8\" Copilot+ PC, Snapdragon X Plus, 16GB, 512GB - Platinum", "Surface Laptop", 1249,
  "Copilot+ PC with a Snapdragon X processor, a 13.8-inch PixelSense touchscreen and all-day battery life.",
  ["surface laptop 7", "microsoft surface laptop", "copilot+ pc"], "ZGJ-00007", "", 0.9, 0.0)
P("framework-laptop-13-amd", "laptops", "Framework", "Laptop 13 (AMD Ryzen 7040 Series)",
  "Framework Laptop 13 DIY Edition, AMD Ryzen 7 7840U, 13.5\" 2256x1504", "Framework", 1099,
  "Modular, repairable 13.5-inch laptop with swappable expansion cards and a fully replaceable mainboard.",
  ["framework laptop", "framework 13", "ordinateur réparable"], None, "", 0.7, 0.0)
P("acer-aspire-5-a515-58m", "laptops", "Acer", "A515-58M",
  "Acer Aspire 5 A515-58M 15.6\" Full HD, Intel Core i5-1335U, 16GB, 512GB SSD", "Aspire 5", 549,
  "Budget-friendly 15.6-inch laptop for study and office work, with a full-size keyboard and numeric pad.",
  ["acer aspire 5", "cheap laptop", "pc portable pas cher"], "NX.KHGEF.00A", "", 1.2, -0.3)

# --- robot vacuums ---
P("irobot-roomba-j7-plus", "robot-vacuums", "iRobot", "j7558",
  "iRobot Roomba j7+ (7558) Self-Emptying Robot Vacuum with Obstacle Avoidance", "Roomba j7+", 549,
  "Wi-Fi robot vacuum that recognises and avoids socks, cables and pet waste, with a Clean Base that empties itself for up to 60 days.",
  ["roomba j7+", "irobot roomba j7", "roomba"], "j755840", "nomop", 1.5, 0.1)
P("irobot-roomba-combo-j9-plus", "robot-vacuums", "iRobot", "c9758",
  "iRobot Roomba Combo j9+ 2-in-1 Robot Vacuum & Mop with Auto-Fill Dock", "Roomba Combo j9+", 999,
  "Vacuum and mop in one robot with a retractable mop pad, smart mapping and a dock that empties the bin and refills the mop tank.",
  ["roomba combo j9+", "irobot j9+", "roomba"], "c975840", "", 0.9, 0.0)
P("irobot-roomba-i3-plus", "robot-vacuums", "iRobot", "i3552",
  "iRobot Roomba i3+ EVO Self-Emptying Robot Vacuum", "Roomba i3+", 349,
  "Entry-level self-emptying Roomba with row-by-row navigation and smart mapping.",
  ["roomba i3+", "irobot i3", "roomba"], None, "nomop", 1.2, 0.0)
P("roborock-s8-pro-ultra", "robot-vacuums", "Roborock", "S8 Pro Ultra",
  "Roborock S8 Pro Ultra Robot Vacuum and Mop with RockDock Ultra, 6000Pa", "S8 Pro Ultra", 1099,
  "Flagship robot vacuum and sonic mop with 6000 Pa suction, a lifting brush and an all-in-one dock that washes and dries the mop.",
  ["roborock s8 pro ultra", "roborock s8", "aspirateur roborock"], "S8PU52-00", "", 1.2, 0.2)
P("roborock-q7-max-plus", "robot-vacuums", "Roborock", "Q7 Max+",
  "Roborock Q7 Max+ Robot Vacuum and Mop with Auto-Empty Dock", "Q7 Max+", 449,
  "LiDAR-navigating robot vacuum with 4200 Pa suction, mopping and an auto-empty dock.",
  ["roborock q7 max+", "roborock q7"], None, "", 1.1, 0.0)
P("roborock-qrevo-s", "robot-vacuums", "Roborock", "Qrevo S",
  "Roborock Qrevo S Robot Vacuum with Rotating Mops and Multifunctional Dock", "Qrevo S", 649,
  "Dual spinning mops that lift on carpets, 7000 Pa suction and a dock that washes and dries the mops.",
  ["roborock qrevo s", "roborock qrevo"], None, "", 0.9, 0.1)
P("ecovacs-deebot-t30-omni", "robot-vacuums", "ECOVACS", "DEEBOT T30 OMNI",
  "ECOVACS DEEBOT T30 OMNI Robot Vacuum and Mop, 11000Pa, Hot Water Mop Washing", "T30 Omni", 749,
  "Robot vacuum and mop with an extending TruEdge mop, 11000 Pa suction and an all-in-one OMNI station.",
  ["deebot t30 omni", "ecovacs t30", "ecovacs deebot"], None, "", 1.0, 0.0)
P("ecovacs-deebot-n10-plus", "robot-vacuums", "ECOVACS", "DEEBOT N10 PLUS",
  "ECOVACS DEEBOT N10 PLUS Robot Vacuum with Auto-Empty Station", "N10 Plus", 329,
  "Affordable LiDAR robot vacuum with 4300 Pa suction, a mopping plate and an auto-empty station.",
  ["deebot n10 plus", "ecovacs n10"], None, "", 1.0, -0.4)
P("dreame-l10s-ultra", "robot-vacuums", "Dreame", "L10s Ultra",
  "Dreame L10s Ultra Robot Vacuum and Mop, 5300Pa, Self-Emptying & Self-Cleaning", "L10s Ultra", 599,
  "All-in-one robot with rotating mops, AI obstacle recognition and a base station that empties, washes and refills automatically.",
  ["dreame l10s ultra", "dreame robot"], None, "", 1.0, 0.1)
P("eufy-robovac-11s", "robot-vacuums", "eufy", "T2108",
  "eufy RoboVac 11S Slim Robot Vacuum Cleaner, 1300Pa, Super Quiet", "RoboVac 11S", 139,
  "Ultra-slim 7.2 cm robot vacuum that fits under most furniture, with BoostIQ and up to 100 minutes of runtime.",
  ["eufy robovac 11s", "robovac", "aspirateur robot pas cher", "cheap robot vacuum"], "T2108011", "noapp nodock nomop", 1.3, -0.3)
P("shark-ai-ultra-rv2502ae", "robot-vacuums", "Shark", "RV2502AE",
  "Shark AI Ultra Robot Vacuum with Self-Empty Base RV2502AE", "Shark AI Ultra", 449,
  "LiDAR-mapping robot vacuum with a bagless self-empty base that holds up to 60 days of debris.",
  ["shark ai ultra", "shark robot vacuum"], "RV2502AEUK", "nomop", 1.0, -0.3)

# --- smartwatches ---
P("apple-watch-series-9-gps-45mm", "smartwatches", "Apple", "A2980",
  "Apple Watch Series 9 GPS 45mm Midnight Aluminium Case with Sport Band", "Watch Series 9", 429,
  "Brighter always-on Retina display, the S9 chip with the double-tap gesture, and advanced health and fitness tracking.",
  ["apple watch series 9", "apple watch", "apple watch 45mm"], "MR9A3QF/A", "", 1.5, 0.1)
P("apple-watch-se-2-gps-40mm", "smartwatches", "Apple", "A2722",
  "Apple Watch SE (2nd Gen) GPS 40mm Starlight Aluminium Case", "Watch SE", 249,
  "Affordable Apple Watch with crash detection, heart rate notifications and fitness tracking.",
  ["apple watch se", "apple watch", "apple watch pas chère"], "MR9U3QF/A", "", 1.2, 0.1)
P("apple-watch-ultra-2", "smartwatches", "Apple", "A2986",
  "Apple Watch Ultra 2 GPS + Cellular 49mm Titanium Case with Trail Loop", "Watch Ultra 2", 849,
  "Rugged 49 mm titanium smartwatch with precision dual-frequency GPS, a 3000-nit display and up to 36 hours of battery.",
  ["apple watch ultra 2", "apple watch ultra"], None, "gps", 1.0, 0.2)
P("samsung-galaxy-watch6-44mm", "smartwatches", "Samsung", "SM-R940",
  "Samsung Galaxy Watch6 44mm Bluetooth Graphite", "Galaxy Watch6", 219,
  "Slimmer bezels, a larger sapphire crystal display and advanced sleep coaching on Wear OS.",
  ["galaxy watch6", "galaxy watch 6", "samsung watch"], "SM-R940NZKAEUB", "", 1.1, 0.0)
P("samsung-galaxy-watch7-44mm", "smartwatches", "Samsung", "SM-L310",
  "Samsung Galaxy Watch7 44mm Bluetooth Green (SM-L310)", "Galaxy Watch7", 299,
  "Galaxy AI health insights, dual-frequency GPS and the BioActive sensor in a lightweight aluminium case.",
  ["galaxy watch7", "galaxy watch 7", "samsung watch"], "SM-L310NZGAEUB", "", 1.0, 0.0)
P("samsung-galaxy-watch-ultra", "smartwatches", "Samsung", "SM-L705F",
  "Samsung Galaxy Watch Ultra 47mm LTE Titanium Gray", "Galaxy Watch Ultra", 599,
  "Rugged titanium Galaxy Watch with up to 100 hours of battery in power-saving mode and 10 ATM water resistance.",
  ["galaxy watch ultra", "samsung watch ultra"], None, "gps", 0.8, 0.0)
P("google-pixel-watch-2", "smartwatches", "Google", "GC3G8",
  "Google Pixel Watch 2 Wi-Fi Polished Silver Aluminium Case / Porcelain Active Band", "Pixel Watch 2", 299,
  "Fitbit health tracking with a more accurate heart rate sensor, 24-hour battery and Wear OS 4.",
  ["pixel watch 2", "google pixel watch"], None, "", 0.9, -0.1)
P("garmin-forerunner-265", "smartwatches", "Garmin", "Forerunner 265",
  "Garmin Forerunner 265 GPS Running Smartwatch with AMOLED Display - Black", "Forerunner 265", 399,
  "Running watch with a bright AMOLED display, training readiness, HRV status and up to 13 days of battery.",
  ["garmin forerunner 265", "forerunner 265", "montre garmin"], "010-02810-10", "gps", 1.3, 0.3)
P("garmin-venu-3", "smartwatches", "Garmin", "Venu 3",
  "Garmin Venu 3 GPS Fitness Smartwatch 45mm - Slate/Black", "Venu 3", 429,
  "AMOLED fitness smartwatch with sleep coaching, a built-in speaker for calls and up to 14 days of battery.",
  ["garmin venu 3", "venu 3"], "010-02784-01", "gps", 1.0, 0.2)
P("garmin-fenix-7-pro-solar", "smartwatches", "Garmin", "fēnix 7 Pro Solar",
  "Garmin fēnix 7 Pro Solar Multisport GPS Watch 47mm - Slate Grey", "Fenix 7 Pro", 649,
  "Rugged multisport GPS watch with solar charging, a built-in LED flashlight and topographic maps.",
  ["garmin fenix 7 pro", "fenix 7", "montre outdoor"], "010-02777-01", "gps", 0.9, 0.2)
P("fitbit-versa-4", "smartwatches", "Fitbit", "FB523",
  "Fitbit Versa 4 Fitness Smartwatch with Built-in GPS - Black/Graphite", "Versa 4", 149,
  "Lightweight fitness smartwatch with built-in GPS, 40+ exercise modes and 6+ days of battery life.",
  ["fitbit versa 4", "fitbit"], "FB523BKBK", "", 1.1, -0.2)
P("withings-scanwatch-2-42mm", "smartwatches", "Withings", "HWA10",
  "Withings ScanWatch 2 Hybrid Smartwatch 42mm - Black", "ScanWatch 2", 349,
  "Hybrid analogue smartwatch with ECG, SpO2 and temperature tracking and up to 30 days of battery life.",
  ["withings scanwatch 2", "montre hybride", "hybrid smartwatch"], None, "", 0.8, 0.1)
P("amazfit-gtr-4", "smartwatches", "Amazfit", "A2166",
  "Amazfit GTR 4 Smart Watch with Dual-Band GPS, 1.43\" AMOLED - Superspeed Black", "GTR 4", 149,
  "Classic round smartwatch with dual-band GPS, Alexa built in and up to 14 days of battery.",
  ["amazfit gtr 4", "amazfit"], None, "gps", 1.0, -0.1)

CATEGORY_ORDER = ["headphones", "earbuds", "espresso-machines", "smartphones", "laptops",
                  "robot-vacuums", "smartwatches"]

# GS1 company-prefix-like stems per brand, and whether the brand sometimes
# carries a 12-digit UPC-A instead of an EAN-13. (Numbers are synthetic.)
GTIN_STEMS = {
    "Sony": "4548736", "Bose": "017817", "Sennheiser": "4044155", "Apple": "194253",
    "Beats": "194253", "JBL": "6925281", "Marshall": "7340055", "Audio-Technica": "4961310",
    "Soundcore": "0194644", "Bang & Olufsen": "5705260", "Shure": "0042406",
    "beyerdynamic": "4010118", "Samsung": "8806095", "Google": "840244", "Jabra": "5706991",
    "Nothing": "5056563", "De'Longhi": "8004399", "Breville": "021614", "Sage": "5060506",
    "Gaggia": "8720389", "Rancilio": "8021519", "Philips": "8710103", "Krups": "3016661",
    "Jura": "7610917", "Nespresso": "0010942", "OnePlus": "6921815", "Fairphone": "8718819",
    "Dell": "5397184", "Lenovo": "0196803", "HP": "0196548", "ASUS": "4711387", "Acer": "4711121",
    "Microsoft": "0196388", "Framework": "0860010", "iRobot": "885155", "Roborock": "6970995",
    "ECOVACS": "6943757", "Dreame": "6977568", "eufy": "0194644", "Shark": "0622356",
    "Garmin": "753759", "Fitbit": "0810038", "Withings": "3700546", "Amazfit": "6972596",
}
UPC_BRANDS = ("Bose", "Apple", "Breville", "iRobot", "Garmin", "Google")


def gs1_check_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def make_gtin(rng, brand):
    stem = GTIN_STEMS[brand]
    if brand in UPC_BRANDS and len(stem) == 6 and rng.random() < 0.75:
        length = 12  # UPC-A
    else:
        length = 13
        if len(stem) == 6:
            stem = "0" + stem  # UPC company prefix as EAN-13
    body = stem + "".join(str(rng.randrange(10)) for _ in range(length - 1 - len(stem)))
    return body + gs1_check_digit(body)


def dedupe(seq):
    out = []
    for s in seq:
        if s not in out:
            out.append(s)
    return out


def product_keywords(p):
    cat = p["cat"]
    if cat == "headphones" and "wired" in p["flags"]:
        kws = list(CATEGORY_KEYWORDS["headphones+wired"])
    else:
        kws = list(CATEGORY_KEYWORDS[cat])
    for f in p["flags"]:
        kws += CATEGORY_KEYWORDS.get(cat + "+" + f, [])
    if cat == "espresso-machines" and "grinder" not in p["flags"] and "capsule" not in p["flags"]:
        kws += ["espresso maker", "machine expresso manuelle"]
    if cat == "robot-vacuums":
        if "nomop" not in p["flags"]:
            kws += CATEGORY_KEYWORDS["robot-vacuums+mop"]
        if "nodock" not in p["flags"]:
            kws += CATEGORY_KEYWORDS["robot-vacuums+dock"]
    if cat == "smartphones":
        kws += ["5g smartphone", "smartphone 5g"]
    return dedupe(p["kw"] + kws)


# ---------------------------------------------------------------------------
# Review language pools (hand-written). Clauses carry no final punctuation.
# {int} is an intensifier slot, {short} the product's short name,
# {brand} the brand.
# ---------------------------------------------------------------------------
def A(pos, neg):
    return {"pos": pos, "neg": neg}


GENERIC = {
    "en": {
        "value": A([
            "For the price it is {int} good value",
            "Worth every penny",
            "I paid less than at most shops and I'm {int} happy with the deal",
            "Great value compared to what the competition charges",
            "Caught it on sale and it was an absolute bargain",
            "Not cheap, but you get what you pay for",
        ], [
            "Not worth the price",
            "Way too expensive for what you get",
            "At this price I expected a lot better",
            "You are paying for the brand name, not the quality",
            "Honestly overpriced",
            "I found it much cheaper elsewhere a week later, which stings",
        ]),
        "delivery": A([
            "Delivery was fast and the box arrived in perfect condition",
            "Arrived the next day, well packed",
            "Shipping was quicker than announced",
            "The order arrived two days early",
            "Well packaged and delivered on time",
        ], [
            "Delivery took almost three weeks",
            "The parcel arrived with a badly dented box",
            "Shipping was slow and the tracking never updated",
            "The courier left it outside in the rain",
            "It was shipped to the wrong address first",
        ]),
        "service": A([
            "Customer service answered my question within an hour",
            "The shop handled a small issue quickly and politely",
            "Support was friendly and actually helpful",
            "The seller was {int} responsive",
        ], [
            "Customer service never replied to my emails",
            "Getting a refund was a nightmare",
            "The support team kept sending me the same copy-paste answer",
            "I'm still waiting for the shop to answer my return request",
            "The return process is {int} complicated",
        ]),
        "brand": A([
            "Another great product from {brand}",
            "{brand} got this one right",
            "My third {brand} product and still no complaints",
        ], [
            "I expected better from {brand}",
            "My last {brand} purchase, that's for sure",
            "{brand} clearly cut corners on this one",
        ]),
        "condition": A([
            "It arrived looking almost brand new",
            "Only a tiny scratch, exactly as described",
            "The refurbished unit works like new",
            "The grading was honest and the cosmetic condition is excellent",
            "Came with all accessories and a proper warranty",
        ], [
            "It was sold as 'very good' but has deep scratches",
            "It was missing the original charger and accessories",
            "The 'excellent condition' unit had a cracked corner",
            "Clearly not tested before being sent",
            "It smelled of smoke when I opened the box",
        ]),
        "condition_batt": A([
            "Battery health was at 94%, better than expected",
            "The battery holds up like a new one",
        ], [
            "The battery is clearly worn out for a refurbished unit",
            "Battery health was only 81%, not what I'd call 'excellent'",
        ]),
    },
    "fr": {
        "value": A([
            "Rapport qualité-prix {int} correct",
            "Pour ce prix, c'est une excellente affaire",
            "Acheté pendant une promo, franchement une bonne affaire",
            "Ça vaut largement son prix",
            "Moins cher qu'en grande surface pour exactement le même produit",
            "Pas donné, mais la qualité est au rendez-vous",
        ], [
            "Beaucoup trop cher pour ce que c'est",
            "Pas du tout à la hauteur du prix",
            "On paie surtout la marque",
            "Rapport qualité-prix pas terrible",
            "À ce prix-là, je m'attendais à beaucoup mieux",
            "Trouvé bien moins cher ailleurs une semaine plus tard, ça fait mal",
        ]),
        "delivery": A([
            "Livraison rapide et colis bien protégé",
            "Reçu en 48 h, rien à redire",
            "Livré avant la date prévue",
            "Emballage soigné, livraison dans les temps",
            "Colis arrivé le lendemain de la commande",
        ], [
            "Livraison beaucoup trop longue",
            "Le colis est arrivé complètement abîmé",
            "Trois semaines pour être livré, c'est inadmissible",
            "Le livreur a laissé le colis devant la porte sans prévenir",
            "Le suivi du colis n'a jamais fonctionné",
        ]),
        "service": A([
            "Le service client a répondu {int} vite",
            "Petit souci réglé en deux jours par le SAV, merci",
            "Vendeur sérieux et réactif",
            "Le SAV a été {int} aimable",
        ], [
            "Le SAV ne répond jamais",
            "Impossible de joindre le service client",
            "Le remboursement a pris plus d'un mois",
            "Le service client m'a renvoyé vers le fabricant, pas terrible",
            "Aucune réponse du vendeur malgré trois relances",
        ]),
        "brand": A([
            "Encore un excellent produit {brand}",
            "{brand} a fait du bon travail",
            "Troisième produit {brand} et toujours aussi satisfait",
        ], [
            "J'attendais mieux de la part de {brand}",
            "Mon dernier achat chez {brand}, c'est sûr",
            "{brand} a clairement fait des économies sur ce modèle",
        ]),
        "condition": A([
            "Produit reçu comme neuf, aucune rayure visible",
            "État conforme à la description",
            "Reconditionné de qualité, on ne voit pas la différence avec du neuf",
            "Juste une micro-rayure, comme annoncé",
            "Tous les accessoires étaient là, avec une vraie garantie",
        ], [
            "Vendu en « très bon état » mais plein de rayures",
            "Il manquait le chargeur et les accessoires d'origine",
            "Coin du boîtier fendu, pas du tout conforme à l'annonce",
            "Le produit n'a visiblement pas été testé avant l'envoi",
            "Une odeur de tabac à l'ouverture du carton, pas top",
        ]),
        "condition_batt": A([
            "Batterie à 92 %, très correct pour du reconditionné",
            "La batterie tient comme au premier jour",
        ], [
            "La batterie tient beaucoup moins que prévu pour du reconditionné",
            "Batterie à 81 %, on est loin du « comme neuf »",
        ]),
    },
}
BATTERY_CATEGORIES = ("headphones", "earbuds", "smartphones", "laptops", "robot-vacuums", "smartwatches")

CAT = {}

CAT["headphones"] = {
    "en": {
        "sound": A([
            "The sound is {int} detailed, with punchy but controlled bass",
            "Music sounds rich and balanced straight out of the box",
            "Vocals are crisp and the soundstage is wider than I expected",
            "Sound quality is simply excellent",
            "Bass is deep without drowning out the mids",
            "I hear details in old albums I never noticed before",
        ], [
            "The sound is muddy and the bass is overdone",
            "Treble is harsh at higher volumes",
            "Sound quality is nothing special for the price",
            "The audio is flat and lifeless, even with the EQ",
            "There's a faint hiss when nothing is playing",
        ]),
        "anc": A([
            "Noise cancelling is {int} impressive, the train noise just disappears",
            "The ANC blocks out the office chatter completely",
            "On a long flight the noise cancelling was a lifesaver",
            "Noise cancellation is among the best I've tried",
            "Transparency mode sounds natural, so I can keep them on at the shops",
        ], [
            "The noise cancelling barely does anything against voices",
            "ANC creates an unpleasant pressure feeling in my ears",
            "Noise cancellation is weaker than on my old pair",
            "With ANC on there's a constant hiss",
            "Wind noise gets through badly when walking outside",
        ]),
        "battery": A([
            "Battery life is great, I charge them maybe once a week",
            "The battery easily lasts several long flights",
            "A ten-minute charge gives me hours of playback",
            "Battery lasts forever",
        ], [
            "The battery dies much faster than advertised",
            "Battery life has already dropped after a few months",
            "They don't last a full workday with ANC on",
            "Charging takes ages",
        ]),
        "comfort": A([
            "They're so comfortable I forget I'm wearing them",
            "The ear pads are soft and I can wear them for hours",
            "Light, comfortable and they don't squeeze my glasses",
            "The clamping force is just right",
        ], [
            "They get {int} hot around the ears after an hour",
            "The headband presses on the top of my head",
            "Too tight for people who wear glasses",
            "Comfort is poor, I can't wear them for more than an hour",
        ]),
        "build": A([
            "Build quality feels premium and solid",
            "The materials feel {int} sturdy",
            "The carrying case is compact and well made",
            "They survive being thrown in my backpack every day",
        ], [
            "The plastic creaks every time I move my head",
            "One of the hinges cracked after three months",
            "The finish already looks worn on the headband",
            "They feel cheap for the price",
        ]),
        "connectivity": A([
            "Pairing with my phone and laptop at the same time works flawlessly",
            "The Bluetooth connection is rock solid, even across the flat",
            "Multipoint works exactly as it should",
            "Setup took less than a minute",
        ], [
            "The Bluetooth connection drops several times a day",
            "Switching between devices is a mess",
            "There's noticeable lag when watching videos",
            "They randomly disconnect from my laptop",
        ]),
        "calls": A([
            "Call quality is clear, people hear me fine even outside",
            "The microphones are good enough for all my work calls",
        ], [
            "Microphone quality is poor, colleagues say I sound far away",
            "On calls people hear every bit of wind and traffic",
        ]),
        "app": A([
            "The companion app is simple and the EQ is actually useful",
            "The controls are intuitive once you get used to them",
        ], [
            "The app is clunky and keeps asking me to log in",
            "The touch controls trigger by accident all the time",
            "The last firmware update broke the auto-pause feature",
        ]),
    },
    "fr": {
        "sound": A([
            "Le son est {int} détaillé, avec des basses présentes mais maîtrisées",
            "Qualité sonore excellente dès la sortie de la boîte",
            "Les voix sont claires et la scène sonore est large",
            "Un son riche et équilibré, je redécouvre mes albums",
            "Les basses sont profondes sans écraser les médiums",
        ], [
            "Le son est étouffé et les basses bavent",
            "Les aigus agressent les oreilles à fort volume",
            "Qualité sonore quelconque pour le prix",
            "Son plat et sans relief, même avec l'égaliseur",
            "On entend un léger souffle quand rien ne joue",
        ]),
        "anc": A([
            "La réduction de bruit est {int} efficace, le bruit du métro disparaît",
            "L'ANC coupe complètement les bavardages au bureau",
            "En avion, la réduction de bruit est un vrai bonheur",
            "Le mode transparence est naturel, pratique pour discuter sans l'enlever",
        ], [
            "La réduction de bruit ne sert pas à grand-chose contre les voix",
            "L'ANC donne une sensation de pression désagréable",
            "La réduction de bruit est moins bonne que sur mon ancien casque",
            "Le vent passe à travers dès qu'on marche dehors",
        ]),
        "battery": A([
            "L'autonomie est excellente, je le recharge une fois par semaine",
            "La batterie tient plusieurs longs trajets sans problème",
            "Dix minutes de charge suffisent pour plusieurs heures d'écoute",
            "Autonomie {int} impressionnante",
        ], [
            "La batterie se vide bien plus vite qu'annoncé",
            "L'autonomie a déjà baissé au bout de quelques mois",
            "Il ne tient pas une journée de travail avec l'ANC activé",
            "La recharge est interminable",
        ]),
        "comfort": A([
            "Tellement confortable que j'oublie que je le porte",
            "Les coussinets sont moelleux, je le garde des heures",
            "Léger et confortable, même avec des lunettes",
            "Il ne serre ni trop ni pas assez",
        ], [
            "On a {int} chaud aux oreilles au bout d'une heure",
            "L'arceau appuie sur le haut du crâne",
            "Il serre beaucoup trop quand on porte des lunettes",
            "Impossible de le garder plus d'une heure, il fait mal",
        ]),
        "build": A([
            "Les finitions sont haut de gamme",
            "Les matériaux ont l'air {int} solides",
            "La housse de transport est compacte et bien faite",
            "Il survit tous les jours au fond de mon sac à dos",
        ], [
            "Le plastique craque au moindre mouvement de tête",
            "Une charnière s'est fendue au bout de trois mois",
            "Le revêtement de l'arceau s'use déjà",
            "Il fait cheap pour ce prix",
        ]),
        "connectivity": A([
            "Le multipoint avec le téléphone et le PC fonctionne parfaitement",
            "La connexion Bluetooth est stable, même à l'autre bout de l'appartement",
            "Appairage en moins d'une minute",
        ], [
            "La connexion Bluetooth saute plusieurs fois par jour",
            "Passer d'un appareil à l'autre est une galère",
            "Il y a un décalage entre l'image et le son sur les vidéos",
            "Il se déconnecte tout seul de mon ordinateur",
        ]),
        "calls": A([
            "En appel, mes interlocuteurs m'entendent parfaitement",
            "Les micros suffisent largement pour mes visios de travail",
        ], [
            "Les micros sont mauvais, on me dit que je parle du fond d'une grotte",
            "En appel dehors, on entend surtout le vent et la circulation",
        ]),
        "app": A([
            "L'application est simple et l'égaliseur est vraiment utile",
            "Les commandes sont intuitives une fois qu'on a pris le coup",
        ], [
            "L'application est pénible et demande sans arrêt de se reconnecter",
            "Les commandes tactiles se déclenchent par erreur",
            "La dernière mise à jour a cassé la pause automatique",
        ]),
    },
}
CTX = {"headphones": {
    "en": ["I use them every day on my commute", "Bought these for working from home",
           "I mostly use them on flights and in the office", "Got them as a birthday present",
           "I replaced my old pair with the {short}", "I've had the {short} for about two months now",
           "These replaced a cheaper pair that broke"],
    "fr": ["Je l'utilise tous les jours dans le métro", "Acheté pour le télétravail",
           "Je m'en sers surtout en avion et au bureau", "Offert pour mon anniversaire",
           "Il remplace mon ancien casque", "J'ai le {short} depuis deux mois environ",
           "Il remplace un casque premier prix qui a cassé"],
}}

CAT["headphones_wired"] = {
    "en": {
        "sound": CAT["headphones"]["en"]["sound"],
        "comfort": CAT["headphones"]["en"]["comfort"],
        "build": A(CAT["headphones"]["en"]["build"]["pos"][:2] + ["They feel built to last for decades"],
                   CAT["headphones"]["en"]["build"]["neg"]),
        "cable": A([
            "The detachable cable is a great touch",
            "The cable is long enough for my desk setup",
            "No battery, no pairing, just plug in and play",
        ], [
            "The cable is way too long and tangles constantly",
            "The cable started crackling after a few weeks",
            "The coiled cable is heavy and tugs at my head",
        ]),
        "amp": A([
            "They sound great even straight from my laptop",
            "Paired with a small DAC they are {int} revealing",
        ], [
            "They really need a proper amp, from a phone they sound thin",
            "From my laptop they are far too quiet",
        ]),
        "isolation": A([
            "Isolation is good enough for recording vocals",
            "Perfect for long mixing sessions",
        ], [
            "They leak a lot of sound, my partner hears everything",
            "Not much isolation on the train, these are for home",
        ]),
    },
    "fr": {
        "sound": CAT["headphones"]["fr"]["sound"],
        "comfort": CAT["headphones"]["fr"]["comfort"],
        "build": A(CAT["headphones"]["fr"]["build"]["pos"][:2] + ["Il a l'air fait pour durer des décennies"],
                   CAT["headphones"]["fr"]["build"]["neg"]),
        "cable": A([
            "Le câble détachable est un vrai plus",
            "Le câble est assez long pour mon bureau",
            "Pas de batterie, pas d'appairage, on branche et ça marche",
        ], [
            "Le câble est beaucoup trop long et s'emmêle sans arrêt",
            "Le câble a commencé à grésiller au bout de quelques semaines",
            "Le câble spiralé est lourd et tire sur la tête",
        ]),
        "amp": A([
            "Il sonne très bien même branché directement sur mon portable",
            "Avec un petit DAC, il est {int} précis",
        ], [
            "Il lui faut un vrai ampli, sur un téléphone le son est maigre",
            "Branché sur mon PC, le volume est beaucoup trop faible",
        ]),
        "isolation": A([
            "L'isolation suffit pour enregistrer des voix",
            "Parfait pour les longues sessions de mixage",
        ], [
            "Il laisse fuir beaucoup de son, ma compagne entend tout",
            "Peu d'isolation dans le train, c'est un casque pour la maison",
        ]),
    },
}
CTX["headphones_wired"] = {
    "en": ["I use them for mixing in my home studio", "Bought them for podcast editing",
           "Plugged into my audio interface at work", "Finally a pair of headphones with a cable and no battery to charge",
           "I've been using the {short} for a few months"],
    "fr": ["Je l'utilise pour mixer dans mon home studio", "Acheté pour le montage de podcasts",
           "Branché sur ma carte son au travail", "Enfin un casque filaire sans batterie à recharger",
           "J'utilise le {short} depuis quelques mois"],
}

CAT["earbuds"] = {
    "en": {
        "fit": A([
            "They fit snugly and don't fall out even when running",
            "The different tip sizes made it easy to get a good seal",
            "Tiny and {int} comfortable, I can wear them all afternoon",
        ], [
            "They keep falling out of my ears",
            "After an hour my ears start to hurt",
            "Even with the largest tips I can't get a good seal",
        ]),
        "sound": A([
            "Surprisingly big sound for such small earbuds",
            "Clear, balanced sound with real bass",
            "Sound quality is excellent for true wireless",
            "The sound is {int} good, podcasts and music both shine",
        ], [
            "The sound is tinny and lacks bass",
            "Audio crackles at high volume",
            "Sound is fine but nothing you couldn't get for half the price",
        ]),
        "anc": A([
            "Noise cancelling is excellent for earbuds this size",
            "The ANC makes my open-plan office bearable",
            "On the bus the engine noise is simply gone",
        ], [
            "Noise cancelling is {int} weak",
            "ANC causes a weird hissing sound",
            "The noise cancelling is barely noticeable on the metro",
        ]),
        "battery": A([
            "The case gives me a full week of commuting",
            "Battery life is more than enough for a long flight",
            "Wireless charging of the case is super handy",
        ], [
            "The left earbud always dies before the right one",
            "Battery drains fast, barely four hours with ANC",
            "The case battery lost capacity within months",
        ]),
        "case": A([
            "The charging case is small and fits in any pocket",
            "The case lid feels solid and snaps shut nicely",
        ], [
            "The case scratches {int} easily",
            "The lid of the case feels flimsy",
            "Sometimes an earbud doesn't charge because it sits badly in the case",
        ]),
        "calls": A([
            "Call quality is good even on a busy street",
            "Nobody notices I'm on earbuds during calls",
        ], [
            "People can't hear me on calls when there's wind",
            "My voice sounds robotic on calls",
        ]),
        "connectivity": A([
            "They connect instantly when I open the case",
            "Switching between phone and laptop is seamless",
        ], [
            "One earbud regularly disconnects",
            "Pairing with my laptop was a pain",
            "Audio drops out when the phone is in my back pocket",
        ]),
    },
    "fr": {
        "fit": A([
            "Ils tiennent {int} bien dans les oreilles, même en courant",
            "Avec les embouts fournis, j'ai trouvé la bonne taille facilement",
            "Minuscules et confortables, je peux les garder des heures",
        ], [
            "Ils tombent sans arrêt de mes oreilles",
            "Au bout d'une heure, j'ai mal aux oreilles",
            "Même avec les plus grands embouts, ils ne tiennent pas",
        ]),
        "sound": A([
            "Un son étonnamment ample pour des écouteurs aussi petits",
            "Son clair et équilibré avec de vraies basses",
            "Qualité audio excellente pour des écouteurs sans fil",
            "Le son est {int} bon, que ce soit pour la musique ou les podcasts",
        ], [
            "Le son est métallique et manque de basses",
            "Ça grésille à fort volume",
            "Son correct mais sans plus, on trouve pareil pour moitié prix",
        ]),
        "anc": A([
            "La réduction de bruit est bluffante pour des intras",
            "Avec l'ANC, l'open space devient supportable",
            "Dans le bus, on n'entend plus du tout le moteur",
        ], [
            "Réduction de bruit {int} faible",
            "L'ANC produit un souffle bizarre",
            "Dans le métro, la réduction de bruit se remarque à peine",
        ]),
        "battery": A([
            "Le boîtier me fait une semaine de trajets",
            "Autonomie largement suffisante pour un long vol",
            "La recharge sans fil du boîtier est {int} pratique",
        ], [
            "L'écouteur gauche se décharge toujours avant le droit",
            "La batterie fond, à peine quatre heures avec l'ANC",
            "Le boîtier a perdu en autonomie en quelques mois",
        ]),
        "case": A([
            "Le boîtier est petit et rentre dans n'importe quelle poche",
            "Le couvercle du boîtier est solide et se ferme bien",
        ], [
            "Le boîtier se raye {int} facilement",
            "Le couvercle du boîtier fait fragile",
            "Parfois un écouteur ne charge pas car il est mal placé dans le boîtier",
        ]),
        "calls": A([
            "En appel, on m'entend bien même dans la rue",
            "Personne ne remarque que je suis en écouteurs pendant les appels",
        ], [
            "Dès qu'il y a du vent, on ne m'entend plus en appel",
            "Ma voix sonne comme un robot en appel",
        ]),
        "connectivity": A([
            "Ils se connectent dès que j'ouvre le boîtier",
            "Le passage du téléphone au PC se fait tout seul",
        ], [
            "Un écouteur se déconnecte régulièrement",
            "L'appairage avec mon PC a été pénible",
            "Le son coupe quand le téléphone est dans ma poche arrière",
        ]),
    },
}
CTX["earbuds"] = {
    "en": ["I use them mainly at the gym", "Bought them for running", "My daily earbuds for the commute",
           "They replaced a pair I lost on the train", "I've been wearing the {short} for around a month"],
    "fr": ["Je les utilise surtout à la salle de sport", "Achetés pour courir",
           "Mes écouteurs du quotidien pour les trajets", "Ils remplacent une paire perdue dans le train",
           "J'utilise les {short} depuis un mois environ"],
}

CAT["espresso-machines"] = {
    "en": {
        "coffee": A([
            "The espresso is rich with a lovely crema",
            "Coffee tastes better than at my local café",
            "Shots come out hot and full-bodied",
            "The coffee is {int} good once you dial in the grind",
        ], [
            "The coffee comes out lukewarm",
            "Espresso is watery no matter what I try",
            "The coffee tastes bitter and burnt",
            "It's hard to get a decent shot without a lot of trial and error",
        ]),
        "milk": A([
            "The steam wand makes silky microfoam for latte art",
            "Milk frothing is quick and easy",
            "The milk frother makes a {int} creamy cappuccino",
        ], [
            "The steam wand is weak, frothing milk takes forever",
            "The milk foam is bubbly and collapses quickly",
            "The milk system is a pain to clean",
        ]),
        "cleaning": A([
            "Cleaning takes two minutes",
            "The drip tray and water tank are easy to remove and rinse",
            "The descaling reminder is handy",
        ], [
            "Cleaning is a chore every single day",
            "Descaling is complicated and messy",
            "The drip tray fills up way too fast",
        ]),
        "noise": A([
            "It's quieter than my old machine",
            "Quiet enough not to wake anyone up in the morning",
        ], [
            "It is {int} loud in the morning",
            "The pump rattles and vibrates on the counter",
        ]),
        "heatup": A([
            "It heats up in under a minute",
            "Ready to brew almost instantly",
        ], [
            "It takes ages to heat up",
            "You have to wait forever between the espresso and steaming",
        ]),
        "build": A([
            "Compact and fits perfectly on my small kitchen counter",
            "Solid stainless steel build, it feels like it will last",
            "It looks beautiful on the counter",
        ], [
            "Lots of plastic for a machine at this price",
            "The water tank started leaking after a few weeks",
            "The portafilter feels cheap and light",
        ]),
        "grinder": A([
            "The built-in grinder is consistent and easy to adjust",
            "Freshly ground beans make all the difference",
        ], [
            "The grinder is noisy and clogs with oily beans",
            "Even the finest grind setting is too coarse for a proper espresso",
        ]),
    },
    "fr": {
        "coffee": A([
            "L'expresso est corsé avec une belle crema",
            "Le café est meilleur qu'au bistrot du coin",
            "Le café sort bien chaud et plein de goût",
            "Une fois la mouture réglée, le café est {int} bon",
        ], [
            "Le café sort tiède",
            "L'expresso est aqueux quoi que je fasse",
            "Le café a un goût amer et brûlé",
            "Difficile d'obtenir un expresso correct sans galérer",
        ]),
        "milk": A([
            "La buse vapeur fait une mousse de lait onctueuse",
            "Faire mousser le lait est rapide et simple",
            "Le mousseur à lait fait des cappuccinos {int} crémeux",
        ], [
            "La buse vapeur manque de puissance, ça prend une éternité",
            "La mousse de lait est pleine de grosses bulles et retombe vite",
            "Le système à lait est pénible à nettoyer",
        ]),
        "cleaning": A([
            "Le nettoyage prend deux minutes",
            "Le bac d'égouttage et le réservoir s'enlèvent et se rincent facilement",
            "Le rappel de détartrage est pratique",
        ], [
            "Le nettoyage est une corvée quotidienne",
            "Le détartrage est compliqué et salissant",
            "Le bac d'égouttage se remplit beaucoup trop vite",
        ]),
        "noise": A([
            "Elle est plus silencieuse que mon ancienne machine",
            "Assez discrète pour ne réveiller personne le matin",
        ], [
            "Elle est {int} bruyante le matin",
            "La pompe vibre et fait trembler tout le plan de travail",
        ]),
        "heatup": A([
            "Elle chauffe en moins d'une minute",
            "Elle est prête quasiment instantanément",
        ], [
            "Elle met une éternité à chauffer",
            "Il faut attendre longtemps entre l'expresso et la vapeur",
        ]),
        "build": A([
            "Compacte, elle trouve sa place dans ma petite cuisine",
            "Construction en inox solide, elle a l'air faite pour durer",
            "Elle est superbe sur le plan de travail",
        ], [
            "Beaucoup de plastique pour une machine de ce prix",
            "Le réservoir fuit depuis quelques semaines",
            "Le porte-filtre fait cheap et léger",
        ]),
        "grinder": A([
            "Le broyeur intégré est régulier et facile à régler",
            "Le grain fraîchement moulu change tout",
        ], [
            "Le broyeur est bruyant et se bouche avec les grains gras",
            "La mouture la plus fine reste trop grossière pour un vrai expresso",
        ]),
    },
}
CTX["espresso-machines"] = {
    "en": ["I make two or three espressos a day with it", "Bought it to stop spending a fortune at the coffee shop",
           "We use it every morning for cappuccinos", "I've had the {short} for about six weeks now",
           "This is my first real espresso machine"],
    "fr": ["Je fais deux ou trois expressos par jour avec", "Achetée pour arrêter de dépenser une fortune au café",
           "On l'utilise tous les matins pour les cappuccinos", "J'ai la {short} depuis six semaines environ",
           "C'est ma première vraie machine expresso"],
}

CAT["smartphones"] = {
    "en": {
        "camera": A([
            "The camera takes {int} sharp photos, even at night",
            "Portrait mode looks natural",
            "Video is stable and the colours are spot on",
            "The zoom is surprisingly usable",
        ], [
            "Night photos are noisy and blurry",
            "The camera app is slow to open",
            "Colours look oversaturated in every photo",
            "The zoom is disappointing",
        ]),
        "battery": A([
            "Battery easily lasts a full day of heavy use",
            "I end the day with 30% left",
            "Fast charging is a real time saver",
        ], [
            "Battery barely makes it to the evening",
            "It gets hot and drains fast when gaming",
            "Charging is slow compared to my previous phone",
        ]),
        "screen": A([
            "The screen is bright and readable in full sun",
            "The display is gorgeous and scrolling is {int} smooth",
            "Colours on the screen are fantastic",
        ], [
            "The screen scratched within a week",
            "Screen brightness is too low outdoors",
            "There's a slight green tint on the display",
        ]),
        "performance": A([
            "It's fast and never stutters",
            "Apps open instantly",
            "Gaming performance is excellent",
        ], [
            "It lags when switching between apps",
            "It heats up a lot during video calls",
            "Random freezes since the last update",
        ]),
        "software": A([
            "The software is clean with no bloatware",
            "Updates arrive regularly",
            "Transferring everything from my old phone took ten minutes",
        ], [
            "There's too much preinstalled bloatware",
            "The latest update introduced bugs",
            "Setup kept asking me to sign into accounts",
        ]),
        "design": A([
            "It feels great in the hand",
            "The size is perfect for one-handed use",
            "The finish looks {int} premium",
        ], [
            "The back is a fingerprint magnet",
            "It's slippery without a case",
            "It's too big for my pockets",
        ]),
    },
    "fr": {
        "camera": A([
            "L'appareil photo fait des clichés {int} nets, même de nuit",
            "Le mode portrait est naturel",
            "Les vidéos sont stables et les couleurs fidèles",
            "Le zoom est étonnamment utilisable",
        ], [
            "Les photos de nuit sont bruitées et floues",
            "L'appli photo met du temps à s'ouvrir",
            "Les couleurs sont trop saturées sur toutes les photos",
            "Le zoom est décevant",
        ]),
        "battery": A([
            "La batterie tient une grosse journée sans problème",
            "Je finis la journée avec 30 % de batterie",
            "La charge rapide est {int} pratique",
        ], [
            "La batterie tient à peine jusqu'au soir",
            "Il chauffe et se vide vite en jeu",
            "La charge est lente comparée à mon ancien téléphone",
        ]),
        "screen": A([
            "L'écran est lumineux et lisible en plein soleil",
            "L'écran est magnifique et {int} fluide",
            "Les couleurs de l'écran sont superbes",
        ], [
            "L'écran s'est rayé en une semaine",
            "La luminosité est trop faible dehors",
            "L'écran a une légère teinte verte",
        ]),
        "performance": A([
            "Il est rapide et ne rame jamais",
            "Les applis s'ouvrent instantanément",
            "En jeu, les performances sont excellentes",
        ], [
            "Il rame en passant d'une appli à l'autre",
            "Il chauffe beaucoup en visio",
            "Il plante de temps en temps depuis la dernière mise à jour",
        ]),
        "software": A([
            "Le système est propre, sans applis inutiles",
            "Les mises à jour arrivent régulièrement",
            "Le transfert depuis mon ancien téléphone a pris dix minutes",
        ], [
            "Il y a trop d'applications préinstallées",
            "La dernière mise à jour a apporté des bugs",
            "La configuration demande sans arrêt de se connecter à des comptes",
        ]),
        "design": A([
            "Il est agréable en main",
            "Le format est parfait pour l'utiliser d'une main",
            "La finition fait {int} haut de gamme",
        ], [
            "Le dos garde toutes les traces de doigts",
            "Il glisse sans coque",
            "Il est trop grand pour mes poches",
        ]),
    },
}
CTX["smartphones"] = {
    "en": ["Upgraded from a five-year-old phone", "Bought the {short} to replace my cracked phone",
           "I've been using it as my main phone for a month", "Got it for my daughter",
           "Switched over from another brand"],
    "fr": ["Je viens d'un téléphone de cinq ans", "Acheté pour remplacer mon téléphone à l'écran cassé",
           "Je l'utilise comme téléphone principal depuis un mois", "Offert à ma fille",
           "Je viens d'une autre marque"],
}

CAT["laptops"] = {
    "en": {
        "performance": A([
            "It handles my photo editing without breaking a sweat",
            "It boots in seconds and stays snappy with dozens of tabs open",
            "Performance is {int} good for the price",
        ], [
            "It slows to a crawl with more than a few browser tabs",
            "The RAM is simply not enough for my work",
            "It stutters during video calls",
        ]),
        "keyboard": A([
            "The keyboard is a joy to type on",
            "Key travel is great and the backlight is even",
            "The trackpad is large and precise",
        ], [
            "The keyboard feels mushy",
            "The trackpad is jumpy and registers accidental clicks",
            "One key started sticking after a month",
        ]),
        "screen": A([
            "The screen is sharp and colour-accurate",
            "The display is stunning for movies",
            "It's bright enough to work on a terrace",
        ], [
            "The screen is dim and washed out",
            "There's noticeable backlight bleed in the corners",
            "The glossy screen reflects everything",
        ]),
        "battery": A([
            "Battery lasts a whole workday and then some",
            "I can go two days of light use between charges",
            "It charges quickly over USB-C",
        ], [
            "Battery life is nowhere near the advertised figure",
            "I have to carry the charger everywhere",
            "The battery drains even in sleep mode",
        ]),
        "fans": A([
            "It's silent most of the time",
            "It stays cool on my lap",
        ], [
            "The fans are {int} loud under load",
            "It gets uncomfortably hot on the bottom",
            "Fan noise kicks in even when just browsing",
        ]),
        "build": A([
            "Solid chassis with no flex at all",
            "It's light enough to carry all day",
            "It feels {int} well built",
        ], [
            "The lid wobbles when typing",
            "The chassis flexes when you pick it up by the corner",
            "It's heavier than I expected",
        ]),
        "ports": A([
            "Good selection of ports, no dongle needed",
            "Having HDMI and USB-A is a relief",
        ], [
            "Only two USB-C ports, so it's dongle life",
            "No SD card slot, which is annoying for photographers",
        ]),
        "media": A([
            "The speakers sound surprisingly full",
            "The webcam is decent for meetings",
        ], [
            "The webcam is grainy",
            "The speakers are tinny",
        ]),
    },
    "fr": {
        "performance": A([
            "Il encaisse mes retouches photo sans broncher",
            "Il démarre en quelques secondes et reste réactif avec des dizaines d'onglets",
            "Performances {int} bonnes pour le prix",
        ], [
            "Il rame dès qu'on ouvre quelques onglets",
            "La RAM est clairement insuffisante pour mon travail",
            "Ça saccade pendant les visios",
        ]),
        "keyboard": A([
            "Le clavier est {int} agréable pour taper",
            "Bonne course des touches et rétroéclairage homogène",
            "Le pavé tactile est grand et précis",
        ], [
            "Le clavier est mou",
            "Le pavé tactile est capricieux et clique tout seul",
            "Une touche a commencé à coincer au bout d'un mois",
        ]),
        "screen": A([
            "L'écran est net avec des couleurs fidèles",
            "L'écran est sublime pour les films",
            "Il est assez lumineux pour travailler en terrasse",
        ], [
            "L'écran est terne et délavé",
            "Il y a des fuites de lumière visibles dans les coins",
            "L'écran brillant reflète tout",
        ]),
        "battery": A([
            "L'autonomie tient une journée de travail complète",
            "Je tiens deux jours d'usage léger sans recharger",
            "Il se recharge vite en USB-C",
        ], [
            "L'autonomie est très loin de ce qui est annoncé",
            "Je dois trimballer le chargeur partout",
            "La batterie se vide même en veille",
        ]),
        "fans": A([
            "Il est silencieux la plupart du temps",
            "Il reste frais sur les genoux",
        ], [
            "Les ventilateurs sont {int} bruyants en charge",
            "Le dessous devient brûlant",
            "Le ventilateur se déclenche même pour naviguer sur internet",
        ]),
        "build": A([
            "Châssis solide, aucune flexion",
            "Il est assez léger pour le porter toute la journée",
            "Il respire la qualité",
        ], [
            "L'écran tremble quand on tape",
            "Le châssis plie quand on le prend par un coin",
            "Il est plus lourd que ce que j'imaginais",
        ]),
        "ports": A([
            "Bon choix de ports, pas besoin d'adaptateur",
            "Avoir du HDMI et de l'USB-A, c'est un vrai soulagement",
        ], [
            "Seulement deux ports USB-C, vive les adaptateurs",
            "Pas de lecteur de carte SD, dommage pour les photographes",
        ]),
        "media": A([
            "Les haut-parleurs sont étonnamment bons",
            "La webcam est correcte pour les réunions",
        ], [
            "La webcam est granuleuse",
            "Les haut-parleurs sonnent creux",
        ]),
    },
}
CTX["laptops"] = {
    "en": ["I use it for work and some light gaming", "Bought it for university", "It's my main machine for programming",
           "It replaced a seven-year-old laptop", "I've used the {short} daily for about a month"],
    "fr": ["Je l'utilise pour le travail et un peu de jeu", "Acheté pour la fac", "C'est ma machine principale pour développer",
           "Il remplace un portable de sept ans", "J'utilise le {short} tous les jours depuis un mois"],
}

CAT["robot-vacuums"] = {
    "en": {
        "suction": A([
            "Suction is strong, it picks up crumbs and cat litter easily",
            "It gets {int} deep into the carpet",
            "The floors have never been this clean",
        ], [
            "It leaves dust in the corners",
            "Suction is weak on carpets",
            "It just pushes crumbs around instead of picking them up",
        ]),
        "navigation": A([
            "Mapping is accurate and it never misses a room",
            "It navigates around chair legs like a pro",
            "It avoids socks and cables on the floor",
        ], [
            "It gets stuck under the sofa every other day",
            "It keeps bumping into furniture",
            "The map gets messed up after every firmware update",
            "It ran over a phone cable and got tangled",
        ]),
        "app": A([
            "The app is clear and scheduling is easy",
            "Setting no-go zones in the app takes seconds",
        ], [
            "The app constantly loses connection to the robot",
            "The app wants an account and way too many permissions",
            "Scheduling in the app is confusing",
        ]),
        "noise": A([
            "It's quiet enough to run while I'm working from home",
            "Quiet mode lets it run during a film",
        ], [
            "It's loud enough to scare the dog",
            "Too noisy to run while we're home",
        ]),
        "battery": A([
            "The battery covers the whole flat in one go",
            "It recharges and resumes where it stopped",
        ], [
            "The battery runs out before it finishes the living room",
            "It often fails to find its way back to the dock",
        ]),
        "dock": A([
            "The self-emptying dock is a game changer",
            "I only empty the dock bag once a month",
        ], [
            "The self-emptying dock is deafening",
            "Replacement dock bags are expensive",
        ]),
        "mop": A([
            "Mopping is {int} effective on tiles",
            "It lifts the mop automatically on carpets",
        ], [
            "The mop just smears dirty water around",
            "It left water marks all over my wooden floor",
        ]),
        "pets": A([
            "It handles dog hair without clogging",
            "Perfect with two cats shedding everywhere",
        ], [
            "Hair wraps around the brush constantly",
            "It chokes on long hair",
        ]),
    },
    "fr": {
        "suction": A([
            "L'aspiration est puissante, il ramasse miettes et litière sans problème",
            "Il aspire {int} bien en profondeur dans les tapis",
            "Mes sols n'ont jamais été aussi propres",
        ], [
            "Il laisse de la poussière dans les coins",
            "L'aspiration est trop faible sur les tapis",
            "Il pousse les miettes au lieu de les aspirer",
        ]),
        "navigation": A([
            "La cartographie est précise, il n'oublie aucune pièce",
            "Il contourne les pieds de chaise comme un pro",
            "Il évite les chaussettes et les câbles qui traînent",
        ], [
            "Il se coince sous le canapé un jour sur deux",
            "Il se cogne partout dans les meubles",
            "La carte est à refaire après chaque mise à jour",
            "Il s'est emmêlé dans un câble de chargeur",
        ]),
        "app": A([
            "L'application est claire et la programmation simple",
            "Définir des zones interdites dans l'appli prend deux secondes",
        ], [
            "L'application perd sans arrêt la connexion avec le robot",
            "L'appli demande un compte et beaucoup trop d'autorisations",
            "La programmation dans l'application est confuse",
        ]),
        "noise": A([
            "Il est assez silencieux pour tourner pendant que je télétravaille",
            "Le mode silencieux permet de le lancer pendant un film",
        ], [
            "Il fait tellement de bruit que le chien a peur",
            "Il est trop bruyant pour le lancer quand on est à la maison",
        ]),
        "battery": A([
            "La batterie suffit pour tout l'appartement",
            "Il se recharge et reprend là où il s'était arrêté",
        ], [
            "La batterie lâche avant la fin du salon",
            "Il n'arrive souvent pas à retrouver sa base",
        ]),
        "dock": A([
            "La station de vidange automatique change la vie",
            "Je ne vide le sac de la station qu'une fois par mois",
        ], [
            "La vidange automatique fait un bruit d'avion au décollage",
            "Les sacs de rechange pour la station coûtent cher",
        ]),
        "mop": A([
            "La serpillière est {int} efficace sur le carrelage",
            "Il relève la serpillière tout seul sur les tapis",
        ], [
            "La serpillière étale juste l'eau sale",
            "Il a laissé des traces d'eau partout sur mon parquet",
        ]),
        "pets": A([
            "Il gère les poils du chien sans se boucher",
            "Parfait avec deux chats qui perdent leurs poils partout",
        ], [
            "Les cheveux s'enroulent sans arrêt autour de la brosse",
            "Il s'étouffe avec les cheveux longs",
        ]),
    },
}
CTX["robot-vacuums"] = {
    "en": ["We have a two-bedroom flat with tiles and a couple of rugs", "We have two cats and a lot of hair to deal with",
           "It runs every morning while we're at work", "Bought it to save some time on chores",
           "Our {short} has been running daily for two months"],
    "fr": ["On a un appartement de 70 m² avec carrelage et tapis", "Nous avons deux chats et beaucoup de poils",
           "Il tourne tous les matins pendant qu'on est au travail", "Acheté pour gagner du temps sur le ménage",
           "Notre {short} tourne tous les jours depuis deux mois"],
}

CAT["smartwatches"] = {
    "en": {
        "battery": A([
            "Battery lasts several days even with GPS on",
            "I charge it every few days at most",
            "It charges quickly",
        ], [
            "Battery barely lasts a day",
            "The always-on display kills the battery",
            "The charger is proprietary and easy to lose",
        ]),
        "screen": A([
            "The screen is bright and easy to read outdoors",
            "The display is {int} sharp",
            "The watch faces look great",
        ], [
            "The screen scratched after a week",
            "It's hard to read in direct sunlight",
            "The display wakes up randomly at night",
        ]),
        "tracking": A([
            "GPS locks quickly and the distances are accurate",
            "Step and workout tracking are spot on",
            "Heart rate readings match my chest strap",
        ], [
            "GPS tracks are all over the place",
            "Heart rate readings are wildly off during intervals",
            "It counts steps when I'm driving",
        ]),
        "sleep": A([
            "Sleep tracking is surprisingly detailed",
            "The sleep score actually helped me change my habits",
        ], [
            "Sleep tracking is unreliable",
            "It's too bulky to wear in bed",
        ]),
        "strap": A([
            "The strap is comfortable all day",
            "It's light enough that I forget it's on my wrist",
        ], [
            "The strap irritates my skin",
            "The clasp feels flimsy",
            "It's too big for a small wrist",
        ]),
        "notifications": A([
            "Notifications arrive instantly and are easy to read",
            "The companion app is clear and well designed",
            "Pairing with my phone was easy",
        ], [
            "Notifications are delayed or don't show up at all",
            "The app is cluttered with subscription upsells",
            "It disconnects from my phone regularly",
        ]),
    },
    "fr": {
        "battery": A([
            "La batterie tient plusieurs jours même avec le GPS",
            "Je la recharge tous les trois ou quatre jours",
            "La recharge est rapide",
        ], [
            "La batterie tient à peine une journée",
            "L'écran toujours allumé vide la batterie",
            "Le chargeur est propriétaire et facile à perdre",
        ]),
        "screen": A([
            "L'écran est lumineux et lisible en extérieur",
            "L'écran est {int} net",
            "Les cadrans sont superbes",
        ], [
            "L'écran s'est rayé au bout d'une semaine",
            "Elle est difficile à lire en plein soleil",
            "L'écran s'allume tout seul la nuit",
        ]),
        "tracking": A([
            "Le GPS capte vite et les distances sont justes",
            "Le suivi des pas et des séances est précis",
            "La fréquence cardiaque correspond à ma ceinture cardio",
        ], [
            "Les traces GPS partent dans tous les sens",
            "La fréquence cardiaque est complètement fausse en fractionné",
            "Elle compte des pas quand je conduis",
        ]),
        "sleep": A([
            "Le suivi du sommeil est étonnamment détaillé",
            "Le score de sommeil m'a aidé à changer mes habitudes",
        ], [
            "Le suivi du sommeil n'est pas fiable",
            "Elle est trop encombrante pour dormir avec",
        ]),
        "strap": A([
            "Le bracelet est confortable toute la journée",
            "Elle est tellement légère que j'oublie que je la porte",
        ], [
            "Le bracelet m'irrite la peau",
            "Le fermoir fait fragile",
            "Elle est trop grosse pour un petit poignet",
        ]),
        "notifications": A([
            "Les notifications arrivent instantanément et sont lisibles",
            "L'application compagnon est claire et bien pensée",
            "Le jumelage avec le téléphone a été simple",
        ], [
            "Les notifications arrivent en retard ou pas du tout",
            "L'application est envahie de pubs pour l'abonnement",
            "Elle se déconnecte régulièrement du téléphone",
        ]),
    },
}
CTX["smartwatches"] = {
    "en": ["Bought it to track my running", "I mostly use it for notifications and sleep tracking",
           "This is my first smartwatch", "Upgraded from a basic fitness band",
           "I've worn the {short} every day for six weeks"],
    "fr": ["Achetée pour suivre mes sorties running", "Je m'en sers surtout pour les notifications et le sommeil",
           "C'est ma première montre connectée", "Elle remplace un simple bracelet d'activité",
           "Je porte la {short} tous les jours depuis six semaines"],
}

INTENSIFIERS = {
    "en": ["really", "very", "extremely", "incredibly", "super", "seriously", "genuinely"],
    "fr": ["vraiment", "très", "super", "hyper", "extrêmement", "franchement", "carrément"],
}
PREFIX_POS = {
    "en": ["Honestly, ", "I have to say, ", "So far, ", "Overall, ", "First of all, "],
    "fr": ["Franchement, ", "Honnêtement, ", "Pour l'instant, ", "Dans l'ensemble, ", "Déjà, "],
}
PREFIX_NEG = {
    "en": ["Sadly, ", "Unfortunately, ", "Honestly, ", "To make things worse, "],
    "fr": ["Malheureusement, ", "Hélas, ", "Franchement, ", "Et en plus, "],
}
SOFT_NEG_PREFIX = {
    "en": ["Only downside: ", "My only complaint is that ", "One small gripe: ", "If I had to nitpick, "],
    "fr": ["Seul bémol : ", "Petit bémol : ", "Le seul reproche : ", "Seul point négatif : "],
}
CONNECTORS = {
    "en": [", but ", " but ", ", although ", "; however, ", ", though "],
    "fr": [", mais ", " mais ", ", par contre ", ", en revanche ", ", cependant "],
}
CLOSERS = {
    "en": {
        "pos": ["Highly recommend", "Would buy again", "No regrets at all", "Couldn't be happier",
                "I've already recommended it to two friends"],
        "mixed": ["Fine if you get it on sale", "Wait for a discount", "Not sure I'd buy it again",
                  "It does the job, nothing more"],
        "neg": ["Returned it", "Avoid", "I want my money back", "Sending it back tomorrow",
                "Never again with this brand"],
    },
    "fr": {
        "pos": ["Je recommande", "Je rachèterais sans hésiter", "Aucun regret", "Que du bonheur",
                "Je l'ai déjà conseillé à deux amis"],
        "mixed": ["À prendre en promo", "Attendez une réduction", "Je ne sais pas si je referais cet achat",
                  "Ça fait le job, sans plus"],
        "neg": ["Renvoyé", "À éviter", "Je veux être remboursé", "Retour au vendeur dès demain",
                "Plus jamais cette marque"],
    },
}
CAPS_CLOSERS = {
    "en": {"pos": ["LOVE IT", "AMAZING", "BEST PURCHASE EVER"], "neg": ["DO NOT BUY", "AVOID", "STAY AWAY"]},
    "fr": {"pos": ["GÉNIAL", "TOP", "FONCEZ"], "neg": ["À FUIR", "NUL", "ARNAQUE"]},
}
RANTS = {
    "en": ["What a complete waste of money!", "How is this even allowed to be sold?",
           "Seriously, what were they thinking?", "I'm honestly furious!"],
    "fr": ["Quelle perte d'argent !", "Comment on peut vendre ça ?", "Franchement, à quoi ils pensaient ?",
           "Je suis furieux !"],
}
EMOJI = {
    "pos": ["👍", "😍", "🙂", "✨", "🔥", "👌", "💯"],
    "neg": ["😡", "👎", "😤", "🙁", "😞", "🤬"],
    "mixed": ["🤷", "😐"],
}
CAT_EMOJI = {"headphones": "🎧", "earbuds": "🎶", "espresso-machines": "☕", "smartphones": "📱",
             "laptops": "💻", "robot-vacuums": "🤖", "smartwatches": "⌚"}

TITLES = {
    "en": {
        5: ["Excellent", "Absolutely love it", "Best purchase this year", "Highly recommend", "Exceeded expectations",
            "Worth every penny", "Fantastic", "So happy with this", "Brilliant", "Just wow", "Perfect"],
        4: ["Very good, minor quibbles", "Great, but not perfect", "Solid choice", "Really good overall",
            "Happy with it", "Almost perfect", "Good buy"],
        3: ["It's okay", "Mixed feelings", "Decent but overpriced", "Good and bad", "Average", "Does the job",
            "Not bad, not great"],
        2: ["Disappointed", "Expected more", "Not worth it", "Meh", "Underwhelming", "Wouldn't buy again"],
        1: ["Terrible", "Avoid!", "Complete waste of money", "DO NOT BUY", "Awful", "Returned it",
            "Very disappointed", "Broke after a month"],
    },
    "fr": {
        5: ["Excellent !", "Parfait", "Je recommande", "Super achat", "Au top", "Génial", "Très satisfait",
            "Coup de cœur", "Rien à redire", "Top qualité"],
        4: ["Très bien, quelques petits défauts", "Bon produit", "Satisfait dans l'ensemble", "Presque parfait",
            "Bon achat", "Bien mais pas parfait"],
        3: ["Correct sans plus", "Mitigé", "Bof", "Moyen", "Peut mieux faire", "Ni bon ni mauvais"],
        2: ["Déçu", "Pas terrible", "Pas à la hauteur", "Je m'attendais à mieux", "Bof bof"],
        1: ["Nul", "À fuir !", "Arnaque", "Très déçu", "NUL", "Argent jeté par les fenêtres",
            "Cassé au bout d'un mois", "Catastrophique"],
    },
}
CAT_TITLES = {
    "headphones": {"en": (["Best headphones I've owned", "Amazing sound"], ["Headphones broke quickly", "Poor sound for the money"]),
                   "fr": (["Casque génial", "Un son magnifique"], ["Casque décevant", "Casque cassé trop vite"])},
    "headphones_wired": {"en": (["Studio workhorse", "Reference sound"], ["Cable died fast", "Not for studio use"]),
                         "fr": (["Un casque de référence", "Parfait pour le studio"], ["Câble fragile", "Décevant en studio"])},
    "earbuds": {"en": (["Best earbuds ever", "Great little earbuds"], ["Keep falling out", "Earbuds not worth it"]),
                "fr": (["Des écouteurs au top", "Super écouteurs"], ["Écouteurs décevants", "Ils tombent sans arrêt"])},
    "espresso-machines": {"en": (["Café-quality espresso at home", "My mornings are better now"], ["Leaky machine", "Lukewarm coffee"]),
                          "fr": (["Enfin un bon expresso à la maison", "Machine au top"], ["Machine qui fuit", "Café tiède, déçu"])},
    "smartphones": {"en": (["Great phone", "Best phone I've had"], ["Phone overheats", "Battery is a joke"]),
                    "fr": (["Super téléphone", "Excellent smartphone"], ["Téléphone qui chauffe", "Batterie ridicule"])},
    "laptops": {"en": (["Excellent laptop", "Perfect for work"], ["Loud and slow", "Laptop disappointment"]),
                "fr": (["Excellent ordinateur", "Parfait pour le travail"], ["Bruyant et lent", "PC décevant"])},
    "robot-vacuums": {"en": (["Best household purchase", "Clean floors every day"], ["Gets stuck constantly", "Dumb robot"]),
                      "fr": (["Le robot qui a changé ma vie", "Des sols enfin propres"], ["Il se coince partout", "Robot bête à pleurer"])},
    "smartwatches": {"en": (["Great running watch", "Love this watch"], ["Battery won't last a day", "Inaccurate tracking"]),
                     "fr": (["Montre au top", "Parfaite pour le sport"], ["Montre décevante", "Suivi pas fiable"])},
}

NAMES = {
    "en": ["James", "Emily", "Michael", "Sarah", "David", "Olivia", "Daniel", "Jessica", "Chris", "Hannah",
           "Ryan", "Megan", "Tom", "Laura", "Kevin", "Rachel", "Ben", "Amy", "Josh", "Priya", "Liam", "Chloe",
           "Ethan", "Grace", "Noah", "Sophie", "Marcus", "Aisha", "Connor", "Zoe", "Raj", "Fiona", "Owen",
           "Kate", "Tyler", "Natalie", "Sam", "Jasmine", "Alex", "Brooke", "Dylan", "Leah", "Mateo", "Ana",
           "Kenji", "Mei", "Lukas", "Jonas", "Felix", "Lena", "Tobias", "Hannes", "Siobhan", "Callum"],
    "fr": ["Marie", "Julien", "Camille", "Thomas", "Léa", "Nicolas", "Chloé", "Antoine", "Manon", "Maxime",
           "Sophie", "Pierre", "Élodie", "Mathieu", "Claire", "Hugo", "Inès", "Louis", "Sarah", "Romain",
           "Émilie", "Benoît", "Amélie", "Guillaume", "Aurélie", "Yannick", "Mélanie", "Sébastien", "Océane",
           "Théo", "Justine", "Karim", "Nadia", "Mylène", "Gabriel", "Jean-François", "Marc-André",
           "Geneviève", "Étienne", "Isabelle", "Patrice", "Josée", "Rémi", "Laurence", "Olivier", "Valérie",
           "Cédric", "Lucie", "Fatima", "Yanis"],
}
INITIALS = "ABCDEFGHJKLMNOPRSTVW"

# Words that must keep their capital letter when a clause is joined mid-sentence.
PROPER = ("Bluetooth", "Android", "Google", "Apple", "Samsung", "Sony", "Bose", "Mac", "Windows",
          "Garmin", "Fitbit", "Galaxy")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def weighted_choice(rng, items):
    """items: list of (value, weight)."""
    total = sum(w for _, w in items)
    r = rng.random() * total
    acc = 0.0
    for v, w in items:
        acc += w
        if r < acc:
            return v
    return items[-1][0]


def weighted_sample(rng, items, k):
    items = list(items)
    out = []
    for _ in range(min(k, len(items))):
        v = weighted_choice(rng, items)
        out.append(v)
        items = [(a, w) for a, w in items if a != v]
    return out


SUBJECT_WORDS = ("The", "It", "It's", "They", "They're", "I", "I'm", "I've", "My", "This",
                 "Le", "La", "Les", "Il", "Elle", "Ils", "On", "Je", "Mes", "Mon", "Ma")


def starts_with_subject(s):
    tok = s.split(" ", 1)[0]
    return tok in SUBJECT_WORDS or tok[:2] in ("L'", "J'")


def lc_first(s):
    tok = s.split(" ", 1)[0]
    if tok == "I" or tok.startswith("I'") or tok.startswith("{"):
        return s
    if len(tok) > 2 and tok[1] in "'’":
        return s[0].lower() + s[1:]
    if any(c.isupper() for c in tok[1:]):
        return s
    if tok.strip(",.:;") in PROPER:
        return s
    return s[0].lower() + s[1:]


def group_digits(n, sep):
    s = str(n)
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return sep.join(parts)


def nice_cents(rng, amount, shop, used=False):
    """Round a float amount to a shop-typical price, returned in cents."""
    ending = weighted_choice(rng, SHOP_ENDINGS[shop])
    if used:
        step = 1
    elif amount < 100:
        step = 1
    elif amount < 1000:
        step = 5
    else:
        step = 10
    base = max(step, int(round(amount / step)) * step)
    if ending == "any":
        return base * 100 - rng.randrange(0, 100)
    if ending == "99":
        return base * 100 - 1
    if ending == "95":
        return base * 100 - 5
    if ending == "90":
        return base * 100 - 10
    # "00": either the round number or one below it (349.00 / 350.00)
    if step >= 5 and rng.random() < 0.5:
        return (base - 1) * 100
    return base * 100


def format_price(rng, cents, shop):
    e, c = divmod(cents, 100)
    if shop == "voltaire":
        s = "%s,%02d €" % (group_digits(e, " "), c)
        return s + " TTC" if rng.random() < 0.3 else s
    if shop == "tassin":
        s = "%s,%02d €" % (group_digits(e, " "), c)
        return s + " TTC" if rng.random() < 0.6 else s
    if shop == "renew":
        return "%d,%02d €" % (e, c)
    if shop == "rheinwerk":
        return "%s,%02d €" % (group_digits(e, "."), c)
    if shop == "brightline":
        return "$%s.%02d" % (group_digits(e, ","), c)
    if shop == "harbour":
        return "£%s.%02d" % (group_digits(e, ","), c)
    if shop == "maple":
        return "C$%s.%02d" % (group_digits(e, ","), c)
    if shop == "tamarack":
        return "$%s.%02d CAD" % (group_digits(e, ","), c)
    if shop == "nordet":
        return "%s,%02d%s$" % (group_digits(e, NORDET_SPACE), c, NORDET_SPACE)
    raise ValueError(shop)


# ---------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------
def build_products(rng):
    rows = []
    for p in PRODUCTS:
        row = {
            "product_id": p["id"],
            "title": p["title"],
            "brand": p["brand"],
            "model": p["model"],
            "category": p["cat"],
        }
        if rng.random() < 0.62:
            row["gtin"] = make_gtin(rng, p["brand"])
        if p["mpn"]:
            row["mpn"] = p["mpn"]
        row["keywords"] = product_keywords(p)
        row["description"] = p["desc"]
        rows.append(row)
    return rows


def shop_weight(shop, cat):
    if shop in SHOP_CATEGORIES and cat not in SHOP_CATEGORIES[shop]:
        return 0.0
    if shop == "tassin":
        return 2.5
    if shop == "renew":
        return 1.3 if cat in ("smartphones", "laptops", "headphones", "earbuds", "smartwatches") else 0.7
    return 1.0


def build_offers(rng):
    offers = []
    n = 0
    for p in PRODUCTS:
        eligible = [(s, shop_weight(s, p["cat"])) for s in SHOP_ORDER]
        eligible = [(s, w) for s, w in eligible if w > 0]
        k = weighted_choice(rng, [(3, 10), (4, 20), (5, 25), (6, 22), (7, 14), (8, 9)])
        chosen = weighted_sample(rng, eligible, k)
        chosen = [s for s in SHOP_ORDER if s in chosen]
        for shop in chosen:
            name, country, currency, _, domain = SHOPS[shop]
            if shop == "renew":
                conds = [rng.choice(["used", "refurbished"])]
                if rng.random() < 0.25:
                    conds.append("refurbished" if conds[0] == "used" else "used")
            else:
                conds = [weighted_choice(rng, [("new", 82), ("used", 9), ("refurbished", 9)])]
                if shop == "tassin" and conds[0] == "used":
                    conds = ["refurbished"]
            for cond in conds:
                amount = p["eur"] * CURRENCY_FACTOR[currency] * SHOP_FACTOR[shop]
                amount *= 1.0 + max(-0.09, min(0.09, rng.gauss(0.0, 0.04)))
                r = rng.random()
                if r < 0.04:
                    amount *= rng.uniform(0.70, 0.80)  # flash sale / clearance
                elif r < 0.08:
                    amount *= rng.uniform(1.25, 1.55)  # overpriced reseller
                if cond == "used":
                    amount *= rng.uniform(0.58, 0.78)
                elif cond == "refurbished":
                    amount *= rng.uniform(0.68, 0.88)
                cents = nice_cents(rng, amount, shop, used=(cond != "new"))
                price_text = format_price(rng, cents, shop)
                condition = rng.choice(CONDITION_TEXT[shop][cond])
                ra = rng.random()
                if cond == "new":
                    avail = "in_stock" if ra < 0.81 else ("out_of_stock" if ra < 0.97 else "preorder")
                else:
                    avail = "in_stock" if ra < 0.88 else "out_of_stock"
                avail = AVAILABILITY_TEXT[avail][1 if shop in SCHEMA_AVAILABILITY_SHOPS else 0]
                slug = p["id"]
                if shop == "voltaire":
                    url = "https://%s/p/%s" % (domain, slug)
                    if cond != "new":
                        url += "?etat=" + ("occasion" if cond == "used" else "reconditionne")
                elif shop == "rheinwerk":
                    url = "https://%s/artikel/%s-%d" % (domain, slug, rng.randrange(100000, 999999))
                elif shop == "brightline":
                    url = "https://%s/products/%s%s" % (domain, slug, "" if cond == "new" else "-" + ("renewed" if cond == "refurbished" else "used"))
                elif shop == "harbour":
                    url = "https://%s/shop/%s/%s" % (domain, p["cat"], slug)
                    if cond != "new":
                        url += "?condition=" + cond
                elif shop == "maple":
                    url = "https://%s/en/product/%s" % (domain, slug)
                    if cond != "new":
                        url += "-" + cond
                elif shop == "tamarack":
                    url = "https://%s/item/TE-%05d" % (domain, rng.randrange(10000, 99999))
                elif shop == "nordet":
                    url = "https://%s/fr/produit/%s" % (domain, slug)
                    if cond != "new":
                        url += "?etat=" + ("usage" if cond == "used" else "reconditionne")
                elif shop == "renew":
                    grade = "bon-etat" if cond == "used" else rng.choice(["tres-bon-etat", "parfait-etat"])
                    url = "https://%s/listing/%s-%s-%d" % (domain, slug, grade, rng.randrange(1000, 99999))
                else:  # tassin
                    url = "https://%s/%s/%s.html" % (domain, CATEGORY_FR_PATH[p["cat"]], slug)
                    if cond != "new":
                        url = url.replace(".html", "-reconditionne.html")
                n += 1
                offers.append({
                    "offer_id": "of-%04d" % n, "product_id": p["id"], "shop": name, "country": country,
                    "price_text": price_text, "currency": currency, "condition": condition,
                    "availability": avail, "url": url,
                    "_shop": shop, "_cond": cond,
                })
    return offers


class ReviewWriter:
    def __init__(self, rng):
        self.rng = rng

    def intensify(self, clause, lang, strong):
        rng = self.rng
        while "{int}" in clause:
            w = rng.choice(INTENSIFIERS[lang])
            if strong and rng.random() < 0.18:
                w = w.upper()
            clause = clause.replace("{int}", w, 1)
        return clause

    def fill(self, clause, lang, p, strong):
        clause = self.intensify(clause, lang, strong)
        return clause.replace("{short}", p["short"]).replace("{brand}", p["brand"])

    def end(self, sentence, lang, kind, strong):
        """Add terminal punctuation. kind: pos/neg/mixed/ctx."""
        rng = self.rng
        if sentence[-1] in "?!":
            return sentence
        mark = "."
        if kind == "pos" and strong and rng.random() < 0.35:
            mark = "!"
        elif kind == "neg" and strong and rng.random() < 0.3:
            mark = rng.choice(["!", "!!", "!!!"])
        elif kind in ("pos", "neg") and rng.random() < 0.08:
            mark = "!"
        if mark != "." and lang == "fr" and rng.random() < 0.6:
            mark = " " + mark
        return sentence + mark

    def review(self, p, pool_key, lang, sentiment, aspects_extra):
        """sentiment: 1..5 -- what the TEXT expresses (may differ from stars)."""
        rng = self.rng
        pools = CAT[pool_key][lang]
        skip = []
        for f in p["flags"]:
            skip += NO_ASPECTS.get(f, [])
        cat_aspects = [a for a in pools if a not in skip]
        generic = GENERIC[lang]
        aspect_w = [(a, 3.0) for a in cat_aspects] + [("value", 1.0), ("delivery", 0.7), ("service", 0.5), ("brand", 0.3)]
        for a in aspects_extra:
            aspect_w.append((a, 5.0))
        strong = sentiment in (1, 5)

        n = weighted_choice(rng, [(1, 18), (2, 37), (3, 30), (4, 15)])
        parts = []  # (text, kind)
        if n >= 2 and rng.random() < 0.3:
            parts.append((self.fill(rng.choice(CTX[pool_key][lang]), lang, p, False), "ctx"))
        closer = None
        if n >= 2 and len(parts) < n - 1 and rng.random() < 0.25:
            closer = True
        body_n = n - len(parts) - (1 if closer else 0)

        # polarity plan for body sentences
        if sentiment == 5:
            plan = ["pos"] * body_n
        elif sentiment == 4:
            plan = ["pos"] * body_n
            if rng.random() < 0.5:
                plan[-1] = rng.choice(["soft", "pn"])
        elif sentiment == 3:
            plan = [rng.choice(["pos", "neg"]) for _ in range(body_n)]
            plan[rng.randrange(body_n)] = rng.choice(["pn", "np", "soft"])
        elif sentiment == 2:
            plan = ["neg"] * body_n
            if rng.random() < 0.45:
                plan[0] = "pn"
        else:
            plan = ["neg"] * body_n

        used = []

        def pick(polarity):
            cands = [(a, w) for a, w in aspect_w if a not in used]
            a = weighted_choice(rng, cands)
            used.append(a)
            src = pools[a] if a in pools else generic[a]
            return self.fill(rng.choice(src[polarity]), lang, p, strong)

        first_body = True
        for pol in plan:
            if pol in ("pos", "neg"):
                text = pick(pol)
                r = rng.random()
                prefixable = starts_with_subject(text)
                if pol == "pos" and prefixable and r < 0.15:
                    text = rng.choice(PREFIX_POS[lang]) + lc_first(text)
                elif pol == "neg" and prefixable and r < 0.17:
                    pref = rng.choice(PREFIX_NEG[lang])
                    if first_body and pref in ("To make things worse, ", "Et en plus, "):
                        pref = PREFIX_NEG[lang][0]
                    text = pref + lc_first(text)
                elif sentiment == 1 and r < 0.2 and not text.isupper():
                    if rng.random() < 0.15:
                        text = text.upper()
                parts.append((text, pol))
            elif pol == "soft":
                text = rng.choice(SOFT_NEG_PREFIX[lang]) + lc_first(pick("neg"))
                parts.append((text, "mixed"))
            else:  # pn / np contrast
                a_pol, b_pol = ("pos", "neg") if pol == "pn" else ("neg", "pos")
                a_txt = pick(a_pol)
                b_txt = pick(b_pol)
                conn = rng.choice(CONNECTORS[lang])
                text = a_txt + conn + lc_first(b_txt)
                parts.append((text, "mixed"))
            first_body = False

        if closer:
            if sentiment >= 4:
                ck = "pos"
            elif sentiment == 3:
                ck = "mixed"
            else:
                ck = "neg"
            if strong and rng.random() < 0.25:
                parts.append((rng.choice(CAPS_CLOSERS[lang][ck]), ck))
            elif sentiment == 1 and rng.random() < 0.3:
                parts.append((rng.choice(RANTS[lang]), "neg"))
            else:
                parts.append((rng.choice(CLOSERS[lang][ck]), ck))

        sentences = []
        for text, kind in parts:
            sentences.append(self.end(text[0].upper() + text[1:] if not text.startswith("{") else text, lang, kind, strong))
        out = " ".join(sentences)
        # emoji
        if rng.random() < 0.09:
            if sentiment >= 4:
                e = rng.choice(EMOJI["pos"] + [CAT_EMOJI[p["cat"]]])
            elif sentiment == 3:
                e = rng.choice(EMOJI["mixed"])
            else:
                e = rng.choice(EMOJI["neg"])
            out = out + " " + e
        return out

    def title(self, p, pool_key, lang, sentiment):
        rng = self.rng
        if rng.random() < 0.25 and sentiment in (1, 2, 4, 5):
            pos, neg = CAT_TITLES[pool_key][lang]
            return rng.choice(pos if sentiment >= 4 else neg)
        return rng.choice(TITLES[lang][sentiment])


def build_reviews(rng, offers):
    writer = ReviewWriter(rng)
    by_product = {}
    for o in offers:
        by_product.setdefault(o["product_id"], []).append(o)
    start = datetime.date(2025, 1, 1)
    span = (datetime.date(2026, 10, 31) - start).days
    seen = set()
    rows = []
    contradictions = 0
    rid = 0
    for p in PRODUCTS:
        count = max(3, int(round(7.6 * p["pop"] * rng.uniform(0.65, 1.35))))
        pool_key = "headphones_wired" if "wired" in p["flags"] else p["cat"]
        q = p["q"]
        rating_w = [(5, 47 * (1 + q)), (4, 25 * (1 + q / 2)), (3, 11), (2, 7 * (1 - q)), (1, 10 * (1 - q))]
        offers_p = by_product[p["id"]]
        shops_p = []
        for o in offers_p:
            if o["_shop"] not in shops_p:
                shops_p.append(o["_shop"])
        product_rows = []
        for _ in range(count):
            lang = "en" if rng.random() < 0.6 else "fr"
            same_lang = [s for s in shops_p if SHOPS[s][3] == lang]
            shop = rng.choice(same_lang) if same_lang else rng.choice(shops_p)
            conds = [o["_cond"] for o in offers_p if o["_shop"] == shop]
            refurb = "new" not in conds
            rating = weighted_choice(rng, rating_w)
            sentiment = rating
            if rng.random() < 0.03:
                # Deliberate stars/text mismatch (mis-click, sarcasm, wrong product...).
                sentiment = {5: 1, 4: 1, 3: rng.choice([1, 5]), 2: 5, 1: 5}[rating]
                contradictions += 1
            extra = []
            if refurb:
                extra = ["condition"]
                if p["cat"] in BATTERY_CATEGORIES:
                    extra.append("condition_batt")
            for _attempt in range(200):
                text = writer.review(p, pool_key, lang, sentiment, extra)
                if text not in seen:
                    break
            else:
                raise RuntimeError("could not produce a unique review for " + p["id"])
            seen.add(text)
            author = "%s %s." % (rng.choice(NAMES[lang]), rng.choice(INITIALS))
            date = start + datetime.timedelta(days=rng.randrange(span + 1))
            product_rows.append({
                "product_id": p["id"], "shop": SHOPS[shop][0], "author": author, "rating": rating,
                "title": writer.title(p, pool_key, lang, sentiment), "text": text, "language": lang,
                "date": date.isoformat(),
            })
        product_rows.sort(key=lambda r: r["date"])
        for r in product_rows:
            rid += 1
            rows.append(dict([("review_id", "rv-%05d" % rid)] + list(r.items())))
    return rows, contradictions


CATALOG_TOML = '''name = "marketlens sample catalogue"
sample = true
notice = "Sample data: fictional shops, prices and reviews written by the marketlens project for demonstration. Not real market data."
'''


def main():
    parser = argparse.ArgumentParser(description="Generate the marketlens sample catalogue.")
    parser.add_argument("--out", default=OUT_DIR,
                        help="directory to write the files to (default: next to this script)")
    out_dir = parser.parse_args().out
    rng = random.Random(SEED)
    products = build_products(rng)
    offers = build_offers(rng)
    reviews, contradictions = build_reviews(rng, offers)

    with open(os.path.join(out_dir, "catalog.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(CATALOG_TOML)
    with open(os.path.join(out_dir, "products.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for row in products:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    header = ["offer_id", "product_id", "shop", "country", "price_text", "currency", "condition",
              "availability", "url"]
    with open(os.path.join(out_dir, "offers.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for o in offers:
            w.writerow([o[h] for h in header])
    with open(os.path.join(out_dir, "reviews.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for row in reviews:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print("products=%d offers=%d reviews=%d (stars/text mismatches: %d)"
          % (len(products), len(offers), len(reviews), contradictions))


if __name__ == "__main__":
    main()
