"""The file keyring: each epoch KEK a 0600 file in a 0700 folder; destroy overwrites, then unlinks.

The weakest keyring (docs/decisions/0009-key-epochs.md): overwriting a file does not reach
copies the file system, the disk's firmware, snapshots or backups of that folder kept. Put the
folder on encrypted storage that is never backed up with the data, or use the PKCS#11 keyring.
"""

import os
import re
from pathlib import Path
from typing import final

from shared.crypto.data_key import KEY_BYTES, new_key_material
from shared.crypto.errors import KeyMaterialError, UnknownKekError
from shared.crypto.kek import AesKek
from shared.crypto.secret import REDACTED, SecretBytes
from shared.secret_files import check_private, create_private_file, private_folder

# What AesKek derives from the key: so a file name can never point outside the folder.
_KEK_ID = re.compile(r"^kek-[0-9a-f]{16}$")


@final
class FileKeyring:
    """Epoch KEKs as raw 32-byte files `<kek id>.key` in `folder`. Each use looks at the file
    (one stat), so a KEK destroyed by another process is refused here at once, not after a
    cache expires; the key itself is re-read only when the file changed."""

    __slots__ = ("_folder", "_loaded")

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        # kek id -> (its file, the file's inode and mtime when read, the KEK read from it)
        self._loaded: dict[str, tuple[str, tuple[int, int], AesKek]] = {}

    async def create(self) -> str:
        private_folder(self._folder)
        material = new_key_material()
        kek = AesKek(SecretBytes(material))
        if not create_private_file(self._path(kek.kek_id), material):
            raise KeyMaterialError(f"key file for {kek.kek_id} exists already")
        _sync_folder(self._folder)
        return kek.kek_id

    async def wrap(self, kek_id: str, dek: bytes) -> bytes:
        return await self._kek(kek_id).wrap(dek)

    async def unwrap(self, kek_id: str, wrapped: bytes) -> bytes:
        return await self._kek(kek_id).unwrap(kek_id, wrapped)

    async def destroy(self, kek_id: str) -> None:
        path = self._path(kek_id)
        self._loaded.pop(kek_id, None)
        try:
            with path.open("r+b") as file:
                size = os.fstat(file.fileno()).st_size
                # Overwrite in place before unlinking, so the blocks the file had hold no key
                # (as far as the file system writes in place: see the module docstring).
                file.write(b"\0" * max(size, KEY_BYTES))
                file.flush()
                os.fsync(file.fileno())
        except FileNotFoundError:
            return
        path.unlink(missing_ok=True)
        _sync_folder(self._folder)

    async def holds(self, kek_id: str) -> bool:
        return _KEK_ID.match(kek_id) is not None and self._path(kek_id).is_file()

    def _kek(self, kek_id: str) -> AesKek:
        if (loaded := self._loaded.get(kek_id)) is not None:
            # Read before: still the same file, still private? (os.stat on the string path:
            # this runs twice per key when an epoch closes.)
            where, version, kek = loaded
            try:
                status = os.stat(where)
            except FileNotFoundError:
                del self._loaded[kek_id]
                raise UnknownKekError(
                    f"key-encryption key {kek_id} is not in the keyring"
                ) from None
            if (status.st_ino, status.st_mtime_ns) == version and not status.st_mode & 0o077:
                return kek
        path = self._path(kek_id)
        try:
            check_private(path)
            with path.open("rb") as file:
                status = os.fstat(file.fileno())
                material = file.read()
        except FileNotFoundError:
            raise UnknownKekError(f"key-encryption key {kek_id} is not in the keyring") from None
        except OSError as error:
            raise KeyMaterialError(f"cannot read key file {path}: {type(error).__name__}") from None
        kek = AesKek(SecretBytes(material))
        if kek.kek_id != kek_id:
            raise KeyMaterialError(f"key file {path} does not hold {kek_id}")
        self._loaded[kek_id] = (str(path), (status.st_ino, status.st_mtime_ns), kek)
        return kek

    def _path(self, kek_id: str) -> Path:
        if _KEK_ID.match(kek_id) is None:
            raise UnknownKekError(f"key-encryption key {kek_id} is not in the keyring")
        return self._folder / f"{kek_id}.key"

    def __repr__(self) -> str:
        return f"FileKeyring(folder={str(self._folder)!r}, keys={REDACTED})"

    __str__ = __repr__


def _sync_folder(folder: Path) -> None:
    # The new or removed name is durable only once the folder itself is synced.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
