#!/usr/bin/env python3
"""Writes the two small held-out-style matching test sets of this folder.

Fictional listings written for testing the matcher, in the Magellan / DeepMatcher
layout (tableA.csv, tableB.csv, test.csv with ltable_id,rtable_id,label):

- software/: software titles with a manufacturer field (id,title,manufacturer,price);
  shop B often leaves the manufacturer empty and writes titles its own way.
- electronics/: electronics with brand / model number / category fields
  (id,title,category,brand,modelno,price); each shop has its own category taxonomy
  and fills the model-number field only sometimes.

Products, vocabularies and wording here are separate from the training generator of
`marketlens eval matching --train --synthetic` (crates/marketlens-cli/src/eval/
matching_synthetic.rs), so these sets test transfer rather than memory.
Standard library only, seeded: `python3 data/matching/generate.py` rewrites the
files byte for byte (`--out DIR` writes them under DIR instead).
"""

import csv
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = HERE

SOFTWARE = [
    # manufacturer, alt spelling, product, kind of versioning
    ("Apple", "Apple Computer", "Final Cut Studio", "num"),
    ("Apple", "Apple Computer", "iWork", "year"),
    ("Apple", "Apple Computer", "Logic Express", "num"),
    ("Microsoft", "Microsoft Software", "Office Small Business", "year"),
    ("Microsoft", "Microsoft Software", "Expression Web", "num"),
    ("Microsoft", "Microsoft Software", "Publisher", "year"),
    ("Adobe", "Adobe Systems", "InDesign", "cs"),
    ("Adobe", "Adobe Systems", "Flash Professional", "cs"),
    ("Adobe", "Adobe Systems", "Lightroom", "num"),
    ("Adobe", "Adobe Systems", "Contribute", "cs"),
    ("Intuit", "Intuit Inc", "QuickBooks Premier", "year"),
    ("Intuit", "Intuit Inc", "Quicken Home & Business", "year"),
    ("H&R Block", "H & R Block", "TaxCut", "year"),
    ("Symantec", "Symantec Corp", "Norton SystemWorks", "year"),
    ("Symantec", "Symantec Corp", "pcAnywhere", "num"),
    ("Trend Micro", "Trend Micro Inc", "PC-cillin Internet Security", "year"),
    ("CA", "Computer Associates", "eTrust EZ Antivirus", "year"),
    ("Webroot", "Webroot Software", "Spy Sweeper", "num"),
    ("Sonic Solutions", "Sonic", "Roxio Toast", "num"),
    ("Cyberlink", "CyberLink Corp", "PowerDVD", "num"),
    ("Cyberlink", "CyberLink Corp", "PowerDirector", "num"),
    ("Pinnacle", "Pinnacle Systems", "Studio Plus", "num"),
    ("ACD Systems", "ACD", "ACDSee Photo Manager", "num"),
    ("Punch Software", "Punch!", "Home Design Studio", "num"),
    ("IMSI", "IMSI Design", "TurboCAD Deluxe", "num"),
    ("Smith Micro", "Smith Micro Software", "StuffIt Deluxe", "num"),
    ("Parallels", "Parallels Inc", "Desktop for Mac", "num"),
    ("FileMaker", "FileMaker Inc", "FileMaker Pro", "num"),
    ("Rosetta Stone", "Rosetta Stone Ltd", "Rosetta Stone Italian Level 1", "none"),
    ("Encore", "Encore Software", "Hoyle Card Games", "year"),
    ("Global Software Publishing", "GSP", "Print Perfect Deluxe", "none"),
    ("ValuSoft", "Valusoft", "Mahjong Towers Eternity", "none"),
]

TIERS = ["Standard", "Professional", "Deluxe", "Premier", "Home", "Ultimate", "Basic", "Plus"]


def software_product(rng, base):
    maker, alt, name, kind = base
    attrs = {}
    if kind == "year":
        attrs["year"] = rng.choice([2005, 2006, 2007, 2008])
    elif kind == "num":
        attrs["ver"] = rng.choice(["2", "3", "4", "5", "6", "7", "8", "9"])
    elif kind == "cs":
        attrs["cs"] = rng.choice(["CS2", "CS3", "CS4"])
    if rng.random() < 0.45:
        attrs["tier"] = rng.choice(TIERS)
    if rng.random() < 0.35:
        attrs["platform"] = rng.choice(["Mac", "Windows"])
    if rng.random() < 0.3:
        attrs["licence"] = rng.choice(["Upgrade", "Academic"])
    if rng.random() < 0.15:
        attrs["seats"] = rng.choice([1, 3, 5])
    price = round(rng.uniform(15, 700), 2)
    return {"maker": maker, "alt": alt, "name": name, "attrs": attrs, "price": price}


