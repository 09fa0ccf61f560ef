"""Batch scanning of folders, locally or on Ray, into resumable JSONL."""

from veracity.scan.api import ScanSummary, scan_folder
from veracity.scan.files import discover
from veracity.scan.worker import scan_one

__all__ = ["ScanSummary", "discover", "scan_folder", "scan_one"]
