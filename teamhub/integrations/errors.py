"""The one error a sync raises to end its run as failed with a clear message."""


class SyncFailed(Exception):
    """The run cannot go on; ``str(error)`` is shown on the run, so it names the
    cause and what to do ("Jira said 401: the token is wrong or expired")."""
