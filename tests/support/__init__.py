"""Support for the test suites: finding real Kafka and PostgreSQL to test against."""
