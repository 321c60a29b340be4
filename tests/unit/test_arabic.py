"""Casualty claims from Arabic text (issue 19): tolls, cause and perpetrator in the common phrasings."""

from __future__ import annotations

import pytest

from sitrep.stages.extract import arabic
from sitrep.stages.extract.article import extract
from sitrep.stages.types import CleanArticle


def claims(body: str, title: str = "خبر") -> list[tuple]:
    x = extract(CleanArticle(id="ar", title=title, body=body, language="ar"))
    categories = {e.id: e.category for e in x.entities}
    for c in x.casualties:  # the evidence is a span of the body
        assert body[c.evidence.start:c.evidence.end] == c.evidence.text
    return [(c.killed, c.injured, c.cause, categories.get(c.perpetrator)) for c in x.casualties]


@pytest.mark.parametrize("body, expected", [
    # verbal noun + digits, with the killers after "by"
    ("أعلن مصدر أمني مقتل 6 مدنيين بقصف صاروخي شنه تنظيم داعش على قرية شرق المدينة.",
     (6, None, "shelling", "islamic-state")),
    # a number in words, martyrdom, the state's forces as the agent
    ("استشهد أربعة أطفال جراء غارات الطيران الروسي على ريف المدينة.", (4, None, "airstrike", "russia")),
    # number + noun of the dead, injured apart
    ("سقط 12 قتيلا و30 جريحا في انفجار سيارة مفخخة وسط السوق.", (12, 30, "explosion", None)),
    # one person, as a bare noun; two, as a dual
    ("مقتل جندي تركي في اشتباك مع مسلحي حزب العمال الكردستاني.", (1, None, "shooting", "sdf-kurdish")),
    ("قتل شرطيان وأصيب ثالث بنيران مسلحين مجهولين في الحي.", (2, None, "shooting", "other")),
    # compound numbers and qualifiers
    ("أسفرت الاشتباكات عن مقتل ما لا يقل عن خمسة وعشرين مسلحا.", (25, None, "shooting", None)),
    # Arabic-Indic digits
    ("مقتل ٣ عناصر من الشرطة الاتحادية بهجوم لداعش.", (3, None, "shooting", "islamic-state")),
])
def test_arabic_tolls(body, expected):
    assert expected in claims(body)


def test_a_day_of_the_month_is_no_toll():
    found = claims("في 14 آذار قتل 3 جنود بانفجار لغم.")
    assert [f[0] for f in found] == [3]


def test_killed_and_injured_together_is_no_death_toll():
    assert [f[:2] for f in claims("أسفر القصف عن مقتل وإصابة 9 أشخاص.")] == [(None, None)]


def test_numbers_in_words():
    folded = [arabic.fold(w)[0] for w in ("ثلاثة", "خمسة وعشرين", "مئة وخمسين", "عشرات", "١٥")]
    assert [arabic.value(w) for w in folded] == [3, 25, 150, 10, 15]


def test_english_text_is_not_read_as_arabic():
    assert not arabic.is_arabic("Three soldiers were killed near Mosul (الموصل) on Monday.")
    assert arabic.is_arabic("قتل ثلاثة جنود في انفجار عبوة ناسفة قرب الموصل يوم الاثنين.")
