"""One module per benchmark of issue 9; `bench.suite` lists them and those not yet measurable."""
