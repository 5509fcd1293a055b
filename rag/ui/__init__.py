"""The Gradio chat UI over an `Assistant`: cited answers with clickable citation chips, a source panel,
progress with Stop, and the document list with upload and removal.

Modules: `app` (layout and wiring, `build_ui`), `handlers` (event handlers, plain methods),
`render` (escaped HTML), `static` (page CSS and script). Only the public `Assistant` API is used.
"""

from rag.ui.app import EXAMPLES, build_ui, launch_options, page_options
from rag.ui.handlers import ChatHandlers

__all__ = ["EXAMPLES", "ChatHandlers", "build_ui", "launch_options", "page_options"]
