"""Who is calling: bearer JWTs verified against configured keys, and the roles they carry."""
