# The collector's web page in a real browser (Debian's headless Chromium via
# chromedriver): a recorded demo run with a 10 s outage is loaded into the
# collector's database; the page must show a chart per sensor with axes in
# the reading's unit and 24-hour local time, the outage shaded with its late
# readings marked, and the device card; then the collector is stopped and
# started again, and the page must say so and carry on. Screenshots go to
# build/page-test/ (telemetry-page-failed.png when the test fails). Without
# the browser: a failure in CI (CI=true; `make setup` installs it), a skip
# with the reason elsewhere. CPython only.
import json
import os
import re
import time

from mptest import Skip

MPTEST_REQUIRES = ("cpython", "subprocess", "network")

import demohelp  # noqa: E402
import webdriver  # noqa: E402

RECORDING = os.path.join(demohelp.HERE, "recorded_outage.json")
SHOTS = os.path.join(os.environ.get("BUFFA_BUILD", os.path.join(demohelp.ROOT, "build")), "page-test")

# Everything the test reads from the page, in one call.
PAGE_FACTS = """
const charts = [...document.querySelectorAll("svg.chart")].map((svg) => ({
  sensor: svg.dataset.sensor,
  width: +svg.getAttribute("width"),
  yLabel: svg.querySelector(".y-axis .axis-label")?.textContent,
  yTicks: [...svg.querySelectorAll(".y-axis .tick")].map((t) => t.textContent),
  xLabel: svg.querySelector(".x-axis .axis-label")?.textContent,
  xTicks: [...svg.querySelectorAll(".x-axis .tick")].map((t) => t.textContent),
  spans: [...svg.querySelectorAll(".late-span rect")].map((r) => +r.getAttribute("width")),
  spanLabels: [...svg.querySelectorAll(".late-labels text")].map((t) => t.textContent),
  latePoints: svg.querySelectorAll(".late-point").length,
  line: svg.querySelector("path.line")?.getAttribute("d")?.length || 0,
}));
const card = {};
for (const dt of document.querySelectorAll(".card dt")) card[dt.textContent] = dt.nextElementSibling.textContent;
const conn = document.getElementById("conn");
return {charts, card, conn: {state: conn.dataset.state, text: conn.textContent}};
"""


def _expected(rec, t0):
    """From the recording itself: the outage (the silence the device's
    failed sends follow) and the readings made during it, per sensor."""
    bs = rec["batches"]
    k = next(i for i in range(1, len(bs)) if bs[i]["status"]["send_failures"] > bs[i - 1]["status"]["send_failures"])
    start, end = bs[k - 1]["received_s"], bs[k]["received_s"]
    late = {}
    for b in bs:
        for _seq, made_ms, sensor, _v, _u in b["readings"]:
            if start <= made_ms / 1000 < end:
                late[sensor] = late.get(sensor, 0) + 1
    made = [t0 + r[1] / 1000 for b in bs for r in b["readings"]]
    return end - start, late, min(made), max(made)


def _kib(n):
    return "%.1f KiB" % (n / 1024)


