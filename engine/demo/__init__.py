"""The demo project: real UCI concrete mixes and strengths, with synthetic plant context."""

from engine.demo.generator import DemoSource, write_demo_sources

__all__ = ["DemoSource", "write_demo_sources"]
