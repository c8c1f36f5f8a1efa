"""Records' entry points: the consumer of every topic; REST timelines, proofs, bundles."""
