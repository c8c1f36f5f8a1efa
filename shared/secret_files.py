"""Files that hold secrets (KEKs, the pepper, signing keys): written 0600, refused when readable
by group or others, so a copied or shared folder never quietly hands a key to another user."""

import os
import stat
from pathlib import Path

from shared.errors import CaselogError

PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


class InsecureSecretFileError(CaselogError):
    """A secret file is readable or writable by group or others; the message names the path
    and the fix, never the content."""


def check_private(path: Path) -> None:
    """Refuse a secret file that group or others may read or write (mode & 0o077)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # the reader reports the missing file in its own words
    if stat.S_IMODE(mode) & 0o077:
        raise InsecureSecretFileError(
            f"secret file {path} is readable by group or others"
            f" (mode {stat.S_IMODE(mode):o}): run `chmod 600 {path}` and restart"
        )


def read_private_text(path: Path) -> str:
    """The text of a secret file, after `check_private`; OSError as `Path.read_text` raises."""
    check_private(path)
    return path.read_text(encoding="ascii")


def create_private_file(path: Path, data: bytes) -> bool:
    """Write `data` to a new file created 0600 (its folder made 0700 if missing); False if the
    file exists already (O_EXCL: of two processes starting at once, one writes)."""
    private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    return True


def private_folder(folder: Path) -> None:
    """Create `folder` 0700 if it is missing (an existing folder keeps its mode: it may be a
    mount point the operator chose)."""
    if not folder.exists():
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)


def private_data_file(path: Path) -> None:
    """Before SQLite opens `path`: its folder made 0700 if missing, the file created 0600 (or
    tightened to 0600), so SQLite's -wal and -shm files, which take the database file's mode,
    are 0600 too. Data files hold wrapped keys, ciphertext and the subject index."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(PRIVATE_FILE_MODE)
