# Assigns a str to an int field: mypy must fail it
# (host_tests/generator/test_stubs.py).
from telemetry.v1.telemetry_pb import Reading

r = Reading()
r.sequence = "7"
