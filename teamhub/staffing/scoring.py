"""Score one candidate for one role: pure functions, every term shown to the manager.

OWNER: the scoring engineer. Contract (others call exactly these):

- ``WEIGHTS``: dict TermName -> weight (load's is negative).
- ``peak_load(bookings, *, start, end) -> int``: the highest booked percent on
  any day of [start, end]; confirmed count in full, proposed count half.
- ``free_capacity(capacity, bookings, *, start, end) -> int``: capacity minus
  peak_load, floored at 0 (percent).
- ``candidate_score(role, candidate, *, context, mentors) -> ScoredCandidate``
  where mentors maps skill id -> names of proposed team members who can mentor it.
"""
