"""Take-off stage: per element and per material part, SI quantities with their source.

``run(model)`` is the stage's entry point; its modules are:

- ``select``     which elements are physical, which are containers of parts, which are left out;
- ``materials``  an element's material parts and how its volume is shared among them;
- ``quantities`` base quantities (``Qto_*BaseQuantities``, IFC2X3-era ``BaseQuantities``, then any
  other set by its quantities' names) in SI;
- ``geometry``   body-solid volumes from ifcopenshell.geom, openings subtracted, many cores;
- ``unbuilt``    why the kernel built no body for an element (and the stray ``*`` it can read around);
- ``spaces``     the floor area of every IfcSpace, and which must not be added to the others;
- ``area``       the building's floor area: spaces, else floor slabs, else footprint × storeys;
- ``core``       the composer: picks each element's volume, shares it, adds mass and notes.
"""

from embodied.takeoff.core import TakeoffOptions, run

__all__ = ["TakeoffOptions", "run"]
