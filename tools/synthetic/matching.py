"""Seeded synthetic evaluation set for duplicate detection, with ground truth.

Persons are drawn first (Ukrainian from Cyrillic with Ukrainian and Russian forms,
Syrian and Afghan with Arabic names), in households that share family name and address,
with twins and with very common names (Zipf-weighted). Each person gets one record; some
get duplicates made by the corruptions seen at Berlin's offices: another transliteration
system, the Russian or German form of the given name, swapped names, patronymic dropped or
added, birth date day/month swap, 00.00.YYYY, 01.01. convention, one-digit typo, a typo in
a name, missing sex or nationality, a new address after a move (a quarter of duplicates).
Addresses use about 190 Berlin-like postcodes, so a shared postcode is modest evidence.

The transliteration here is deliberately independent of the matcher: Russian forms come
from the `iuliia` package (ICAO, BGN/PCGN, ISO 9, French MVD 310, MVD 782, Wikipedia);
Ukrainian KMU 2010, Ukrainian ISO 9 and German Duden-style tables are written out below.
Rates are in `CORRUPTION_RATES`, set to what we consider realistic, not tuned to the matcher.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import iuliia

from core.dates import PartialDate
from core.identity.score import MatchRecord

CORRUPTION_RATES = {
    "other_system": 0.7,  # a duplicate written from another document or by another office
    "russian_form": 0.2,  # Ukrainian person, Russian form of the given name
    "german_form": 0.08,  # Helene for Olena, Nikolaus for Mykola
    "swap_names": 0.08,
    "toggle_patronymic": 0.15,
    "dm_swap": 0.06,
    "year_only": 0.06,  # 00.00.YYYY
    "jan1": 0.02,  # 01.01.YYYY written for an unknown date
    "date_digit_typo": 0.04,
    "year_off_by_one": 0.03,  # 1985 for 1986: another document, or a miscounted age
    "date_missing": 0.02,
    "name_typo": 0.06,
    "sex_missing": 0.2,
    "nationality_missing": 0.15,
    "keep_document": 0.4,
    "arabic_variant": 0.6,  # per token: other spelling of an Arabic name
    "arabic_article": 0.5,  # Al-Ahmad / Alahmad / Ahmad / El-Ahmad
    "drop_middle_name": 0.3,  # father's name given as middle name, dropped
    # Registered again after moving (shelter to flat, another district): other address.
    "moved": 0.25,
    "original_script": 0.3,  # the passport's own script is typed in (Cyrillic, Arabic)
}
# Per person, not per record.
PERSON_RATES = {
    "undated": 0.04,  # no birth date known at all (no document, small children)
    "single_name": 0.15,  # Afghans: one name only, written as the family name
}

# Berlin has about 190 postcodes (10115-14199); many people share one (large shelters),
# so a shared postcode is modest evidence. A fixed list, independent of the seed.
POSTCODES = sorted(random.Random(190).sample(range(10115, 14200), 190))  # noqa: S311

# (Ukrainian, Russian, German form or "")
UA_MALE = [
    ("Олександр", "Александр", "Alexander"), ("Микола", "Николай", "Nikolaus"),
    ("Олексій", "Алексей", "Alexej"), ("Сергій", "Сергей", ""), ("Андрій", "Андрей", "Andreas"),
    ("Дмитро", "Дмитрий", ""), ("Іван", "Иван", ""), ("Володимир", "Владимир", "Wladimir"),
    ("Михайло", "Михаил", "Michael"), ("Юрій", "Юрий", ""), ("Віктор", "Виктор", ""),
    ("Василь", "Василий", ""), ("Петро", "Пётр", "Peter"), ("Павло", "Павел", "Paul"),
    ("Ігор", "Игорь", ""), ("Богдан", "Богдан", ""), ("Тарас", "Тарас", ""),
    ("Максим", "Максим", ""), ("Артем", "Артём", ""), ("Денис", "Денис", ""),
    ("Роман", "Роман", ""), ("Віталій", "Виталий", ""), ("Євген", "Евгений", "Eugen"),
    ("Григорій", "Григорий", "Gregor"), ("Федір", "Фёдор", ""), ("Анатолій", "Анатолий", ""),
    ("Валерій", "Валерий", ""), ("Олег", "Олег", ""), ("Ярослав", "Ярослав", ""),
    ("Кирило", "Кирилл", ""), ("Антон", "Антон", ""), ("Степан", "Степан", ""),
    ("Назар", "Назар", ""), ("Костянтин", "Константин", "Konstantin"), ("Ілля", "Илья", ""),
]  # fmt: skip
UA_FEMALE = [
    ("Олена", "Елена", "Helene"), ("Ганна", "Анна", "Anna"), ("Наталія", "Наталья", "Natalie"),
    ("Ірина", "Ирина", "Irene"), ("Тетяна", "Татьяна", ""), ("Оксана", "Оксана", ""),
    ("Юлія", "Юлия", "Julia"), ("Марія", "Мария", "Maria"), ("Катерина", "Екатерина", "Katharina"),
    ("Світлана", "Светлана", ""), ("Людмила", "Людмила", ""), ("Галина", "Галина", ""),
    ("Ольга", "Ольга", ""), ("Вікторія", "Виктория", "Viktoria"), ("Анастасія", "Анастасия", ""),
    ("Дарія", "Дарья", ""), ("Олександра", "Александра", "Alexandra"),
    ("Христина", "Кристина", "Christina"), ("Софія", "София", "Sophie"),
    ("Валентина", "Валентина", ""), ("Надія", "Надежда", ""), ("Любов", "Любовь", ""),
    ("Лариса", "Лариса", ""), ("Євгенія", "Евгения", ""), ("Аліна", "Алина", ""),
    ("Вероніка", "Вероника", ""), ("Яна", "Яна", ""), ("Алла", "Алла", ""), ("Інна", "Инна", ""),
    ("Зоя", "Зоя", ""), ("Марина", "Марина", ""), ("Таїсія", "Таисия", ""),
]  # fmt: skip
# (Ukrainian, Russian)
UA_FAMILY = [
    ("Шевченко", "Шевченко"), ("Коваленко", "Коваленко"), ("Бондаренко", "Бондаренко"),
    ("Ткаченко", "Ткаченко"), ("Кравченко", "Кравченко"), ("Олійник", "Олейник"),
    ("Шевчук", "Шевчук"), ("Коваль", "Коваль"), ("Поліщук", "Полищук"), ("Бойко", "Бойко"),
    ("Ткачук", "Ткачук"), ("Мельник", "Мельник"), ("Лисенко", "Лысенко"), ("Марченко", "Марченко"),
    ("Савченко", "Савченко"), ("Руденко", "Руденко"), ("Мороз", "Мороз"), ("Петренко", "Петренко"),
    ("Кравчук", "Кравчук"), ("Клименко", "Клименко"), ("Павленко", "Павленко"),
    ("Левченко", "Левченко"), ("Гончаренко", "Гончаренко"), ("Харченко", "Харченко"),
    ("Сидоренко", "Сидоренко"), ("Карпенко", "Карпенко"), ("Кузьменко", "Кузьменко"),
    ("Гриценко", "Гриценко"), ("Гресь", "Грес"), ("Ковальов", "Ковалёв"), ("Білик", "Белик"),
    ("Хмельницький", "Хмельницкий"), ("Щербак", "Щербак"), ("Кириленко", "Кириленко"),
    ("Жук", "Жук"), ("Зінченко", "Зинченко"), ("Іваненко", "Иваненко"),
    ("Литвиненко", "Литвиненко"), ("Гуменюк", "Гуменюк"), ("Остапчук", "Остапчук"),
    ("Юрченко", "Юрченко"), ("Яковенко", "Яковенко"), ("Ковальчук", "Ковальчук"),
    ("Дяченко", "Дьяченко"), ("Пономаренко", "Пономаренко"), ("Гаврилюк", "Гаврилюк"),
    ("Кушнір", "Кушнир"), ("Чорновол", "Черновол"), ("Соловйов", "Соловьёв"),
    ("Захарченко", "Захарченко"), ("Волошин", "Волошин"), ("Головко", "Головко"),
    ("Федоренко", "Федоренко"), ("Єрмоленко", "Ермоленко"), ("Вишневський", "Вишневский"),
    ("Цибулько", "Цыбулько"), ("Журавльов", "Журавлёв"), ("Щукін", "Щукин"),
]  # fmt: skip

# Arabic names: each entry is the spellings one person's name really appears in.
AR_MALE = [
    ["Mohammed", "Muhammad", "Mohamad", "Mohamed", "Mohammad", "Muhammed"],
    ["Ahmad", "Ahmed"], ["Mahmoud", "Mahmud", "Machmud"], ["Mustafa", "Mostafa", "Moustafa"],
    ["Yusuf", "Yousef", "Youssef", "Jussuf"], ["Abdul Rahman", "Abdulrahman", "Abd al-Rahman",
    "Abdelrahman"], ["Abdullah", "Abdallah", "Abdulla"], ["Omar", "Umar"], ["Ali"],
    ["Hussein", "Husain", "Hussain", "Hossein", "Hosein"], ["Hassan", "Hasan"],
    ["Khalil", "Chalil"], ["Jamal", "Gamal", "Djamal"], ["Qasim", "Kassem", "Kasim", "Qassem"],
    ["Uthman", "Osman", "Othman"], ["Ibrahim", "Ebrahim", "Ibraheem"],
    ["Khaled", "Khalid", "Chaled"], ["Walid", "Waleed"], ["Samir", "Sameer"], ["Bilal"],
    ["Karim", "Kareem"], ["Tariq", "Tarek", "Tarik"], ["Faisal", "Faysal"],
    ["Rashid", "Rachid", "Raschid"], ["Nasser", "Naser", "Nasir"], ["Hamid", "Hamed"],
    ["Said", "Saeed", "Sayed"], ["Ghulam", "Gholam"], ["Habib"], ["Wahid", "Waheed"],
    ["Sharif", "Scharif", "Cherif"], ["Zakaria", "Zakariya", "Sakaria"],
]  # fmt: skip
AR_FEMALE = [
    ["Aisha", "Aicha", "Ayesha", "Aischa"], ["Fatima", "Fatimah", "Fatema"],
    ["Maryam", "Mariam", "Meryem"], ["Zainab", "Zeinab", "Zaynab"], ["Noor", "Nour", "Nur"],
    ["Amina", "Aminah"], ["Layla", "Leila", "Laila"], ["Hiba", "Heba"], ["Rania", "Raniya"],
    ["Yasmin", "Jasmin", "Yasmine"], ["Sara", "Sarah"], ["Huda", "Houda"],
    ["Khadija", "Chadija", "Khadidja"], ["Samira"], ["Salma"], ["Rasha", "Racha"],
    ["Farida", "Faridah"], ["Zahra", "Sahra"], ["Parwana", "Parvana"], ["Shirin", "Schirin"],
]  # fmt: skip
AR_FAMILY = [
    ["Al-Ahmad"], ["Al-Hassan"], ["Al-Ali"], ["Al-Khatib"], ["Al-Masri"], ["Al-Homsi"],
    ["Al-Halabi"], ["Haddad"], ["Khoury", "Khouri", "Churi"], ["Al-Sayed"], ["Al-Shami"],
    ["Hamdan"], ["Mansour", "Mansur"], ["Nasser", "Naser"], ["Darwish", "Derwisch"],
    ["Othman", "Osman"], ["Qasim", "Kassem", "Qassem"], ["Saleh", "Salih", "Salah"],
    ["Youssef", "Yusuf"],
    ["Abdullah", "Abdallah"], ["Ahmadi"], ["Mohammadi", "Muhammadi"], ["Husseini", "Hussaini"],
    ["Rahimi"], ["Karimi"], ["Sultani"], ["Noori", "Nuri"], ["Hakimi"], ["Safi"],
    ["Haidari", "Haydari"], ["Rezai", "Rezaei"], ["Jafari", "Dschafari"], ["Al-Najjar"],
]  # fmt: skip

# Beyond the commonest names listed above, family names are drawn from a larger pool,
# so that the commonest name holds well under 1% of persons, as in Ukraine's and Syria's
# registers (58 surnames for 100,000 people would make namesakes far too frequent).
# `generate(concentrated=True)` keeps to the listed names: a stress test for namesakes.
_UA_STEMS = (
    "Абрам Андрущ Бабич Бабій Базил Бакал Бартош Белей Бережн Білоус Бондарч Борис Бровар "
    "Бурлак Василен Верб Вовк Войтов Галушк Гарас Гнатюк Голуб Гордій Горбач Грищ Гуцал "
    "Даниль Дем'ян Деркач Дорош Дудар Євтуш Жовн Зайч Заїк Засух Зубар Ігнат Карась Кисіл "
    "Ковтун Козак Колесн Кондрат Корн Костюк Кот Кривон Кулик Лавр Лазар Левиц Лесь Лозов "
    "Луцюк Максим Мартин Матвій Мацюк Мирон Михайл Мороз Назар Нестер Никон Овчар Онищ "
    "Опанас Пасічн Пилип Писар Приход Прокоп Радч Рибак Рогоз Роман Рудь Савч Семен Сидор "
    "Сірк Скрип Слюсар Собол Стасюк Стець Сухор Тарас Терещ Тимош Товст Троян Тур Устим "
    "Федорч Філіп Фом Хом Цап Чабан Черн Шаповал Шевел Швець Штуп Юрк Яковл Ярем Ящук"
).split()
_UA_SUFFIXES = ("енко", "ук", "чук", "ак", "ик", "ець", "ишин", "ів", "ко", "евич", "ський")
_AR_FAMILY_MORE = (
    "Hamwi Idlibi Dimashqi Raqqawi Hourani Tarabishi Jabali Kurdi Sabbagh Attar Najjar Farah "
    "Hijazi Nabulsi Tamimi Khalaf Barakat Saadi Zoubi Omari Hariri Shehadeh Ayoubi Qadri "
    "Rifai Bitar Kayyali Hallak Sawaf Dabbagh Jaziri Moussa Issa Hamoud Suleiman Yassin "
    "Daoud Nouri Sharifi Amiri Hashimi Wardak Popal Stanikzai Safi Zazai Mangal Noorzai "
    "Barakzai Sadat Niazi Rasuli Samadi Qaderi Habibi Azizi Rahmani Nazari Mohseni Sharif"
).split()


def _ua_family_pool() -> list[tuple[str, str]]:
    pool = []
    for stem in _UA_STEMS:
        for suffix in _UA_SUFFIXES:
            if stem.endswith(("ч", "щ", "ш")) and suffix.startswith("ч"):
                suffix = suffix[1:]  # Бондарч + чук = Бондарчук
            word = stem + suffix if not stem.endswith("ь") else stem[:-1] + suffix
            russian = word.replace("і", "и").replace("ї", "и").replace("є", "е").replace("'", "ь")
            if russian.endswith("ський"):
                russian = russian[:-5] + "ский"
            pool.append((word, russian))
    return pool


UA_FAMILY_POOL = UA_FAMILY + [name for name in _ua_family_pool() if name not in UA_FAMILY]
AR_FAMILY_POOL = AR_FAMILY + [[f"Al-{name}"] if i % 3 == 0 else [name] for i, name in enumerate(
    _AR_FAMILY_MORE
)]  # fmt: skip

# The names above in Arabic script (Persian letters for the Afghan family names), as the
# passport's own script; keyed by the first Latin form.
ARABIC_SCRIPT = {
    "Mohammed": "محمد", "Ahmad": "أحمد", "Mahmoud": "محمود", "Mustafa": "مصطفى",
    "Yusuf": "يوسف", "Abdul Rahman": "عبد الرحمن", "Abdullah": "عبد الله", "Omar": "عمر",
    "Ali": "علي", "Hussein": "حسين", "Hassan": "حسن", "Khalil": "خليل", "Jamal": "جمال",
    "Qasim": "قاسم", "Uthman": "عثمان", "Ibrahim": "إبراهيم", "Khaled": "خالد", "Walid": "وليد",
    "Samir": "سمير", "Bilal": "بلال", "Karim": "كريم", "Tariq": "طارق", "Faisal": "فيصل",
    "Rashid": "راشد", "Nasser": "ناصر", "Hamid": "حامد", "Said": "سعيد", "Ghulam": "غلام",
    "Habib": "حبيب", "Wahid": "وحيد", "Sharif": "شريف", "Zakaria": "زكريا",
    "Aisha": "عائشة", "Fatima": "فاطمة", "Maryam": "مريم", "Zainab": "زينب", "Noor": "نور",
    "Amina": "أمينة", "Layla": "ليلى", "Hiba": "هبة", "Rania": "رانيا", "Yasmin": "ياسمين",
    "Sara": "سارة", "Huda": "هدى", "Khadija": "خديجة", "Samira": "سميرة", "Salma": "سلمى",
    "Rasha": "رشا", "Farida": "فريدة", "Zahra": "زهراء", "Parwana": "پروانه",
    "Shirin": "شیرین", "Al-Ahmad": "الأحمد", "Al-Hassan": "الحسن", "Al-Ali": "العلي",
    "Al-Khatib": "الخطيب", "Al-Masri": "المصري", "Al-Homsi": "الحمصي", "Al-Halabi": "الحلبي",
    "Haddad": "حداد", "Khoury": "خوري", "Al-Sayed": "السيد", "Al-Shami": "الشامي",
    "Hamdan": "حمدان", "Mansour": "منصور", "Darwish": "درويش", "Othman": "عثمان",
    "Saleh": "صالح", "Youssef": "يوسف", "Ahmadi": "احمدی", "Mohammadi": "محمدی",
    "Husseini": "حسینی", "Rahimi": "رحیمی", "Karimi": "کریمی", "Sultani": "سلطانی",
    "Noori": "نوری", "Hakimi": "حکیمی", "Safi": "صافی", "Haidari": "حیدری", "Rezai": "رضایی",
    "Jafari": "جعفری", "Al-Najjar": "النجار",
}  # fmt: skip

# Ukrainian KMU 2010 (word-initial forms first), ISO 9 and German Duden-style tables.
_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia", "'": "",
}  # fmt: skip
_KMU_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_UA_ISO9 = {
    **_KMU, "г": "g", "ґ": "g̀", "є": "ê", "и": "i", "і": "ì", "ї": "ï", "й": "j", "х": "h",
    "ц": "c", "ч": "č", "ш": "š", "щ": "ŝ", "ь": "ʹ", "ю": "û", "я": "â", "ж": "ž",
}  # fmt: skip
_GERMAN = {
    "а": "a", "б": "b", "в": "w", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "je",
    "ё": "jo", "ж": "sch", "з": "s", "и": "y", "і": "i", "ї": "ji", "й": "j", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "ju", "я": "ja",
}  # fmt: skip
_GERMAN_RU = {**_GERMAN, "г": "g", "и": "i", "е": "e"}
_RU_SCHEMAS = ["icao_doc_9303", "bgn_pcgn", "iso_9_1954", "mvd_310_fr", "mvd_782", "wikipedia"]
UA_SYSTEMS = ["kmu", "kmu", "kmu", "ua_iso9", "german", "old_passport"]
RU_SYSTEMS = [*_RU_SCHEMAS, "german_ru", "old_passport"]


def _table(text: str, table: dict[str, str], initial: dict[str, str] | None = None) -> str:
    out = []
    for word in text.split(" "):
        letters = []
        for i, char in enumerate(word):
            low = char.lower()
            value = (initial or {}).get(low) if i == 0 else None
            value = value if value is not None else table.get(low, low)
            letters.append(value.capitalize() if char.isupper() else value)
        out.append("".join(letters))
    return " ".join(out)


def transliterate(text: str, system: str) -> str:
    """Cyrillic to Latin as the given office or document would write it."""
    if system == "kmu":
        return _table(text, _KMU, _KMU_INITIAL)
    if system == "ua_iso9":
        return _table(text, _UA_ISO9)
    if system == "german":
        return _table(text, _GERMAN)
    if system == "german_ru":
        return _table(text, _GERMAN_RU, {"е": "je"})
    if system == "old_passport":  # ISO 9 typed without diacritics
        latin = iuliia.schemas.get("iso_9_1954").translate(text)
        decomposed = unicodedata.normalize("NFKD", latin)
        return "".join(c for c in decomposed if not unicodedata.combining(c) and c != "ʹ")
    return iuliia.schemas.get(system).translate(text)


@dataclass
class Person:
    id: int
    origin: str  # "ua", "ru" (Russian-speaking from Ukraine), "ar"
    sex: str
    given: int  # index into the name list of the origin and sex
    family: int
    father: int | None
    birth: PartialDate
    nationality: str
    document: str
    household: int
    street: str
    postcode: str
    middle: int | None = None  # Arabic: father's name given as a middle name
    single_name: bool = False  # Afghan: one name only

    @property
    def kinds(self) -> tuple[str, ...]:
        """Difficulties of the person that every record of theirs carries."""
        return tuple(
            kind
            for kind, present in (("undated", not self.birth), ("single_name", self.single_name))
            if present
        )


@dataclass
class SyntheticSet:
    records: list[MatchRecord]
    person_of: list[int]  # person id per record (ground truth)
    # Per record: the corruptions it was written with and the difficulties of its person
    # (`evaluate_matching` reports figures per kind).
    kinds: list[frozenset[str]]
    household_of: list[int]

    def true_pairs(self) -> set[tuple[int, int]]:
        by_person: dict[int, list[int]] = {}
        for index, person in enumerate(self.person_of):
            by_person.setdefault(person, []).append(index)
        pairs = set()
        for members in by_person.values():
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    pairs.add((a, b))
        return pairs


def _zipf(rng: random.Random, n: int, s: float = 1.0) -> int:
    return rng.choices(range(n), cum_weights=_zipf_cumulative(n, s))[0]


@lru_cache(maxsize=64)
def _zipf_cumulative(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank + 1) ** s for rank in range(n)))


def _birth(rng: random.Random, year: int) -> PartialDate:
    roll = rng.random()
    if roll < 0.04:
        return PartialDate(year)
    if roll < 0.06:
        return PartialDate(year, rng.randint(1, 12))
    month = rng.randint(1, 12)
    return PartialDate(year, month, rng.randint(1, 28))


def _feminine(family_cyr: str) -> str:
    """Female form: Хмельницький -> Хмельницька, Вишневский -> Вишневская, Щукін -> Щукіна."""
    if family_cyr.endswith(("ький", "цький", "ський")):
        return family_cyr[:-2] + "а"
    if family_cyr.endswith(("ский", "цкий")):
        return family_cyr[:-2] + "ая"
    if family_cyr.endswith(("ов", "ёв", "ев", "йов", "ьов", "ин", "ін")):
        return family_cyr + "а"
    return family_cyr


def _patronymic(father_cyr: str, sex: str, russian: bool) -> str:
    stem = father_cyr
    if stem.endswith(("о", "ь")):
        stem = stem[:-1]
    if stem.endswith("й"):
        stem = stem[:-1]
        suffix = (
            ("евич" if sex == "m" else "евна") if russian else ("йович" if sex == "m" else "ївна")
        )
    else:
        suffix = (
            ("ович" if sex == "m" else "овна") if russian else ("ович" if sex == "m" else "івна")
        )
    return stem + suffix


def _persons(rng: random.Random, count: int, *, concentrated: bool) -> list[Person]:
    # Given names are concentrated in reality too (Oleksandr ~7% of men), less so here
    # than the family names of the concentrated set.
    given_skew = 0.9 if concentrated else 0.7
    persons: list[Person] = []
    household = 0
    while len(persons) < count:
        household += 1
        origin = rng.choices(["ua", "ru", "ar"], weights=[70, 10, 20])[0]
        families = UA_FAMILY if origin != "ar" else AR_FAMILY
        if concentrated or rng.random() < 0.1:
            family = _zipf(rng, len(families), 0.8)  # the commonest names
        else:
            pool = len(UA_FAMILY_POOL if origin != "ar" else AR_FAMILY_POOL)
            family = len(families) + _zipf(rng, pool - len(families), 0.5)
        street_name = rng.choice(["Haupt", "Linden", "Berliner", "Frankfurter", "Park"])
        street = f"{street_name}str. {rng.randint(1, 200)}"
        postcode = str(rng.choice(POSTCODES))
        nationality = {"ua": "UA", "ru": "UA", "ar": rng.choice(["SY", "SY", "AF", "IQ"])}[origin]
        size = rng.choices([1, 2, 3, 4, 5], weights=[45, 20, 17, 12, 6])[0]
        parent_year = rng.randint(1950, 1995)
        male_names = UA_MALE if origin != "ar" else AR_MALE
        father_name = _zipf(rng, len(male_names), given_skew)
        twins = size >= 3 and rng.random() < 0.06
        used_given: set[tuple[str, int]] = set()
        twin_birth = None
        for member in range(size):
            sex = rng.choice("fm")
            names = (
                (UA_MALE if sex == "m" else UA_FEMALE)
                if origin != "ar"
                else (AR_MALE if sex == "m" else AR_FEMALE)
            )
            given = _zipf(rng, len(names), given_skew)
            while (sex, given) in used_given:
                given = rng.randrange(len(names))
            used_given.add((sex, given))
            if member < 2:
                year = parent_year + rng.randint(-3, 3) if member else parent_year
                father = None
            else:
                year = min(parent_year + rng.randint(20, 40), 2024)
                father = father_name
            birth = _birth(rng, year)
            if rng.random() < PERSON_RATES["undated"]:
                birth = PartialDate()
            if twins and member >= 2:
                twin_birth = twin_birth or PartialDate(year, rng.randint(1, 12), rng.randint(1, 28))
                birth = twin_birth
            if father is None and origin != "ar":
                father = _zipf(rng, len(UA_MALE), given_skew)
            middle = father_name if origin == "ar" and rng.random() < 0.3 else None
            single_name = (
                nationality == "AF" and member < 2 and rng.random() < PERSON_RATES["single_name"]
            )
            document = (
                "".join(rng.choices("ABCEFGHKMNPST", k=2)) + f"{rng.randint(0, 999999):06d}"
                if rng.random() < 0.6
                else ""
            )
            persons.append(
                Person(
                    id=len(persons), origin=origin, sex=sex, given=given, family=family,
                    father=father, birth=birth, nationality=nationality, document=document,
                    household=household, street=street, postcode=postcode, middle=middle,
                    single_name=single_name,
                )
            )  # fmt: skip
    return persons[:count]


def _typo(rng: random.Random, text: str) -> str:
    """One typing error inside one word of `text` (not its first letter)."""
    words = text.split(" ")
    long_words = [index for index, word in enumerate(words) if len(word) >= 4]
    if not long_words:
        return text
    index = rng.choice(long_words)
    words[index] = _word_typo(rng, words[index])
    return " ".join(words)


def _word_typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiounrstlk") + word[i + 1 :]


def _corrupt_date(rng: random.Random, birth: PartialDate) -> tuple[PartialDate, str | None]:
    """The birth date as a duplicate writes it, and the kind of corruption (or None)."""
    rates = CORRUPTION_RATES
    if not birth:
        return birth, None
    roll = rng.random()
    edge = 0.0
    kinds = ("dm_swap", "year_only", "jan1", "date_digit_typo", "year_off_by_one", "date_missing")
    for kind in kinds:
        edge += rates[kind]
        if roll < edge:
            break
    else:
        return birth, None
    if kind == "dm_swap" and birth.day and birth.day <= 12 and birth.day != birth.month:
        return PartialDate(birth.year, birth.day, birth.month), kind
    if kind == "year_only":
        return PartialDate(birth.year), kind
    if kind == "jan1":
        return PartialDate(birth.year, 1, 1), kind
    if kind == "date_missing":
        return PartialDate(), kind
    if kind == "year_off_by_one" and birth.year < 2024:
        return PartialDate(birth.year + rng.choice([-1, 1]), birth.month, birth.day), kind
    if kind == "date_digit_typo" and birth.day:
        for _attempt in range(10):
            text = list(f"{birth.day:02d}{birth.month:02d}{birth.year:04d}")
            # Any digit but the century: day, month, decade and year.
            i = rng.choice([0, 1, 2, 3, 6, 7])
            text[i] = str(rng.randint(0, 9))
            day, month, year = (
                int("".join(text[:2])),
                int("".join(text[2:4])),
                int("".join(text[4:])),
            )
            if (day, month, year) == (birth.day, birth.month, birth.year):
                continue
            try:
                return PartialDate.from_parts(year, month, day), kind
            except Exception:  # noqa: S112 - an impossible date: try another digit
                continue
    return birth, None


def _arabic_script(latin: str) -> str:
    return " ".join(ARABIC_SCRIPT.get(word, word) for word in [latin])


def _render(
    rng: random.Random, person: Person, *, duplicate: bool, system: str, base_system: str = ""
) -> tuple[MatchRecord, frozenset[str]]:
    """One record of the person; a duplicate is corrupted as an office would write it.
    Returns the record and the kinds of corruption applied (and the person's own)."""
    rates = CORRUPTION_RATES
    kinds: set[str] = set(person.kinds)

    def roll(kind: str) -> bool:
        happened = duplicate and rng.random() < rates[kind]
        if happened:
            kinds.add(kind)
        return happened

    if duplicate and system != base_system:
        kinds.add("other_system")
    original_family = original_given = ""
    if person.origin == "ar":
        given_variants = (AR_MALE if person.sex == "m" else AR_FEMALE)[person.given]
        family_variants = AR_FAMILY_POOL[person.family]
        given = rng.choice(given_variants) if roll("arabic_variant") else given_variants[0]
        if person.middle is not None and not roll("drop_middle_name"):
            given += " " + AR_MALE[person.middle][0]
        family = rng.choice(family_variants) if roll("arabic_variant") else family_variants[0]
        if family.startswith("Al-") and roll("arabic_article"):
            rest = family[3:]
            family = rng.choice([f"Al{rest.lower()}", rest, f"El-{rest}", f"Al {rest}"])
        if rng.random() < rates["original_script"]:
            kinds.add("original_script")
            original_family = _arabic_script(family_variants[0])
            original_given = _arabic_script(given_variants[0])
        if person.single_name:
            # One name only: written as the family name; some offices repeat it as the
            # given name, or put a placeholder there.
            family, original_family = given.split()[0], original_given
            given = rng.choice(["", "", family, "FNU"]) if duplicate else ""
            original_given = ""
    else:
        names = UA_MALE if person.sex == "m" else UA_FEMALE
        ua, ru, german = names[person.given]
        family_ua, family_ru = UA_FAMILY_POOL[person.family]
        if person.sex == "f":
            family_ua, family_ru = _feminine(family_ua), _feminine(family_ru)
        russian = person.origin == "ru" or roll("russian_form")
        given_cyr, family_cyr = (ru, family_ru) if russian else (ua, family_ua)
        patronymic = ""
        if person.father is not None and (person.origin == "ru") != roll("toggle_patronymic"):
            patronymic = _patronymic(
                UA_MALE[person.father][1 if russian else 0], person.sex, russian
            )
        cyr_system = (
            system if not russian else rng.choice(RU_SYSTEMS) if duplicate else "icao_doc_9303"
        )
        if russian and system in RU_SYSTEMS:
            cyr_system = system
        elif not russian and system not in UA_SYSTEMS:
            cyr_system = rng.choice(UA_SYSTEMS)
        given = transliterate(given_cyr, cyr_system)
        if german and roll("german_form"):
            given = german
        if patronymic:
            given += " " + transliterate(patronymic, cyr_system)
        family = transliterate(family_cyr, cyr_system)
        if rng.random() < rates["original_script"]:
            kinds.add("original_script")
            original_family, original_given = family_ua, ua
    if roll("name_typo"):
        if rng.random() < 0.5 or not given:
            family = _typo(rng, family)
        else:
            given = _typo(rng, given)
    if roll("swap_names"):
        family, given = given, family
    birth = person.birth
    if duplicate:
        birth, date_kind = _corrupt_date(rng, person.birth)
        if date_kind:
            kinds.add(date_kind)
    sex = "u" if roll("sex_missing") else person.sex
    nationalities = () if roll("nationality_missing") else (person.nationality,)
    street, postcode = person.street, person.postcode
    if roll("moved"):
        street_name = rng.choice(["Haupt", "Linden", "Berliner", "Frankfurter", "Park"])
        street, postcode = f"{street_name}str. {rng.randint(1, 200)}", str(rng.choice(POSTCODES))
    elif duplicate and rng.random() < 0.5:
        street = ""  # the other office wrote the postcode only
    document = person.document
    if duplicate and rng.random() >= rates["keep_document"]:
        document = ""
    record = MatchRecord(
        family_name=family or given,
        given_names=given if family else "",
        family_name_original=original_family,
        given_names_original=original_given,
        sex=sex,
        birth=birth,
        nationalities=nationalities,
        documents=(document,) if document else (),
        household_id=person.household,
        street=street,
        postcode=postcode,
    )
    return record, frozenset(kinds)


def generate(
    persons: int = 10_000,
    *,
    seed: int = 5,
    duplicate_rate: float = 0.3,
    concentrated: bool = False,
) -> SyntheticSet:
    """`persons` people; about `duplicate_rate` of them get one or two duplicate records.
    With `concentrated`, only the commonest listed family names (a namesake stress test)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    people = _persons(rng, persons, concentrated=concentrated)
    records: list[MatchRecord] = []
    person_of: list[int] = []
    kinds: list[frozenset[str]] = []
    for person in people:
        base_system = rng.choice(UA_SYSTEMS) if person.origin == "ua" else "icao_doc_9303"
        record, record_kinds = _render(rng, person, duplicate=False, system=base_system)
        records.append(record)
        kinds.append(record_kinds)
        person_of.append(person.id)
        copies = 0
        if rng.random() < duplicate_rate:
            copies = 2 if rng.random() < 0.15 else 1
        for _copy in range(copies):
            system = base_system
            if rng.random() < CORRUPTION_RATES["other_system"]:
                system = rng.choice(UA_SYSTEMS + RU_SYSTEMS)
            record, record_kinds = _render(
                rng, person, duplicate=True, system=system, base_system=base_system
            )
            records.append(record)
            kinds.append(record_kinds)
            person_of.append(person.id)
    order = list(range(len(records)))
    rng.shuffle(order)
    for new_id, index in enumerate(order):
        records[index].id = new_id
    return SyntheticSet(
        [records[i] for i in order],
        [person_of[i] for i in order],
        [kinds[i] for i in order],
        [records[i].household_id for i in order],
    )
