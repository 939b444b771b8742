//! Synthetic labelled pairs for training the pair model, generated (deterministic,
//! seeded) from a catalogue's `products.jsonl` and from generated electronics and
//! software products.
//!
//! Each product is written the way different shops write it: words reordered, brand
//! dropped from the title or the brand field, abbreviations (`Professional` → `Pro`,
//! `Windows` → `Win`), model numbers spelled `WH-1000XM5`, `wh1000xm5` or
//! `WH 1000 XM5`, units as `1TB` / `1 TB` / `1000GB`, filler words (`New`, `Retail
//! Box`), price within -25 % / +30 %. Positives are two such listings of one product. Hard
//! negatives are the neighbouring product (a model number one step away, another
//! capacity or size, another edition, year, platform, licence or seat count) and
//! accessories or bundles of the product (`Case for …`, `… with Charger`); easy
//! negatives are another product of the same kind.

use std::path::Path;

use marketlens_core::normalize::resolve::Record;
use serde_json::Value;

use super::matching::PairSet;

/// A deterministic generator (64-bit LCG); the same seed gives the same pairs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One product, before a shop writes it.
#[derive(Clone)]
struct Product {
    brand: String,
    /// Brand as other shops write it (`Hewlett-Packard` for `HP`).
    brand_alias: Option<String>,
    /// Product line (`Galaxy Tab`, `Office`).
    family: String,
    model: Option<String>,
    /// Attribute words (`32GB`, `Professional`, `2008`, `Mac`), each a unit.
    attributes: Vec<String>,
    /// Kind words (`microSDHC Memory Card`, `Software`).
    kind: String,
    category: (String, String),
    colour: Option<String>,
    price: f64,
}

const FILLERS: &[&str] = &[
    "New",
    "Retail Box",
    "Factory Sealed",
    "(Latest Model)",
    "Free Shipping",
    "OEM",
    "- Brand New",
    "w/ Warranty",
];

/// Word-level abbreviations shops use, both ways.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("Professional", "Pro"),
    ("Windows", "Win"),
    ("Edition", "Ed."),
    ("Upgrade", "Upg"),
    ("Standard", "Std"),
    ("Macintosh", "Mac"),
    ("Wireless", "Wrls"),
    ("Bluetooth", "BT"),
    ("Black", "Blk"),
    ("with", "w/"),
    ("and", "&"),
    ("Generation", "Gen"),
    ("Version", "Ver."),
];

/// A listing of `p` as one shop writes it.
fn listing(p: &Product, rng: &mut Rng) -> Record {
    listing_showing(p, rng, false)
}

/// A listing; with `show_model`, its title shows the model number (a neighbour that
/// differs only by it must show it to be told apart).
fn listing_showing(p: &Product, rng: &mut Rng, show_model: bool) -> Record {
    let mut brand = p.brand.clone();
    if let Some(alias) = &p.brand_alias
        && rng.chance(35)
    {
        brand.clone_from(alias);
    }
    let model = p.model.as_ref().map(|m| spell_model(m, rng));
    let mut attributes: Vec<String> = p.attributes.iter().map(|a| spell_unit(a, rng)).collect();
    if rng.chance(30) {
        // Shops reorder attributes freely.
        attributes.reverse();
    }
    let mut parts: Vec<String> = Vec::new();
    let brand_in_title = !rng.chance(20);
    let style = rng.below(4);
    let model_in_title = model.is_some() && (show_model || rng.chance(80));
    let code = || model.clone().unwrap_or_default();
    match style {
        0 => {
            if brand_in_title {
                parts.push(brand.clone());
            }
            parts.push(p.family.clone());
            if model_in_title {
                parts.push(code());
            }
            parts.extend(attributes.iter().cloned());
            parts.push(p.kind.clone());
        }
        1 => {
            parts.push(p.kind.clone());
            if brand_in_title {
                parts.push(brand.clone());
            }
            parts.push(p.family.clone());
            parts.extend(attributes.iter().cloned());
            if model_in_title {
                parts.push(format!("({})", code()));
            }
        }
        2 => {
            if brand_in_title {
                parts.push(brand.clone());
            }
            if model_in_title {
                parts.push(code());
            }
            parts.push(p.family.clone());
            parts.push(p.kind.clone());
            parts.push(attributes.join(", "));
        }
        _ => {
            if brand_in_title {
                parts.push(brand.clone());
            }
            parts.push(p.family.clone());
            parts.extend(attributes.iter().cloned());
            if model_in_title {
                parts.push(code());
            }
            if rng.chance(50) {
                parts.push(p.kind.clone());
            }
        }
    }
    if let Some(c) = &p.colour
        && rng.chance(60)
    {
        parts.push(format!("- {c}"));
    }
    if rng.chance(25) {
        parts.push((*rng.pick(FILLERS)).to_owned());
    }
    let mut title = parts.join(" ");
    for (long, short) in ABBREVIATIONS {
        if rng.chance(30) {
            title = swap_word(&title, long, short);
        } else if rng.chance(10) {
            title = swap_word(&title, short, long);
        }
    }
    if rng.chance(35) {
        title = title.to_lowercase();
    }
    let price = p.price * (0.75 + 0.55 * (rng.below(1000) as f64 / 1000.0));
    Record {
        title,
        description: None,
        brand: (!rng.chance(35)).then_some(brand),
        model: model.filter(|_| rng.chance(45)),
        mpn: None,
        category: rng.chance(60).then(|| {
            if rng.chance(50) {
                p.category.0.clone()
            } else {
                p.category.1.clone()
            }
        }),
        gtin: None,
        price: rng.chance(75).then_some((price * 100.0).round() / 100.0),
    }
}

