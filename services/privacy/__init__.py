"""Privacy: retention, legal holds, anonymization, access and erasure; owns key destruction."""
