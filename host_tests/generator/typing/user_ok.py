# A program using the telemetry bindings as documented: mypy passes it
# (host_tests/generator/test_stubs.py).
from buffa import DecodeOptions
from buffa.wkt.timestamp_pb import Timestamp
from telemetry.v1.telemetry_pb import DeviceStatus, Reading, RecordRequest, TelemetryServiceClient, Unit


def batch(device: str) -> bytes:
    r = Reading(sequence=1, sensor="adc0", value=1.5, unit=Unit.UNIT_VOLT, time=Timestamp(seconds=5))
    r.sequence += 1
    req = RecordRequest(device_id=device, readings=[r], status=DeviceStatus(heap_free_after_gc=1000))
    req.mutable("status").dropped = 3
    if req.has_field("status") and req.status is not None:
        req.status.uptime_s = 10
    data: bytes = req.encode()
    back = RecordRequest.decode(data, DecodeOptions(recursion_limit=10))
    n: int = back.readings[0].sequence + back.encoded_size()
    name: str = Unit.name(back.readings[0].unit)
    return data + bytes([n & 255]) + name.encode()


def send(client: TelemetryServiceClient, req: RecordRequest) -> int:
    return client.record(req).accepted
