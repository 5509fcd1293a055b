"""Kept for the UI's imports: the upload rules live in `rag.uploads`, shared with the HTTP API."""

from rag.uploads import ALLOWED_SUFFIXES, SavedUploads, safe_name, save_uploads, upload_folder

__all__ = ["ALLOWED_SUFFIXES", "SavedUploads", "safe_name", "save_uploads", "upload_folder"]