fn swap_word(title: &str, from: &str, to: &str) -> String {
    title
        .split(' ')
        .map(|w| if w == from { to } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A model number as one shop spells it: `WH-1000XM5`, `wh1000xm5`, `WH 1000 XM5`,
/// `WH1000XM5/B`.
fn spell_model(m: &str, rng: &mut Rng) -> String {
    let squashed: String = m.chars().filter(|c| c.is_alphanumeric()).collect();
    match rng.below(6) {
        0 | 1 => m.to_owned(),
        2 => squashed,
        3 => squashed.to_lowercase(),
        4 => {
            // Spaces between letter and digit runs.
            let mut out = String::new();
            let mut prev: Option<bool> = None;
            for c in squashed.chars() {
                let digit = c.is_ascii_digit();
                if prev.is_some_and(|p| p != digit) {
                    out.push(' ');
                }
                out.push(c);
                prev = Some(digit);
            }
            out
        }
        _ => m.replace('-', " "),
    }
}

/// A quantity as one shop spells it: `32GB`, `32 GB`, `32gb`, `1TB` as `1000GB`;
/// a version number as `5`, `v5` or `Version 5`.
fn spell_unit(a: &str, rng: &mut Rng) -> String {
    let digits: String = a
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let unit = &a[digits.len()..];
    if unit.is_empty() && digits.len() <= 2 && !digits.is_empty() {
        // A version number: `5`, `v5`, `Version 5`.
        return match rng.below(4) {
            0 => format!("v{digits}"),
            1 => format!("Version {digits}"),
            _ => digits,
        };
    }
    if digits.is_empty() || unit.is_empty() || unit.contains(' ') {
        return a.to_owned();
    }
    if unit == "TB"
        && rng.chance(25)
        && let Ok(v) = digits.parse::<f64>()
    {
        return format!("{}GB", v * 1000.0);
    }
    if unit == "\"" && rng.chance(40) {
        return format!("{digits}-inch");
    }
    match rng.below(3) {
        0 => a.to_owned(),
        1 => format!("{digits} {unit}"),
        _ => format!("{digits}{}", unit.to_lowercase()),
    }
}

/// The neighbour of a model number: one digit changed, or another letter suffix.
fn neighbour_model(m: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = m.chars().collect();
    let digits: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_digit())
        .collect();
    if digits.is_empty() || rng.chance(25) {
        return format!("{m}{}", rng.pick(&["B", "S", "W", "X", "-2"]));
    }
    let i = digits[digits.len() - 1 - rng.below(digits.len().min(2))];
    let d = chars[i].to_digit(10).unwrap_or(0);
    let nd = (d + 1 + rng.below(8) as u32) % 10;
    let mut out = chars.clone();
    out[i] = char::from_digit(nd, 10).unwrap_or('0');
    out.into_iter().collect()
}

const ELECTRONICS: &[(&str, &str, &str, &str, &[&str])] = &[
    // (kind, family words, category A, category B, attribute templates: {n} a number)
    (
        "microSDHC Memory Card",
        "Ultra",
        "Memory Cards",
        "Electronics - Computers - Storage",
        &["{cap}GB", "Class 10"],
    ),
    (
        "External Hard Drive",
        "Portable",
        "Hard Drives",
        "Computers - External Storage",
        &["{tb}TB", "USB 3.0"],
    ),
    (
        "LED TV",
        "Series",
        "Televisions",
        "TV & Video - LED TVs",
        &["{inch}\"", "1080p"],
    ),
    (
        "Monitor",
        "Widescreen",
        "Monitors",
        "Computers - Monitors",
        &["{inch}\"", "{hz}Hz"],
    ),
    (
        "Power Bank",
        "PowerCore",
        "Chargers",
        "Cell Phones - Accessories",
        &["{mah}mAh"],
    ),
    (
        "Bluetooth Speaker",
        "Sound",
        "Speakers",
        "Audio - Portable Speakers",
        &["{w}W"],
    ),
    (
        "Camera Lens",
        "Zoom",
        "Lenses",
        "Cameras - Lenses",
        &["{mm}mm", "f/{f}"],
    ),
    (
        "Digital Camera",
        "PowerShot",
        "Digital Cameras",
        "Cameras - Point & Shoot",
        &["{mp}MP", "{x}x Optical Zoom"],
    ),
    (
        "Wireless Router",
        "Nighthawk",
        "Networking",
        "Computers - Routers",
        &["{mbps} Mbps", "Dual Band"],
    ),
    (
        "Laptop",
        "Notebook",
        "Laptops",
        "Computers - Laptops",
        &["{inch}\"", "{ram}GB RAM", "{ssd}GB SSD"],
    ),
    (
        "Inkjet Printer",
        "All-in-One",
        "Printers",
        "Office - Printers",
        &["{ppm} ppm"],
    ),
    (
        "Headphones",
        "Wireless",
        "Headphones",
        "Audio - Headphones",
        &["{h}h Battery"],
    ),
    (
        "Microwave Oven",
        "Countertop",
        "Microwaves",
        "Appliances - Microwaves",
        &["{cu} cu. ft.", "{w}W"],
    ),
    (
        "Cordless Phone",
        "DECT 6.0",
        "Telephones",
        "Home Office - Phones",
        &["{hs} Handsets"],
    ),
    (
        "Flat Panel Wall Mount",
        "Tilt",
        "TV Mounts",
        "TV & Video - Accessories",
        &["{inch2}\""],
    ),
];

const BRANDS: &[(&str, Option<&str>)] = &[
    ("Samsung", Some("Samsung Electronics")),
    ("LG", Some("LG Electronics")),
    ("Sony", Some("Sony Electronics")),
    ("Panasonic", None),
    ("Philips", None),
    ("Toshiba", None),
    ("Canon", Some("Canon USA")),
    ("Nikon", None),
    ("Logitech", Some("Logitech Inc.")),
    ("Netgear", None),
    ("SanDisk", None),
    ("Kingston", Some("Kingston Technology")),
    ("Seagate", None),
    ("WD", Some("Western Digital")),
    ("Belkin", None),
    ("JBL", None),
    ("Garmin", None),
    ("Epson", None),
    ("HP", Some("Hewlett-Packard")),
    ("Lenovo", None),
    ("Asus", None),
    ("Anker", None),
    ("Sanus", None),
    ("Vtech", None),
];

const ACCESSORIES: &[&str] = &[
    "Case for",
    "Protective Sleeve for",
    "Replacement Battery for",
    "AC Adapter Charger for",
    "Screen Protector for",
    "Remote Control for",
    "Cable for",
    "Carrying Bag for",
];

fn fill(template: &str, rng: &mut Rng) -> String {
    let pick = |rng: &mut Rng, xs: &[&str]| (*rng.pick(xs)).to_owned();
    let mut out = template.to_owned();
    let subs: &[(&str, &[&str])] = &[
        ("{cap}", &["8", "16", "32", "64", "128", "256"]),
        ("{tb}", &["1", "2", "3", "4", "5"]),
        (
            "{inch}",
            &[
                "13.3", "14", "15.6", "17.3", "24", "27", "32", "42", "50", "55", "65",
            ],
        ),
        ("{inch2}", &["26", "32", "37", "42", "50"]),
        ("{hz}", &["60", "75", "144", "165"]),
        ("{mah}", &["5000", "10000", "13000", "20000", "26800"]),
        ("{w}", &["10", "20", "30", "40", "60", "1000", "1200"]),
        ("{mm}", &["18-55", "50", "55-200", "70-300", "85"]),
        ("{f}", &["1.8", "2.8", "3.5-5.6", "4"]),
        ("{mp}", &["10", "12.1", "14", "16", "20.2"]),
        ("{x}", &["4", "5", "10", "12", "20"]),
        ("{mbps}", &["300", "600", "1200", "1900", "3200"]),
        ("{ram}", &["4", "8", "16", "32"]),
        ("{ssd}", &["128", "256", "512", "1024"]),
        ("{ppm}", &["12", "15", "20", "22"]),
        ("{h}", &["20", "30", "40", "60"]),
        ("{cu}", &["0.7", "1.1", "1.2", "1.6", "2.0", "2.2"]),
        ("{hs}", &["2", "3", "4", "5"]),
    ];
    for (key, values) in subs {
        if out.contains(key) {
            let v = pick(rng, values);
            out = out.replace(key, &v);
        }
    }
    out
}

fn electronics(rng: &mut Rng, n: usize) -> Vec<(Product, Product)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let (kind, family, cat_a, cat_b, templates) = *rng.pick(ELECTRONICS);
        let (brand, alias) = *rng.pick(BRANDS);
        let letters: String = (0..2 + rng.below(2))
            .map(|_| char::from(b'A' + rng.below(26) as u8))
            .collect();
        let digits = 100 + rng.below(9900);
        let model = match rng.below(3) {
            0 => format!("{letters}-{digits}"),
            1 => format!("{letters}{digits}{}", rng.pick(&["", "B", "X", "S"])),
            _ => format!("{letters}{digits}-{}", rng.pick(&["BK", "W", "2", "US"])),
        };
        let attributes: Vec<String> = templates.iter().map(|t| fill(t, rng)).collect();
        let p = Product {
            brand: brand.to_owned(),
            brand_alias: alias.map(str::to_owned),
            family: format!(
                "{family} {}",
                rng.pick(&["", "II", "Plus", "Go", "One", "Max"])
            )
            .trim()
            .to_owned(),
            model: Some(model.clone()),
            attributes,
            kind: kind.to_owned(),
            category: (cat_a.to_owned(), cat_b.to_owned()),
            colour: rng
                .chance(40)
                .then(|| (*rng.pick(&["Black", "White", "Silver", "Blue"])).to_owned()),
            price: 20.0 + rng.below(1500) as f64,
        };
        // The neighbour: another model number, and often another size or capacity.
        let mut n = p.clone();
        n.model = Some(neighbour_model(&model, rng));
        if rng.chance(60) {
            let k = rng.below(templates.len());
            let other = fill(templates[k], rng);
            if other != n.attributes[k] {
                n.attributes[k] = other;
            }
        }
        n.price = p.price * (0.7 + rng.below(70) as f64 / 100.0);
        out.push((p, n));
    }
    out
}

