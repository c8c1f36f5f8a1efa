"""FastAPI dependencies of policy's routes, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Request

from services.policy.bootstrap import PolicyService


def get_policy_service(request: Request) -> PolicyService:
    service: PolicyService = request.app.state.policy
    return service


PolicyDep = Annotated[PolicyService, Depends(get_policy_service)]
