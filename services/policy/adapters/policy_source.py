"""Reads the configured policy file at start-up; any problem stops the service, naming the
file and every problem by its path in the file."""

from pathlib import Path

from services.policy.domain.errors import PolicyFileError
from services.policy.domain.policy_file import load_policy
from services.policy.service_layer.errors import PolicySourceError
from services.policy.service_layer.ports import LoadedPolicy


def read_policy_file(path: Path) -> LoadedPolicy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicySourceError(f"cannot read policy file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise PolicySourceError(f"policy file {path} is not UTF-8 text") from None
    try:
        return LoadedPolicy(load_policy(text), text)
    except PolicyFileError as error:
        raise PolicySourceError(f"policy file {path} cannot be used: {error}") from None
