"""Policy's adapters: the case-history store, policy versions, transactional publishing."""
