"""The words traders type, and the product (or the candidates) each must give, on SQLite and on
PostgreSQL, through the resolver, the checker page, the API and bulk (tests/registry/
test_wordings.py).

Written before the resolver was built (issue 10). HELD_BACK lists wordings written at the same time
and never looked at while tuning: they prove the resolver generalises, not that it was fitted.
"""

# wording -> the slug it names, or a set of slugs when it must offer candidates (the expected
# product among them).
PRODUCT_WORDINGS: dict[str, str | frozenset[str]] = {
    # What a new user saw (issue 10)
    "corn meal": "corn-meal",
    "peaches": "fresh-peaches",
    # Issue 24: a word naming a fresh product names its dried form too (a kind of Kyrgyzstan's
    # dried-fruit entry, or a product of its own): both are offered, never one silently.
    "cherry": frozenset({"fresh-sweet-cherries", "dried-fruits"}),
    "grape": frozenset({"fresh-grapes", "dried-fruits"}),  # raisins (issue 24)
    "melons": frozenset({"fresh-melons", "dried-melon", "dried-fruits"}),  # issue 24
    "sweet cherries": "fresh-sweet-cherries",
    "1005": "maize",
    "кукуруза": "maize",
    "персики свежие": "fresh-peaches",
    "mazie": "maize",
    "Maize (corn)": "maize",
    # Slugs and exact names
    "maize": "maize",
    "fresh-grapes": "fresh-grapes",
    "Wheat": "wheat",
    "Fresh (sweet) cherries": "fresh-sweet-cherries",
    # Case in three scripts
    "WHEAT": "wheat",
    "ПШЕНИЦА": "wheat",
    "Кукуруза": "maize",
    "КУКУРУЗА": "maize",
    "ЯЧМЕНЬ": "barley",
    "Lentils": "lentils",
    "HONEY": "honey",
    "小麦": "wheat",
    "玉米": "maize",
    # Aliases in three languages
    "corn": "maize",
    "lucerne hay": "alfalfa-hay",
    "garbanzo beans": "chickpeas",
    "jida": "dried-oleaster",
    "черешня": frozenset({"fresh-sweet-cherries", "dried-fruits"}),  # issue 24
    "车厘子": "fresh-sweet-cherries",
    "苞米": "maize",
    "курага": "dried-fruits",
    # Plurals and singulars (English, Russian)
    "apricots": frozenset({"fresh-apricots", "dried-fruits"}),  # issue 24
    "lemon": "fresh-lemons",
    "pomegranates": "fresh-pomegranates",
    "persimmons": "fresh-persimmons",
    "lentil": "lentils",
    "chickpea": "chickpeas",
    "soybean": "soybeans",
    "персик": "fresh-peaches",
    "дыни": frozenset({"fresh-melons", "dried-melon", "dried-fruits"}),  # issue 24
    "лимоны": "fresh-lemons",
    "абрикосы": frozenset({"fresh-apricots", "dried-fruits"}),  # issue 24
    # Flaxseed, recorded since issue 22 (GACC 2019 No.150): its own names find it
    "flaxseed": "flaxseed",
    "亚麻籽": "flaxseed",
    "льняного": frozenset({"flaxseed", "flaxseed-meal"}),  # "of flax": the seed and its meal
    # HS codes, 6 and 4 digits
    "100590": "maize",
    "110220": "corn-meal",
    "080610": "fresh-grapes",
    "0806": frozenset({"fresh-grapes", "dried-fruits"}),
    "1001": "wheat",
    "0813": frozenset({"dried-fruits", "dried-melon", "dried-oleaster"}),
    # Typos
    "whaet": "wheat",
    "grpes": "fresh-grapes",
    "пшиница": "wheat",
    "lentills": "lentils",
    # Several products: candidates
    "peppers": frozenset({"fresh-hot-peppers", "dried-hot-peppers"}),
    "meal": frozenset({"corn-meal", "sunflower-seed-meal", "soybean-meal"}),
}

HELD_BACK: dict[str, str | frozenset[str]] = {
    "Peach": "fresh-peaches",
    "APRICOT": frozenset({"fresh-apricots", "dried-fruits"}),  # issue 24
    "pomegranite": "fresh-pomegranates",
    "barly": "barley",
    "Sweet Cherry": "fresh-sweet-cherries",
    "черешни": frozenset({"fresh-sweet-cherries", "dried-fruits"}),  # issue 24
    "виноград свежий": "fresh-grapes",
    "ГРАНАТЫ": "fresh-pomegranates",
    "葡萄": frozenset({"fresh-grapes", "dried-fruits"}),  # issue 24
    "0709": "fresh-hot-peppers",
    "beef": "beef",
    "honey bee": frozenset(),  # nothing: a word the registry does not hold must not be forced
    "kidney bean": "kidney-beans",
    "melon": frozenset({"fresh-melons", "dried-melon", "dried-fruits"}),  # issue 24
}

