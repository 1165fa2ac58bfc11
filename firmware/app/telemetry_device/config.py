# Settings from config.json (see firmware/config.example.json).
import json

DEFAULTS = {
    "device_id": None,  # required: letters, digits, . _ : -
    "server_url": "http://127.0.0.1:8080",  # http:// or https://
    "ca_file": None,  # PEM or DER CA certificate for https:// (required on MicroPython)
    "server_hostname": None,  # name to verify, if not the URL's host
    "transport": "socket",  # "socket" (Wi-Fi/Ethernet) or "serial" (tools/serial_bridge.py)
    "wifi": None,  # {"ssid": ..., "password": ...} on ESP32 / Pico W
    "wifi_timeout_ms": 15000,
    "sample_interval_ms": 1000,  # until GetConfig answers
    "batch_size": 10,  # until GetConfig answers
    "max_batch_delay_ms": 0,  # send a partial batch this old (0: 3 x a full batch's time)
    "buffer_capacity": 256,  # readings kept while the service is unreachable
    "persist_path": None,  # e.g. "/telemetry.buf": keep unsent readings across a reset
    "persist_interval_ms": 30000,  # at most one flash write per this long
    "timeout_ms": 5000,  # per call
    "watch_config": None,  # follow WatchConfig (socket transport); None: where the heap can spare it
    "config_poll_ms": 60000,  # without that stream: GetConfig this often (0: only at start)
    "backoff_base_ms": 500,
    "backoff_max_ms": 30000,
    "watchdog_ms": 8000,  # 0: no watchdog (RP2040's maximum is 8388)
    "adc_pin": None,  # ADC pin for the "adc" sensor (ESP32 default 34, RP2040 26)
    "run_for_s": 0,  # stop after this long (0: run forever)
    "drain_s": 30,  # when stopping: time allowed to send what is left
    "log": True,
}


def load(path="config.json", overrides=None):
    cfg = dict(DEFAULTS)
    if path:
        with open(path) as f:
            user = json.load(f)
        for k in user:
            if k not in DEFAULTS:
                raise ValueError("config: unknown setting %r" % k)
        cfg.update(user)
    if overrides:
        cfg.update(overrides)
    check(cfg)
    return cfg


def check(cfg):
    d = cfg["device_id"]
    if not d or not isinstance(d, str) or len(d) > 64:
        raise ValueError("config: device_id is required (1 to 64 characters)")
    url = cfg["server_url"]
    if not (url.startswith("http://") or url.startswith("https://")):
        raise ValueError("config: server_url must start with http:// or https://")
    if cfg["transport"] not in ("socket", "serial"):
        raise ValueError("config: transport must be socket or serial")
    for k in ("sample_interval_ms", "batch_size", "buffer_capacity", "timeout_ms", "backoff_base_ms", "backoff_max_ms"):
        if not isinstance(cfg[k], int) or cfg[k] <= 0:
            raise ValueError("config: %s must be a positive integer" % k)
    if cfg["batch_size"] > cfg["buffer_capacity"]:
        raise ValueError("config: batch_size must not exceed buffer_capacity")
    if cfg["watch_config"] not in (None, True, False):
        raise ValueError("config: watch_config must be true, false or null (decided by the free heap)")
    p = cfg["config_poll_ms"]
    if not isinstance(p, int) or p < 0:
        raise ValueError("config: config_poll_ms must be 0 or a positive integer")
    w = cfg["watchdog_ms"]
    if w and w < cfg["timeout_ms"] + 2000:
        # A call blocks for up to timeout_ms between two feeds.
        raise ValueError("config: watchdog_ms must be 0 or at least timeout_ms + 2000")
