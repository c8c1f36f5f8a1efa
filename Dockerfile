# One image for all four services; the first argument picks the service:
#   docker run caselog intake     (see docker-compose.yml)
FROM python:3.11-slim AS build

# uv from PyPI, pinned to the version that wrote uv.lock.
RUN pip install --no-cache-dir uv==0.13.9
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first, in their own layer: code changes do not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app caselog
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY shared shared
COPY services services
# The default CASELOG_TOPICS_FILE: the services declare their topics from it at start-up.
COPY deploy/kafka/topics.toml deploy/kafka/topics.toml
# The default CASELOG_POLICY_FILE: the guideline the policy service decides by.
COPY deploy/policy deploy/policy
# Where SQLite databases and the embedded bus live when those are chosen.
# data/keyring: the epoch KEKs, a volume shared by every service (docs/decisions/0009).
RUN mkdir -p /app/data/keyring && chown -R caselog /app/data && chmod 700 /app/data/keyring
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER caselog
EXPOSE 8000
ENTRYPOINT ["python", "-m", "services"]
CMD ["--help"]