def software_neighbour(rng, p):
    q = {**p, "attrs": dict(p["attrs"])}
    a = q["attrs"]
    options = []
    if "year" in a:
        options.append(lambda: a.__setitem__("year", a["year"] + rng.choice([-1, 1])))
    if "ver" in a:
        options.append(lambda: a.__setitem__("ver", str(int(a["ver"]) + 1)))
    if "cs" in a:
        options.append(lambda: a.__setitem__("cs", {"CS2": "CS3", "CS3": "CS4", "CS4": "CS3"}[a["cs"]]))
    options.append(lambda: a.__setitem__("tier", rng.choice([t for t in TIERS if t != a.get("tier")])))
    options.append(lambda: a.__setitem__("platform", "Mac" if a.get("platform") != "Mac" else "Windows"))
    options.append(lambda: a.__setitem__("licence", "Upgrade" if a.get("licence") != "Upgrade" else "Academic"))
    options.append(lambda: a.__setitem__("seats", rng.choice([3, 5, 10])))
    rng.choice(options)()
    q["price"] = round(p["price"] * rng.uniform(0.5, 1.6), 2)
    return q


def software_title(rng, p, shop):
    a = p["attrs"]
    words = [p["name"]]
    if "cs" in a:
        words.append(a["cs"])
    if "ver" in a:
        words.append(rng.choice(["", "v", "version "]) + a["ver"] if shop == "B" else a["ver"])
    if "year" in a:
        words.append(str(a["year"]))
    if "tier" in a:
        t = a["tier"]
        if shop == "B" and t == "Professional" and rng.random() < 0.5:
            t = "Pro"
        words.append(t)
    if shop == "A":
        title = " ".join(words)
        if "platform" in a:
            title += " " + ("(Mac)" if a["platform"] == "Mac" else "(Win)") if rng.random() < 0.5 else " for " + a["platform"]
        if "licence" in a:
            title += " " + a["licence"]
        if "seats" in a:
            title += " - %d User" % a["seats"]
        if rng.random() < 0.5:
            title = p["maker"] + " " + title
    else:
        rng.shuffle(words[1:]) if len(words) > 2 else None
        title = " ".join(words).lower()
        if "licence" in a:
            title += " " + ("upgrade" if a["licence"] == "Upgrade" else "academic edition")
        if "platform" in a:
            title += " " + ("mac" if a["platform"] == "Mac" else "win")
        if "seats" in a:
            title += " %d-user license" % a["seats"]
        if rng.random() < 0.3:
            title += " " + rng.choice(["cd-rom", "dvd", "box", "software"])
    return " ".join(title.split())


