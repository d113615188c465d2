"""Parsing skill queries into terms, and resolving terms against a skill catalog."""

import pytest

from teamhub.people.search.query import (
    EMPTY_QUERY_MESSAGE,
    QueryError,
    Term,
    query_parse,
    terms_from_rows,
)
from teamhub.people.search.resolve import (
    Resolution,
    SkillCatalog,
    SkillEntry,
    UnknownSkillError,
    UnresolvedTerm,
    skill_requirements,
    skills_resolve,
    term_resolve,
)


def parsed(q: str) -> list[tuple[str, int]]:
    return [(t.text, t.min_level) for t in query_parse(q)]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("pytorch:4 nlp:3", [("pytorch", 4), ("nlp", 3)]),
        ("pytorch", [("pytorch", 1)]),
        ("  pytorch:4   sql  ", [("pytorch", 4), ("sql", 1)]),
        ("nlp>=3", [("nlp", 3)]),
        ("nlp=3 pytorch: 4", [("nlp", 3), ("pytorch", 4)]),
        (
            '"natural language processing":3 pytorch',
            [("natural language processing", 3), ("pytorch", 1)],
        ),
        ("“deep learning”:2", [("deep learning", 2)]),
        (
            "natural language processing:3, pytorch",
            [("natural language processing", 3), ("pytorch", 1)],
        ),
        ("pytorch:4 nlp:3, sql", [("pytorch", 4), ("nlp", 3), ("sql", 1)]),
        ("c++:1 scikit-learn=2", [("c++", 1), ("scikit-learn", 2)]),
        ("time series forecasting:3", [("time series forecasting", 3)]),
        ('"deep learning" pytorch:2', [("deep learning", 1), ("pytorch", 2)]),
    ],
)
def test_query_parse_reads_terms_and_levels(q, expected):
    assert parsed(q) == expected


def test_unquoted_words_without_commas_form_a_phrase_for_the_resolver_to_split():
    terms = query_parse('sql time series forecasting:3 "deep learning" nlp:2')
    assert [(t.text, t.min_level, t.phrase) for t in terms] == [
        ("sql time series forecasting", 3, True),
        ("deep learning", 1, False),
        ("nlp", 2, False),
    ]
    # With commas, each chunk is one name.
    terms = query_parse("time series forecasting:3, sql")
    assert [t.phrase for t in terms] == [False, False]


@pytest.mark.parametrize("q", ["", "   ", ",", " , ,"])
def test_query_parse_rejects_an_empty_query(q):
    with pytest.raises(QueryError) as exc:
        query_parse(q)
    assert exc.value.messages == [EMPTY_QUERY_MESSAGE]


@pytest.mark.parametrize(
    ("q", "message"),
    [
        (
            "pytorch:9",
            'Level for "pytorch" must be a whole number from 1 to 5 (got "9")',
        ),
        ("pytorch:0", 'Level for "pytorch" must be a whole number from 1 to 5'),
        ("pytorch:x", '(got "x")'),
        ("pytorch:4.5", '(got "4.5")'),
        ("pytorch:", 'Level for "pytorch" must be a whole number from 1 to 5.'),
        (":3", '":3" needs a skill name before it.'),
        ('""', "Empty quotes"),
        ("a:1 " * 11, "at most 10 skills"),
        ("x" * 101, "too long"),
    ],
)
def test_query_parse_explains_bad_input(q, message):
    with pytest.raises(QueryError) as exc:
        query_parse(q)
    assert any(message in m for m in exc.value.messages), exc.value.messages


def test_query_parse_reports_every_bad_term_at_once():
    with pytest.raises(QueryError) as exc:
        query_parse("pytorch:9 nlp:3 sql:7")
    assert len(exc.value.messages) == 2
    assert '"pytorch"' in exc.value.messages[0]
    assert '"sql"' in exc.value.messages[1]


def test_terms_from_rows_pairs_skills_with_levels_and_skips_blank_rows():
    terms, errors = terms_from_rows(
        skills=["PyTorch", "", "natural  language processing", "SQL"],
        levels=["4", "2", "3", ""],
    )
    assert errors == {}
    assert terms == [
        Term("PyTorch", 4, row=0),
        Term("natural language processing", 3, row=2),
        Term("SQL", 1, row=3),
    ]


def test_terms_from_rows_reports_a_bad_level_on_its_row():
    terms, errors = terms_from_rows(skills=["PyTorch", "SQL"], levels=["9", "2"])
    assert terms == [Term("SQL", 2, row=1)]
    assert list(errors) == [0]
    assert "from 1 to 5" in errors[0]


CATALOG = SkillCatalog(
    skills=[
        SkillEntry(1, "PyTorch", ("torch",)),
        SkillEntry(2, "Natural language processing", ("NLP",)),
        SkillEntry(3, "scikit-learn", ("sklearn",)),
        SkillEntry(4, "Deep learning", ()),
        SkillEntry(5, "Machine learning", ("ML",)),
        SkillEntry(6, "SQL", ()),
        SkillEntry(7, "Time series forecasting", ("forecasting",)),
    ]
)


