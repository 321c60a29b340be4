"""The one outlet table: the cleaner, credibility and metrics name outlets the same way."""

import pytest

from sitrep.stages.clean.meta import byline_parts, numeric_order, outlet_name, parse_dateline
from sitrep.stages.credibility.sources import default_priors
from sitrep.stages.outlets import default_table


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("Reuters", "Reuters"),
        ("reuters.com", "Reuters"),
        ("https://www.reuters.com/world/middle-east/x", "Reuters"),
        ("Al-Masdar News", "Al Masdar News"),
        ("syrian arab news agency", "SANA"),
        ("Rudaw", "Rudaw"),
    ],
)
def test_cleaner_and_credibility_name_an_outlet_alike(given, name):
    assert outlet_name(given) == name
    assert default_priors().lookup(given).name == name


def test_every_outlet_the_cleaner_knows_has_a_prior():
    rated = {o.name for o in default_priors().outlets}
    assert {o.name for o in default_table().outlets} == rated


def test_a_longer_source_text_is_matched_for_priors_but_a_byline_must_be_a_whole_spelling():
    assert default_priors().lookup("Reuters via Yahoo News").name == "Reuters"
    assert outlet_name("Reuters via Yahoo News") is None
    # a person whose name contains an outlet's alias is an author, not an outlet
    assert byline_parts("Sabah Ahmed") == ("Sabah Ahmed", None)


def test_agency_and_date_order_come_from_the_same_entries():
    assert parse_dateline("BEIRUT, July 5 (Reuters) - Something happened.").agency == "Reuters"
    assert numeric_order("AP") == "mdy"
    assert numeric_order("Reuters") is None
