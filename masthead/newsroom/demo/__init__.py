"""The demo publication: The Port Alder Courier, generated from a fixed seed."""
