"""Errors of field encryption, key store and subject index; none carries a key or a value."""

from shared.errors import CaselogError


class CryptoError(CaselogError):
    """Base class of every error raised by `shared.crypto`."""


class CiphertextError(CryptoError):
    """A ciphertext did not authenticate: it was altered, malformed, or moved to another
    field, event or case."""


class KeyNotFoundError(CryptoError):
    """No data key was ever created for the case."""


class KeyDestroyedError(CryptoError):
    """The case's data key was destroyed (crypto-shredded); its data is gone for good."""


class UnknownKekError(CryptoError):
    """A wrapped key names a key-encryption key that the keyring does not hold."""


class KeyMaterialError(CryptoError):
    """A key or pepper is missing or has the wrong shape; the message names its source only."""


class FieldAccessDenied(CryptoError, PermissionError):  # noqa: N818 - name fixed by issue 3
    """A reader asked for a field class it is not granted."""


class InvalidIdentityError(CryptoError, ValueError):
    """An e-mail address or phone number cannot be normalized; the value is never quoted."""


class UnsafeCryptoSettingsError(CryptoError):
    """The crypto settings are fit for development only, and the environment is production."""
