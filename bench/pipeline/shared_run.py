"""The distributed pipeline as the run's shared resource: B2 starts it, B7 reuses it."""

from bench.harness import Context
from bench.pipeline.deployments import Pipeline, distributed

DISTRIBUTED = "distributed pipeline"


async def distributed_pipeline(context: Context) -> Pipeline:
    context.report_status("starting the services")
    return await context.resources.get(
        DISTRIBUTED, lambda: distributed(context.infrastructure, context.scratch / "distributed")
    )
