"""Gradio entry point: `python app.py` (or `rag serve`, `make run`) starts the chat UI on 127.0.0.1:7860.

RAG_HOST / RAG_PORT change the address; RAG_AUTH=user:password turns on the login.
"""

from rag.cli import main

if __name__ == "__main__":
    main(["serve"])
