"""The HTTP API: an OpenAI-compatible chat endpoint with citations, document endpoints, health, OpenAPI docs.

`create_app(assistant)` builds the FastAPI app; `rag.server` mounts the Gradio UI beside it and serves both.
"""

from rag.api.app import create_app

__all__ = ["create_app"]
