"""Executes one notebook with nbclient (the engine under `jupyter nbconvert --execute`) and writes the
executed copy even when a cell fails, so the runner can show that cell's stderr.

Why not `jupyter nbconvert --execute` itself: when a tslab cell fails it prints only "<Error>:" (tslab
puts the message in the cell's stderr), writes no copy, and with --allow-errors it exits 0 while later
cells silently do nothing. nbclient tells us which cell's execute_reply said "error".

Then it writes OUT.html beside the copy, for reading without Jupyter. Debian's nbconvert 6.5.3 picks
image/svg+xml first and strips it to bare text in HTML, so every chart would be a blank gap: PNG goes first
(charts carry both). Long code lines wrap instead of being clipped.

usage: python3 run_notebook.py IN.ipynb OUT.ipynb TIMEOUT_SECONDS KERNEL_NAME
prints one JSON line: {"ok": bool, "failed_cell": index or null, "message": str, "cells": n, "html": path or null}
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

src, dst, timeout, kernel = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
nb = nbformat.read(src, as_version=4)
failed = {"cell": None}


def on_cell_error(cell, cell_index, execute_reply):
    if failed["cell"] is None:
        failed["cell"] = cell_index


client = NotebookClient(
    nb,
    timeout=timeout,
    kernel_name=kernel,
    resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    on_cell_error=on_cell_error,
)
result = {"ok": True, "failed_cell": None, "message": "", "cells": len(nb.cells)}
try:
    client.execute()
except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
    result.update(ok=False, failed_cell=failed["cell"], message=str(err)[-2000:])
except Exception as err:  # a kernel that never starts, a bad notebook file
    result.update(ok=False, message=f"{type(err).__name__}: {err}"[-2000:])
nbformat.write(nb, dst)

# Tables are text/html; charts are PNG (and SVG, vega-lite, text): PNG before SVG, for nbconvert 6.5.
DISPLAY_PRIORITY = [
    "text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml", "text/latex", "application/pdf", "text/plain",
]
WRAP_CODE = "<style>pre, .highlight pre { white-space: pre-wrap; overflow-wrap: anywhere; }</style>"
try:
    from traitlets.config import Config
    from nbconvert import HTMLExporter

    config = Config()
    config.NbConvertBase.display_data_priority = DISPLAY_PRIORITY
    body, _ = HTMLExporter(config=config).from_notebook_node(nb)
    html = os.path.splitext(dst)[0] + ".html"
    with open(html, "w", encoding="utf-8") as f:
        f.write(body.replace("</head>", WRAP_CODE + "\n</head>", 1))
    result["html"] = html
except Exception as err:  # nbconvert missing or a template problem: the .ipynb copy still stands
    result["html"] = None
    result["html_error"] = f"{type(err).__name__}: {err}"[-500:]
print(json.dumps(result))