# Issue 24. Words for the kinds a broader entry covers, asked for a country: (product slug, covered
# kind slug or None, whether the country has an entry for the product).
KIND_WORDINGS: dict[tuple[str, str], tuple[str, str | None, bool]] = {
    # What a new user saw
    ("dried apricots", "KG"): ("dried-fruits", "dried-apricot", True),
    ("杏干", "KG"): ("dried-fruits", "dried-apricot", True),
    ("сушеный абрикос", "KG"): ("dried-fruits", "dried-apricot", True),
    ("курага", "KG"): ("dried-fruits", "dried-apricot", True),
    # The other kinds, in three scripts
    ("prunes", "KG"): ("dried-fruits", "prunes", True),
    ("чернослив", "KG"): ("dried-fruits", "prunes", True),
    ("изюм", "KG"): ("dried-fruits", "raisins", True),
    ("葡萄干", "KG"): ("dried-fruits", "raisins", True),
    ("dried apples", "KG"): ("dried-fruits", "dried-apple", True),
    ("rose hips", "KG"): ("dried-fruits", "rosehip", True),
    ("сушеных абрикосов", "KG"): ("dried-fruits", "dried-apricot", True),
    # A kind one country's entry covers and another's own entry names: each by its own entries
    ("dried melon", "KG"): ("dried-fruits", "dried-melon", True),
    ("dried melon", "UZ"): ("dried-melon", None, True),
    ("jida", "KG"): ("dried-fruits", "dried-oleaster", True),
    ("jida", "UZ"): ("dried-oleaster", None, True),
    # A kind for a country without the covering entry: said so, not recorded
    ("dried apricots", "KZ"): ("dried-fruits", "dried-apricot", False),
    ("dried melon", "KZ"): ("dried-melon", None, False),
}

# Issue 24. Words the registry does not use, in three scripts, that must give one suggestion.
SUGGESTION_WORDINGS: dict[str, str] = {
    # What a new user saw
    # (flax: since issue 22 records flaxseed itself, "лён" points to the seed, not the meal)
    "лён": "flaxseed",
    "red kidney beans": "kidney-beans",
    # A recorded name within a longer wording; Russian words in any form; Chinese single words
    "红芸豆": "kidney-beans",
    "фасоль красная": "kidney-beans",
    "белая фасоль": "kidney-beans",
    "green lentils": "lentils",
    "подсолнечника": "sunflower-seed-meal",
    "葵花籽": "sunflower-seed-meal",
    "sunflower": "sunflower-seed-meal",
}

# Issue 24, held back: written with the lists above, never run while tuning.
HELD_BACK_24: dict[str, str | frozenset[str]] = {
    "dried pears": "dried-fruits",
    "сушёные яблоки": "dried-fruits",
    "梨干": "dried-fruits",
    "樱桃干": "dried-fruits",
    "Курага": "dried-fruits",
    "льна": "flaxseed",
    "亚麻": "flaxseed",
    "yellow lentils": "lentils",
    "корм из подсолнечника": "sunflower-seed-meal",
    "corn oil": frozenset(),
    "南瓜子": frozenset(),
}

# country wording -> ISO code, in search and in the checker
COUNTRY_WORDINGS: dict[str, str] = {
    "KZ": "KZ",
    "kz": "KZ",
    "KAZ": "KZ",
    "Kazakhstan": "KZ",
    "kazakhstan": "KZ",
    "Казахстан": "KZ",
    "哈萨克斯坦": "KZ",
    "Kyrgyzstan": "KG",
    "Киргизия": "KG",
    "Кыргызстан": "KG",
    "кыргызстан": "KG",
    "КЫРГЫЗСТАН": "KG",
    "Кыргызская Республика": "KG",
    "Kyrgyz Republic": "KG",
    "吉尔吉斯斯坦": "KG",
    "Туркмения": "TM",
    "乌兹别克斯坦": "UZ",
    "塔吉克斯坦": "TJ",
    "Таджикистан": "TJ",
    "Uzbekistan": "UZ",
    "узбекистан": "UZ",
    "Tajikistan": "TJ",
    "Turkmenistan": "TM",
    "ТУРКМЕНИСТАН": "TM",
    # Issue 24: official, short and historical names, whole or in part
    "土库曼斯坦": "TM",
    "Kirghizia": "KG",
}

# Issue 24: search finds a country by part of any of its names and leads to its page.
COUNTRY_SEARCHES: dict[str, str] = {
    "Turkmen": "TM",
    "Туркм": "TM",
    "土库曼": "TM",
    "Киргиз": "KG",
    "Кыргызская": "KG",
    "Kyrgyz Rep": "KG",
    "uzbek": "UZ",
}
