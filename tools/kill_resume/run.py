"""Kill-and-resume check, step 2 (``odoo-bin shell``): the release job as Odoo's
cron runner drives it — one batch per call, committed — printing a line per
committed batch. The driver kills this process with SIGKILL in the middle."""

import os
import time

env = env(context=dict(env.context, tracking_disable=True))  # noqa: F821
BATCH = int(os.environ.get("KR_BATCH", 20))
while True:
    started = time.perf_counter()
    counts = env["preorder.allocation"]._cron_release_preorders(batch_size=BATCH)
    env.cr.commit()
    print(f"KR_BATCH {counts} in {time.perf_counter() - started:.2f}s", flush=True)
    if not counts["remaining"]:
        break
