# caselog — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
RUN := $(UV) run --frozen
PYTEST_ARGS ?=
BENCH_ARGS ?=
RUN_ARGS ?=

.PHONY: help install run up down test test-unit bench bench-quick bench-profile policy-report lint format kafka kafka-stop postgres postgres-stop topics clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

install: $(UV) ## Create .venv with every dependency, exactly as uv.lock pins them
	$(UV) sync --frozen --all-groups

run: install ## Run the whole system in one process (embedded bus, SQLite) and print its URLs; RUN_ARGS="--port 8080 --no-demo"
	$(strip $(RUN) caselog run $(RUN_ARGS))

up: install kafka postgres ## Distributed runtime: Kafka, PostgreSQL and the four services as processes
	bash deploy/up.sh start

down: ## Stop what `make up` started (services, Kafka, PostgreSQL)
	-bash deploy/up.sh stop
	-bash deploy/kafka/kafka.sh stop
	-bash deploy/postgres/postgres.sh stop

test: install ## All tests: unit, conformance (kafka + embedded), integration; starts Kafka/PostgreSQL if needed
	$(RUN) pytest -v -rfEs $(PYTEST_ARGS)

test-unit: install ## Unit tests only (no infrastructure)
	$(RUN) pytest -v tests/unit $(PYTEST_ARGS)

bench: install ## Benchmarks vs baselines in the same run (about 15 min): bench/results/<time>.json and .md
	$(RUN) python -m bench $(BENCH_ARGS)

bench-quick: install ## The same benchmarks at small sizes (< 1 min); CI runs them as a smoke test
	$(RUN) python -m bench --quick $(BENCH_ARGS)

bench-profile: install ## Profile the four services with py-spy during a B2 backlog: bench/profiles/
	$(UV) run --frozen --with py-spy==0.4.3 python -m bench.profile_b2 $(BENCH_ARGS)

policy-report: install ## Policy's labelled corpus: recall and precision per category and outcome, every miss
	$(RUN) python -m tests.policy_corpus.report

lint: install ## ruff (lint + format check), mypy --strict, import-linter contracts
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports

schemas: install ## Export the event contracts' JSON Schemas to schemas/<type>/<version>.json, and the webhook payloads' to schemas/webhooks/v1/ (commit them)
	$(RUN) python -m shared.contracts.schemas export
	$(RUN) python -m services.records.domain.webhook_schemas

format: install ## Apply ruff's formatting and safe fixes
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

kafka: install ## Start (or reuse) a single-node KRaft Kafka broker on 127.0.0.1:9092
	bash deploy/kafka/kafka.sh start

kafka-stop: ## Stop the local Kafka broker
	bash deploy/kafka/kafka.sh stop

postgres: ## Start (or reuse) a throwaway PostgreSQL cluster and print its URL
	bash deploy/postgres/postgres.sh start

postgres-stop: ## Stop the throwaway PostgreSQL cluster
	bash deploy/postgres/postgres.sh stop

topics: install kafka ## Create the declared topics (deploy/kafka/topics.toml) on the broker
	$(RUN) caselog topics

clean: down ## Stop everything and remove .venv, caches, broker/database data and embedded data
	-bash deploy/postgres/postgres.sh destroy
	rm -rf .venv .run .cache .mypy_cache .ruff_cache .pytest_cache .import_linter_cache data
