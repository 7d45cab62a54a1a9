"""STUMPY's compiled code: kept under the data dir, and loaded before a job needs it.

numba compiles STUMPY's functions on their first call (about 76 s on 2 busy cores) and
``analytics.profile._stumpy`` switches numba's on-disk cache on for them. By default
numba writes that cache beside STUMPY's source (``site-packages/stumpy/__pycache__``),
which a container image or a reinstall replaces, or (when that is read-only) under the
home directory. ``use_persistent_cache`` points it at ``<data_dir>/numba-cache``, the
directory that already outlives processes and releases. numba keys each entry by the
source file's contents (sha256) and its own version, so a release with the same STUMPY
loads the code compiled by the last one, and a STUMPY or numba upgrade recompiles.

``start`` compiles or loads that code in a background thread, once per process: in each
Celery worker process when it starts (worker.py), and in whichever process runs a job
(the API process without a broker) once the job's quick stage is stored, so that it
overlaps PCMCI instead of delaying the quick results (importing STUMPY alone holds the
interpreter for 4-11 s on busy cores: it parses its own source files). It never runs on
API start-up or ``/livez``. STUMPY is imported inside the thread only (see pipeline.py).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)
CACHE_SUBDIR = "numba-cache"

_lock = threading.Lock()
_thread: threading.Thread | None = None
_done = threading.Event()


def cache_dir_for(data_dir: Path) -> Path:
    return (Path(data_dir) / CACHE_SUBDIR).resolve()


def use_persistent_cache(data_dir: Path) -> Path:
    """Point numba's cache at ``<data_dir>/numba-cache`` (an operator's NUMBA_CACHE_DIR
    wins). Effective for STUMPY's functions when called before their caches are switched
    on (``_stumpy()``'s first call in this process); returns the directory in use."""
    path = os.environ.get("NUMBA_CACHE_DIR") or str(cache_dir_for(data_dir))
    os.environ["NUMBA_CACHE_DIR"] = path
    config = sys.modules.get("numba.core.config")
    if config is not None:  # numba already imported: it read the variable at import
        config.CACHE_DIR = path  # type: ignore[attr-defined]
    return Path(path)


def _warm() -> None:
    try:
        from glucolens.analytics.patterns import warm_up

        started = time.perf_counter()
        warm_up()
        log.info(
            "STUMPY ready",
            extra={"fields": {"s": round(time.perf_counter() - started, 2)}},
        )
    except Exception:  # noqa: BLE001 - the job then compiles on first use, as before
        log.exception("STUMPY warm-up failed")
    finally:
        _done.set()


def start(data_dir: Path) -> bool:
    """Compile or load STUMPY's code in a background thread (once per process); True
    if this call started it."""
    global _thread
    with _lock:
        if _thread is not None:
            return False
        use_persistent_cache(data_dir)
        _thread = threading.Thread(target=_warm, name="stumpy-warm-up", daemon=True)
        _thread.start()
        return True


def wait(timeout_s: float | None = None) -> bool:
    """True once the warm-up has ended (or none was started: nothing to wait for)."""
    return _thread is None or _done.wait(timeout_s)
