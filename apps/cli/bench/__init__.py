"""`oms bench`: open-loop load with a mix of outcomes, the system's CPU, events and wire counts,
raw references.

The pure core (stats, mix, records, cpu, metrics, wire, search, report, summary, table) turns
plain values into figures; the shell (load, reference, system, run, plot) places the
orders, reads /proc and /metrics, starts the references and writes the report.
"""
