"""B3's baseline server: a bare FastAPI endpoint answering what intake answers (202 and a small
JSON body), served exactly as services are (`services.runtime.serving.serve`).

Run: CASELOG_HTTP_PORT=<port> python -m bench.http.bare
"""

from uuid import uuid4

from fastapi import FastAPI, Request

from services.runtime.serving import serve
from shared.settings import load_settings

app = FastAPI()
CASE_ID, EVENT_ID = str(uuid4()), str(uuid4())


@app.post("/v1/consultations", status_code=202)
async def accept(request: Request) -> dict[str, object]:
    await request.body()
    return {"case_id": CASE_ID, "event_id": EVENT_ID, "duplicate": False}


@app.get("/readyz")
async def ready() -> dict[str, str]:
    return {"status": "ready"}


if __name__ == "__main__":
    serve(app, load_settings(service_name="bench-bare"))
