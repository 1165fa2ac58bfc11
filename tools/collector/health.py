"""A device's health as the collector sees it: the card on the web page and
the figures in the live view come from here, so both say the same.

Late arrivals: while a device cannot reach the collector it keeps its
readings and sends them once it can. The collector sees that as a silence
followed by batches of old readings; `late_spans` finds those silences.
"""

# A silence counts as an outage when the device reports failed sends after it
# (its send_failures went up), or, failures or not, when it is longer than
# both of these: SILENCE_FACTOR times the device's usual time between
# batches, and SILENCE_MIN_S, and readings made that long before its end
# arrived after it (rather than the device having been off).
SILENCE_FACTOR = 4
SILENCE_MIN_S = 10.0
# Batches looked at for late spans: the newest this many.
ARRIVALS_LIMIT = 5000


def late_spans(arrivals, made_between):
    """Outages seen from the collector, oldest first.

    arrivals: Store.arrivals rows, (received, readings, send_failures, made)
    in the order they arrived. made_between(start, end): how many readings the
    device made in [start, end). Returns dicts with unix-second `start` (the
    last arrival before the silence) and `end` (the first after), `readings`
    made in between (all of them arrived late) and `batches` (the batches at
    or after `end` that carried readings made before it). A silence in which
    the device made no readings (it was off) is not an outage.
    """
    # Without failed sends, a long silence is an outage only if readings
    # made early in it arrived after it: a device that was off and sends its
    # first readings on waking made them just before they arrived.
    if len(arrivals) < 2:
        return []
    waits = sorted(b[0] - a[0] for a, b in zip(arrivals, arrivals[1:]))
    usual = waits[len(waits) // 2]
    silence = max(SILENCE_MIN_S, SILENCE_FACTOR * usual)
    spans = []
    for k in range(1, len(arrivals)):
        prev, cur = arrivals[k - 1], arrivals[k]
        start, end = prev[0], cur[0]
        failed = (cur[2] or 0) > (prev[2] or 0)
        if not failed and (end - start <= silence or not made_between(start, end - silence)):
            continue
        n = made_between(start, end)
        if not n:
            continue
        batches = 0
        for a in arrivals[k:]:
            if a[3] is None or a[3] >= end:
                break
            batches += 1
        spans.append({"start": start, "end": end, "readings": n, "batches": max(batches, 1)})
    return spans


def card(store, device, readings, last_received):
    """Everything the page's device card shows, as JSON-ready values."""
    st = store.last_status(device) or {}
    tot = store.batch_totals(device)
    arrivals = store.arrivals(device, ARRIVALS_LIMIT)
    per_batch = None
    if tot["batches_with_collections"]:
        per_batch = tot["collections"] / tot["batches_with_collections"]
    return {
        "device": device,
        "last_received": last_received,
        "readings": readings,
        "batches": tot["batches"],
        "duplicates": tot["duplicates"],
        "dropped": st.get("dropped"),
        "buffered": st.get("buffered"),
        "send_failures": st.get("send_failures"),
        "rejected": st.get("rejected"),
        "uptime_s": st.get("uptime_s"),
        "platform": st.get("platform"),
        "heap": {
            "size": st.get("heap_size"),
            "free_after_gc": st.get("heap_free_after_gc"),
            "free_after_gc_min": st.get("heap_free_after_gc_min"),
            "largest_free": st.get("heap_largest_free"),
            "collections": st.get("collections"),
            "collections_per_batch": per_batch,
        },
        "late": late_spans(arrivals, lambda a, b: store.made_between(device, a, b)),
    }


def kib(n):
    return "%.1f KiB" % (n / 1024)


def heap_summary(status):
    """One line for the live view: the heap figures of a DeviceStatus dict,
    or None when the device sent none (CPython reports zeros)."""
    if not status or not status.get("heap_size"):
        return None
    s = "heap %s free after GC (lowest %s) of %s" % (
        kib(status["heap_free_after_gc"] or 0), kib(status["heap_free_after_gc_min"] or 0), kib(status["heap_size"]))
    if status.get("heap_largest_free"):
        s += ", largest block %s" % kib(status["heap_largest_free"])
    return s + ", %d GC since last batch" % (status.get("collections") or 0)