const SOFTWARE: &[(&str, Option<&str>, &[&str])] = &[
    // (publisher, alias, product lines)
    (
        "Microsoft",
        Some("Microsoft Corporation"),
        &[
            "Office",
            "Windows Vista",
            "Visio",
            "Project",
            "Money",
            "Streets & Trips",
            "Works",
        ],
    ),
    (
        "Adobe",
        Some("Adobe Systems Inc."),
        &[
            "Photoshop Elements",
            "Acrobat",
            "Premiere Elements",
            "Dreamweaver",
            "Illustrator",
            "Creative Suite",
        ],
    ),
    (
        "Intuit",
        Some("Intuit Inc."),
        &["QuickBooks", "Quicken", "TurboTax"],
    ),
    (
        "Symantec",
        None,
        &[
            "Norton Internet Security",
            "Norton AntiVirus",
            "Norton 360",
            "Norton Ghost",
        ],
    ),
    (
        "McAfee",
        Some("McAfee Inc."),
        &[
            "VirusScan Plus",
            "Total Protection",
            "Internet Security Suite",
        ],
    ),
    (
        "Corel",
        Some("Corel Corporation"),
        &[
            "Paint Shop Pro",
            "WordPerfect Office",
            "VideoStudio",
            "CorelDRAW Graphics Suite",
        ],
    ),
    (
        "Nuance",
        Some("Nuance Communications"),
        &["Dragon NaturallySpeaking", "PaperPort", "OmniPage"],
    ),
    ("Autodesk", None, &["AutoCAD LT", "3ds Max", "Maya"]),
    (
        "Sony Creative Software",
        Some("Sony"),
        &["Vegas Movie Studio", "Sound Forge", "ACID Music Studio"],
    ),
    (
        "Roxio",
        None,
        &["Creator", "Toast Titanium", "Easy Media Creator"],
    ),
    (
        "Nova Development",
        None,
        &["Print Artist", "Art Explosion", "Greeting Card Factory"],
    ),
    (
        "Topics Entertainment",
        Some("Topics"),
        &[
            "Instant Immersion Spanish",
            "Learn to Speak French",
            "Typing Instructor",
        ],
    ),
    (
        "Individual Software",
        None,
        &[
            "Typing Instructor Platinum",
            "Professor Teaches Office",
            "ResumeMaker",
        ],
    ),
    (
        "Broderbund",
        None,
        &[
            "The Print Shop",
            "Mavis Beacon Teaches Typing",
            "Calendar Creator",
        ],
    ),
    (
        "Kaspersky",
        Some("Kaspersky Lab"),
        &["Anti-Virus", "Internet Security"],
    ),
    (
        "Avanquest",
        Some("Avanquest Software"),
        &["Fix-It Utilities", "PowerDesk Pro", "Perfect Image"],
    ),
];