def test_page_shows_charts_outage_card_and_survives_a_collector_restart():
    try:
        webdriver.find_browser()
    except LookupError as e:
        if os.environ.get("CI") == "true":
            raise AssertionError("CI has no browser: %s" % e)
        raise Skip(str(e))
    demohelp.need_collector_packages()
    browser = None
    work = demohelp.tempdir("page-test-")
    srv = demohelp.CollectorProc(work, lifetime_s=300)
    with open(RECORDING) as f:
        rec = json.load(f)
    device, t0, _ = demohelp.load_recording(srv.db, RECORDING)
    outage_s, late, first_made, last_made = _expected(rec, t0)
    last = rec["batches"][-1]["status"]
    stored = sum(len(b["readings"]) for b in rec["batches"])
    try:
        srv.start()
        browser = webdriver.Browser(width=1100, height=1000)
        browser.get(srv.url + "/")
        browser.wait_for("return document.querySelectorAll('svg.chart').length >= 2", what="two charts")
        facts = browser.js(PAGE_FACTS)
        browser.screenshot(os.path.join(SHOTS, "telemetry-page.png"))

        # One chart per sensor, the value axis labelled in the reading's unit.
        charts = {c["sensor"]: c for c in facts["charts"]}
        assert sorted(charts) == ["sim_supply", "sim_temperature"], facts["charts"]
        assert charts["sim_temperature"]["yLabel"] == "sim_temperature (°C)"
        assert charts["sim_supply"]["yLabel"] == "sim_supply (V)"
        # Time axis: 24-hour local time, within the span the readings were made.
        window = {time.strftime("%H:%M:%S", time.localtime(t))
                  for t in range(int(first_made) - 1, int(last_made) + 2)}
        for c in charts.values():
            assert len(c["yTicks"]) >= 3 and all(re.match(r"^-?\d+(\.\d+)?$", t) for t in c["yTicks"]), c
            assert c["xLabel"].startswith("time the reading was made (local, 24 h"), c
            assert len(c["xTicks"]) >= 4, c
            for t in c["xTicks"]:
                assert re.match(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$", t) and t in window, (t, sorted(window)[:3])
            assert c["line"] > 100
            # The outage: one shaded span, as wide as the silence, labelled;
            # each reading made in it marked.
            assert len(c["spans"]) == 1, c["spans"]
            frac = c["spans"][0] / (c["width"] - 86)  # the plot area: width less the margins
            plotted_s = last_made - first_made
            assert abs(frac * plotted_s - outage_s) < 1.5, (frac, plotted_s, outage_s)
            assert c["spanLabels"] == ["no contact %d s" % round(outage_s), "%d late" % sum(late.values())], c
            assert c["latePoints"] == late[c["sensor"]], (c["latePoints"], late)

        # The device card.
        card = facts["card"]
        assert re.match(r"^\d\d:\d\d:\d\d \(\d+ s ago\)$", card["Last seen"]), card
        assert card["Readings stored"] == "%d in %d batches" % (stored, len(rec["batches"]))
        assert card["Duplicates"] == "0" and card["Dropped"] == "0"
        assert card["Buffered at last batch"] == str(last["buffered"])
        assert card["Late arrivals"] == "1 outage(s), %d readings" % sum(late.values())
        assert card["Heap free after GC"] == "%s of %s (lowest %s)" % (
            _kib(last["heap_free_after_gc"]), _kib(last["heap_size"]), _kib(last["heap_free_after_gc_min"]))
        assert card["Largest free block"] == _kib(last["heap_largest_free"])
        per_batch = sum(b["status"]["collections"] for b in rec["batches"]) / len(rec["batches"])
        assert card["Collections per batch"] == "%.1f (latest %d)" % (per_batch, last["collections"])
        assert facts["conn"]["state"] == "live", facts["conn"]

        # The collector stops: the page says so, keeps the charts, and backs off.
        srv.stop()
        browser.wait_for("return document.getElementById('conn').dataset.state === 'down'", what="'down'")
        waits = set()
        end = time.monotonic() + 12
        while time.monotonic() < end and len(waits) < 3:
            text = browser.js("return document.getElementById('conn').textContent")
            m = re.search(r"unreachable since \d\d:\d\d:\d\d \(\d+ failed tr(?:y|ies)\); next try in (\d+) s", text)
            assert m, text
            waits.add(int(m.group(1)))
            time.sleep(0.3)
        assert sorted(waits)[:3] == [1, 2, 4], waits
        assert browser.js("return document.querySelectorAll('svg.chart').length") == 2
        browser.screenshot(os.path.join(SHOTS, "telemetry-page-collector-down.png"))

        # It comes back on the same port: the page says so and updates again.
        srv.start()
        _record_one(srv.url, device, stored + 1)
        browser.wait_for("return document.getElementById('conn').dataset.state === 'recovered'", timeout=20,
                         what="'recovered'")
        text = browser.js("return document.getElementById('conn').textContent")
        assert re.match(r"^collector back at \d\d:\d\d:\d\d after \d+ s unreachable; live again$", text), text
        browser.wait_for("return [...document.querySelectorAll('.card dt')].some((dt) => "
                         "dt.textContent === 'Readings stored' && "
                         "dt.nextElementSibling.textContent.startsWith('%d in'))" % (stored + 1),
                         what="the new reading on the card")
        browser.screenshot(os.path.join(SHOTS, "telemetry-page-recovered.png"))
        # A reading made just before it was sent is not late, and a batch
        # without a status leaves the card's health figures as they were.
        facts = browser.js(PAGE_FACTS)
        assert all(len(c["spans"]) == 1 for c in facts["charts"]), facts["charts"]
        assert facts["card"]["Buffered at last batch"] == str(last["buffered"]), facts["card"]
        assert facts["card"]["Largest free block"] == _kib(last["heap_largest_free"]), facts["card"]
        assert "Traceback" not in srv.output(), srv.output()[-2000:]
    except BaseException:
        if browser is not None:  # what the page showed, for whoever reads the failure
            try:
                browser.screenshot(os.path.join(SHOTS, "telemetry-page-failed.png"))
            except Exception:  # noqa: BLE001  (the original failure matters more)
                pass
        raise
    finally:
        if browser is not None:
            browser.close()
        srv.stop()
        demohelp.rmtree(work)


def _record_one(url, device, seq):
    """One more reading, through the Connect service as a device sends it."""
    from buffa.connect import Client
    from buffa.wkt.timestamp_pb import Timestamp
    from telemetry.v1 import telemetry_pb as pb

    now = time.time()
    r = pb.Reading(sequence=seq, time=Timestamp(seconds=int(now), nanos=0), sensor="sim_temperature",
                   value=22.5, unit=pb.Unit.UNIT_CELSIUS)
    with Client.plaintext(url, timeout_ms=10000) as c:
        resp = pb.TelemetryServiceClient(c).record(pb.RecordRequest(device_id=device, readings=[r]))
    assert resp.accepted == 1
