"""Privacy's entry points: REST for the privacy officer, the retention sweep, consumers."""
