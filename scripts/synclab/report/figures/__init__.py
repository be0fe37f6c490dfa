"""Figures: each function draws data on a given Axes; nothing here reads files, saves, or shows.

style       one colour and marker per primitive, log-scale rules, shared labels and legends
throughput  throughput against threads; throughput relative to the family's baseline
behaviour   fairness against throughput, latency percentiles, CPU time, oversubscription
machine     core-to-core latency heat map, uncontended operation costs
runs        several runs side by side
"""
from synclab.report.figures.style import Style, panel_title, primitive_styles, spans_decades
from synclab.report.figures.throughput import plot_relative, plot_throughput

__all__ = ["Style", "panel_title", "plot_relative", "plot_throughput", "primitive_styles",
           "spans_decades"]
