"""Gradio entry point: `python app.py` (or `rag serve`) starts the chat UI on 127.0.0.1."""

from rag.cli import main

if __name__ == "__main__":
    main(["serve"])
