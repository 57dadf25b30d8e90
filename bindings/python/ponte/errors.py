"""Exceptions raised for Ponte's status codes, one class per status group.

Bindings branch on codes, never on message text: each class is chosen by ``code``.
"""

from typing import Dict, Type


class PonteError(Exception):
    """A Ponte call failed. ``code`` is the status (negative), ``message`` says what and where."""

    def __init__(self, code: int, message: str, name: str = "") -> None:
        super().__init__(f"{message} [{name or code}]")
        self.code = code
        self.message = message
        self.name = name


class ArgumentError(PonteError):
    """-1xx: an argument was missing, not UTF-8, not JSON, of the wrong shape or breaks a rule."""


class InvalidJsonError(ArgumentError):
    """PONTE_E_INVALID_JSON: the message gives the JSON path of the problem."""


class InvalidDataError(ArgumentError):
    """PONTE_E_INVALID_DATA: the message names the product or item and the field."""


class NotFoundError(ArgumentError):
    """PONTE_E_NOT_FOUND."""


class ConflictError(ArgumentError):
    """PONTE_E_CONFLICT."""


class InvalidArgumentError(ArgumentError):
    """PONTE_E_INVALID_ARGUMENT: an argument out of range, or a paging cursor Ponte never
    returned; the message names the argument."""


class UnsupportedError(ArgumentError):
    """PONTE_E_UNSUPPORTED: this build of the library lacks the feature."""


class ConfigError(PonteError):
    """-2xx: the integration config is invalid or missing."""


class InvalidConfigError(ConfigError):
    """PONTE_E_INVALID_CONFIG: the message lists every problem with its JSON path."""


class IntegrationNotFoundError(ConfigError):
    """PONTE_E_INTEGRATION_NOT_FOUND."""


class RemoteError(PonteError):
    """-3xx: the network or the store failed."""


class NetworkError(RemoteError):
    """PONTE_E_NETWORK or PONTE_E_TIMEOUT: the store could not be reached in time; try later."""


class AuthError(RemoteError):
    """PONTE_E_AUTH: the store refused the credentials or their permissions."""


class ThrottledError(RemoteError):
    """PONTE_E_THROTTLED: the store kept answering 429."""


class StorageError(PonteError):
    """-4xx: the state file could not be opened, read or written."""


class StorageBusyError(StorageError):
    """PONTE_E_STORAGE_BUSY: another process held the file's lock too long; try again."""


class StateFileGoneError(StorageError):
    """PONTE_E_STORAGE_GONE: the open state file was deleted or replaced; open it again."""


class InternalError(PonteError):
    """-5xx: a bug in Ponte. After PONTE_E_PANIC the handle is poisoned: close it."""


class PanicError(InternalError):
    """PONTE_E_PANIC."""


class HandlePoisonedError(InternalError):
    """PONTE_E_HANDLE_POISONED."""


_BY_CODE: Dict[int, Type[PonteError]] = {
    -102: InvalidJsonError,
    -104: InvalidDataError,
    -105: NotFoundError,
    -106: ConflictError,
    -107: InvalidArgumentError,
    -108: UnsupportedError,
    -200: InvalidConfigError,
    -300: NetworkError,
    -301: NetworkError,
    -302: AuthError,
    -304: ThrottledError,
    -201: IntegrationNotFoundError,
    -405: StorageBusyError,
    -408: StateFileGoneError,
    -500: PanicError,
    -501: HandlePoisonedError,
}

_BY_GROUP: Dict[int, Type[PonteError]] = {
    1: ArgumentError,
    2: ConfigError,
    3: RemoteError,
    4: StorageError,
    5: InternalError,
}


def error_class(code: int) -> Type[PonteError]:
    """The exception class for a status code: its own, else its group's, else PonteError."""
    return _BY_CODE.get(code) or _BY_GROUP.get(-code // 100, PonteError)
