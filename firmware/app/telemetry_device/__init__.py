# The telemetry device application: read sensors, batch, post to a Connect
# TelemetryService, survive outages. Entry point: telemetry_device.device.run().