def resolve(text: str) -> Resolution | UnresolvedTerm:
    return term_resolve(Term(text), catalog=CATALOG)


@pytest.mark.parametrize(
    ("text", "skill", "how"),
    [
        ("pytorch", "PyTorch", "name"),
        ("PYTORCH", "PyTorch", "name"),
        ("natural_language_processing", "Natural language processing", "name"),
        ("Scikit Learn", "scikit-learn", "name"),
        ("torch", "PyTorch", "alias"),
        ("NLP", "Natural language processing", "alias"),
        ("nlp", "Natural language processing", "alias"),
        ("pytorh", "PyTorch", "fuzzy"),
        ("sklern", "scikit-learn", "fuzzy"),
        ("language processing", "Natural language processing", "fuzzy"),
    ],
)
def test_term_resolve_by_name_alias_and_typo(text, skill, how):
    outcome = resolve(text)
    assert isinstance(outcome, Resolution)
    assert (outcome.skill.name, outcome.how) == (skill, how)
    if how == "fuzzy":
        assert outcome.score is not None
        assert 80 <= outcome.score < 100
    else:
        assert outcome.score is None


def test_term_resolve_gives_the_typo_score():
    outcome = resolve("pytorh")
    assert isinstance(outcome, Resolution)
    assert outcome.score == 92


def test_unknown_term_without_lookalikes_says_so():
    outcome = resolve("xyz")
    assert isinstance(outcome, UnresolvedTerm)
    assert outcome.suggestions == ()
    assert outcome.message.startswith('Unknown skill "xyz" — ')


def test_unknown_term_suggests_close_names():
    outcome = resolve("pyt")
    assert isinstance(outcome, UnresolvedTerm)
    assert outcome.suggestions[0] == "PyTorch"
    assert outcome.message.startswith('Unknown skill "pyt" — did you mean "PyTorch"')


def test_term_close_to_two_skills_is_ambiguous_not_a_guess():
    outcome = resolve("learning")
    assert isinstance(outcome, UnresolvedTerm)
    assert outcome.ambiguous
    assert set(outcome.suggestions) >= {"Deep learning", "Machine learning"}
    assert "could be several skills" in outcome.message


def test_skills_resolve_raises_one_error_listing_every_unknown_term():
    with pytest.raises(UnknownSkillError) as exc:
        skills_resolve([Term("pytorch"), Term("xyz"), Term("qqq")], catalog=CATALOG)
    assert [u.term.text for u in exc.value.unresolved] == ["xyz", "qqq"]
    assert exc.value.message_dict["q"][0].startswith('Unknown skill "xyz"')


def test_skill_requirements_merge_terms_for_one_skill_keeping_the_higher_level():
    resolutions = skills_resolve(
        [Term("pytorch", 2), Term("nlp", 3), Term("torch", 4)], catalog=CATALOG
    )
    requirements = skill_requirements(resolutions)
    assert [(r.skill_name, r.min_level) for r in requirements] == [
        ("PyTorch", 4),
        ("Natural language processing", 3),
    ]


def resolved(q: str) -> list[tuple[str, str, int, str]]:
    return [
        (r.term.text, r.skill.name, r.term.min_level, r.how)
        for r in skills_resolve(query_parse(q), catalog=CATALOG)
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (
            "time series forecasting:3",
            [("time series forecasting", "Time series forecasting", 3, "name")],
        ),
        (
            "sql time series forecasting:3",
            [
                ("sql", "SQL", 1, "name"),
                ("time series forecasting", "Time series forecasting", 3, "name"),
            ],
        ),
        (
            "pytorch nlp",
            [
                ("pytorch", "PyTorch", 1, "name"),
                ("nlp", "Natural language processing", 1, "alias"),
            ],
        ),
        (
            "pytorh nlp:3",
            [
                ("pytorh", "PyTorch", 1, "fuzzy"),
                ("nlp", "Natural language processing", 3, "alias"),
            ],
        ),
        (
            "time seris forecasting:3",
            [("time seris forecasting", "Time series forecasting", 3, "fuzzy")],
        ),
    ],
)
def test_phrases_split_into_known_skills_or_stay_one_name(q, expected):
    assert resolved(q) == expected


def test_phrase_with_an_unknown_word_reports_that_word():
    with pytest.raises(UnknownSkillError) as exc:
        skills_resolve(query_parse("pytorch xyz:3"), catalog=CATALOG)
    assert [u.term.text for u in exc.value.unresolved] == ["xyz"]


def test_phrase_splitting_into_too_many_skills_is_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        skills_resolve(query_parse("sql " * 11), catalog=CATALOG)
    assert "at most 10 skills" in exc.value.message_dict["q"][0]