const EDITIONS: &[&str] = &[
    "Standard",
    "Professional",
    "Deluxe",
    "Premier",
    "Home",
    "Ultimate",
    "Platinum",
    "Basic",
    "Premium",
    "Home and Student",
];

fn software(rng: &mut Rng, n: usize) -> Vec<(Product, Product)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let (publisher, alias, lines) = *rng.pick(SOFTWARE);
        let line = *rng.pick(lines);
        let mut attributes: Vec<String> = Vec::new();
        let year = 2004 + rng.below(6);
        let version = 3 + rng.below(12);
        let versioned_by_year = rng.chance(55);
        if versioned_by_year {
            attributes.push(year.to_string());
        } else {
            attributes.push(format!("{version}"));
        }
        if rng.chance(60) {
            attributes.push((*rng.pick(EDITIONS)).to_owned());
        }
        if rng.chance(35) {
            attributes.push((*rng.pick(&["Mac", "Windows", "Win/Mac"])).to_owned());
        }
        if rng.chance(30) {
            attributes.push(
                (*rng.pick(&["Upgrade", "Full Version", "Academic", "Student Edition"])).to_owned(),
            );
        }
        if rng.chance(20) {
            attributes.push(format!("{}-User", rng.pick(&["1", "3", "5"])));
        }
        let p = Product {
            brand: publisher.to_owned(),
            brand_alias: alias.map(str::to_owned),
            family: line.to_owned(),
            model: None,
            attributes: attributes.clone(),
            kind: (*rng.pick(&["Software", "for PC", "CD-ROM", "DVD", "Software Download"]))
                .to_owned(),
            category: (
                "Software".into(),
                (*rng.pick(&[
                    "Business Software",
                    "Home & Office",
                    "Utilities",
                    "Education",
                ]))
                .to_owned(),
            ),
            colour: None,
            price: 19.0 + rng.below(600) as f64,
        };
        // The neighbour: another year or version, edition, platform, licence or seats.
        let mut nb = p.clone();
        match rng.below(5) {
            0 => {
                nb.attributes[0] = if versioned_by_year {
                    (year + 1 + rng.below(2)).to_string()
                } else {
                    (version + 1).to_string()
                };
            }
            1 => {
                let e = (*rng.pick(EDITIONS)).to_owned();
                if nb.attributes.len() > 1 && EDITIONS.contains(&nb.attributes[1].as_str()) {
                    nb.attributes[1] = e;
                } else {
                    nb.attributes.push(e);
                }
            }
            2 => nb
                .attributes
                .push((*rng.pick(&["Mac", "Windows"])).to_owned()),
            3 => nb
                .attributes
                .push((*rng.pick(&["Upgrade", "Academic", "Full Version"])).to_owned()),
            _ => nb
                .attributes
                .push(format!("{}-User", rng.pick(&["3", "5", "10"]))),
        }
        if nb.attributes == p.attributes {
            nb.attributes[0] = format!("{}", year + 3);
        }
        nb.price = p.price * (0.6 + rng.below(90) as f64 / 100.0);
        out.push((p, nb));
    }
    out
}

