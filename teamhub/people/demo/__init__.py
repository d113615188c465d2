"""Deterministic demo data: a believable ML organisation for a seed.

``org.py``, ``work.py`` and ``skills.py`` draw the organisation as plain records
(``records.py``) from seeded ``random.Random`` streams; ``staffing.py`` draws who
worked on past initiatives from hidden true skill levels (the registry holds
noisy self-ratings) and the staffing requests behind them; ``seed.py`` writes
them with bulk inserts (``bulk.py``); ``data.py`` holds the built-in tables
(names, teams, titles).
"""

from teamhub.people.demo.seed import (
    DEMO_EMAIL_DOMAIN,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    MAX_PEOPLE,
    MIN_PEOPLE,
    DemoSeedResult,
    demo_org_seed,
    demo_registry_flush,
)

__all__ = [
    "DEMO_EMAIL_DOMAIN",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "MAX_PEOPLE",
    "MIN_PEOPLE",
    "DemoSeedResult",
    "demo_org_seed",
    "demo_registry_flush",
]
