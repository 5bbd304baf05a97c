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
    "cherry": "fresh-sweet-cherries",
    "grape": "fresh-grapes",
    "melons": "fresh-melons",
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
    "черешня": "fresh-sweet-cherries",
    "车厘子": "fresh-sweet-cherries",
    "苞米": "maize",
    "курага": "dried-fruits",
    # Plurals and singulars (English, Russian)
    "apricots": "fresh-apricots",
    "lemon": "fresh-lemons",
    "pomegranates": "fresh-pomegranates",
    "persimmons": "fresh-persimmons",
    "lentil": "lentils",
    "chickpea": "chickpeas",
    "soybean": "soybeans",
    "персик": "fresh-peaches",
    "дыни": "fresh-melons",
    "лимоны": "fresh-lemons",
    "абрикосы": "fresh-apricots",
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
    "APRICOT": "fresh-apricots",
    "pomegranite": "fresh-pomegranates",
    "barly": "barley",
    "Sweet Cherry": "fresh-sweet-cherries",
    "черешни": "fresh-sweet-cherries",
    "виноград свежий": "fresh-grapes",
    "ГРАНАТЫ": "fresh-pomegranates",
    "葡萄": "fresh-grapes",
    "0709": "fresh-hot-peppers",
    "beef": "beef",
    "honey bee": frozenset(),  # nothing: a word the registry does not hold must not be forced
    "kidney bean": "kidney-beans",
    "melon": "fresh-melons",
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
}
