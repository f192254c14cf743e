"""The one kind of error the command line turns into a clean one-line exit."""


class HfauditError(Exception):
    """A user-facing failure: the message is one line, the exit code is ``code``."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code
