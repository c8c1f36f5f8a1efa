"""`python -m bench.pipeline.serve_embedded`: `caselog run` (the embedded runtime, all four
services in one process) as B9's separate process."""

from services.runtime.cli import main

if __name__ == "__main__":
    main(["run"])
