"""What the synthetic benchmark rows are called (issue 13): the source that marks every one of them,
the slug prefixes, the country codes they take, and the products' names and aliases in three
languages, made of common words so that searches in every script find many products. Every row
is illustrative; none of it is a fact and none of it reaches the seeds (accessions.scale_data
generates them).
"""

from __future__ import annotations

import string
from typing import Any

from registry.models import Category, OriginType

SCALE_SOURCE = "generate_scale_data: synthetic benchmark data, not a fact"
PRODUCT_SLUG_PREFIX = "scale-product-"
REGULATION_SLUG_PREFIX = "scale-regulation-"

# ISO 3166-1 leaves these alpha-2 codes to users; the synthetic countries take them first and then
# any other free pair of letters (their names say "Synthetic country", and they are illustrative).
USER_ASSIGNED = [
    "AA",
    *[f"Q{c}" for c in "MNOPQRSTUVWXYZ"],
    *[f"X{c}" for c in string.ascii_uppercase],
    "ZZ",
]

# Words the synthetic names are made of, so that searches in every script find many products.
_EN_WORDS = [
    "dried",
    "fresh",
    "frozen",
    "chilled",
    "roasted",
    "ground",
    "salted",
    "smoked",
    "organic",
    "wild",
    "sweet",
    "sour",
    "white",
    "red",
    "black",
    "green",
    "golden",
    "mountain",
    "river",
    "valley",
]
_EN_NOUNS = [
    "grape",
    "apricot",
    "apple",
    "cherry",
    "melon",
    "walnut",
    "almond",
    "pistachio",
    "barley",
    "wheat",
    "maize",
    "rice",
    "lentil",
    "chickpea",
    "bean",
    "pea",
    "flax",
    "sunflower",
    "rapeseed",
    "honey",
    "mutton",
    "beef",
    "lamb",
    "milk",
    "cheese",
    "cotton",
    "tomato",
    "onion",
    "pepper",
    "cumin",
    "raisin",
]
_RU_WORDS = [
    "сушёный",
    "свежий",
    "мороженый",
    "охлаждённый",
    "жареный",
    "молотый",
    "солёный",
    "копчёный",
    "дикий",
    "сладкий",
    "белый",
    "красный",
    "чёрный",
    "зелёный",
    "золотой",
    "горный",
    "речной",
]
_RU_NOUNS = [
    "виноград",
    "абрикос",
    "яблоко",
    "вишня",
    "дыня",
    "орех",
    "миндаль",
    "фисташка",
    "ячмень",
    "пшеница",
    "кукуруза",
    "рис",
    "чечевица",
    "нут",
    "фасоль",
    "горох",
    "лён",
    "подсолнечник",
    "рапс",
    "мёд",
    "баранина",
    "говядина",
    "ягнятина",
    "молоко",
    "сыр",
    "хлопок",
    "томат",
    "лук",
    "перец",
    "зира",
    "изюм",
]
_ZH_WORDS = list("干鲜冻冷烤磨盐熏野甜酸白红黑绿金山河谷")
_ZH_NOUNS = [
    "葡萄", "杏", "苹果", "樱桃", "甜瓜", "核桃", "杏仁", "开心果", "大麦", "小麦", "玉米",
    "大米", "扁豆", "鹰嘴豆", "菜豆", "豌豆", "亚麻籽", "葵花籽", "油菜籽", "蜂蜜", "羊肉",
    "牛肉", "羔羊肉", "牛奶", "奶酪", "棉花", "番茄", "洋葱", "辣椒", "孜然", "葡萄干",
]  # fmt: skip


def synthetic_product_fields(i: int) -> dict[str, Any]:
    adjective, noun = i % len(_EN_WORDS), (i // len(_EN_WORDS)) % len(_EN_NOUNS)
    categories, origins = Category.values, OriginType.values
    return {
        "slug": f"{PRODUCT_SLUG_PREFIX}{i:06d}",
        "name_en": f"{_EN_WORDS[adjective]} {_EN_NOUNS[noun]} {i}",
        "name_zh": f"{_ZH_WORDS[adjective % len(_ZH_WORDS)]}{_ZH_NOUNS[noun]}{i}",
        "name_ru": f"{_RU_WORDS[adjective % len(_RU_WORDS)]} {_RU_NOUNS[noun]} {i}",
        "category": categories[i % len(categories)],
        "origin_type": origins[i % len(origins)],
        "hs_code": "",
        "hs_basis": "uncertain",
    }


def synthetic_product_aliases(i: int) -> list[tuple[str, str]]:
    noun = (i // len(_EN_WORDS)) % len(_EN_NOUNS)
    return [
        (f"{_EN_NOUNS[noun]} lot {i}", "en"),
        (f"{_ZH_NOUNS[noun]}批{i}", "zh"),
        (f"{_RU_NOUNS[noun]} партия {i}", "ru"),
    ]
