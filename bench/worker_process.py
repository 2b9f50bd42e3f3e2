"""One fairgig worker in the foreground, composed as in production (`bootstrap`), for the memory
benchmark to measure: `python -m bench.worker_process projections|timers|escrow SECONDS`.

It runs until the log is caught up (projections, escrow) or for SECONDS, whichever is first,
then exits; its peak RSS is read from /proc by the parent before it is reaped.
"""

from __future__ import annotations

import sys
import threading
import time

from api.bootstrap import bootstrap
from api.settings import settings_from_env


def main(argv: list[str]) -> int:
    which, seconds = argv[0], float(argv[1])
    container = bootstrap(settings_from_env())
    stop = threading.Event()
    head = container.log_head()
    if which == "projections":
        container.projections.start()
        followers = list(container.projections.followers.values())
    elif which == "escrow":
        container.escrow_follower.start()
        followers = [container.escrow_follower]
    else:
        threading.Thread(target=container.timers.run_forever, args=(stop,), daemon=True).start()
        followers = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if followers and min(f.position for f in followers) >= head:
            break
        time.sleep(0.1)
    print("done", flush=True)
    # Stay up (idle) until the parent has read the peak and stops this process.
    time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
