"""What every caselog service uses and no service owns."""
