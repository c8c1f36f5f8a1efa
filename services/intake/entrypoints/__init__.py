"""Intake's entry points: REST, platform webhooks and the Kafka ingress consumer."""
