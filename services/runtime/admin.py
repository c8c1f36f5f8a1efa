"""Administrative commands: declare topics, issue development tokens."""

import argparse
import asyncio

from shared.auth.development import development_issuer
from shared.auth.roles import Role
from shared.bus.factory import build_bus
from shared.bus.topics import load_topic_specs
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
    issuer = development_issuer(settings.auth_dev_keys_dir)
    roles = [Role(role) for role in args.role]
    print(issuer.token(args.sub, roles, settings.auth_audience, ttl_s=args.ttl))


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