/// Products of a catalogue's `products.jsonl`, each with a neighbour (the next
/// product of the same category, a real neighbouring model).
fn catalogue(dir: &Path) -> Result<Vec<(Product, Product)>, String> {
    let path = dir.join("products.jsonl");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut products: Vec<Product> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let (brand, title, model) = (s("brand"), s("title"), s("model"));
        // The title without brand and model: the family and kind words.
        let mut rest = title.clone();
        for cut in [&brand, &model] {
            if !cut.is_empty() {
                rest = rest.replace(cut.as_str(), " ");
            }
        }
        let rest: Vec<&str> = rest.split_whitespace().filter(|w| *w != "-").collect();
        let half = rest.len() / 2;
        products.push(Product {
            brand,
            brand_alias: None,
            family: rest[..half].join(" "),
            model: (!model.is_empty()).then_some(model),
            attributes: Vec::new(),
            kind: rest[half..].join(" "),
            category: (s("category"), s("category").replace('-', " ")),
            colour: None,
            price: 50.0 + (n * 37 % 900) as f64,
        });
    }
    let mut out = Vec::new();
    for (i, p) in products.iter().enumerate() {
        let next = products[i + 1..]
            .iter()
            .chain(&products[..i])
            .find(|q| q.category == p.category);
        if let Some(q) = next {
            out.push((p.clone(), q.clone()));
        }
    }
    Ok(out)
}

