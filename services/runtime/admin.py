"""Administrative commands: declare topics, issue development tokens, re-wrap data keys."""

import argparse
import asyncio
import sys

from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bus.factory import build_bus
from shared.bus.topics import load_topic_specs
from shared.crypto.rotation import rewrap_data_keys
from shared.crypto.runtime import build_personal_data
from shared.crypto.startup import load_keyring
from shared.crypto.tables import crypto_tables
from shared.logs import configure_logging
from shared.settings import load_settings


def declare_topics(_args: argparse.Namespace) -> None:
    settings = load_settings(service_name="caselog-admin")
    configure_logging(settings)

    async def declare() -> None:
        bus = build_bus(settings)
        await bus.start()
        try:
            specs = load_topic_specs(settings.topics_file)
            await bus.ensure_topics(specs)
            print(f"declared {len(specs)} topics on the {settings.bus} bus")
        finally:
            await bus.close()

    asyncio.run(declare())


def issue_token(args: argparse.Namespace) -> None:
    """Development only: production tokens come from the identity provider."""
    settings = load_settings(service_name="caselog-admin")
    if settings.environment != "development":
        # A development key that signs in production would make anyone with the data folder
        # any role; the identity provider issues production tokens.
        print(
            "caselog token issue: refused in production (CASELOG_ENVIRONMENT=production);"
            " tokens come from your identity provider",
            file=sys.stderr,
        )
        raise SystemExit(2)
    issuer = development_issuer(settings.auth_dev_keys_dir)
    roles = [Role(role) for role in args.role]
    print(issuer.token(args.sub, roles, settings.auth_audience, ttl_s=args.ttl))


def rewrap_keys(_args: argparse.Namespace) -> None:
    """Re-wrap every data key under the current KEK; events are not touched."""
    settings = load_settings(service_name="caselog-admin")
    configure_logging(settings)

    async def rewrap() -> None:
        personal = build_personal_data(settings)
        try:
            await personal.start()
            keyring = load_keyring(settings.crypto, settings.environment)
            report = await rewrap_data_keys(personal.engine, crypto_tables(), keyring)
        finally:
            await personal.close()
        print(
            f"re-wrapped {report.rewrapped} data keys under {report.kek_id}; "
            f"{report.already_current} were already under it"
        )

    asyncio.run(rewrap())


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    commands.add_parser(
        "topics", help="create the topics declared in CASELOG_TOPICS_FILE on the chosen bus"
    ).set_defaults(action=declare_topics)
    token = commands.add_parser("token", help="development tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    issue = token_commands.add_parser("issue", help="a development token for a role")
    issue.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    issue.add_argument("--sub", required=True, help="the token's subject (who acts)")
    issue.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    issue.set_defaults(action=issue_token)
    commands.add_parser(
        "rewrap-keys", help="re-wrap every data key under the current KEK (after a rotation)"
    ).set_defaults(action=rewrap_keys)
