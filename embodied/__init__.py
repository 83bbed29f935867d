"""embodied: an embodied-carbon calculator for buildings, reading IFC models.

The package is a pipeline of small stages passing typed records::

    reading -> takeoff -> (matching -> lifecycle -> report)

``embodied.pipeline`` composes them; ``embodied.cli`` wires the pipeline to the command line.
"""

__version__ = "0.1.0"
