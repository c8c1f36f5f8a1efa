"""Policy: applies the guideline as a versioned rule set and publishes reasoned decisions."""
