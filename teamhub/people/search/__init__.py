"""Skill search: parse a query, resolve skill names, rank the people who match."""
