"""The fixed vocabulary of the simulated world: product categories, Chinese city and brand
words for company names, banks, ports, carriers and warehouses.

Kept apart from the simulator so the simulator reads as the story of a seller, not as lists.
Everything here is constant; all randomness lives in ``world.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Category:
    """A product line: what a seller sells, how it is declared at customs, what it costs."""

    key: str
    english: str          # for the English company name ("Electronics")
    chinese: str          # for the Chinese company name ("电子")
    hs_code: str          # the customs tariff heading its goods are declared under
    products: tuple[str, ...]
    price_range: tuple[Decimal, Decimal]  # unit retail price in USD
    refund_rate: Decimal  # share of orders refunded in normal times
    q4_weight: Decimal    # how strongly the category peaks at Christmas (1 = like everyone)


CATEGORIES: tuple[Category, ...] = (
    Category("electronics", "Electronics", "电子", "8518300000",
             ("Wireless Earbuds", "USB-C Charger 65W", "Bluetooth Speaker", "Power Bank 20000mAh",
              "Smart Plug", "LED Desk Lamp"),
             (Decimal("15"), Decimal("80")), Decimal("0.06"), Decimal("1.2")),
    Category("home", "Home Goods", "家居用品", "6302600000",
             ("Cotton Bath Towel Set", "Linen Cushion Cover", "Bamboo Storage Box", "Blackout Curtain",
              "Memory Foam Pillow", "Ceramic Vase"),
             (Decimal("12"), Decimal("45")), Decimal("0.04"), Decimal("1.0")),
    Category("toys", "Toys", "玩具", "9503008900",
             ("Building Blocks Set", "Plush Panda", "Remote Control Car", "Magnetic Tiles",
              "Wooden Puzzle", "Bubble Machine"),
             (Decimal("10"), Decimal("50")), Decimal("0.03"), Decimal("1.6")),
    Category("outdoor", "Outdoor Products", "户外用品", "9506910000",
             ("Camping Lantern", "Folding Camp Chair", "Hydration Backpack", "Trekking Poles",
              "Hammock", "Solar Shower"),
             (Decimal("18"), Decimal("70")), Decimal("0.05"), Decimal("0.8")),
    Category("beauty", "Beauty Products", "美容用品", "3304990000",
             ("Jade Face Roller", "Hair Straightener", "Makeup Brush Set", "Nail Lamp",
              "Silk Sleep Mask", "Facial Steamer"),
             (Decimal("9"), Decimal("40")), Decimal("0.05"), Decimal("1.3")),
    Category("pets", "Pet Supplies", "宠物用品", "4201000000",
             ("Cat Tree Tower", "Dog Harness", "Automatic Pet Feeder", "Pet Hair Remover",
              "Chew Toy Set", "Pet Water Fountain"),
             (Decimal("10"), Decimal("60")), Decimal("0.04"), Decimal("0.9")),
    Category("kitchen", "Kitchenware", "厨具", "7323930000",
             ("Stainless Steel Pan", "Knife Block Set", "Silicone Baking Mat", "Electric Kettle",
              "Spice Rack", "Vacuum Food Containers"),
             (Decimal("12"), Decimal("65")), Decimal("0.04"), Decimal("1.1")),
    Category("apparel", "Apparel", "服饰", "6110200000",
             ("Cotton Hoodie", "Yoga Leggings", "Down Vest", "Knit Beanie", "Rain Jacket",
              "Running Socks 6-Pack"),
             (Decimal("9"), Decimal("55")), Decimal("0.12"), Decimal("1.2")),
)

# The three sellers of the base demo world keep their identity and business.
DEMO_SELLER_CATEGORIES = {"lumen-electronics": "electronics", "silkroad-home": "home",
                          "bright-toys": "toys"}


@dataclass(frozen=True, slots=True)
class City:
    english: str
    chinese: str
    province: str
    district: str
    phone_area: str       # area code without the leading zero, as written after +86
    port: str             # the UN/LOCODE of the port its exports leave from


CITIES: tuple[City, ...] = (
    City("Shenzhen", "深圳", "Guangdong", "Nanshan District", "755", "CNSZX"),
    City("Guangzhou", "广州", "Guangdong", "Tianhe District", "20", "CNCAN"),
    City("Dongguan", "东莞", "Guangdong", "Chang'an Town", "769", "CNSZX"),
    City("Hangzhou", "杭州", "Zhejiang", "Binjiang District", "571", "CNNGB"),
    City("Yiwu", "义乌", "Zhejiang", "Futian Subdistrict", "579", "CNNGB"),
    City("Ningbo", "宁波", "Zhejiang", "Yinzhou District", "574", "CNNGB"),
    City("Xiamen", "厦门", "Fujian", "Siming District", "592", "CNXMN"),
    City("Suzhou", "苏州", "Jiangsu", "Industrial Park", "512", "CNSHA"),
    City("Shanghai", "上海", "Shanghai", "Minhang District", "21", "CNSHA"),
    City("Quanzhou", "泉州", "Fujian", "Fengze District", "595", "CNXMN"),
)

# Brand words (English, Chinese) for company names; each is used at most once per world.
BRANDS: tuple[tuple[str, str], ...] = (
    ("Aurora", "极光"), ("Nimbus", "云端"), ("Harmony", "和谐"), ("Evergreen", "常青"),
    ("Golden Lotus", "金莲"), ("Jade River", "玉河"), ("Summit", "峰顶"), ("Bluewave", "蓝浪"),
    ("Phoenix", "凤凰"), ("Bamboo Grove", "竹林"), ("Starlight", "星光"), ("Redwood", "红木"),
    ("Silver Crane", "银鹤"), ("Sunrise", "日出"), ("Pearl Bay", "珠湾"), ("Orchid", "兰花"),
    ("Maple Leaf", "枫叶"), ("Thunder", "雷霆"), ("Moonstone", "月石"), ("Cedar", "雪松"),
    ("Coral Reef", "珊瑚"), ("Azure Sky", "碧空"), ("Misty Peak", "雾峰"), ("Swift Swallow", "飞燕"),
    ("Lucky Koi", "锦鲤"), ("Plum Blossom", "梅花"), ("Iron Ox", "铁牛"), ("Willow", "垂柳"),
    ("Crystal Lake", "晶湖"), ("Four Seasons", "四季"), ("Great Wall", "长城"), ("Rising Tide", "潮起"),
    ("Peony", "牡丹"), ("Silver Moon", "银月"), ("Tiger Eye", "虎眼"), ("North Star", "北辰"),
    ("Green Tea", "绿茶"), ("Lantern", "灯笼"), ("Kite", "风筝"), ("Harbour Light", "港灯"),
)

SURNAMES: tuple[str, ...] = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu",
                             "Zhou", "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao")
GIVEN_NAMES: tuple[str, ...] = ("Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jun", "Hui", "Qiang",
                                "Xiu Ying", "Hao", "Ling", "Tao", "Mei", "Bo", "Ping", "Gang", "Na",
                                "Jie", "Yong", "Xin", "Dan", "Kai", "Rui")
STREETS: tuple[str, ...] = ("Keji Road", "Xinhua Road", "Zhongshan Road", "Jiefang Avenue",
                            "Binhai Avenue", "Renmin Road", "Chaoyang Street", "Wenyi Road",
                            "Gongye Avenue", "Huangshan Road", "Changjiang Road", "Jinqiao Road")

# Where cross-border sellers receive marketplace payouts: a mainland bank, a Hong Kong bank, or a
# payment company's receiving account (the usual route for Amazon payouts out of China).
BANKS: tuple[tuple[str, str], ...] = (
    ("China Merchants Bank", "CN"), ("Bank of China (Hong Kong)", "HK"),
    ("The Hongkong and Shanghai Banking Corporation", "HK"),
    ("Industrial and Commercial Bank of China", "CN"),
    ("WorldFirst (UK) Limited", "GB"), ("Payoneer Inc.", "US"), ("Airwallex (Hong Kong) Limited", "HK"),
)

USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47",
    "Mozilla/5.0 (Linux; Android 14; HUAWEI P60) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0 Mobile Safari/537.36",
)

# The first octets of Chinese broadband and mobile address blocks, so IPs look like the
# sellers' own networks.
CHINESE_IP_PREFIXES: tuple[int, ...] = (36, 58, 61, 113, 116, 117, 183, 223)


@dataclass(frozen=True, slots=True)
class Marketplace:
    name: str              # "amazon.com", "shopify"
    currency: str
    warehouse: str         # where its stock sits
    port_of_discharge: str  # where the sea freight for that warehouse lands
    country: str           # destination country of the goods
    price_factor: Decimal  # local list price per USD of the US price (VAT-inclusive in Europe)
    share: Decimal         # relative weight of its orders for a seller present on it


MARKETPLACES: dict[str, Marketplace] = {market.name: market for market in (
    Marketplace("amazon.com", "USD", "AMAZON-FBA-US", "USLGB", "US", Decimal("1"), Decimal("1.0")),
    Marketplace("amazon.de", "EUR", "AMAZON-FBA-DE", "DEHAM", "DE", Decimal("1.05"), Decimal("0.55")),
    Marketplace("amazon.co.uk", "GBP", "AMAZON-FBA-UK", "GBFXT", "GB", Decimal("0.89"), Decimal("0.4")),
    # Shopify stores ship from the 3PL warehouse in Los Angeles (Pacific Bridge Logistics).
    Marketplace("shopify", "USD", "PACIFIC-BRIDGE-LAX", "USLAX", "US", Decimal("1.1"), Decimal("0.35")),
)}

# Amazon's monthly Professional selling plan fee per marketplace currency.
SUBSCRIPTION_FEES = {"USD": Decimal("39.99"), "EUR": Decimal("39.00"), "GBP": Decimal("25.00")}
# FBA fulfilment fee per unit (a standard-size parcel).
FULFILMENT_FEES = {"USD": Decimal("4.75"), "EUR": Decimal("4.20"), "GBP": Decimal("3.60")}
REFERRAL_FEE_RATE = Decimal("0.15")          # Amazon's referral fee for most categories
REFUND_ADMINISTRATION_RATE = Decimal("0.20")  # of the referral fee, kept by Amazon on a refund
SHOPIFY_CARD_RATE = Decimal("0.029")          # Shopify Payments, Basic plan, online card rate
SHOPIFY_CARD_FIXED = Decimal("0.30")

# Euro reference rates at the start of the simulated period; they then walk a little each day.
EURO_RATES_START = {"USD": Decimal("1.0850"), "GBP": Decimal("0.8550"), "CNY": Decimal("7.8500"),
                    "HKD": Decimal("8.4700"), "JPY": Decimal("160.00"), "SGD": Decimal("1.4550")}
