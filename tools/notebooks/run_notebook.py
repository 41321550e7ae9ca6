"""Executes one notebook with nbclient (the engine under `jupyter nbconvert --execute`) and writes the
executed copy even when a cell fails, so the runner can show that cell's stderr.

Why not `jupyter nbconvert --execute` itself: when a tslab cell fails it prints only "<Error>:" (tslab
puts the message in the cell's stderr), writes no copy, and with --allow-errors it exits 0 while later
cells silently do nothing. nbclient tells us which cell's execute_reply said "error".

usage: python3 run_notebook.py IN.ipynb OUT.ipynb TIMEOUT_SECONDS KERNEL_NAME
prints one JSON line: {"ok": bool, "failed_cell": index or null, "message": str, "cells": n}
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
print(json.dumps(result))
