"""Bridge names per CIDR."""

from __future__ import annotations

from skiff.net.bridges import bridge_device, gateway_of, network_name


def test_names_are_per_cidr_and_fit_linux_limits() -> None:
    assert network_name("172.31.0.0/20") == "skiff-172.31.0.0-20"
    assert network_name("10.0.1.7/24") == "skiff-10.0.1.0-24"
    device = bridge_device("172.31.240.0/20")
    assert device == "skac1ff00020"
    assert len(device) <= 15
    assert bridge_device("10.0.0.0/8") != bridge_device("10.0.0.0/16")


def test_gateway_is_the_first_address() -> None:
    assert gateway_of("10.0.1.0/24") == "10.0.1.1"
