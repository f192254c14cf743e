"""The one kind of error the command line turns into a clean one-line exit, and the exit codes.

Every command uses these codes (docs/cli.md states them once):

- ``EXIT_OK`` (0): done; for a crawl, everything in scope was stored.
- ``EXIT_FINDINGS`` (1): a finding at or above ``--fail-on``, or a violation (``check``).
- ``EXIT_ERROR`` (2): bad input or usage, or the command could not do its job (``check``: could not
  judge); the reason is one line on stderr.
- ``EXIT_PARTIAL`` (3): a crawl stored some models but others failed (snapshot ``partial``).
- ``EXIT_NOTHING`` (4): a crawl could not store any model (snapshot ``failed``).
- ``EXIT_INTERRUPTED`` (130): interrupted (Ctrl-C); the next crawl marks the snapshot ``interrupted``.
"""

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_PARTIAL = 3
EXIT_NOTHING = 4
EXIT_INTERRUPTED = 130


class HfauditError(Exception):
    """A user-facing failure: the message is one line, the exit code is ``code``."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(" ".join(str(message).split()) if "\n" in str(message) else message)
        self.code = code