/// The synthetic pairs (see the module documentation).
pub fn pairs(catalogue_dir: &Path) -> Result<PairSet, String> {
    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let mut groups = catalogue(catalogue_dir)?;
    groups.extend(electronics(&mut rng, 700));
    groups.extend(software(&mut rng, 700));
    let mut set = PairSet {
        records: Vec::new(),
        pairs: Vec::new(),
    };
    let push = |set: &mut PairSet, a: Record, b: Record, label: bool| {
        set.records.push(a);
        set.records.push(b);
        let r = set.records.len() - 1;
        set.pairs.push((r - 1, r, label));
    };
    let count = groups.len();
    for i in 0..count {
        let (p, neighbour) = groups[i].clone();
        // Two positives: two shops' listings of the product.
        for _ in 0..2 {
            let (a, b) = (listing(&p, &mut rng), listing(&p, &mut rng));
            push(&mut set, a, b, true);
        }
        // The neighbouring product.
        let only_model_differs = p.attributes == neighbour.attributes;
        // One side shows its model number; the other may not, as a short listing
        // of a sibling model often does not (then only the shop's wording tells).
        let (a, b) = (
            listing_showing(&p, &mut rng, only_model_differs),
            listing(&neighbour, &mut rng),
        );
        push(&mut set, a, b, false);
        // An accessory for it, or a bundle of it.
        let base = listing(&p, &mut rng);
        let mut acc = listing(&p, &mut rng);
        if p.model.is_some() && rng.chance(70) {
            acc.title = format!("{} {}", rng.pick(ACCESSORIES), acc.title);
            acc.price = acc.price.map(|x| (x * 0.1 * 100.0).round() / 100.0);
        } else {
            acc.title = format!(
                "{} {}",
                acc.title,
                rng.pick(&[
                    "Bundle with Case",
                    "+ Extra Battery Kit",
                    "with Training DVD",
                    "2-Pack"
                ])
            );
            acc.price = acc.price.map(|x| (x * 1.4 * 100.0).round() / 100.0);
        }
        push(&mut set, base, acc, false);
        // Another product of the same kind.
        let other = &groups[(i * 7 + 3 + rng.below(count)) % count].0;
        if other.family != p.family {
            let (a, b) = (listing(&p, &mut rng), listing(other, &mut rng));
            push(&mut set, a, b, false);
        }
    }
    Ok(set)
}
