"""Match the skill names written in a spreadsheet to skills in the taxonomy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from teamhub.people.models import Skill

# fuzz.ratio on case-folded text: "Pytorh" ~ "PyTorch" scores 92, "Tensorflow 2" ~
# "TensorFlow" 91, while unrelated short names stay far below.
FUZZY_CUTOFF = 85.0


def normalise(text: str) -> str:
    """Return ``text`` case-folded with runs of whitespace collapsed."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Resolution:
    """How one name in the file was matched to a skill."""

    text: str
    skill: Skill
    how: str  # "name" | "alias" | "fuzzy"
    score: float

    def as_dict(self) -> dict[str, object]:
        return {
            "header": self.text,
            "skill": self.skill.name,
            "skill_id": self.skill.pk,
            "how": self.how,
            "score": round(self.score, 1),
        }


class SkillResolver:
    """Resolve names by exact name, then alias, then fuzzy match (names and aliases)."""

    def __init__(self, skills: Iterable[Skill], *, cutoff: float = FUZZY_CUTOFF):
        self.cutoff = cutoff
        self._by_name: dict[str, Skill] = {}
        self._by_alias: dict[str, Skill] = {}
        # Skills are read in name order, so a shared alias goes to the first name.
        for skill in skills:
            self._by_name.setdefault(normalise(skill.name), skill)
            for alias in skill.aliases or []:
                if isinstance(alias, str) and alias.strip():
                    self._by_alias.setdefault(normalise(alias), skill)
        self._choices: dict[str, Skill] = {**self._by_alias, **self._by_name}
        self._cache: dict[str, Resolution | None] = {}

    def resolve(self, text: str) -> Resolution | None:
        key = normalise(text)
        if key not in self._cache:
            self._cache[key] = self._resolve(text, key)
        return self._cache[key]

    def _resolve(self, text: str, key: str) -> Resolution | None:
        if not key:
            return None
        if key in self._by_name:
            return Resolution(text, self._by_name[key], "name", 100.0)
        if key in self._by_alias:
            return Resolution(text, self._by_alias[key], "alias", 100.0)
        best = process.extractOne(
            key, list(self._choices), scorer=fuzz.ratio, score_cutoff=self.cutoff
        )
        if best is None:
            return None
        return Resolution(text, self._choices[best[0]], "fuzzy", float(best[1]))