def write_set(name, header, rows_a, rows_b, pairs):
    out = os.path.join(OUT, name)
    os.makedirs(out, exist_ok=True)
    for fname, rows in (("tableA.csv", rows_a), ("tableB.csv", rows_b)):
        with open(os.path.join(out, fname), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
    with open(os.path.join(out, "test.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ltable_id", "rtable_id", "label"])
        w.writerows(pairs)


def build_software(rng):
    rows_a, rows_b, pairs = [], [], []

    def add_a(p):
        rows_a.append([len(rows_a), software_title(rng, p, "A"), p["maker"] if rng.random() < 0.9 else "", "%.2f" % p["price"]])
        return len(rows_a) - 1

    def add_b(p):
        maker = rng.choice(["", "", p["alt"], p["maker"]])
        price = p["price"] * rng.uniform(0.85, 1.15)
        rows_b.append([len(rows_b), software_title(rng, p, "B"), maker, "%.2f" % price])
        return len(rows_b) - 1

    for i in range(120):
        p = software_product(rng, SOFTWARE[i % len(SOFTWARE)])
        a = add_a(p)
        pairs.append([a, add_b(p), 1])
        pairs.append([a, add_b(software_neighbour(rng, p)), 0])
        if rng.random() < 0.6:
            q = software_product(rng, rng.choice(SOFTWARE))
            if q["name"] != p["name"]:
                pairs.append([a, add_b(q), 0])
    rng.shuffle(pairs)
    write_set("software", ["id", "title", "manufacturer", "price"], rows_a, rows_b, pairs)


ELECTRONICS = [
    # kind, (taxonomy A, taxonomy B), brand choices, attribute builders
    ("Digital Photo Frame", ("electronics - general", "Digital Picture Frames"), ["Kodak", "Pandigital", "Coby"], [("in", [7, 8, 10, 15])]),
    ("MP3 Player", ("electronics - general", "MP3 Players & Accessories"), ["Creative", "Sansa", "Philips", "Coby"], [("GB", [2, 4, 8, 16])]),
    ("USB Flash Drive", ("computers accessories", "Flash Memory"), ["PNY", "Lexar", "Transcend", "Verbatim"], [("GB", [4, 8, 16, 32, 64])]),
    ("Laser Printer", ("printers", "Printers"), ["Brother", "Samsung", "Lexmark", "Xerox"], [("ppm", [20, 24, 30, 35])]),
    ("GPS Navigator", ("gps", "Car Electronics > GPS"), ["TomTom", "Magellan", "Garmin"], [("in", [3.5, 4.3, 5, 7])]),
    ("Plasma HDTV", ("tvs", "Television & Video"), ["Pioneer", "Hitachi", "Vizio", "Sharp"], [("in", [42, 46, 50, 58])]),
    ("Camcorder", ("camcorders", "Camera & Photo > Camcorders"), ["JVC", "Canon", "Sony", "Samsung"], [("GB", [30, 60, 80, 120]), ("x", [34, 35, 42])]),
    ("Noise-Isolating Earphones", ("headphones", "Headphones"), ["Shure", "Sennheiser", "Skullcandy", "Klipsch"], []),
    ("Notebook Battery", ("laptop accessories", "Batteries"), ["Targus", "Lenmar", "iGo"], [("mAh", [4400, 5200, 6600, 7800])]),
    ("Wireless Keyboard", ("computers accessories", "Keyboards & Mice"), ["Microsoft", "Logitech", "Kensington"], []),
    ("Surge Protector", ("power", "Power Protection"), ["APC", "Tripp Lite", "Belkin"], [("Outlet", [6, 8, 10, 12])]),
    ("Home Theater Receiver", ("home audio", "Receivers & Amplifiers"), ["Onkyo", "Yamaha", "Denon", "Harman Kardon"], [("W", [100, 110, 130])]),
    ("Portable DVD Player", ("dvd players", "Portable DVD Players"), ["Sylvania", "Philips", "Coby", "RCA"], [("in", [7, 8.5, 9, 10.2])]),
    ("DSLR Camera Body", ("cameras", "Camera & Photo > Digital SLR"), ["Olympus", "Pentax", "Sony", "Nikon"], [("MP", [10, 12.3, 14.6])]),
    ("Solid State Drive", ("storage", "Internal Solid State Drives"), ["Intel", "OCZ", "Crucial", "Corsair"], [("GB", [64, 80, 120, 160, 256])]),
    ("Cordless Drill", ("tools", "Power Tools"), ["DeWalt", "Makita", "Black & Decker"], [("V", [12, 14.4, 18, 20])]),
]

COLOURS = ["Black", "Silver", "White", "Red"]
BRAND_ALT = {"Black & Decker": "Black and Decker", "Harman Kardon": "Harman/Kardon", "Tripp Lite": "TrippLite"}


def model_number(rng):
    style = rng.randrange(4)
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVXZ") for _ in range(rng.choice([2, 3])))
    num = rng.randrange(100, 9999)
    if style == 0:
        return "%s-%d" % (letters, num)
    if style == 1:
        return "%s%d%s" % (letters, num, rng.choice(["", "B", "S", "X"]))
    if style == 2:
        return "%s %d" % (letters, num)
    return "%s%d-%s" % (letters, num, rng.choice(["BLK", "2", "NA"]))


def spell_model(rng, m):
    r = rng.randrange(4)
    sq = "".join(c for c in m if c.isalnum())
    if r == 0:
        return m
    if r == 1:
        return sq
    if r == 2:
        return sq.lower()
    return m.replace("-", " ").lower()


def spell_attr(rng, unit, v, shop):
    if unit == "in":
        return rng.choice(['%s"' % v, "%s-Inch" % v, "%s in." % v]) if shop == "B" else '%s"' % v
    if unit in ("GB", "MP", "mAh", "W", "V", "ppm"):
        return rng.choice(["%s%s" % (v, unit), "%s %s" % (v, unit)]) if shop == "B" else "%s%s" % (v, unit)
    if unit == "x":
        return "%sx Zoom" % v
    if unit == "Outlet":
        return "%s-Outlet" % v
    return "%s %s" % (v, unit)


def electronics_product(rng, spec):
    kind, cats, brands, attrs = spec
    return {
        "kind": kind,
        "cats": cats,
        "brand": rng.choice(brands),
        "model": model_number(rng),
        "attrs": [(u, rng.choice(vs)) for u, vs in attrs],
        "colour": rng.choice(COLOURS) if rng.random() < 0.35 else None,
        "price": round(rng.uniform(15, 1500), 2),
    }


def electronics_neighbour(rng, p):
    q = {**p, "attrs": list(p["attrs"])}
    m = p["model"]
    digits = [i for i, c in enumerate(m) if c.isdigit()]
    i = digits[-1 - rng.randrange(min(2, len(digits)))]
    q["model"] = m[:i] + str((int(m[i]) + rng.randrange(1, 9)) % 10) + m[i + 1:]
    if q["attrs"] and rng.random() < 0.6:
        spec = next(s for s in ELECTRONICS if s[0] == p["kind"])
        k = rng.randrange(len(q["attrs"]))
        u, _ = q["attrs"][k]
        q["attrs"][k] = (u, rng.choice([v for v in dict(spec[3])[u] if v != p["attrs"][k][1]]))
    q["price"] = round(p["price"] * rng.uniform(0.7, 1.4), 2)
    return q


def electronics_title(rng, p, shop):
    attrs = [spell_attr(rng, u, v, shop) for u, v in p["attrs"]]
    if shop == "A":
        parts = [p["brand"], p["kind"]] + attrs + [p["model"]]
        if p["colour"]:
            parts.append(p["colour"])
        return " ".join(parts)
    brand = BRAND_ALT.get(p["brand"], p["brand"]) if rng.random() < 0.5 else p["brand"]
    parts = []
    if rng.random() < 0.8:
        parts.append(brand)
    parts.append(spell_model(rng, p["model"]))
    parts += attrs
    parts.append(p["kind"].lower() if rng.random() < 0.5 else p["kind"])
    if p["colour"]:
        parts.append("(" + p["colour"].lower() + ")")
    if rng.random() < 0.25:
        parts.append(rng.choice(["- Free Shipping", "(New)", "Retail Packaging"]))
    return " ".join(parts)


def build_electronics(rng):
    rows_a, rows_b, pairs = [], [], []

    def add(rows, p, shop):
        title = electronics_title(rng, p, shop)
        cat = p["cats"][0 if shop == "A" else 1]
        if shop == "A":
            brand, modelno = p["brand"], p["model"] if rng.random() < 0.7 else ""
            price = p["price"]
        else:
            brand = (BRAND_ALT.get(p["brand"], p["brand"]) if rng.random() < 0.9 else "")
            modelno = spell_model(rng, p["model"]) if rng.random() < 0.5 else ""
            price = p["price"] * rng.uniform(0.85, 1.15)
        rows.append([len(rows), title, cat, brand, modelno, "%.2f" % price])
        return len(rows) - 1

    for i in range(120):
        p = electronics_product(rng, ELECTRONICS[i % len(ELECTRONICS)])
        a = add(rows_a, p, "A")
        pairs.append([a, add(rows_b, p, "B"), 1])
        pairs.append([a, add(rows_b, electronics_neighbour(rng, p), "B"), 0])
        r = rng.random()
        if r < 0.35:
            acc = {**p, "kind": rng.choice(["Carrying Case for", "AC Adapter for", "Replacement Remote for"]) + " " + p["kind"],
                   "attrs": [], "price": round(p["price"] * 0.08, 2)}
            pairs.append([a, add(rows_b, acc, "B"), 0])
        elif r < 0.7:
            q = electronics_product(rng, ELECTRONICS[i % len(ELECTRONICS)])
            pairs.append([a, add(rows_b, q, "B"), 0])
    rng.shuffle(pairs)
    write_set("electronics", ["id", "title", "category", "brand", "modelno", "price"], rows_a, rows_b, pairs)


def main():
    global OUT
    if len(sys.argv) == 3 and sys.argv[1] == "--out":
        OUT = sys.argv[2]
    elif len(sys.argv) != 1:
        print("usage: generate.py [--out DIR]", file=sys.stderr)
        return 2
    build_software(random.Random(20261130))
    build_electronics(random.Random(19970811))


if __name__ == "__main__":
    sys.exit(main())
