"""The framework's own ceiling for bench/load.py: a bare FastAPI app with one sync ``def``
handler returning a dict, served by the same uvicorn as ``glucolens serve``."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}
