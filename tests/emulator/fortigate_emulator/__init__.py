"""FortiGate REST API fleet emulator (test tool for the fortifleet.auth collection)."""

__version__ = "0.1.0"
